/**
 * Inference for ops that cut or join along axes: Concat, Split, Slice, Pad, Compress, with data
 * propagation of dims vectors through Concat, Split and Slice.
 */
import type { Dim } from '../../../types.js';
import { concatAxis, padOperands, sliceOperands, splitOperand } from '../../../ops/operands.js';
import { sliceAxisRange } from '../../../ops/tensor/slice.js';
import { dimAdd, dimCeilDiv, dimDiv, dimEq, dimSub, isSymbol } from '../../dims.js';
import type { InferFn, InferRule, Known } from '../../types.js';
import {
  dimsOf, dimsOut, dtypeOf, freshen, type In, minDim, indexIntsOf, isIntType, lengthOf, mergeDim, normAxes, normAxis, operandInts,
  shapeOf, tensorOut,
} from '../common.js';

const rule = (name: string, infer: InferFn): InferRule => ({ domain: '', name, infer });

const concat: InferFn = (ins, ctx) => {
  // The inputs named on the node: one whose shape is not known leaves the sum along the axis
  // unknown, not the sum of the others.
  const present = ins.filter((_, i) => ctx.node.inputs[i] !== null && ctx.node.inputs[i] !== undefined);
  const dtype = present.map(dtypeOf).find((d) => d !== undefined);
  const shapes = present.map(shapeOf);
  const known = shapes.find((s) => s !== undefined);
  if (!known) return [tensorOut(dtype, undefined)];
  const r = known.length;
  const axis = normAxis(concatAxis(ctx), r);
  if (axis === undefined) return [tensorOut(dtype, undefined)];
  const out: Dim[] = new Array<Dim>(r).fill(null);
  // Inputs that disagree on a dim off the axis (200 and 201) make a model no runtime runs: that
  // dim stays unknown rather than taking the first input's, which written as value_info made
  // onnxruntime refuse to load a model it used to load (and fail only when run).
  const clash = new Array<boolean>(r).fill(false);
  let sum: Dim = 0;
  for (const s of shapes) {
    if (!s || s.length !== r) {
      sum = null;
      continue;
    }
    for (let i = 0; i < r; i++) {
      if (i === axis) continue;
      if (typeof out[i] === 'number' && typeof s[i] === 'number' && out[i] !== s[i]) clash[i] = true;
      out[i] = mergeDim(out[i], s[i]);
    }
    sum = dimAdd(sum, s[axis]);
  }
  for (let i = 0; i < r; i++) if (clash[i]) out[i] = null;
  out[axis] = sum;
  if (r === 1 && isIntType(dtype)) {
    const parts = present.map(dimsOf);
    if (parts.every((p) => p !== undefined)) return [dimsOut(dtype!, parts.flatMap((p) => [...p!]), false)];
  }
  return [tensorOut(dtype, out)];
};

/** Split sizes along the axis (numbers or dims), or undefined when unknown. */
function splitSizes(ins: readonly In[], ctx: Parameters<InferFn>[1], dim: Dim, n: number): Dim[] | undefined {
  const sizes = operandInts(ins, splitOperand(ctx, (i) => !!ins[i]));
  if (sizes === null) return undefined;
  if (sizes) return sizes.length === n ? sizes : undefined;
  if (ctx.opset >= 18 && ctx.attrs.has('num_outputs') && typeof dim === 'number' && dim % n !== 0) {
    const chunk = Math.ceil(dim / n);
    return Array.from({ length: n }, (_, i) => Math.max(0, Math.min(chunk, dim - i * chunk)));
  }
  const each = dim === null ? null : dimDiv(dim, n);
  return new Array<Dim>(n).fill(each);
}

