/**
 * Resize (opsets 10–19) and Upsample: separable resampling, one axis at a time. For each output
 * coordinate an axis computes its source coordinate (coordinate_transformation_mode), a ratio
 * and a set of taps (nearest: 2, linear: 2, cubic: 4, more with antialias); taps outside the
 * input are clamped to the edge (or dropped and renormalized with exclude_outside).
 * Before opset 11 the transform is asymmetric and nearest picks ceil when downsampling, else
 * floor (the historical rule runtimes keep for those versions).
 */
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { KernelContext, NumericArray, OpDef, TensorValue } from '../types.js';
import { isFloat, normAxis, sizeOf } from '../util.js';
import { checkSize, input, newTensor, opError, optInput } from './common.js';
import { intRange } from './matmul.js';

type Coeffs = (ratio: number, scale: number) => number[];

function nearestCoeffs(mode: string): Coeffs {
  return (r) => {
    if (r === 1) return [0, 1];
    switch (mode) {
      case 'round_prefer_floor': return r <= 0.5 ? [1, 0] : [0, 1];
      case 'round_prefer_ceil': return r < 0.5 ? [1, 0] : [0, 1];
      case 'floor': return [1, 0];
      case 'ceil': return [0, 1];
      default: throw new LatheError(`Resize: unknown nearest_mode '${mode}'`);
    }
  };
}

const linearCoeffs: Coeffs = (r) => [1 - r, r];

function linearAntialias(r: number, scale: number): number[] {
  const s = Math.min(scale, 1);
  const start = Math.floor(-1 / s) + 1;
  const n = 2 - 2 * start;
  const c: number[] = [];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.min(1, Math.max(0, 1 - Math.abs((start + i - r) * s)));
    c.push(v);
    sum += v;
  }
  return c.map((v) => v / sum);
}

function cubicCoeffs(A: number): Coeffs {
  return (r) => [
    ((A * (r + 1) - 5 * A) * (r + 1) + 8 * A) * (r + 1) - 4 * A,
    ((A + 2) * r - (A + 3)) * r * r + 1,
    ((A + 2) * (1 - r) - (A + 3)) * (1 - r) * (1 - r) + 1,
    ((A * (2 - r) - 5 * A) * (2 - r) + 8 * A) * (2 - r) - 4 * A,
  ];
}

function cubicAntialias(A: number): Coeffs {
  const f = (x: number): number => {
    x = Math.abs(x);
    if (x <= 1) return (A + 2) * x * x * x - (A + 3) * x * x + 1;
    if (x < 2) return A * x * x * x - 5 * A * x * x + 8 * A * x - 4 * A;
    return 0;
  };
  return (r, scale) => {
    const s = Math.min(scale, 1);
    const i0 = Math.floor(-2 / s) + 1, i1 = 2 - i0;
    const c: number[] = [];
    let sum = 0;
    for (let i = i0; i < i1; i++) { const v = f(s * (i - r)); c.push(v); sum += v; }
    return c.map((v) => v / sum);
  };
}

interface AxisPlan {
  axis: number;
  scale: number;
  out: number;
  roi: [number, number] | null;
}

interface Settings {
  coeffs: Coeffs;
  ctm: string;
  exclude: boolean;
  extrapolation: number;
  /** opset < 11 nearest rule */
  simpleNearest: boolean;
}

