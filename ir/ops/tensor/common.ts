/**
 * Helpers shared by the tensor-family kernels: dtype-agnostic element copies (strings, bigints and
 * interleaved complex pairs all move the same way), index reading with range checks, and the
 * output-size guard every shape-producing op goes through.
 */
import type { IntsOperand } from '../operands.js';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { KernelContext, NumericArray, RtValue, TensorValue } from '../types.js';
import { allocate, MAX_TENSOR_ELEMENTS, asTensor, sizeOf } from '../util.js';

/**
 * Largest element count a kernel in this family will allocate. Shape-producing ops (Expand, Tile,
 * Range, OneHot, Pad …) take their output size from data, so a tiny model could otherwise ask for
 * terabytes; 2^28 elements (1 GiB of float32) is far beyond any test case yet bounded.
 */
export const MAX_ELEMENTS = MAX_TENSOR_ELEMENTS; // one limit for every materialization (util.ts)

/** Untyped view of a storage array: same-dtype copies need no per-type code. */
export type Cells = { [i: number]: unknown; length: number };

/** Storage entries per element: 2 for the interleaved complex types, else 1. */
export function widthOf(dtype: number): number {
  return dtype === D.COMPLEX64 || dtype === D.COMPLEX128 ? 2 : 1;
}

/** `op: message` as a LatheError — every model-caused failure names its op. */
export function fail(op: string, message: string): never {
  throw new LatheError(`${op}: ${message}`);
}

/** Checks a requested output shape (non-negative integers, bounded size) and returns its element count. */
export function checkDims(op: string, dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) fail(op, `invalid output dimension ${d} in [${dims.join(',')}]`);
    n *= d;
  }
  if (n > MAX_ELEMENTS) fail(op, `output of ${n} elements (shape [${dims.join(',')}]) exceeds the limit of ${MAX_ELEMENTS}`);
  return n;
}

/** A fresh tensor of `dims` (size-checked). */
export function alloc(op: string, dtype: number, dims: readonly number[]): TensorValue {
  checkDims(op, dims);
  return { kind: 'tensor', dtype, dims: [...dims], data: allocate(dtype, sizeOf(dims)) };
}

/** The same data under new dims (data is shared: runtime values are immutable). */
export function withDims(t: TensorValue, dims: readonly number[]): TensorValue {
  return { kind: 'tensor', dtype: t.dtype, dims: [...dims], data: t.data };
}

type Words = Int32Array | Int16Array | Uint8Array;

/**
 * The storage as raw machine words plus the words per element: moving bits instead of values keeps
 * the copy loops to three array kinds (fast in V8) and NaN payloads intact.
 */
function words(data: NumericArray, dtype: number): { v: Words; f: number } {
  const b = data.BYTES_PER_ELEMENT * widthOf(dtype);
  if (data.BYTES_PER_ELEMENT >= 4) return { v: new Int32Array(data.buffer, data.byteOffset, data.byteLength >> 2), f: b >> 2 };
  if (data.BYTES_PER_ELEMENT === 2) return { v: new Int16Array(data.buffer, data.byteOffset, data.byteLength >> 1), f: 1 };
  return { v: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), f: 1 };
}

/**
 * A new tensor of `dims` whose k-th element is element `idx[k]` of `src` (flat, row-major), or
 * `fill` (element 0 of a one-element tensor of the same dtype) where `idx[k] < 0`.
 */
export function take(op: string, src: TensorValue, idx: Int32Array | Float64Array, dims: readonly number[], fill?: TensorValue): TensorValue {
  const out = alloc(op, src.dtype, dims);
  const n = idx.length;
  if (Array.isArray(src.data)) {
    const s = src.data;
    const d = out.data as string[];
    const f = fill ? (fill.data as string[])[0] : '';
    for (let k = 0; k < n; k++) d[k] = idx[k] < 0 ? f : s[idx[k]];
    return out;
  }
  const { v: s, f } = words(src.data, src.dtype);
  const d = words(out.data as NumericArray, src.dtype).v;
  const fw = fill ? words(fill.data as NumericArray, src.dtype).v : new Int32Array(f);
  if (f === 1) {
    const f0 = fw[0];
    for (let k = 0; k < n; k++) {
      const i = idx[k];
      d[k] = i < 0 ? f0 : s[i];
    }
  } else {
    for (let k = 0; k < n; k++) {
      const i = idx[k];
      for (let t = 0; t < f; t++) d[k * f + t] = i < 0 ? fw[t] : s[i * f + t];
    }
  }
  return out;
}

