/**
 * Ops that cut, join and pad along axes: Concat, Split, Slice, Pad, CenterCropPad, Compress.
 * Every one reduces to either contiguous run copies (Concat, Split, Compress) or a per-axis index
 * map (Slice, Pad, CenterCropPad) fed to `take`.
 */
import { concatAxis, padOperands, sliceOperands, splitOperand } from '../operands.js';
import type { KernelContext, OpDef, RtValue, TensorValue } from '../types.js';
import { allocate, sizeOf, strides } from '../util.js';
import {
  alloc, axesOf, axisMap, axisOf, checkDims, copyRun, fail, input, intsOf, operandInts, optInput, outputCount, setNum, gatherAxes, widthOf,
} from './common.js';

/** Concatenates tensors of one dtype along `axis` (already normalized). */
export function concat(op: string, xs: readonly TensorValue[], axis: number): TensorValue {
  const first = xs[0];
  const r = first.dims.length;
  for (const x of xs) {
    if (x.dtype !== first.dtype) fail(op, 'inputs have different dtypes');
    if (x.dims.length !== r || x.dims.some((d, i) => i !== axis && d !== first.dims[i])) {
      fail(op, `shapes ${xs.map((t) => `[${t.dims.join(',')}]`).join(', ')} differ off axis ${axis}`);
    }
  }
  const outDims = [...first.dims];
  outDims[axis] = xs.reduce((s, x) => s + x.dims[axis], 0);
  const out = alloc(op, first.dtype, outDims);
  const outer = sizeOf(first.dims.slice(0, axis));
  const inner = sizeOf(first.dims.slice(axis + 1));
  const w = widthOf(first.dtype);
  const rowOut = outDims[axis] * inner;
  let off = 0;
  for (const x of xs) {
    const run = x.dims[axis] * inner;
    for (let o = 0; o < outer; o++) copyRun(x.data, o * run, out.data, o * rowOut + off, run, w);
    off += run;
  }
  return out;
}

const Concat: OpDef = {
  domain: '',
  name: 'Concat',
  since: [1, 4, 11, 13],
  kernel(inputs, ctx) {
    const xs = inputs.filter((v): v is RtValue => v !== null && v !== undefined).map((v, i) => input('Concat', [v], 0, `input ${i}`));
    if (xs.length === 0) fail('Concat', 'no inputs');
    const r = xs[0].dims.length;
    if (r === 0) fail('Concat', 'cannot concatenate scalars');
    const axis = axisOf('Concat', concatAxis(ctx), r);
    return [concat('Concat', xs, axis)];
  },
};

/** The slab [start, start+len) of `x` along `axis`. */
export function sliceAxis(op: string, x: TensorValue, axis: number, start: number, len: number): TensorValue {
  const outDims = [...x.dims];
  outDims[axis] = len;
  const out = alloc(op, x.dtype, outDims);
  const outer = sizeOf(x.dims.slice(0, axis));
  const inner = sizeOf(x.dims.slice(axis + 1));
  const w = widthOf(x.dtype);
  for (let o = 0; o < outer; o++) copyRun(x.data, (o * x.dims[axis] + start) * inner, out.data, o * len * inner, len * inner, w);
  return out;
}

function splitSizes(inputs: readonly (RtValue | null)[], ctx: KernelContext, dim: number): number[] {
  const n = outputCount(ctx);
  const sizes = operandInts('Split', inputs, splitOperand(ctx, (i) => optInput('Split', inputs, i, 'split') !== null), 'split');
  if (sizes) {
    if (sizes.length !== n) fail('Split', `split has ${sizes.length} entries for ${n} outputs`);
    if (sizes.some((s) => s < 0) || sizes.reduce((a, b) => a + b, 0) !== dim) {
      fail('Split', `split [${sizes.join(',')}] does not sum to the axis dimension ${dim}`);
    }
    return sizes;
  }
  if (ctx.opset >= 18 && ctx.attrs.has('num_outputs')) {
    const k = ctx.attrs.int('num_outputs');
    if (k < 1 || k !== n) fail('Split', `num_outputs ${k} does not match the ${n} outputs`);
    const chunk = Math.ceil(dim / k);
    const out: number[] = [];
    for (let i = 0; i < k; i++) out.push(Math.max(0, Math.min(chunk, dim - i * chunk)));
    return out;
  }
  if (n === 0 || dim % n !== 0) fail('Split', `axis dimension ${dim} is not divisible into ${n} equal outputs`);
  return new Array<number>(n).fill(dim / n);
}

