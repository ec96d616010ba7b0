/**
 * Shared helpers of the nn family: typed access to float inputs, error construction naming the
 * node, and the spatial geometry (pads, strides, dilations, auto_pad) shared by Conv and pools.
 */
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { KernelContext, NumericArray, RtValue, TensorValue } from '../types.js';
import { allocate, MAX_TENSOR_ELEMENTS, isFloat, sizeOf } from '../util.js';

/** Float storage: float/double directly, every widened float kind as Float32Array. */
export type FloatArray = Float32Array | Float64Array;

export interface FloatTensor extends TensorValue {
  readonly data: FloatArray;
}

/** A LatheError whose message names the op and, when known, the node. */
export function opError(ctx: KernelContext, msg: string): LatheError {
  const n = ctx.node;
  return new LatheError(`${n.op}${n.name ? ` '${n.name}'` : ''}: ${msg}`);
}

/** Input `i` as a tensor (LatheError naming the op when absent or not a tensor). */
export function input(ins: readonly (RtValue | null)[], i: number, ctx: KernelContext, what = `input ${i}`): TensorValue {
  const v = ins[i];
  if (!v || v.kind !== 'tensor') throw opError(ctx, `${what} must be a tensor`);
  return v;
}

/** Optional input `i`: null when omitted. */
export function optInput(ins: readonly (RtValue | null)[], i: number, ctx: KernelContext, what = `input ${i}`): TensorValue | null {
  const v = ins[i];
  if (v === null || v === undefined) return null;
  if (v.kind !== 'tensor') throw opError(ctx, `${what} must be a tensor`);
  return v;
}

/** Input `i` as a float tensor (float, double or a widened float kind). */
export function floatInput(ins: readonly (RtValue | null)[], i: number, ctx: KernelContext, what = `input ${i}`): FloatTensor {
  const t = input(ins, i, ctx, what);
  if (!isFloat(t.dtype) || !(t.data instanceof Float32Array || t.data instanceof Float64Array)) {
    throw opError(ctx, `${what} must be a float tensor`);
  }
  return t as FloatTensor;
}

export function optFloatInput(ins: readonly (RtValue | null)[], i: number, ctx: KernelContext, what = `input ${i}`): FloatTensor | null {
  const v = ins[i];
  if (v === null || v === undefined) return null;
  return floatInput(ins, i, ctx, what);
}

/** A new float tensor of `dtype` (Float64Array for double, else Float32Array). */
export function floatTensor(dtype: number, dims: readonly number[]): FloatTensor {
  const n = sizeOf(dims);
  const data = dtype === D.DOUBLE ? new Float64Array(n) : new Float32Array(n);
  return { kind: 'tensor', dtype, dims: [...dims], data };
}

export function newTensor(dtype: number, dims: readonly number[]): TensorValue & { data: NumericArray } {
  return { kind: 'tensor', dtype, dims: [...dims], data: allocate(dtype, sizeOf(dims)) as NumericArray };
}

/** Rejects a tensor of the wrong rank. */
export function needRank(ctx: KernelContext, t: TensorValue, rank: number | [number, number], what: string): void {
  const [lo, hi] = typeof rank === 'number' ? [rank, rank] : rank;
  if (t.dims.length < lo || t.dims.length > hi) {
    throw opError(ctx, `${what} has rank ${t.dims.length}, expected ${lo === hi ? lo : `${lo}..${hi}`}`);
  }
}

/** Guard on output sizes a crafted model could blow up (2^28 elements ≈ 1 GiB of float32). */
export const MAX_ELEMENTS = MAX_TENSOR_ELEMENTS; // one limit for every materialization (util.ts)

export function checkSize(ctx: KernelContext, dims: readonly number[], what = 'output'): void {
  let n = 1;
  for (const d of dims) {
    if (!Number.isInteger(d) || d < 0) throw opError(ctx, `${what} has invalid dimension ${d}`);
    n *= d;
  }
  if (n > MAX_ELEMENTS) throw opError(ctx, `${what} of shape [${dims.join(', ')}] is too large`);
}

/** Spatial geometry of a sliding-window op over the trailing `nsp` axes. */
export interface Window {
  readonly inSp: number[];
  readonly kernel: number[];
  readonly strides: number[];
  readonly dilations: number[];
  /** begin pads then end pads (length 2·nsp) */
  readonly pads: number[];
  readonly outSp: number[];
}

/**
 * Resolves pads/auto_pad and output sizes for Conv and pooling. `ceil` = pooling's ceil_mode:
 * a last window must start inside the input or the left padding (ONNX/PyTorch rule).
 */
export function windowGeometry(
  ctx: KernelContext,
  inSp: readonly number[],
  kernel: readonly number[],
  opts: { ceil?: boolean; pool?: boolean } = {},
): Window {
  const nsp = inSp.length;
  const a = ctx.attrs;
  const strides = a.ints('strides', new Array(nsp).fill(1));
  const dilations = a.ints('dilations', new Array(nsp).fill(1));
  let pads = a.ints('pads', new Array(2 * nsp).fill(0));
  const autoPad = a.string('auto_pad', 'NOTSET');
  if (strides.length !== nsp || dilations.length !== nsp || pads.length !== 2 * nsp || kernel.length !== nsp) {
    throw opError(ctx, 'strides, dilations, pads and kernel_shape must match the spatial rank');
  }
  for (let i = 0; i < nsp; i++) {
    if (!(strides[i] >= 1) || !(dilations[i] >= 1) || !(kernel[i] >= 1)) throw opError(ctx, 'strides, dilations and kernel sizes must be positive');
    if (pads[i] < 0 || pads[i + nsp] < 0) throw opError(ctx, 'pads must be non-negative');
  }
  const outSp = new Array<number>(nsp);
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = new Array(2 * nsp).fill(0);
    for (let i = 0; i < nsp; i++) {
      const out = Math.ceil(inSp[i] / strides[i]);
      const ek = (kernel[i] - 1) * dilations[i] + 1;
      const total = Math.max(0, (out - 1) * strides[i] + ek - inSp[i]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + nsp] = total - pads[i];
      outSp[i] = out;
    }
  } else {
    if (autoPad === 'VALID') pads = new Array(2 * nsp).fill(0);
    else if (autoPad !== 'NOTSET') throw opError(ctx, `unknown auto_pad '${autoPad}'`);
    for (let i = 0; i < nsp; i++) {
      const ek = (kernel[i] - 1) * dilations[i] + 1;
      const span = inSp[i] + pads[i] + pads[i + nsp] - ek;
      if (span < 0) throw opError(ctx, `kernel (extent ${ek}) is larger than the padded input (${inSp[i] + pads[i] + pads[i + nsp]})`);
      let o = (opts.ceil ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
      if (opts.ceil && (o - 1) * strides[i] >= inSp[i] + pads[i]) o--;
      outSp[i] = o;
    }
  }
  return { inSp: [...inSp], kernel: [...kernel], strides, dilations, pads, outSp };
}

/** Reads an optional float scalar tensor input as a number. */
export function scalarOf(t: TensorValue | null, dflt: number): number {
  if (!t || Array.isArray(t.data) || t.data.length === 0) return dflt;
  return Number(t.data[0]);
}
