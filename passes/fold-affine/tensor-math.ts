/**
 * Arithmetic on constant tensors for affine folding, through the evaluator's kernels (evalOp):
 * no second copy of op semantics. Statistics are combined in float64 and the results cast to the
 * weight's dtype, so float64 statistics keep their precision and float16 weights round once.
 */
import { DataType as D } from '../../ir/dtype.js';
import { evalOpTensor } from '../../ir/eval/op.js';
import type { TensorValue } from '../../ir/ops/types.js';
import { scaledBlob } from '../../ir/scaled-blob.js';
import type { Tensor } from '../../ir/types.js';

export const FLOATS = new Set<number>([D.FLOAT, D.DOUBLE, D.FLOAT16, D.BFLOAT16]);

export const cast = (t: TensorValue, dtype: number): TensorValue => (t.dtype === dtype ? t : evalOpTensor('Cast', [t], { to: BigInt(dtype) }));
export const f64 = (t: TensorValue): TensorValue => cast(t, D.DOUBLE);
export const mul = (a: TensorValue, b: TensorValue): TensorValue => evalOpTensor('Mul', [a, b]);
export const add = (a: TensorValue, b: TensorValue): TensorValue => evalOpTensor('Add', [a, b]);
export const sub = (a: TensorValue, b: TensorValue): TensorValue => evalOpTensor('Sub', [a, b]);
export const div = (a: TensorValue, b: TensorValue): TensorValue => evalOpTensor('Div', [a, b]);
export const sqrt = (a: TensorValue): TensorValue => evalOpTensor('Sqrt', [a]);
export const scalar64 = (v: number): TensorValue => ({ kind: 'tensor', dtype: D.DOUBLE, dims: [], data: Float64Array.of(v) });

/**
 * `t · factor` (`factor` one float64 element) in `dtype`, as `cast(mul(f64(t), factor), dtype)`.
 * A float32 tensor times a factor that is itself a float32 value is computed by the float32 Mul
 * kernel instead: the product of two float32 values is exact in float64, so its one rounding to
 * float32 gives the same bits, and two whole-weight casts (a 768×768 weight: 9 MB of float64) go.
 */
export function scaleBy(t: TensorValue, factor: TensorValue, dtype: number): TensorValue {
  const f = Number(factor.data[0]);
  if (t.dtype === D.FLOAT && dtype === D.FLOAT && factor.data.length === 1 && Math.fround(f) === f) {
    return mul(t, { kind: 'tensor', dtype: D.FLOAT, dims: [], data: Float32Array.of(f) });
  }
  return cast(mul(f64(t), factor), dtype);
}

/** The same elements with other dims (row-major data is unchanged). */
export function withDims(t: TensorValue, dims: readonly number[]): TensorValue {
  return { ...t, dims: [...dims] };
}

/** A vector of `n` as the shape [1, …, n, …, 1] of rank `rank`, with `n` at `axis`. */
export function along(t: TensorValue, rank: number, axis: number): TensorValue {
  return withDims(t, Array.from({ length: rank }, (_, i) => (i === axis ? t.data.length : 1)));
}

/** The number of elements. */
export const size = (t: TensorValue): number => t.dims.reduce((p, d) => p * d, 1);

/** True when every element is finite (the fold would otherwise spread an inf or NaN into a weight). */
export function allFinite(t: TensorValue): boolean {
  const data = t.data as ArrayLike<number>;
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return false;
  return true;
}

/**
 * A per-channel vector from a constant that broadcasts against an output of rank `rank` whose
 * channels are at `axis` and number `channels`: the constant's dims (aligned right) must be 1
 * everywhere but at `axis`, where they are 1 or `channels`. Returns the `channels` values as a
 * vector, or undefined when the constant is not of that form.
 */
export function perChannel(c: TensorValue, rank: number, axis: number, channels: number): TensorValue | undefined {
  if (c.dims.length > rank) return undefined;
  const offset = rank - c.dims.length;
  let along = 1;
  for (let i = 0; i < c.dims.length; i++) {
    const d = c.dims[i];
    if (i + offset === axis) along = d;
    else if (d !== 1) return undefined;
  }
  if (along !== 1 && along !== channels) return undefined;
  const vec = withDims(c, [along]);
  return along === channels ? vec : evalOpTensor('Expand', [vec, { kind: 'tensor', dtype: D.INT64, dims: [1], data: BigInt64Array.of(BigInt(channels)) }]);
}

/**
 * A float32 weight still in its file (or itself lazy) times a float32 factor, as a payload computed
 * when read (ir/scaled-blob: the Mul kernel's bytes); undefined when the weight is in memory or the
 * product needs more than one float32 rounding (scaleBy then computes it).
 */
export function lazilyScaled(t: Tensor | undefined, factor: TensorValue): Tensor | undefined {
  if (!t || t.dtype !== D.FLOAT || t.data.kind !== 'blob' || factor.data.length !== 1) return undefined;
  const blob = scaledBlob(t.data.blob, Number(factor.data[0]));
  return blob && { dtype: t.dtype, dims: t.dims, data: { kind: 'blob', blob } };
}
