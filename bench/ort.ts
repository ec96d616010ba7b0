/**
 * onnxruntime-node as an independent numeric oracle (tests and benchmarks only).
 *
 * Sessions run with graph optimizations disabled and one thread, so that two models that compute
 * the same thing give bit-identical outputs (QUALITY.md: passes that only move bytes must be
 * bit-exact).
 */
import * as ort from 'onnxruntime-node';
import { dtypeName } from '../ir/dtype.js';
import type { Dim, Model, Type } from '../ir/types.js';
import { storedIn } from '../ir/uses.js';

/** lathe dtype code → onnxruntime-node tensor type (the ones its JS binding can create). */
const ortTypes: Record<number, ort.Tensor.Type> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 8: 'string',
  9: 'bool', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};

export type Feeds = Record<string, ort.Tensor>;

export interface OrtOutputs {
  readonly names: readonly string[];
  /** Output payloads as bytes (strings joined with NUL), dims and type. */
  readonly outputs: readonly { type: string; dims: readonly number[]; bytes: Uint8Array }[];
}

/** A session on a model file or the bytes of one (optimizations off, one thread). */
export async function createSession(model: string | Uint8Array): Promise<ort.InferenceSession> {
  const options: ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'disabled',
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    logSeverityLevel: 3,
  };
  return typeof model === 'string' ? ort.InferenceSession.create(model, options) : ort.InferenceSession.create(model, options);
}

export async function runOrt(path: string, feeds: Feeds): Promise<OrtOutputs> {
  const session = await createSession(path);
  try {
    const result = await session.run(feeds);
    const names = session.outputNames;
    return {
      names,
      outputs: names.map((n) => {
        const t = result[n];
        return { type: t.type, dims: t.dims, bytes: tensorBytes(t) };
      }),
    };
  } finally {
    await session.release();
  }
}

function tensorBytes(t: ort.Tensor): Uint8Array {
  if (t.type === 'string') return new TextEncoder().encode((t.data as string[]).join('\u0000'));
  const d = t.data as ArrayBufferView;
  return new Uint8Array(d.buffer, d.byteOffset, d.byteLength).slice();
}

/** First difference between two runs, or null when bit-identical. */
export function diffOutputs(a: OrtOutputs, b: OrtOutputs): string | null {
  if (a.names.join() !== b.names.join()) return `output names differ: ${a.names} vs ${b.names}`;
  for (let i = 0; i < a.outputs.length; i++) {
    const x = a.outputs[i], y = b.outputs[i];
    if (x.type !== y.type) return `${a.names[i]}: type ${x.type} vs ${y.type}`;
    if (x.dims.join() !== y.dims.join()) return `${a.names[i]}: dims [${x.dims}] vs [${y.dims}]`;
    if (x.bytes.length !== y.bytes.length) return `${a.names[i]}: ${x.bytes.length} vs ${y.bytes.length} bytes`;
    for (let k = 0; k < x.bytes.length; k++) {
      if (x.bytes[k] !== y.bytes[k]) return `${a.names[i]}: byte ${k} differs`;
    }
  }
  return null;
}

/** A seeded xorshift generator for test feeds (not lathe's fill PRNG: the oracle stays independent). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 0x9e3779b9;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x100000000;
  };
}

/**
 * Random feeds for the main graph's non-initializer inputs. Symbolic dims take `symbolSize(name)`
 * (default: 1 for batch-like names, 8 otherwise); integer inputs draw from [0, intMax) so that
 * token ids and indices stay in range.
 */
export function randomFeeds(
  model: Model,
  options: { seed?: number; intMax?: number; symbolSize?: (name: string) => number } = {},
): Feeds {
  const next = rng(options.seed ?? 1);
  const intMax = options.intMax ?? 2;
  const symbol = options.symbolSize ?? ((n: string) => (/batch/i.test(n) ? 1 : 8));
  const g = model.graph;
  const inits = storedIn(g);
  const feeds: Feeds = {};
  for (const id of g.inputs) {
    if (inits.has(id)) continue;
    const v = g.values[id];
    const t: Type | undefined = v.type;
    if (!t || t.kind !== 'tensor' || !t.shape) throw new Error(`input ${v.name}: needs a tensor type with a shape`);
    const dims = t.shape.map((d: Dim) => (typeof d === 'number' ? d : d === null ? 1 : symbol(d)));
    const n = dims.reduce((a, b) => a * b, 1);
    const type = ortTypes[t.dtype];
    if (!type) throw new Error(`input ${v.name}: dtype ${dtypeName(t.dtype)} not supported by the oracle`);
    feeds[v.name ?? id] = new ort.Tensor(type, fill(type, n, next, intMax) as never, dims);
  }
  return feeds;
}

function fill(type: ort.Tensor.Type, n: number, next: () => number, intMax: number): unknown {
  switch (type) {
    case 'float32': return Float32Array.from({ length: n }, () => next() * 2 - 1);
    case 'float64': return Float64Array.from({ length: n }, () => next() * 2 - 1);
    case 'float16': return Uint16Array.from({ length: n }, () => 0x3c00 - Math.floor(next() * 1024));
    case 'int64': return BigInt64Array.from({ length: n }, () => BigInt(Math.floor(next() * intMax)));
    case 'uint64': return BigUint64Array.from({ length: n }, () => BigInt(Math.floor(next() * intMax)));
    case 'int32': return Int32Array.from({ length: n }, () => Math.floor(next() * intMax));
    case 'uint32': return Uint32Array.from({ length: n }, () => Math.floor(next() * intMax));
    case 'int16': return Int16Array.from({ length: n }, () => Math.floor(next() * intMax));
    case 'uint16': return Uint16Array.from({ length: n }, () => Math.floor(next() * intMax));
    case 'int8': return Int8Array.from({ length: n }, () => Math.floor(next() * intMax));
    case 'uint8': return Uint8Array.from({ length: n }, () => Math.floor(next() * intMax));
    case 'bool': return Uint8Array.from({ length: n }, () => (next() < 0.5 ? 1 : 0));
    case 'string': return Array.from({ length: n }, () => String(Math.floor(next() * 100)));
    default: throw new Error(`no feed generator for ${type}`);
  }
}