/**
 * `take` of an output of `outDims` whose coordinate `o` on axis `a` adds `maps[a][o]` to the flat
 * source index (a negative entry marks fill), without materializing the index table: transpose,
 * slice, broadcast, tile and every pad mode are this with different per-axis tables.
 */
export function gatherAxes(op: string, src: TensorValue, outDims: readonly number[], maps: readonly Int32Array[], fill?: TensorValue): TensorValue {
  const r = outDims.length;
  if (Array.isArray(src.data) || r === 0) return take(op, src, mapIndex(outDims, maps), outDims, fill);
  const out = alloc(op, src.dtype, outDims);
  const n = sizeOf(outDims);
  if (n === 0) return out;
  const { v: s, f } = words(src.data, src.dtype);
  const d = words(out.data as NumericArray, src.dtype).v;
  const fw = fill ? words(fill.data as NumericArray, src.dtype).v : new Int32Array(f);
  const last = maps[r - 1];
  const L = outDims[r - 1];
  const counter = new Array<number>(r).fill(0);
  let k = 0;
  for (;;) {
    let base = 0;
    let bad = false;
    for (let a = 0; a < r - 1; a++) {
      const m = maps[a][counter[a]];
      if (m < 0) bad = true;
      base += m;
    }
    if (f === 1) {
      const f0 = fw[0];
      if (bad) {
        for (let j = 0; j < L; j++) d[k++] = f0;
      } else {
        for (let j = 0; j < L; j++) {
          const m = last[j];
          d[k++] = m < 0 ? f0 : s[base + m];
        }
      }
    } else {
      for (let j = 0; j < L; j++) {
        const m = last[j];
        const i = (base + m) * f;
        for (let t = 0; t < f; t++) d[k * f + t] = bad || m < 0 ? fw[t] : s[i + t];
        k++;
      }
    }
    let a = r - 2;
    for (; a >= 0; a--) {
      if (++counter[a] < outDims[a]) break;
      counter[a] = 0;
    }
    if (a < 0) break;
  }
  return out;
}

/** Copies `count` elements from src[si…] to dst[di…] (element units, complex-aware). */
export function copyRun(src: NumericArray | string[], si: number, dst: NumericArray | string[], di: number, count: number, w: number): void {
  if (count <= 0) return;
  if (Array.isArray(src)) {
    const d = dst as string[];
    for (let k = 0; k < count; k++) d[di + k] = src[si + k];
    return;
  }
  (dst as Float64Array).set((src as Float64Array).subarray(si * w, (si + count) * w), di * w);
}

/** Reads an integer-valued tensor as numbers, rejecting strings/floats with fractional parts. */
export function intsOf(op: string, v: RtValue | null | undefined, what: string): number[] {
  const t = asTensor(v, `${op} ${what}`);
  if (Array.isArray(t.data)) fail(op, `${what} must be an integer tensor, got strings`);
  const out = new Array<number>(t.data.length);
  for (let i = 0; i < t.data.length; i++) {
    const x = Number(t.data[i]);
    if (!Number.isInteger(x)) fail(op, `${what} must hold integers, got ${x}`);
    out[i] = x;
  }
  return out;
}

/** An operand decoded by `ir/ops/operands.ts`: its attribute values, its input's integers, or undefined when absent. */
export function operandInts(op: string, inputs: readonly (RtValue | null)[], operand: IntsOperand, what: string): number[] | undefined {
  if (operand.from === 'attr') return [...operand.value];
  if (operand.from === 'input') return intsOf(op, inputs[operand.index], what);
  return undefined;
}

/** The single value of a scalar (or one-element) integer tensor. */
export function scalarInt(op: string, v: RtValue | null | undefined, what: string): number {
  const xs = intsOf(op, v, what);
  if (xs.length !== 1) fail(op, `${what} must hold exactly one value, got ${xs.length}`);
  return xs[0];
}

