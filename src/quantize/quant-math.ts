/**
 * The arithmetic of linear quantization as ONNX defines it (QuantizeLinear: `q = saturate(
 * round_half_even(x / scale) + zero_point)`; DequantizeLinear: `x = (q - zero_point) * scale`):
 * parameters from a range, weights quantized per tensor or per channel, and the error a
 * quantization introduces. Pure functions on typed arrays.
 */
import { DataType as D } from '../../ir/dtype.js';

/** The integer targets lathe quantizes to. */
export type QuantDtype = typeof D.INT8 | typeof D.UINT8;

/** Linear quantization parameters of one tensor: one scale (per tensor) or one per channel. */
export interface QuantParams {
  readonly dtype: QuantDtype;
  readonly scale: Float32Array;
  readonly zeroPoint: Int32Array;
  /** The channel axis of per-channel parameters; undefined when per tensor. */
  readonly axis?: number;
}

/** What a quantization lost: the largest absolute difference and ||x - dq(q(x))|| / ||x||. */
export interface QuantError {
  readonly maxAbs: number;
  readonly relL2: number;
}

/**
 * The representable range of `dtype`; symmetric int8 leaves out -128 so that +-absmax both fit.
 * `reduceRange` (7 bits, as onnxruntime's quantizer's reduce_range, for int8 weights): [-64, 64].
 * x86 CPUs without VNNI multiply uint8 activations by int8 weights with an instruction
 * (vpmaddubsw) that adds two products in 16 bits and saturates: 2 · 255 · 127 does not fit,
 * 2 · 255 · 64 does.
 */
export function qRange(dtype: QuantDtype, symmetric: boolean, reduceRange = false): [number, number] {
  if (dtype === D.UINT8) return [0, 255];
  if (reduceRange) return [-64, 64];
  return symmetric ? [-127, 127] : [-128, 127];
}

/** Round half to even, as QuantizeLinear does. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The smallest scale used: a narrower range (denormals, or a single point) gets scale 1, since
 * x / scale would overflow or lose all precision in float32, and any error is below 1e-30.
 */
const MIN_SCALE = 1e-30;

/**
 * Scale and zero point for values in [min, max]. The range is widened to hold 0 (so that zero,
 * padding's value, is exact). Symmetric: zero point 0 (int8) or 128 (uint8) and the scale from
 * the larger magnitude.
 */
export function paramsFromRange(min: number, max: number, dtype: QuantDtype, symmetric: boolean, reduceRange = false): { scale: number; zeroPoint: number } {
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const [qmin, qmax] = qRange(dtype, symmetric, reduceRange);
  if (symmetric) {
    const scale = Math.fround(Math.max(-lo, hi) / ((qmax - qmin) / 2));
    return { scale: scale >= MIN_SCALE ? scale : 1, zeroPoint: dtype === D.UINT8 ? 128 : 0 };
  }
  const scale = Math.fround((hi - lo) / (qmax - qmin));
  if (!(scale >= MIN_SCALE)) return { scale: 1, zeroPoint: 0 };
  const zeroPoint = Math.min(qmax, Math.max(qmin, roundHalfEven(qmin - lo / scale)));
  return { scale, zeroPoint };
}

/** QuantizeLinear of one value. */
export function quantizeValue(x: number, scale: number, zeroPoint: number, qmin: number, qmax: number): number {
  const q = roundHalfEven(Math.fround(x / scale)) + zeroPoint;
  return q < qmin ? qmin : q > qmax ? qmax : q;
}

/** DequantizeLinear of one value (float32 arithmetic, as runtimes do). */
export function dequantizeValue(q: number, scale: number, zeroPoint: number): number {
  return Math.fround((q - zeroPoint) * scale);
}

/**
 * For element i of a row-major tensor of `dims`, the index of its channel along `axis`
 * (0 for per-tensor).
 */
export function channelIndexer(dims: readonly number[], axis: number | undefined): (i: number) => number {
  if (axis === undefined) return () => 0;
  const inner = dims.slice(axis + 1).reduce((p, d) => p * d, 1);
  const n = dims[axis];
  return (i) => Math.floor(i / inner) % n;
}

/** Per-channel (or per-tensor) minimum and maximum of `data` laid out as `dims`. */
export function channelRanges(data: ArrayLike<number>, dims: readonly number[], axis: number | undefined): { min: Float64Array; max: Float64Array } {
  const channels = axis === undefined ? 1 : dims[axis];
  const min = new Float64Array(channels).fill(Infinity);
  const max = new Float64Array(channels).fill(-Infinity);
  const ch = channelIndexer(dims, axis);
  for (let i = 0; i < data.length; i++) {
    const x = data[i];
    if (!Number.isFinite(x)) continue;
    const c = ch(i);
    if (x < min[c]) min[c] = x;
    if (x > max[c]) max[c] = x;
  }
  for (let c = 0; c < channels; c++) if (min[c] > max[c]) min[c] = max[c] = 0;
  return { min, max };
}

export interface QuantizedTensor {
  readonly params: QuantParams;
  readonly data: Int8Array | Uint8Array;
  readonly error: QuantError;
}

/**
 * Quantizes `data` (laid out as `dims`) per tensor or per channel along `axis`, and measures the
 * error of dequantize(quantize(x)) against x. Non-finite inputs saturate (NaN becomes the zero point).
 */
export function quantizeTensor(
  data: ArrayLike<number>, dims: readonly number[], options: { dtype: QuantDtype; symmetric: boolean; axis?: number; reduceRange?: boolean },
): QuantizedTensor {
  const { dtype, symmetric, axis } = options;
  const reduceRange = options.reduceRange ?? false;
  const { min, max } = channelRanges(data, dims, axis);
  const channels = min.length;
  const scale = new Float32Array(channels);
  const zeroPoint = new Int32Array(channels);
  for (let c = 0; c < channels; c++) {
    const p = paramsFromRange(min[c], max[c], dtype, symmetric, reduceRange);
    scale[c] = p.scale;
    zeroPoint[c] = p.zeroPoint;
  }
  const [qmin, qmax] = qRange(dtype, symmetric, reduceRange);
  const out = dtype === D.UINT8 ? new Uint8Array(data.length) : new Int8Array(data.length);
  const ch = channelIndexer(dims, axis);
  let maxAbs = 0;
  let num = 0;
  let den = 0;
  for (let i = 0; i < data.length; i++) {
    const c = ch(i);
    const x = data[i];
    const q = Number.isNaN(x) ? zeroPoint[c] : quantizeValue(x, scale[c], zeroPoint[c], qmin, qmax);
    out[i] = q;
    if (!Number.isFinite(x)) continue;
    const d = Math.abs(dequantizeValue(q, scale[c], zeroPoint[c]) - x);
    if (d > maxAbs) maxAbs = d;
    num += d * d;
    den += x * x;
  }
  const relL2 = den === 0 ? 0 : Math.sqrt(num / den);
  return { params: { dtype, scale, zeroPoint, ...(axis !== undefined && { axis }) }, data: out, error: { maxAbs, relL2 } };
}

/** Relative L2 distance ||a - b|| / ||a|| (0 when both are zero, Infinity when only `a` is). */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Number(a[i]);
    const y = Number(b[i]);
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    num += (x - y) ** 2;
    den += x * x;
  }
  return den === 0 ? (num === 0 ? 0 : Infinity) : Math.sqrt(num / den);
}
