/**
 * The magnitudes a model's float32 values actually take, measured by running it once in lathe's
 * evaluator on generated inputs: what the op schemas cannot say about half precision. float16's
 * normal range is 6.1e-5 … 65504; a value whose typical magnitude lies below it computes in
 * subnormals (few or no significant bits: a network whose activations shrink layer after layer
 * comes out as zeros), one whose peak lies near the top overflows to infinity in the next sum.
 *
 * Inputs: floats uniform in [-1, 1), integers 0 or 1 (token ids, masks and type ids stay in
 * range), booleans false; a symbolic dim is 1 when its name says batch, else 8. A model the
 * evaluator cannot run gives no ranges (the caller keeps only its schema-based decision).
 */
import { DataType as D } from '../../ir/dtype.js';
import { evaluate } from '../../ir/eval/index.js';
import type { RtValue, TensorValue } from '../../ir/ops/types.js';
import { allocate } from '../../ir/ops/util.js';
import type { Model, ValueId } from '../../ir/types.js';

/** Root mean square and largest magnitude of one value's finite elements. */
export interface Range {
  readonly rms: number;
  readonly max: number;
}

/** A seeded xorshift source (its own: the evaluator's random ops are not involved). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

/** Generated inputs of the main graph, or undefined when one cannot be made (no shape, strings, …). */
export function generatedInputs(model: Model, seed = 1): Map<string, RtValue> | undefined {
  const g = model.graph;
  const inits = new Set(g.initializers);
  const next = rng(seed);
  const feeds = new Map<string, RtValue>();
  for (const id of g.inputs) {
    if (inits.has(id)) continue;
    const v = g.values[id];
    const t = v?.type;
    if (!v || t?.kind !== 'tensor' || !t.shape) return undefined;
    const dims = t.shape.map((d) => (typeof d === 'number' ? d : d === null ? 1 : /batch/i.test(d) ? 1 : 8));
    const n = dims.reduce((a, b) => a * b, 1);
    if (n > 1 << 24) return undefined;
    let data;
    try {
      data = allocate(t.dtype, n);
    } catch {
      return undefined;
    }
    if (Array.isArray(data)) return undefined;
    if (data instanceof Float32Array || data instanceof Float64Array) for (let i = 0; i < n; i++) data[i] = next() * 2 - 1;
    else if (data instanceof BigInt64Array || data instanceof BigUint64Array) for (let i = 0; i < n; i++) data[i] = BigInt(next() < 0.5 ? 0 : 1);
    else if (t.dtype !== D.BOOL) for (let i = 0; i < n; i++) data[i] = next() < 0.5 ? 0 : 1;
    feeds.set(v.name ?? id, { kind: 'tensor', dtype: t.dtype, dims, data } as TensorValue);
  }
  return feeds;
}

/**
 * The range of every float32 value in `wanted` computed by a node of the main graph, or undefined
 * when the model could not be run (`why` says why).
 */
export function measureRanges(model: Model, wanted: ReadonlySet<ValueId>): { ranges?: Map<ValueId, Range>; why?: string } {
  const feeds = generatedInputs(model);
  if (!feeds) return { why: 'an input has no static rank or a dtype that cannot be generated' };
  const ranges = new Map<ValueId, Range>();
  // The evaluator reports main-graph values by name (its id when unnamed).
  const byKey = new Map<string, ValueId>();
  for (const id of wanted) byKey.set(model.graph.values[id]?.name ?? id, id);
  try {
    evaluate(model, feeds, {
      observe: (key, v) => {
        const id = byKey.get(key);
        if (id === undefined || v.kind !== 'tensor' || v.dtype !== D.FLOAT || !(v.data instanceof Float32Array)) return;
        const a = v.data;
        let sum = 0;
        let max = 0;
        let n = 0;
        for (let i = 0; i < a.length; i++) {
          const x = a[i];
          if (!Number.isFinite(x)) continue;
          const m = Math.abs(x);
          sum += m * m;
          if (m > max) max = m;
          n++;
        }
        ranges.set(id, { rms: n === 0 ? 0 : Math.sqrt(sum / n), max });
      },
    });
  } catch (e) {
    return { why: (e as Error).message.split('\n')[0] };
  }
  return { ranges };
}
