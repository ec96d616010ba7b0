/**
 * Small shared helpers for kernels: typed-array construction by dtype, element counts, strides,
 * numpy-style broadcasting. Kernels stay allocation-light: one output array per output, index
 * arithmetic on integers, no per-element objects.
 */
import { LatheError } from '../error.js';
import { DataType as D, dtypeName } from '../dtype.js';
import type { NumericArray, RtValue, TensorValue } from './types.js';

/**
 * Largest tensor (in elements) lathe materializes in memory, and the one place that says so:
 * every kernel output, initializer, Constant value and sparse tensor made dense is checked against
 * it (`checkMaterialize`, also called by `allocate`). A 100-byte model can declare a sparse tensor
 * of 2^40 elements; 2^28 (1 GiB of float32) is far beyond any test case, yet keeps a run of a
 * small file under a few GB.
 */
export const MAX_TENSOR_ELEMENTS = 2 ** 28;

/** Refuses (LatheError naming `what`) a tensor of `count` elements past MAX_TENSOR_ELEMENTS. */
export function checkMaterialize(count: number, what: string): void {
  if (!(count <= MAX_TENSOR_ELEMENTS)) {
    throw new LatheError(`${what}: ${count} elements is more than lathe materializes for one tensor (2^28)`);
  }
}

/** dtypes stored widened in a Float32Array (the evaluator rounds them after each kernel). */
export const WIDENED_FLOATS: ReadonlySet<number> = new Set([
  D.FLOAT16, D.BFLOAT16, D.FLOAT8E4M3FN, D.FLOAT8E4M3FNUZ, D.FLOAT8E5M2, D.FLOAT8E5M2FNUZ, D.FLOAT4E2M1, D.FLOAT8E8M0,
]);

export function isFloat(dtype: number): boolean {
  return dtype === D.FLOAT || dtype === D.DOUBLE || WIDENED_FLOATS.has(dtype);
}

export function isBigInt(dtype: number): boolean {
  return dtype === D.INT64 || dtype === D.UINT64;
}

/** A zeroed storage array for `n` elements of `dtype` (see types.ts for the storage rules). */
export function allocate(dtype: number, n: number): NumericArray | string[] {
  checkMaterialize(n, `${dtypeName(dtype)} tensor`);
  switch (dtype) {
    case D.FLOAT: return new Float32Array(n);
    case D.DOUBLE: return new Float64Array(n);
    case D.INT8: case D.INT4: case D.INT2: return new Int8Array(n);
    case D.UINT8: case D.BOOL: case D.UINT4: case D.UINT2: return new Uint8Array(n);
    case D.INT16: return new Int16Array(n);
    case D.UINT16: return new Uint16Array(n);
    case D.INT32: return new Int32Array(n);
    case D.UINT32: return new Uint32Array(n);
    case D.INT64: return new BigInt64Array(n);
    case D.UINT64: return new BigUint64Array(n);
    case D.STRING: return new Array<string>(n).fill('');
    case D.COMPLEX64: return new Float32Array(2 * n);
    case D.COMPLEX128: return new Float64Array(2 * n);
    default:
      if (WIDENED_FLOATS.has(dtype)) return new Float32Array(n);
      throw new LatheError(`no storage for dtype ${dtypeName(dtype)}`);
  }
}

export function sizeOf(dims: readonly number[]): number {
  let n = 1;
  for (const d of dims) n *= d;
  return n;
}

export function tensor(dtype: number, dims: readonly number[], data?: NumericArray | string[]): TensorValue {
  return { kind: 'tensor', dtype, dims, data: data ?? allocate(dtype, sizeOf(dims)) };
}

/** Row-major strides of `dims`. */
export function strides(dims: readonly number[]): number[] {
  const s = new Array<number>(dims.length);
  let acc = 1;
  for (let i = dims.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= dims[i];
  }
  return s;
}

/** The broadcast shape of several shapes (numpy rules), or a LatheError naming them. */
export function broadcastShape(shapes: readonly (readonly number[])[], what = 'broadcast'): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    for (let i = 0; i < s.length; i++) {
      const o = rank - s.length + i;
      const d = s[i];
      if (d === out[o] || d === 1) continue;
      if (out[o] === 1) out[o] = d;
      else throw new LatheError(`${what}: shapes ${shapes.map((x) => `[${x}]`).join(', ')} do not broadcast`);
    }
  }
  return out;
}

/**
 * For each output element (row-major over `outDims`), the flat index into an input of shape
 * `inDims` under broadcasting. Returned as an Int32Array (inputs are < 2^31 elements here).
 */
export function broadcastIndex(inDims: readonly number[], outDims: readonly number[]): Int32Array {
  const n = sizeOf(outDims);
  const idx = new Int32Array(n);
  const rank = outDims.length;
  const inStr = strides(inDims);
  // stride of the input along each OUTPUT axis (0 where broadcast)
  const s = new Array<number>(rank).fill(0);
  for (let i = 0; i < inDims.length; i++) {
    const o = rank - inDims.length + i;
    s[o] = inDims[i] === 1 ? 0 : inStr[i];
  }
  const counter = new Array<number>(rank).fill(0);
  let flat = 0;
  for (let k = 0; k < n; k++) {
    idx[k] = flat;
    for (let a = rank - 1; a >= 0; a--) {
      counter[a]++;
      flat += s[a];
      if (counter[a] < outDims[a]) break;
      flat -= s[a] * counter[a];
      counter[a] = 0;
    }
  }
  return idx;
}

/** Normalizes a possibly negative axis against `rank`; LatheError when out of range. */
export function normAxis(axis: number, rank: number, what = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= Math.max(rank, 1)) throw new LatheError(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Reads an integer tensor (int32/int64/…) as numbers (shape inputs, axes, indices). */
export function toNumbers(v: RtValue | null | undefined, what: string): number[] {
  if (!v || v.kind !== 'tensor' || Array.isArray(v.data)) throw new LatheError(`${what}: expected a numeric tensor`);
  const out = new Array<number>(v.data.length);
  for (let i = 0; i < v.data.length; i++) out[i] = Number(v.data[i]);
  return out;
}

/** The input as a tensor, or a LatheError naming the op and input. */
export function asTensor(v: RtValue | null | undefined, what: string): TensorValue {
  if (!v || v.kind !== 'tensor') throw new LatheError(`${what}: expected a tensor`);
  return v;
}