const split: InferFn = (ins, ctx) => {
  const n = ctx.node.outputs.length;
  const x = shapeOf(ins[0]);
  const dtype = dtypeOf(ins[0]);
  if (!x) return new Array<Known | null>(n).fill(tensorOut(dtype, undefined));
  const axis = normAxis(ctx.attrs.int('axis', 0), x.length);
  if (axis === undefined) return new Array<Known | null>(n).fill(tensorOut(dtype, undefined));
  const sizes = splitSizes(ins, ctx, x[axis], n) ?? new Array<Dim>(n).fill(null);
  const d = x.length === 1 && isIntType(dtype) ? dimsOf(ins[0]) : undefined;
  let at = 0;
  return sizes.map((len) => {
    const shape = x.map((v, i) => (i === axis ? len : v));
    if (d && typeof len === 'number' && at >= 0) {
      const part = d.slice(at, at + len);
      at += len;
      if (part.length === len) return dimsOut(dtype!, part, false);
    } else {
      at = -1;
    }
    return tensorOut(dtype, shape);
  });
};


/** Ends at or past this select "to the end" of any real dim. */
const TO_END = 2 ** 31 - 1;

/**
 * Backward slices whose length onnxruntime 1.30 computes otherwise than the spec: an end of
 * exactly INT32_MAX or INT64_MAX (clamped here to MAX_SAFE_INTEGER) means "to the beginning" there,
 * where the spec clamps it to dim−1 (nothing): x[2:INT_MAX:-1] of 4 is 3 elements under
 * onnxruntime, 0 by the spec. No length is safe to claim (the kernel refuses to fold it too).
 */
function backwardSliceDisputed(end: number, step: number): boolean {
  return step < 0 && (end === TO_END || end >= Number.MAX_SAFE_INTEGER);
}

function sliceDim(dim: Dim, start: number, end: number, step: number): Dim {
  if (typeof dim === 'number') return backwardSliceDisputed(end, step) ? null : sliceAxisRange(dim, start, end, step)[1];
  // A symbolic dim: only `start ≥ 0 … to the end` with a positive step is exact (assuming
  // dim ≥ start): ceil((dim − start) / step) elements, `(H+1)//2` for `H[::2]`.
  if (dim === null || end < TO_END || start < 0 || step < 1) return null;
  // A start past any real dim selects nothing (not dim − start < 0).
  if (start >= TO_END) return 0;
  if (step === 1) return start === 0 ? dim : dimSub(dim, start);
  return dimCeilDiv(dimSub(dim, start), step);
}

/**
 * Slice with a propagated, partly symbolic `ends`: an axis with a number end goes as usual; one
 * with a plain symbol end E (a size, so ≥ 0), start 0 and step 1 has length min(E, dim): E itself
 * when the dim is provably E, `min(E,D)` on a number dim D ≥ 1 (never assumed in bounds);
 * anything else is unknown. Undefined when the axes or steps are not known.
 */