const Split: OpDef = {
  domain: '',
  name: 'Split',
  since: [1, 2, 11, 13, 18],
  operands: (ctx, present) => ({ split: splitOperand(ctx, present) }),
  kernel(inputs, ctx) {
    const x = input('Split', inputs, 0);
    const axis = axisOf('Split', ctx.attrs.int('axis', 0), x.dims.length);
    const sizes = splitSizes(inputs, ctx, x.dims[axis]);
    let start = 0;
    return sizes.map((len) => {
      const t = sliceAxis('Split', x, axis, start, len);
      start += len;
      return t;
    });
  },
};

/** Per-axis [first index, count] of a Slice after ONNX clamping (shared with shape inference). */
export function sliceAxisRange(dim: number, start: number, end: number, step: number): [number, number] {
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  if (step > 0) {
    start = Math.min(Math.max(start, 0), dim);
    end = Math.min(Math.max(end, 0), dim);
    return [start, Math.max(0, Math.ceil((end - start) / step))];
  }
  // The spec clamps a backward start to [0, dim − 1], so one before the beginning still selects
  // element 0, as onnxruntime 1.30 computes (measured: x[-10:-10:-1] of 4 elements is [x0]);
  // numpy and onnx's reference select nothing there.
  start = Math.min(Math.max(start, 0), dim - 1);
  end = Math.min(Math.max(end, -1), dim - 1);
  return [start, Math.max(0, Math.ceil((start - end) / -step))];
}

const Slice: OpDef = {
  domain: '',
  name: 'Slice',
  since: [1, 10, 11, 13],
  operands: sliceOperands,
  kernel(inputs, ctx) {
    const x = input('Slice', inputs, 0, 'data');
    const r = x.dims.length;
    const o = sliceOperands(ctx, (i) => optInput('Slice', inputs, i) !== null);
    const starts = operandInts('Slice', inputs, o.starts, 'starts')!;
    const ends = operandInts('Slice', inputs, o.ends, 'ends')!;
    let axes = operandInts('Slice', inputs, o.axes, 'axes');
    let steps = operandInts('Slice', inputs, o.steps, 'steps');
    const k = starts.length;
    axes ??= starts.map((_, i) => i);
    steps ??= new Array<number>(k).fill(1);
    if (ends.length !== k || axes.length !== k || steps.length !== k) fail('Slice', 'starts, ends, axes and steps differ in length');
    const ax = axesOf('Slice', axes, r);
    const begin = new Array<number>(r).fill(0);
    const step = new Array<number>(r).fill(1);
    const outDims = [...x.dims];
    for (let i = 0; i < k; i++) {
      const a = ax[i];
      if (steps[i] === 0) fail('Slice', 'step is zero');
      // onnxruntime reads a backward end of INT32_MAX or INT64_MAX as "to the beginning", where the
      // spec clamps it to dim − 1 (nothing): computed ahead, such a slice would change the model.
      if (ctx.strict && steps[i] < 0 && (ends[i] === 2147483647 || ends[i] >= Number.MAX_SAFE_INTEGER)) fail('Slice', 'a backward slice ending at INT_MAX: onnxruntime reads it as the beginning, the spec as the end, so it is not computed ahead');
      const [s, n] = sliceAxisRange(x.dims[a], starts[i], ends[i], steps[i]);
      begin[a] = s;
      step[a] = steps[i];
      outDims[a] = n;
    }
    const st = strides(x.dims);
    return [gatherAxes('Slice', x, outDims, outDims.map((d, a) => axisMap(d, st[a], (o) => begin[a] + o * step[a])))];
  },
};

/** Source coordinate for output coordinate `i - before` on an axis of size `d` under a Pad mode, or -1 (fill). */
function padSource(mode: string, i: number, d: number): number {
  if (i >= 0 && i < d) return i;
  switch (mode) {
    case 'constant':
      return -1;
    case 'edge':
      return i < 0 ? 0 : d - 1;
    case 'wrap':
      return ((i % d) + d) % d;
    default: {
      if (d === 1) return 0;
      const p = 2 * (d - 1);
      const j = ((i % p) + p) % p;
      return j < d ? j : p - j;
    }
  }
}

/** A one-element tensor of `dtype` holding `v` (0 / '' / false by default). */
function fillOf(dtype: number, v: TensorValue | null, num?: number): TensorValue {
  if (v) {
    if (v.dtype !== dtype) fail('Pad', 'constant_value dtype differs from data');
    if (sizeOf(v.dims) < 1) return fillOf(dtype, null);
    return v;
  }
  const data = allocate(dtype, 1);
  if (num !== undefined && !Array.isArray(data)) setNum(data, 0, num);
  return { kind: 'tensor', dtype, dims: [], data };
}

