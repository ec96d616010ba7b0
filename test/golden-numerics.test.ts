/**
 * Every golden case computes the same before and after its pipeline: the input and the expected
 * model run in lathe's evaluator on the same seeded inputs (symbolic dims bound to 2, and to 1,
 * consistently per symbol; a binding the input model itself cannot run with, such as an Expand
 * valid only for N = 1, is passed over, but one binding must run) and their outputs must agree
 * within float rounding (|a − b| ≤ 1e-5 + 1e-4·|b|; passes that lower precision, within theirs: LOSSY;
 * integers and booleans exactly; NaN where NaN, an infinity where the same infinity). A golden file that a pass got wrong in a way that
 * reads plausibly fails here, and so does an input model that cannot run at all.
 */
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { LatheError } from '../ir/error.js';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../ir/eval/index.js';
import { evalOpTensor } from '../ir/eval/op.js';
import type { RtValue, TensorValue } from '../ir/ops/types.js';
import { parseModel } from '../ir/text/parse.js';
import type { Model } from '../ir/types.js';
import { goldenFolders } from './support/golden.js';

/** Inputs: symbols bound to `symbolSize`; an input of unknown shape (`float[]`) fed at rank `unknownRank`, each dim `symbolSize`. */
function feeds(model: Model, symbolSize: number, unknownRank = 2): Record<string, RtValue> {
  const g = model.graph;
  const inits = new Set(g.initializers);
  const out: Record<string, RtValue> = {};
  let seed = 1;
  for (const id of g.inputs) {
    if (inits.has(id)) continue;
    const v = g.values[id];
    const t = v.type;
    if (!t || t.kind !== 'tensor') throw new Error(`input ${v.name}: needs a tensor type`);
    const dims = t.shape ? t.shape.map((d) => (typeof d === 'number' ? d : symbolSize)) : new Array<number>(unknownRank).fill(symbolSize);
    const n = dims.reduce((p, d) => p * d, 1);
    const next = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    let data: TensorValue['data'];
    switch (t.dtype) {
      case 9: data = Uint8Array.from({ length: n }, () => (next() < 0.5 ? 1 : 0)); break;
      case 7: data = BigInt64Array.from({ length: n }, () => BigInt(Math.floor(next() * 3))); break;
      case 6: data = Int32Array.from({ length: n }, () => Math.floor(next() * 3)); break;
      // Narrow integers over their whole range (a Float32Array here would feed fractions to an int8 input).
      case 2: data = Uint8Array.from({ length: n }, () => Math.floor(next() * 256)); break;
      case 3: data = Int8Array.from({ length: n }, () => Math.floor(next() * 256) - 128); break;
      case 4: data = Uint16Array.from({ length: n }, () => Math.floor(next() * 65536)); break;
      case 5: data = Int16Array.from({ length: n }, () => Math.floor(next() * 65536) - 32768); break;
      case 11: data = Float64Array.from({ length: n }, () => next() * 4 - 2); break;
      case 8: data = Array.from({ length: n }, () => ['', 'a', 'b', 'ab', 'é'][Math.floor(next() * 5)]!) as unknown as TensorValue['data']; break;
      default: data = Float32Array.from({ length: n }, () => next() * 4 - 2);
    }
    out[v.name ?? id] = { kind: 'tensor', dtype: t.dtype, dims, data };
  }
  return out;
}

/**
 * Passes that lower precision on purpose compute the same only within their precision: their
 * folders are held to a relative L2 error of the whole output instead, first match (float16 keeps about three
 * decimal digits per op, bfloat16 two; int8/int4 weights and activations a step of a few percent of the range).
 */
const LOSSY: readonly (readonly [string, number])[] = [['convert-float16-bf16', 3e-2], ['convert-float16', 5e-3], ['quantize-int8', 0.1], ['quantize-int4', 0.1]];

/** Static quantization is close only inside its calibrated range: its pipeline calibrates on [-1, 1), so its inputs are halved. */
const HALVED_INPUTS = new Set(['quantize-int8-static']);

/**
 * Folders whose expected model uses onnxruntime's contrib ops, which lathe's evaluator does not
 * run: MatMulNBits is checked against the dequantized product in onnxruntime by
 * passes/quantize-int4-weight's own tests.
 */
const ORT_ONLY = new Set(['quantize-int4-weight-msft']);

/** `f` adapted to `model`'s declared input dtypes (a pass that lowers I/O precision, e.g. float → bfloat16, by a Cast). */
function retyped(model: Model, f: Record<string, RtValue>, scale: number): Record<string, RtValue> {
  const out: Record<string, RtValue> = {};
  for (const id of model.graph.inputs) {
    const v = model.graph.values[id];
    const name = v.name ?? id;
    let x = f[name];
    if (!x || x.kind !== 'tensor') continue;
    if (scale !== 1 && x.data instanceof Float32Array) x = { ...x, data: x.data.map((e) => e * scale) };
    const t = v.type;
    if (t?.kind === 'tensor' && t.dtype !== x.dtype) x = evalOpTensor('Cast', [x], { to: BigInt(t.dtype) });
    out[name] = x;
  }
  return out;
}