function symbolicSlice(x: readonly Dim[], starts: number[], ends: readonly Dim[] | undefined,
  axes: number[] | undefined, steps: number[] | undefined): Dim[] | undefined {
  if (!ends || ends.length !== starts.length) return undefined;
  const ax = normAxes(axes ?? starts.map((_, i) => i), x.length);
  const st = steps ?? starts.map(() => 1);
  if (!ax || ax.length !== starts.length || st.length !== starts.length || st.includes(0)) return undefined;
  const out = [...x];
  ax.forEach((a, i) => {
    const e = ends[i];
    const dim = x[a];
    if (typeof e === 'number') out[a] = sliceDim(dim, starts[i], Math.min(Math.max(e, -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER), st[i]);
    else if (typeof e === 'string' && isSymbol(e) && starts[i] === 0 && st[i] === 1) {
      out[a] = dim !== null && dimEq(dim, e) === true ? e : typeof dim === 'number' && dim >= 1 ? minDim(e, dim) : null;
    } else out[a] = null;
  });
  return out;
}

const slice: InferFn = (ins, ctx) => {
  const x = shapeOf(ins[0]);
  const dtype = dtypeOf(ins[0]);
  if (!x) return [tensorOut(dtype, undefined)];
  const o = sliceOperands(ctx, (i) => !!ins[i]);
  let starts = operandInts(ins, o.starts, indexIntsOf) ?? undefined;
  const ends = operandInts(ins, o.ends, indexIntsOf) ?? undefined;
  const axesK = operandInts(ins, o.axes);
  const stepsK = operandInts(ins, o.steps, indexIntsOf);
  // Axes or steps given but unknown: no axis's bounds are known.
  if (axesK === null || stepsK === null) starts = undefined;
  const axes = axesK ?? undefined;
  const steps = stepsK ?? undefined;
  if (starts && !ends && ctx.opset >= 10) {
    const sym = symbolicSlice(x, starts, dimsOf(ins[2]), axes, steps);
    if (sym) return [tensorOut(dtype, sym)];
  }
  if (!starts || !ends || starts.length !== ends.length) {
    // Unknown bounds: only the sliced axes (when known) lose their size.
    const n = starts?.length ?? ends?.length ?? lengthOf(ins[1]) ?? lengthOf(ins[2]);
    const at = axes ? normAxes(axes, x.length) : n !== undefined && !ins[3] ? normAxes(Array.from({ length: n }, (_, i) => i), x.length) : undefined;
    return [tensorOut(dtype, at ? x.map((d, i) => (at.includes(i) ? null : d)) : x.map(() => null))];
  }
  const ax = normAxes(axes ?? starts.map((_, i) => i), x.length);
  const st = steps ?? starts.map(() => 1);
  if (!ax || ax.length !== starts.length || st.length !== starts.length || st.includes(0)) {
    return [tensorOut(dtype, x.map(() => null))];
  }
  const out = [...x];
  ax.forEach((a, i) => { out[a] = sliceDim(x[a], starts![i], ends![i], st[i]); });
  const d = x.length === 1 && isIntType(dtype) ? dimsOf(ins[0]) : undefined;
  if (d && ax.length === 1 && !backwardSliceDisputed(ends[0], st[0])) {
    const [first, count] = sliceAxisRange(d.length, starts[0], ends[0], st[0]);
    return [dimsOut(dtype!, Array.from({ length: count }, (_, i) => d[first + i * st[0]]), false)];
  }
  return [tensorOut(dtype, out)];
};

const pad: InferFn = (ins, ctx) => {
  const x = shapeOf(ins[0]);
  const dtype = dtypeOf(ins[0]);
  if (!x) return [tensorOut(dtype, undefined)];
  const r = x.length;
  const o = padOperands(ctx, (i) => !!ins[i]);
  const pads = operandInts(ins, o.pads, indexIntsOf) ?? undefined;
  const given = operandInts(ins, o.axes);
  const axes = given === undefined ? x.map((_, i) => i) : given === null ? undefined : normAxes(given, r);
  if (!pads || !axes || pads.length !== 2 * axes.length) return [tensorOut(dtype, x.map(() => null))];
  const out = [...x];
  const k = axes.length;
  axes.forEach((a, i) => { out[a] = dimAdd(dimAdd(x[a], pads[i]), pads[i + k]); });
  return [tensorOut(dtype, out)];
};

const compress: InferFn = (ins, ctx) => {
  const x = shapeOf(ins[0]);
  const dtype = dtypeOf(ins[0]);
  // The number of elements kept depends on the condition's data: a fresh symbol.
  if (!ctx.attrs.has('axis')) return [tensorOut(dtype, [ctx.freshDim()])];
  if (!x) return [tensorOut(dtype, undefined)];
  const a = normAxis(ctx.attrs.int('axis'), x.length);
  if (a === undefined) return [tensorOut(dtype, x.map(() => null))];
  return [tensorOut(dtype, freshen(x.map((d, i) => (i === a ? null : d)), ctx))];
};

export const rules: InferRule[] = [
  rule('Concat', concat),
  rule('Split', split),
  rule('Slice', slice),
  rule('Pad', pad),
  rule('Compress', compress),
];
