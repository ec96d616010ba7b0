/**
 * float32 constants narrowed to float16 or bfloat16, in bounded memory (chunks of the stored
 * bytes, never the whole float32 tensor decoded).
 *
 * Out-of-range values are clamped to the largest finite value of the target (±65504 for float16:
 * an infinity in a weight poisons every sum it enters), and nonzero values too small for the
 * target's smallest subnormal become that subnormal with their sign instead of flushing to zero,
 * so that an epsilon added before a division or a square root stays nonzero. NaN and ±Infinity
 * stay what they are (they were meant).
 */
import { Blob, type ByteSource } from '../../ir/blob.js';
import { LatheError } from '../../ir/error.js';
import { DataType as D } from '../../ir/dtype.js';
import { decodeNarrow, f32BitsToHalf } from '../../ir/ops/float-formats.js';
import type { Tensor } from '../../ir/types.js';
import { forEachFloatChunk } from '../../src/tensor-values.js';

/** The half types this pass produces. */
export type HalfDtype = typeof D.FLOAT16 | typeof D.BFLOAT16;

/** Largest finite value and smallest positive (subnormal) value of each half type. */
const LIMITS: Record<HalfDtype, { max: number; tiny: number }> = {
  [D.FLOAT16]: { max: 65504, tiny: 2 ** -24 },
  [D.BFLOAT16]: { max: decodeNarrow(D.BFLOAT16, 0x7f7f), tiny: 2 ** -133 },
};

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 bits → float16 bits (the evaluator's own rounding; a test compares it with `encodeNarrow`). */
export { f32BitsToHalf };

/** float32 bits → bfloat16 bits, round to nearest even (NaN stays a quiet NaN). */
export function f32BitsToBf16(u: number): number {
  if ((u & 0x7f800000) === 0x7f800000 && (u & 0x7fffff) !== 0) return ((u >>> 16) | 0x40) & 0xffff;
  return ((u + 0x7fff + ((u >>> 16) & 1)) >>> 16) & 0xffff;
}

/** Bits of `x` in `dtype`, clamped and with tiny nonzero values kept nonzero (see the module comment). */
export function halfBits(dtype: HalfDtype, x: number): number {
  const { max, tiny } = LIMITS[dtype];
  const clamped = x > max && x !== Infinity ? max : x < -max && x !== -Infinity ? -max : x;
  f32[0] = clamped;
  const bits = dtype === D.FLOAT16 ? f32BitsToHalf(u32[0]) : f32BitsToBf16(u32[0]);
  if ((bits & 0x7fff) === 0 && clamped !== 0) return (bits & 0x8000) | 1;
  return bits;
}

/** Counts of what narrowing changed beyond rounding. */
export interface NarrowStats {
  clamped: number;
  raisedTiny: number;
}

/** Narrows `n` float32 values (little-endian bytes at `src`) into `out` as half bits. */
function narrowBytes(dtype: HalfDtype, src: Uint8Array, n: number, out: Uint8Array): void {
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  for (let i = 0; i < n; i++) {
    const b = halfBits(dtype, dv.getFloat32(4 * i, true));
    out[2 * i] = b & 0xff;
    out[2 * i + 1] = b >>> 8;
  }
}

/**
 * A source whose bytes are `blob`'s float32 values narrowed on demand: a weight that stays in its
 * file (or external data) is never held whole, in either precision (a 3 GB model converts in
 * bounded memory; saving reads it chunk by chunk).
 */
function narrowedSource(blob: Blob, dtype: HalfDtype, label: string): ByteSource {
  const size = (blob.length / 4) * 2;
  return {
    size,
    label,
    read(offset, length, into) {
      if (!(offset >= 0 && length >= 0 && offset + length <= size)) {
        throw new LatheError(`read of ${length} bytes at offset ${offset} passes the end (${size} bytes)`, label);
      }
      const e0 = Math.floor(offset / 2);
      const e1 = Math.ceil((offset + length) / 2);
      const tmp = new Uint8Array((e1 - e0) * 2);
      narrowBytes(dtype, blob.source.read(blob.offset + e0 * 4, (e1 - e0) * 4), e1 - e0, tmp);
      const view = tmp.subarray(offset - e0 * 2, offset - e0 * 2 + length);
      if (!into) return view;
      into.set(view);
      return into.subarray(0, length);
    },
  };
}

/**
 * `t` (float32) as a `dtype` tensor: raw little-endian bytes, or for a tensor still in its file a
 * lazily narrowed blob (counted now, converted when read); undefined when its payload cannot be
 * read (stripped, or not float32).
 */
export function narrowTensor(t: Tensor, dtype: HalfDtype, label: string, stats?: NarrowStats): Tensor | undefined {
  if (t.dtype !== D.FLOAT) return undefined;
  if (t.data.kind === 'none') return undefined;
  const count = t.dims.reduce((a, b) => a * b, 1);
  const { max } = LIMITS[dtype];
  const lazy = t.data.kind === 'blob' && t.data.blob.length === count * 4 ? t.data.blob : undefined;
  const out = lazy ? undefined : new Uint8Array(count * 2);
  let at = 0;
  const ok = forEachFloatChunk(t, label, (values, n) => {
    for (let i = 0; i < n; i++) {
      const x = values[i];
      if (stats && Number.isFinite(x)) {
        if (Math.abs(x) > max) stats.clamped++;
        else if (x !== 0 && Math.abs(x) <= LIMITS[dtype].tiny / 2) stats.raisedTiny++; // half of tiny ties to even, 0: raised too
      }
      if (out) {
        const b = halfBits(dtype, x);
        out[2 * (at + i)] = b & 0xff;
        out[2 * (at + i) + 1] = b >>> 8;
      }
    }
    at += n;
  });
  if (!ok || at !== count) return undefined;
  const { segment: _s, externalOrigin: _e, ...rest } = t;
  if (lazy) return { ...rest, dtype, data: { kind: 'blob', blob: new Blob(narrowedSource(lazy, dtype, label), 0, count * 2) } };
  return { ...rest, dtype, data: { kind: 'raw', bytes: out! } };
}