/** Normalizes an index against a dimension: negative counts from the end; LatheError when out of range. */
export function normIndex(op: string, i: number, dim: number, what = 'index'): number {
  const j = i < 0 ? i + dim : i;
  if (!(j >= 0 && j < dim)) fail(op, `${what} ${i} is out of range for a dimension of ${dim}`);
  return j;
}

/** Normalizes an axis against `rank` (negative counts from the back). */
export function axisOf(op: string, axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) fail(op, `${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Normalizes a list of axes; rejects duplicates. */
export function axesOf(op: string, axes: readonly number[], rank: number, what = 'axes'): number[] {
  const out = axes.map((a) => axisOf(op, a, rank, what === 'axes' ? 'axis' : what));
  if (new Set(out).size !== out.length) fail(op, `${what} [${axes.join(',')}] repeat an axis`);
  return out;
}

/** The input tensor `i` (required), named by op. */
export function input(op: string, inputs: readonly (RtValue | null)[], i: number, what = `input ${i}`): TensorValue {
  return asTensor(inputs[i], `${op} ${what}`);
}

/** The input tensor `i` when present (omitted optional inputs are null or absent). */
export function optInput(op: string, inputs: readonly (RtValue | null)[], i: number, what = `input ${i}`): TensorValue | null {
  const v = inputs[i];
  if (v === null || v === undefined) return null;
  return asTensor(v, `${op} ${what}`);
}

/** Number of declared outputs of the node (trailing omitted ones included). */
export function outputCount(ctx: KernelContext): number {
  return ctx.node.outputs.length;
}

/** A scalar int64 tensor. */
export function int64Tensor(dims: readonly number[], values: ArrayLike<number>): TensorValue {
  const data = new BigInt64Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = BigInt(values[i]);
  return { kind: 'tensor', dtype: D.INT64, dims: [...dims], data };
}

/** Element `i` as a JS number (bigints converted; complex/string excluded by callers). */
export function numAt(data: NumericArray, i: number): number {
  return Number(data[i]);
}

/** Stores a JS number into any numeric storage (bigint storage truncates toward zero). */
export function setNum(data: NumericArray, i: number, x: number): void {
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    (data as BigInt64Array)[i] = Number.isFinite(x) ? BigInt(Math.trunc(x)) : 0n;
  } else {
    data[i] = x;
  }
}

/**
 * Flat source indices for an output of `outDims` whose coordinate `o` on axis `a` contributes
 * `maps[a][o]` to the source offset; a negative contribution marks the element as fill (-1).
 * One table per axis covers transpose, slice, broadcast, tile and every pad mode.
 */
export function mapIndex(outDims: readonly number[], maps: readonly Int32Array[]): Int32Array {
  const n = sizeOf(outDims);
  const r = outDims.length;
  const idx = new Int32Array(n);
  if (n === 0 || r === 0) return idx;
  const last = maps[r - 1];
  const L = outDims[r - 1];
  const counter = new Array<number>(r).fill(0);
  let k = 0;
  for (;;) {
    let base = 0;
    let bad = false;
    for (let a = 0; a < r - 1; a++) {
      const m = maps[a][counter[a]];
      if (m < 0) bad = true;
      base += m;
    }
    if (bad) {
      idx.fill(-1, k, k + L);
      k += L;
    } else {
      for (let j = 0; j < L; j++) {
        const m = last[j];
        idx[k++] = m < 0 ? -1 : base + m;
      }
    }
    let a = r - 2;
    for (; a >= 0; a--) {
      if (++counter[a] < outDims[a]) break;
      counter[a] = 0;
    }
    if (a < 0) break;
  }
  return idx;
}

/** Per-axis table `o ↦ f(o) · stride` (or -1 where f gives -1). */
export function axisMap(len: number, stride: number, f: (o: number) => number): Int32Array {
  const m = new Int32Array(len);
  for (let o = 0; o < len; o++) {
    const i = f(o);
    m[o] = i < 0 ? -1 : i * stride;
  }
  return m;
}