function relL2(a: RtValue, b: RtValue): string | undefined {
  if (a.kind !== 'tensor' || b.kind !== 'tensor') return 'non-tensor outputs';
  if (a.dims.join() !== b.dims.join()) return `dims [${a.dims}] vs [${b.dims}]`;
  let num = 0, den = 0;
  for (let i = 0; i < b.data.length; i++) {
    const x = Number(a.data[i]), y = Number(b.data[i]);
    num += (x - y) ** 2;
    den += y * y;
  }
  const r = Math.sqrt(num / Math.max(den, 1e-30));
  return Number.isFinite(r) ? String(r) : `relative L2 error ${r}`;
}

function agree(a: RtValue, b: RtValue): string | undefined {
  if (a.kind !== 'tensor' || b.kind !== 'tensor') return JSON.stringify(a) === JSON.stringify(b) ? undefined : 'non-tensor outputs differ';
  if (a.dtype !== b.dtype) return `dtype ${a.dtype} vs ${b.dtype}`;
  if (a.dims.join() !== b.dims.join()) return `dims [${a.dims}] vs [${b.dims}]`;
  for (let i = 0; i < a.data.length; i++) {
    const x = a.data[i];
    const y = b.data[i];
    if (typeof x !== 'number' || typeof y !== 'number') {
      if (x !== y) return `element ${i}: ${x} vs ${y}`;
      continue;
    }
    // Equal values (infinities of one sign included: inf − inf is NaN) and NaN where NaN agree.
    if (x === y || (Number.isNaN(x) && Number.isNaN(y))) continue;
    if (!(Math.abs(x - y) <= 1e-5 + 1e-4 * Math.abs(y))) return `element ${i}: ${x} vs ${y}`;
  }
  return undefined;
}

// Folders whose inputs are invalid on purpose (`input-accepts.txt`: topo-sort's out-of-order
// inputs) cannot run as written; their expected files are still checked by the golden runner.
const cases = goldenFolders()
  .filter((f) => !existsSync(join(f.dir, 'input-accepts.txt')))
  .filter((f) => !ORT_ONLY.has(f.name))
  .flatMap((f) => f.cases)
  .filter((c) => existsSync(c.expectedFile));

describe('golden cases compute the same before and after', () => {
  it('finds the cases', () => expect(cases.length).toBeGreaterThan(20));
  it.each(cases.map((c) => [`${c.folder}/${c.name}`, c] as const))('%s', (_label, c) => {
    const input = parseModel(readFileSync(c.inputFile, 'utf8'));
    const expected = parseModel(readFileSync(c.expectedFile, 'utf8'));
    let ran = 0;
    const lossy = LOSSY.find(([prefix]) => c.folder.startsWith(prefix));
    // Symbols bound to 2, then to 1; then, where precision is kept, float inputs spread over
    // [-16, 16): inputs in [-2, 2) never leave a bound like Clip(x + 3, 0, 6)'s, so a rewrite
    // that holds only inside it would pass.
    // An input of unknown rank is fed at ranks 2, 0 (a scalar), 3 and 1: a rewrite must hold at each.
    const unknownRank = input.graph.inputs.some((id) => { const t = input.graph.values[id]?.type; return t?.kind === 'tensor' && !t.shape; });
    const runs = [{ size: 2, wide: false, rank: 2 }, { size: 1, wide: false, rank: 0 }, ...(lossy || HALVED_INPUTS.has(c.folder) ? [] : [{ size: 2, wide: true, rank: 3 }]), ...(unknownRank ? [{ size: 2, wide: false, rank: 1 }] : [])];
    for (const { size, wide, rank } of runs) {
      const scale = HALVED_INPUTS.has(c.folder) ? 0.5 : wide ? 8 : 1;
      const f = retyped(input, feeds(input, size, rank), scale);
      let before: Map<string, RtValue>;
      try {
        before = evaluate(input, f);
      } catch (e) {
        if (e instanceof LatheError) continue;
        throw e;
      }
      ran++;
      const after = evaluate(expected, retyped(expected, f, 1));
      expect([...after.keys()]).toEqual([...before.keys()]);
      for (const [name, v] of before) {
        if (!lossy) {
          expect(agree(after.get(name)!, v), `output ${name} (symbols = ${size}${wide ? ', inputs in [-16, 16)' : ''}${unknownRank ? `, unknown ranks = ${rank}` : ''})`).toBeUndefined();
          continue;
        }
        const r = relL2(after.get(name)!, v);
        expect(Number(r), `output ${name} (symbols = ${size}): ${r}`).toBeLessThanOrEqual(lossy[1]);
      }
    }
    expect(ran, 'the input model runs with at least one binding of its symbols').toBeGreaterThan(0);
  });
});