/** Resamples `data` (dims) along one axis into a new array. */
function resampleAxis(data: Float64Array, dims: number[], p: AxisPlan, st: Settings): Float64Array {
  const L = dims[p.axis], O = p.out;
  const outer = sizeOf(dims.slice(0, p.axis)), inner = sizeOf(dims.slice(p.axis + 1));
  const res = new Float64Array(outer * O * inner);
  const outW = p.scale * L;
  let taps: number[][] = [], weights: number[][] = [];
  const extrap = new Uint8Array(O);
  for (let o = 0; o < O; o++) {
    let x: number;
    switch (st.ctm) {
      case 'align_corners': x = outW === 1 ? 0 : (o * (L - 1)) / (outW - 1); break;
      case 'asymmetric': x = o / p.scale; break;
      case 'tf_crop_and_resize': {
        const [r0, r1] = p.roi ?? [0, 1];
        x = outW === 1 ? ((r1 - r0) * (L - 1)) / 2 : (o * (r1 - r0) * (L - 1)) / (outW - 1);
        x += r0 * (L - 1);
        if (x < 0 || x > L - 1) extrap[o] = 1;
        break;
      }
      // A single output samples coordinate 0 (the spec's formula; onnxruntime too). ONNX's
      // Python reference takes -0.5 there, which only a cubic or antialiased filter tells apart.
      case 'pytorch_half_pixel': x = outW === 1 ? 0 : (o + 0.5) / p.scale - 0.5; break;
      case 'half_pixel': x = (o + 0.5) / p.scale - 0.5; break;
      // Resize-11 only (dropped at 13; tf2onnx wrote it for TF's half_pixel_centers nearest):
      // onnxruntime still runs it at any version, so the evaluator does too.
      case 'tf_half_pixel_for_nn': x = (o + 0.5) / p.scale; break;
      case 'half_pixel_symmetric': {
        const adj = O / outW, center = L / 2;
        x = center * (1 - adj) + (o + 0.5) / p.scale - 0.5;
        break;
      }
      default: throw new LatheError(`Resize: unknown coordinate_transformation_mode '${st.ctm}'`);
    }
    if (st.simpleNearest) {
      const i = Math.min(L - 1, Math.max(0, p.scale < 1 ? Math.ceil(x) : Math.trunc(x)));
      taps.push([i]);
      weights.push([1]);
      continue;
    }
    const xi = Math.floor(x);
    const ratio = x === xi ? 1 : x - xi;
    const c = st.coeffs(ratio, p.scale);
    const n = c.length;
    // n is even for every filter: the n nearest indices, preferring the smaller ones
    const start = (x === xi ? xi - n / 2 : xi - n / 2 + 1);
    const idx: number[] = [];
    for (let t = 0; t < n; t++) idx.push(start + t);
    if (st.exclude) {
      let sum = 0;
      for (let t = 0; t < n; t++) { if (idx[t] < 0 || idx[t] >= L) c[t] = 0; sum += c[t]; }
      if (sum === 0) sum = 1;
      for (let t = 0; t < n; t++) c[t] /= sum;
    }
    taps.push(idx.map((i) => Math.min(L - 1, Math.max(0, i))));
    weights.push(c);
  }
  for (let a = 0; a < outer; a++) {
    const ib = a * L * inner, ob = a * O * inner;
    for (let o = 0; o < O; o++) {
      const tp = taps[o], w = weights[o], dst = ob + o * inner;
      if (extrap[o]) { res.fill(st.extrapolation, dst, dst + inner); continue; }
      for (let t = 0; t < tp.length; t++) {
        const wt = w[t];
        if (wt === 0) continue;
        const src = ib + tp[t] * inner;
        for (let i = 0; i < inner; i++) res[dst + i] += wt * data[src + i];
      }
    }
  }
  taps = [];
  weights = [];
  return res;
}

function resize(ctx: KernelContext, X: TensorValue, scalesIn: number[] | null, sizesIn: number[] | null, roiIn: number[] | null, legacy: boolean): TensorValue {
  const a = ctx.attrs;
  const r = X.dims.length;
  let mode = a.string('mode', 'nearest');
  if (mode === 'bilinear' || mode === 'trilinear') mode = 'linear';
  const axes = legacy ? [...Array(r).keys()] : a.ints('axes', [...Array(r).keys()]).map((x) => normAxis(x, r, 'Resize axes'));
  const n = axes.length;
  if (scalesIn && scalesIn.length !== n) throw opError(ctx, `scales has ${scalesIn.length} elements, expected ${n}`);
  if (sizesIn && sizesIn.length !== n) throw opError(ctx, `sizes has ${sizesIn.length} elements, expected ${n}`);
  if (!scalesIn && !sizesIn) throw opError(ctx, 'one of scales and sizes is required');
  const scales = new Array<number>(r).fill(1);
  const sizeOf = (d: number, sc: number, add = 0): number => {
    const { size, disputed } = scaledSize(d, sc, add);
    if (disputed && ctx.strict) throw opError(ctx, `${d} × ${sc} floors to ${size} in double but not in float32 (onnxruntime): not computed ahead`);
    return size;
  };
  let out = [...X.dims];
  if (sizesIn) {
    axes.forEach((ax, i) => { out[ax] = sizesIn[i]; scales[ax] = sizesIn[i] / X.dims[ax]; });
    const policy = a.string('keep_aspect_ratio_policy', 'stretch');
    if (policy !== 'stretch') {
      const ss = axes.map((ax) => scales[ax]);
      const s = policy === 'not_larger' ? Math.min(...ss) : policy === 'not_smaller' ? Math.max(...ss) : NaN;
      if (Number.isNaN(s)) throw opError(ctx, `unknown keep_aspect_ratio_policy '${policy}'`);
      for (const ax of axes) { scales[ax] = s; out[ax] = sizeOf(X.dims[ax], s, 0.5); }
    }
  } else if (scalesIn) {
    axes.forEach((ax, i) => {
      if (!(scalesIn[i] > 0)) throw opError(ctx, `scales must be positive, got ${scalesIn[i]}`);
      scales[ax] = scalesIn[i];
      out[ax] = sizeOf(X.dims[ax], scalesIn[i]);
    });
  }
  out = out.map((d) => Math.max(0, d));
  checkSize(ctx, out);
  const ctm = legacy ? 'asymmetric' : a.string('coordinate_transformation_mode', 'half_pixel');
  const antialias = !legacy && a.int('antialias', 0) !== 0;
  const A = a.float('cubic_coeff_a', -0.75);
  let coeffs: Coeffs;
  if (mode === 'nearest') {
    const nm = a.string('nearest_mode', 'round_prefer_floor');
    if (!['round_prefer_floor', 'round_prefer_ceil', 'floor', 'ceil'].includes(nm)) throw opError(ctx, `unknown nearest_mode '${nm}'`);
    coeffs = nearestCoeffs(nm);
  } else if (mode === 'linear') coeffs = antialias ? linearAntialias : linearCoeffs;
  else if (mode === 'cubic') coeffs = antialias ? cubicAntialias(A) : cubicCoeffs(A);
  else throw opError(ctx, `unknown mode '${mode}'`);
  if (!['align_corners', 'asymmetric', 'tf_crop_and_resize', 'pytorch_half_pixel', 'half_pixel', 'half_pixel_symmetric', 'tf_half_pixel_for_nn'].includes(ctm)) {
    throw opError(ctx, `unknown coordinate_transformation_mode '${ctm}'`);
  }
  const st: Settings = {
    coeffs, ctm, exclude: a.int('exclude_outside', 0) !== 0, extrapolation: a.float('extrapolation_value', 0),
    simpleNearest: legacy && mode === 'nearest',
  };
  let roi: number[] | null = null;
  if (roiIn && roiIn.length) {
    if (roiIn.length !== 2 * n) throw opError(ctx, `roi has ${roiIn.length} elements, expected ${2 * n}`);
    roi = [...new Array(r).fill(0), ...new Array(r).fill(1)];
    axes.forEach((ax, i) => { roi![ax] = roiIn[i]; roi![r + ax] = roiIn[n + i]; });
  }
  if (ctm === 'tf_crop_and_resize' && !roi) throw opError(ctx, 'tf_crop_and_resize needs roi');
  let data: Float64Array = Float64Array.from(X.data as ArrayLike<number>);
  const dims = [...X.dims];
  for (const ax of [...new Set(axes)]) {
    const axRoi: [number, number] | null = roi ? [roi[ax], roi[r + ax]] : null;
    const trivial = Math.abs(scales[ax] - 1) < 1e-9 && out[ax] === dims[ax] && (!axRoi || (Math.abs(axRoi[0]) < 1e-9 && Math.abs(axRoi[1] - 1) < 1e-9));
    if (trivial) continue;
    if (dims[ax] === 0 && out[ax] > 0) throw opError(ctx, `cannot resize an empty axis ${ax}`);
    data = resampleAxis(data, dims, { axis: ax, scale: scales[ax], out: out[ax], roi: axRoi }, st);
    dims[ax] = out[ax];
  }
  const Y = newTensor(X.dtype, out);
  const yd = Y.data as NumericArray;
  // Integer results truncate toward zero, as onnxruntime and onnx's reference (astype) do: a
  // uint8 63.75 is 63 (measured, test in misc.test.ts).
  if (isFloat(X.dtype)) (yd as Float32Array).set(data);
  else if (X.dtype === D.INT64 || X.dtype === D.UINT64) for (let i = 0; i < data.length; i++) yd[i] = BigInt(Math.trunc(data[i])) as never;
  else {
    const [lo, hi] = intRange(X.dtype);
    for (let i = 0; i < data.length; i++) yd[i] = Math.min(hi, Math.max(lo, Math.trunc(data[i])));
  }
  return Y;
}

