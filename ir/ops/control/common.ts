/**
 * Helpers shared by the control-flow, sequence and string kernels: scalar construction, moving
 * contiguous blocks between storage arrays of any dtype (typed arrays and string[] alike), and
 * slicing / stacking / concatenating along an axis (Scan, Loop scan outputs, SplitToSequence,
 * ConcatFromSequence).
 */
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { NumericArray, RtValue, TensorValue } from '../types.js';
import { allocate, sizeOf } from '../util.js';

export type Storage = NumericArray | string[];

/**
 * Largest output an op may allocate when its size comes from attributes alone (Random* shapes,
 * TfIdfVectorizer's ngram_indexes, TreeEnsemble's n_targets): a few bytes of model must not ask
 * for gigabytes.
 */
export const MAX_ATTR_ELEMENTS = 1 << 27;

/** LatheError when an attribute-sized output of `n` elements exceeds MAX_ATTR_ELEMENTS. */
export function checkAttrSized(n: number, what: string): void {
  if (!(n <= MAX_ATTR_ELEMENTS)) throw new LatheError(`${what}: output of ${n} elements exceeds the limit of ${MAX_ATTR_ELEMENTS}`);
}

/** Storage entries per element: complex dtypes interleave (re, im). */
export function width(dtype: number): number {
  return dtype === D.COMPLEX64 || dtype === D.COMPLEX128 ? 2 : 1;
}

export function int64Scalar(v: number | bigint): TensorValue {
  return { kind: 'tensor', dtype: D.INT64, dims: [], data: BigInt64Array.of(BigInt(v)) };
}

export function boolScalar(v: boolean): TensorValue {
  return { kind: 'tensor', dtype: D.BOOL, dims: [], data: Uint8Array.of(v ? 1 : 0) };
}

/** Copies `len` storage entries from `src[srcOff…]` to `dst[dstOff…]` (same storage kind). */
export function copyBlock(src: Storage, srcOff: number, dst: Storage, dstOff: number, len: number): void {
  if (len <= 0) return;
  if (Array.isArray(src) || Array.isArray(dst)) {
    const s = src as string[];
    const d = dst as string[];
    for (let i = 0; i < len; i++) d[dstOff + i] = s[srcOff + i];
    return;
  }
  // Same dtype on both sides, so the typed-array kinds match.
  (dst as Float64Array).set((src as Float64Array).subarray(srcOff, srcOff + len), dstOff);
}

/** The first element of a tensor as a boolean (If/Loop conditions: scalar or one-element). */
export function truthy(v: RtValue | null | undefined, what: string): boolean {
  if (!v || v.kind !== 'tensor' || Array.isArray(v.data)) throw new LatheError(`${what}: expected a boolean tensor`);
  if (v.data.length < 1) throw new LatheError(`${what}: condition tensor is empty`);
  return Number(v.data[0]) !== 0;
}

/** The single element of an integer tensor (scalar or one-element), as a number. */
export function scalarInt(v: RtValue | null | undefined, what: string): number {
  if (!v || v.kind !== 'tensor' || Array.isArray(v.data)) throw new LatheError(`${what}: expected an integer tensor`);
  if (v.data.length !== 1) throw new LatheError(`${what}: expected one element, got ${v.data.length}`);
  return Number(v.data[0]);
}

/** outer × axisLen × inner decomposition of `dims` around `axis` (inner counts storage entries). */
function split3(dims: readonly number[], axis: number, w: number): [number, number, number] {
  let outer = 1;
  for (let i = 0; i < axis; i++) outer *= dims[i];
  let inner = w;
  for (let i = axis + 1; i < dims.length; i++) inner *= dims[i];
  return [outer, dims[axis], inner];
}

/** `t[…, start:start+len, …]` along `axis` (keepdims); `len` may be 0. */
export function sliceAxis(t: TensorValue, axis: number, start: number, len: number): TensorValue {
  const [outer, n, inner] = split3(t.dims, axis, width(t.dtype));
  const dims = t.dims.slice();
  dims[axis] = len;
  const data = allocate(t.dtype, sizeOf(dims));
  for (let o = 0; o < outer; o++) copyBlock(t.data, (o * n + start) * inner, data, o * len * inner, len * inner);
  return { kind: 'tensor', dtype: t.dtype, dims, data };
}

/** `t[…, index, …]` along `axis`, the axis removed. */
export function takeAxis(t: TensorValue, axis: number, index: number): TensorValue {
  const s = sliceAxis(t, axis, index, 1);
  const dims = t.dims.slice();
  dims.splice(axis, 1);
  return { kind: 'tensor', dtype: t.dtype, dims, data: s.data };
}

/**
 * Concatenates tensors along `axis` (all the same dtype and rank, equal dims off the axis); with
 * `newAxis`, stacks them on a new axis inserted at `axis` (all the same shape).
 */
export function concatAxis(parts: readonly TensorValue[], axis: number, newAxis: boolean, what: string): TensorValue {
  if (parts.length === 0) throw new LatheError(`${what}: nothing to concatenate`);
  const first = parts[0];
  const base = newAxis ? [...first.dims.slice(0, axis), 1, ...first.dims.slice(axis)] : first.dims.slice();
  const rank = base.length;
  if (axis < 0 || axis >= rank) throw new LatheError(`${what}: axis ${axis} is out of range for rank ${rank}`);
  let total = 0;
  const views: number[][] = [];
  for (const p of parts) {
    if (p.dtype !== first.dtype) throw new LatheError(`${what}: parts have different dtypes`);
    const d = newAxis ? [...p.dims.slice(0, axis), 1, ...p.dims.slice(axis)] : p.dims.slice();
    if (d.length !== rank || d.some((x, i) => i !== axis && x !== base[i])) {
      throw new LatheError(`${what}: shapes [${first.dims}] and [${p.dims}] do not concatenate on axis ${axis}`);
    }
    views.push(d);
    total += d[axis];
  }
  const dims = base.slice();
  dims[axis] = total;
  const data = allocate(first.dtype, sizeOf(dims));
  const [outer, , inner] = split3(dims, axis, width(first.dtype));
  let at = 0;
  for (let k = 0; k < parts.length; k++) {
    const len = views[k][axis];
    for (let o = 0; o < outer; o++) copyBlock(parts[k].data, o * len * inner, data, (o * total + at) * inner, len * inner);
    at += len;
  }
  return { kind: 'tensor', dtype: first.dtype, dims, data };
}

/** Element dtype of a value when it is a tensor (or a sequence/optional of tensors). */
export function elemDtypeOf(v: RtValue | null | undefined): number | undefined {
  if (!v) return undefined;
  if (v.kind === 'tensor') return v.dtype;
  if (v.kind === 'sequence') return v.elemDtype ?? elemDtypeOf(v.items[0]);
  if (v.kind === 'optional') return v.elemDtype ?? elemDtypeOf(v.value);
  return undefined;
}
