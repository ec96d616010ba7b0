/**
 * Evaluator helpers on runtime values: initializer decoding (cached per Tensor object), sparse
 * initializers made dense, storage checks of kernel results, and short value descriptions.
 */
import { LatheError } from '../error.js';
import { DataType as D, dtypeName } from '../dtype.js';
import { tensorValue } from '../ops/tensor-value.js';
import type { NumericArray, RtValue, TensorValue } from '../ops/types.js';
import { allocate, checkMaterialize, sizeOf, WIDENED_FLOATS } from '../ops/util.js';
import { roundArrayInPlace } from '../ops/float-formats.js';
import type { SparseTensor, Tensor } from '../types.js';

const decoded = new WeakMap<Tensor, TensorValue>();

/**
 * An initializer's value, decoded once per Tensor object (Tensors are immutable; kernels must not
 * write into their inputs, so the decoded arrays can be shared between runs and loop iterations).
 */
export function initializerValue(t: Tensor, what: string): TensorValue {
  let v = decoded.get(t);
  if (!v) {
    v = tensorValue(t, what);
    decoded.set(t, v);
  }
  return v;
}

/** A sparse initializer as a dense tensor (indices: [NNZ] linear or [NNZ, rank] coordinates). */
export function denseValue(s: SparseTensor, what: string): TensorValue {
  const dims = s.dims.slice();
  const n = sizeOf(dims);
  checkMaterialize(n, what); // before decoding values or indices: a 100-byte model can claim 2^40 elements
  const values = initializerValue(s.values, `${what} (values)`);
  const indices = initializerValue(s.indices, `${what} (indices)`);
  const out = allocate(values.dtype, n);
  const nnz = s.values.dims[0] ?? 0;
  const idx = indices.data;
  if (Array.isArray(idx)) throw new LatheError(`${what}: sparse indices are strings`);
  const rank = dims.length;
  const coords = indices.dims.length === 2;
  if (coords && indices.dims[1] !== rank) throw new LatheError(`${what}: sparse indices have ${indices.dims[1]} columns for rank ${rank}`);
  for (let k = 0; k < nnz; k++) {
    let flat = 0;
    if (coords) {
      for (let a = 0; a < rank; a++) {
        const c = Number(idx[k * rank + a]);
        if (c < 0 || c >= dims[a]) throw new LatheError(`${what}: sparse index ${c} out of range on axis ${a}`);
        flat = flat * dims[a] + c;
      }
    } else flat = Number(idx[k]);
    if (!(flat >= 0 && flat < n)) throw new LatheError(`${what}: sparse index ${flat} out of range`);
    (out as unknown[])[flat] = (values.data as unknown[])[k];
  }
  return { kind: 'tensor', dtype: values.dtype, dims, data: out };
}

/** The storage constructor each dtype must use (types.ts). */
function storageOk(dtype: number, data: NumericArray | string[]): boolean {
  if (dtype === D.STRING) return Array.isArray(data);
  if (Array.isArray(data)) return false;
  let proto: NumericArray | string[];
  try {
    proto = allocate(dtype, 0);
  } catch {
    return false;
  }
  return data.constructor === proto.constructor;
}

/** Checks a kernel's tensor against the storage rules: array type and element count. */
export function checkStorage(v: TensorValue, what: string): void {
  if (!storageOk(v.dtype, v.data)) {
    const got = Array.isArray(v.data) ? 'string[]' : v.data.constructor.name;
    throw new LatheError(`${what}: ${dtypeName(v.dtype)} tensor stored in ${got}`);
  }
  for (const d of v.dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw new LatheError(`${what}: dims [${v.dims}] are not sizes`);
  }
  const count = sizeOf(v.dims) * (v.dtype === D.COMPLEX64 || v.dtype === D.COMPLEX128 ? 2 : 1);
  if (v.data.length !== count) throw new LatheError(`${what}: dims [${v.dims}] need ${count} elements, data has ${v.data.length}`);
}

/**
 * A kernel's tensor result as it is stored: narrow floats (float16, bfloat16, float8 …) are
 * computed widened to float32 and rounded to their dtype here, as every value of that dtype is.
 * `inputs`: an array shared with one of them (Identity, Reshape) is copied first, never rounded
 * in place.
 */
export function storedResult(v: TensorValue, inputs: readonly (RtValue | null)[]): TensorValue {
  if (!WIDENED_FLOATS.has(v.dtype)) return v;
  let data = v.data as Float32Array;
  if (inputs.some((x) => x?.kind === 'tensor' && x.data === data)) data = data.slice();
  roundArrayInPlace(v.dtype, data);
  return data === v.data ? v : { ...v, data };
}

/** `float[2,3]`, `seq(float)`, `optional(none)` … for messages. */
export function describeValue(v: RtValue | null): string {
  if (v === null) return 'none';
  switch (v.kind) {
    case 'tensor': return `${dtypeName(v.dtype)}[${v.dims.join(',')}]`;
    case 'sequence': return `seq(${v.items.length} × ${v.items[0] ? describeValue(v.items[0]) : dtypeName(v.elemDtype ?? 0)})`;
    case 'optional': return `optional(${describeValue(v.value)})`;
    case 'map': return `map(${dtypeName(v.keyDtype)}, ${v.keys.length} keys)`;
  }
}