function floats(t: TensorValue | null): number[] | null {
  if (!t || t.data.length === 0) return null;
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

const resizeOp: OpDef = {
  domain: '', name: 'Resize', since: [10, 11, 13, 18, 19],
  kernel(ins, ctx) {
    const X = input(ins, 0, ctx, 'X');
    if (ctx.opset < 11) return [resize(ctx, X, floats(input(ins, 1, ctx, 'scales')), null, null, true)];
    const roi = floats(optInput(ins, 1, ctx, 'roi'));
    const scales = floats(optInput(ins, 2, ctx, 'scales'));
    const sizes = floats(optInput(ins, 3, ctx, 'sizes'));
    if (scales && sizes) throw opError(ctx, 'only one of scales and sizes may be given');
    return [resize(ctx, X, scales, sizes, roi, false)];
  },
};

const upsample: OpDef = {
  domain: '', name: 'Upsample', since: [1, 7, 9, 10],
  kernel(ins, ctx) {
    const X = input(ins, 0, ctx, 'X');
    const scales = ctx.opset >= 9 ? floats(input(ins, 1, ctx, 'scales')) : ctx.attrs.floats('scales', []);
    if (ctx.opset < 7 && ctx.attrs.has('width_scale')) {
      const s = [1, 1, ctx.attrs.float('height_scale', 1), ctx.attrs.float('width_scale', 1)];
      return [resize(ctx, X, s, null, null, true)];
    }
    return [resize(ctx, X, scales, null, null, true)];
  },
};

export const ops: readonly OpDef[] = [resizeOp, upsample];

/**
 * floor(d·s + add) as the kernel computes it (double), and whether float32 arithmetic, which
 * onnxruntime 1.30 uses (3 × 7.6666665 rounds to 23 there, 22.9999995 → 22 here), floors it
 * elsewhere: then no size is safe to claim or fold (inference and the strict kernel).
 */
export function scaledSize(d: number, s: number, add = 0): { size: number; disputed: boolean } {
  const size = Math.floor(d * s + add);
  return { size, disputed: size !== Math.floor(Math.fround(Math.fround(s) * d) + add) };
}