/** Pads (or crops, with negative pads) `x`; `pads` is [begin…, end…] over all axes. */
export function pad(op: string, x: TensorValue, pads: readonly number[], mode: string, fill: TensorValue): TensorValue {
  const r = x.dims.length;
  if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) fail(op, `unknown mode '${mode}'`);
  const outDims = x.dims.map((d, a) => d + pads[a] + pads[a + r]);
  if (outDims.some((d) => d < 0)) fail(op, `pads [${pads.join(',')}] crop more than the shape [${x.dims.join(',')}]`);
  checkDims(op, outDims);
  if (mode !== 'constant') {
    for (let a = 0; a < r; a++) {
      if (x.dims[a] === 0 && outDims[a] > 0) fail(op, `mode '${mode}' cannot pad an empty axis ${a}`);
    }
  }
  const st = strides(x.dims);
  const maps = outDims.map((d, a) => axisMap(d, st[a], (o) => padSource(mode, o - pads[a], x.dims[a])));
  return gatherAxes(op, x, outDims, maps, fill);
}

const Pad: OpDef = {
  domain: '',
  name: 'Pad',
  since: [1, 2, 11, 13, 18, 19, 21, 23, 24, 25],
  operands: padOperands,
  kernel(inputs, ctx) {
    const x = input('Pad', inputs, 0, 'data');
    const r = x.dims.length;
    const mode = ctx.attrs.string('mode', 'constant');
    const o = padOperands(ctx, (i) => optInput('Pad', inputs, i) !== null);
    const p = operandInts('Pad', inputs, o.pads, 'pads')!;
    // Before opset 11 the fill value is the `value` attribute.
    const fill = ctx.opset < 11 ? fillOf(x.dtype, null, ctx.attrs.float('value', 0)) : fillOf(x.dtype, optInput('Pad', inputs, 2, 'constant_value'));
    const given = operandInts('Pad', inputs, o.axes, 'axes');
    const axes = given ? axesOf('Pad', given, r) : x.dims.map((_, i) => i);
    if (p.length !== 2 * axes.length) fail('Pad', `pads has ${p.length} entries for ${axes.length} axes`);
    const pads = new Array<number>(2 * r).fill(0);
    axes.forEach((a, i) => {
      pads[a] = p[i];
      pads[a + r] = p[i + axes.length];
    });
    return [pad('Pad', x, pads, mode, fill)];
  },
};

const CenterCropPad: OpDef = {
  domain: '',
  name: 'CenterCropPad',
  since: [18],
  kernel(inputs, ctx) {
    const x = input('CenterCropPad', inputs, 0, 'input_data');
    const shape = intsOf('CenterCropPad', inputs[1], 'shape');
    const r = x.dims.length;
    const axes = ctx.attrs.has('axes') ? axesOf('CenterCropPad', ctx.attrs.ints('axes'), r) : x.dims.map((_, i) => i);
    if (shape.length !== axes.length) fail('CenterCropPad', `shape has ${shape.length} entries for ${axes.length} axes`);
    const pads = new Array<number>(2 * r).fill(0);
    axes.forEach((a, i) => {
      const d = x.dims[a];
      const s = shape[i];
      if (s < 0) fail('CenterCropPad', `negative target size ${s}`);
      // Crop takes the floor-centred window; pad puts the extra element at the end.
      const before = s < d ? -Math.floor((d - s) / 2) : Math.floor((s - d) / 2);
      pads[a] = before;
      pads[a + r] = s - d - before;
    });
    return [pad('CenterCropPad', x, pads, 'constant', fillOf(x.dtype, null))];
  },
};

const Compress: OpDef = {
  domain: '',
  name: 'Compress',
  since: [9, 11],
  kernel(inputs, ctx) {
    let x = input('Compress', inputs, 0);
    const cond = input('Compress', inputs, 1, 'condition');
    if (cond.dims.length !== 1 || Array.isArray(cond.data)) fail('Compress', 'condition must be a 1-D bool tensor');
    let axis: number;
    if (ctx.attrs.has('axis')) {
      axis = axisOf('Compress', ctx.attrs.int('axis'), x.dims.length);
    } else {
      x = { ...x, dims: [sizeOf(x.dims)] };
      axis = 0;
    }
    const dim = x.dims[axis];
    const keep: number[] = [];
    for (let i = 0; i < cond.data.length; i++) {
      if (!cond.data[i]) continue;
      if (i >= dim) fail('Compress', `condition selects index ${i} beyond the axis dimension ${dim}`);
      keep.push(i);
    }
    const outDims = [...x.dims];
    outDims[axis] = keep.length;
    const out = alloc('Compress', x.dtype, outDims);
    const outer = sizeOf(x.dims.slice(0, axis));
    const inner = sizeOf(x.dims.slice(axis + 1));
    const w = widthOf(x.dtype);
    let k = 0;
    for (let o = 0; o < outer; o++) {
      for (const i of keep) copyRun(x.data, (o * dim + i) * inner, out.data, inner * k++, inner, w);
    }
    return [out];
  },
};

export const sliceOps: OpDef[] = [Concat, Split, Slice, Pad, CenterCropPad, Compress];
