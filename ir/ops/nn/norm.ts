/**
 * Normalizations: BatchNormalization (inference and training outputs), InstanceNormalization,
 * LayerNormalization (with Mean/InvStdDev stash outputs), GroupNormalization (scale per group
 * before opset 21, per channel from 21), RMSNormalization, MeanVarianceNormalization,
 * LpNormalization, LRN. Statistics accumulate in doubles.
 */
import { attrInt } from '../../attrs.js';
import type { Node } from '../../types.js';
import type { KernelContext, OpDef, TensorValue } from '../types.js';
import { broadcastIndex, normAxis, sizeOf } from '../util.js';
import { floatInput, floatTensor, opError, optFloatInput, type FloatArray, type FloatTensor } from './common.js';

/** Per-channel parameter accessor: `size == C` → by channel; `size == 1` → scalar. */
function perChannel(ctx: KernelContext, t: FloatTensor | null, C: number, what: string, dflt: number): (c: number) => number {
  if (!t) return () => dflt;
  const d = t.data;
  if (d.length === C) return (c) => d[c];
  if (d.length === 1) return () => d[0];
  throw opError(ctx, `${what} [${t.dims}] must have ${C} elements`);
}

/**
 * Whether a BatchNormalization computes with the batch's statistics (training mode): from opset 14
 * its training_mode attribute says so; from 7 to 13 its output count does (more than Y: the mean
 * and variance outputs exist only in training mode); before 7, is_test = 0 with those outputs.
 * Passes folding a BatchNormalization as an inference affine map must ask this first.
 */
export function batchNormTraining(node: Pick<Node, 'attrs' | 'outputs'>, opset: number): boolean {
  if (opset >= 14) return attrInt(node.attrs, 'training_mode', 0n) !== 0n;
  if (opset < 7 && attrInt(node.attrs, 'is_test', 0n) !== 0n) return false;
  return node.outputs.length > 1;
}

const batchNorm: OpDef = {
  domain: '', name: 'BatchNormalization', since: [1, 6, 7, 9, 14, 15],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X');
    const S = floatInput(ins, 1, ctx, 'scale'), B = floatInput(ins, 2, ctx, 'B');
    const mean = floatInput(ins, 3, ctx, 'input_mean'), vr = floatInput(ins, 4, ctx, 'input_var');
    const eps = ctx.attrs.float('epsilon', 1e-5);
    const momentum = ctx.attrs.float('momentum', 0.9);
    const training = batchNormTraining(ctx.node, ctx.opset);
    if (X.dims.length < 2) throw opError(ctx, `X must have rank >= 2, got [${X.dims}]`);
    const [N, C] = X.dims;
    const plane = sizeOf(X.dims.slice(2));
    // opset < 9 with spatial=0: parameters per (C, spatial…) element
    const perElem = S.data.length === C * plane && plane !== 1;
    const P = perElem ? C * plane : C;
    for (const [t, w] of [[S, 'scale'], [B, 'B'], [mean, 'input_mean'], [vr, 'input_var']] as const) {
      if (t.data.length !== P) throw opError(ctx, `${w} [${t.dims}] must have ${P} elements`);
    }
    const pIdx = (c: number, i: number): number => (perElem ? c * plane + i : c);
    let m: FloatArray = mean.data, v: FloatArray = vr.data;
    const outs: (TensorValue | null)[] = [];
    let runMean: FloatTensor | null = null, runVar: FloatTensor | null = null;
    const bm = new Float64Array(training ? P : 0), bv = new Float64Array(training ? P : 0);
    if (training) {
      const cnt = perElem ? N : N * plane;
      for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
        const base = (n * C + c) * plane;
        for (let i = 0; i < plane; i++) bm[pIdx(c, i)] += X.data[base + i];
      }
      for (let k = 0; k < P; k++) bm[k] /= cnt;
      for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
        const base = (n * C + c) * plane;
        for (let i = 0; i < plane; i++) { const d = X.data[base + i] - bm[pIdx(c, i)]; bv[pIdx(c, i)] += d * d; }
      }
      for (let k = 0; k < P; k++) bv[k] /= cnt;
      runMean = floatTensor(mean.dtype, mean.dims);
      runVar = floatTensor(vr.dtype, vr.dims);
      for (let k = 0; k < P; k++) {
        runMean.data[k] = mean.data[k] * momentum + bm[k] * (1 - momentum);
        runVar.data[k] = vr.data[k] * momentum + bv[k] * (1 - momentum);
      }
      // Y is normalized with the batch's own statistics at every opset, as in the paper the op
      // cites, as BatchNormalization-14 spells out, and as onnxruntime computes opsets 7–13
      // (measured, test/training-mode.test.ts). onnx's reference evaluator normalizes opset 9
      // with the momentum-blended running statistics instead; no node test covers it.
      m = bm;
      v = bv;
    }
    const Y = floatTensor(X.dtype, X.dims);
    // y = (x − mean)·scale/√(var+ε) + B, folded per parameter into one multiply-add
    const mul = new Float64Array(P), add = new Float64Array(P);
    for (let k = 0; k < P; k++) {
      mul[k] = S.data[k] / Math.sqrt(v[k] + eps);
      add[k] = B.data[k] - m[k] * mul[k];
    }
    const x = X.data, y = Y.data;
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
      const base = (n * C + c) * plane;
      if (!perElem) {
        const a = mul[c], b = add[c];
        for (let i = base; i < base + plane; i++) y[i] = x[i] * a + b;
      } else for (let i = 0; i < plane; i++) y[base + i] = x[base + i] * mul[c * plane + i] + add[c * plane + i];
    }
    outs.push(Y);
    if (training) outs.push(runMean, runVar);
    if (training && ctx.opset < 14 && ctx.node.outputs.length > 3) {
      // saved_mean and saved_var, "to speed up gradient computation": the spec names them only;
      // onnxruntime gives the batch mean and the inverse standard deviation 1/√(var + ε) (measured).
      const savedMean = floatTensor(X.dtype, mean.dims), savedVar = floatTensor(X.dtype, vr.dims);
      for (let k = 0; k < P; k++) {
        savedMean.data[k] = bm[k];
        savedVar.data[k] = 1 / Math.sqrt(bv[k] + eps);
      }
      outs.push(savedMean, savedVar);
    }
    while (outs.length < ctx.node.outputs.length) outs.push(null);
    return outs;
  },
};

/**
 * Normalizes `rows` contiguous segments of `len` elements: y = (x − mean)·invStd, written into
 * `out`; returns per-row mean and inverse standard deviation.
 */
function normalizeRows(x: FloatArray, rows: number, len: number, eps: number, out: FloatArray, rms = false): { mean: Float64Array; inv: Float64Array } {
  const mean = new Float64Array(rows), inv = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    const b = r * len;
    let s = 0;
    if (!rms) for (let i = 0; i < len; i++) s += x[b + i];
    const mu = rms ? 0 : s / len;
    let q = 0;
    for (let i = 0; i < len; i++) { const d = x[b + i] - mu; q += d * d; }
    const is = 1 / Math.sqrt(q / len + eps);
    mean[r] = mu;
    inv[r] = is;
    for (let i = 0; i < len; i++) out[b + i] = (x[b + i] - mu) * is;
  }
  return { mean, inv };
}

const instanceNorm: OpDef = {
  domain: '', name: 'InstanceNormalization', since: [1, 6, 22],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'input');
    if (X.dims.length < 3) throw opError(ctx, `input must have rank >= 3, got [${X.dims}]`);
    const [N, C] = X.dims;
    const sc = perChannel(ctx, floatInput(ins, 1, ctx, 'scale'), C, 'scale', 1);
    const bi = perChannel(ctx, floatInput(ins, 2, ctx, 'B'), C, 'B', 0);
    const plane = sizeOf(X.dims.slice(2));
    const Y = floatTensor(X.dtype, X.dims);
    normalizeRows(X.data, N * C, plane, ctx.attrs.float('epsilon', 1e-5), Y.data);
    for (let r = 0; r < N * C; r++) {
      const c = r % C, s = sc(c), b = bi(c);
      for (let i = r * plane, e = i + plane; i < e; i++) Y.data[i] = Y.data[i] * s + b;
    }
    return [Y];
  },
};

/** Applies `y = y·scale (+ bias)` with scale/bias broadcast onto y's shape. */
function affine(ctx: KernelContext, Y: FloatTensor, scale: FloatTensor | null, bias: FloatTensor | null): void {
  const y = Y.data;
  for (const [t, mul] of [[scale, true], [bias, false]] as const) {
    if (!t) continue;
    const len = t.data.length;
    const tail = sizeOf(Y.dims.slice(Y.dims.length - t.dims.length));
    let idx: Int32Array | null = null;
    if (!(len === tail && t.dims.every((d, i) => d === Y.dims[Y.dims.length - t.dims.length + i]))) {
      if (t.dims.length > Y.dims.length) throw opError(ctx, `[${t.dims}] does not broadcast to [${Y.dims}]`);
      try { idx = broadcastIndex(t.dims, Y.dims); } catch { throw opError(ctx, `[${t.dims}] does not broadcast to [${Y.dims}]`); }
      t.dims.forEach((d, i) => {
        const yd = Y.dims[Y.dims.length - t.dims.length + i];
        if (d !== 1 && d !== yd) throw opError(ctx, `[${t.dims}] does not broadcast to [${Y.dims}]`);
      });
    }
    const td = t.data;
    for (let i = 0; i < y.length; i++) {
      const v = td[idx ? idx[i] : i % len];
      y[i] = mul ? y[i] * v : y[i] + v;
    }
  }
}

function stashDims(dims: readonly number[], axis: number): number[] {
  return dims.map((d, i) => (i < axis ? d : 1));
}

const layerNorm: OpDef = {
  domain: '', name: 'LayerNormalization', since: [17],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X');
    const axis = normAxis(ctx.attrs.int('axis', -1), X.dims.length, 'LayerNormalization axis');
    const rows = sizeOf(X.dims.slice(0, axis)), len = sizeOf(X.dims.slice(axis));
    const Y = floatTensor(X.dtype, X.dims);
    const { mean, inv } = normalizeRows(X.data, rows, len, ctx.attrs.float('epsilon', 1e-5), Y.data);
    affine(ctx, Y, floatInput(ins, 1, ctx, 'Scale'), optFloatInput(ins, 2, ctx, 'B'));
    const sd = stashDims(X.dims, axis);
    const stashType = ctx.outputDtypes[1] ?? ctx.outputDtypes[2] ?? ctx.attrs.int('stash_type', 1);
    const M = floatTensor(ctx.outputDtypes[1] ?? stashType, sd), I = floatTensor(ctx.outputDtypes[2] ?? stashType, sd);
    M.data.set(mean);
    I.data.set(inv);
    return [Y, ctx.node.outputs.length > 1 ? M : null, ctx.node.outputs.length > 2 ? I : null];
  },
};

const rmsNorm: OpDef = {
  domain: '', name: 'RMSNormalization', since: [23],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X');
    const axis = normAxis(ctx.attrs.int('axis', -1), X.dims.length, 'RMSNormalization axis');
    const rows = sizeOf(X.dims.slice(0, axis)), len = sizeOf(X.dims.slice(axis));
    const Y = floatTensor(X.dtype, X.dims);
    normalizeRows(X.data, rows, len, ctx.attrs.float('epsilon', 1e-5), Y.data, true);
    affine(ctx, Y, floatInput(ins, 1, ctx, 'scale'), null);
    return [Y];
  },
};

const groupNorm: OpDef = {
  domain: '', name: 'GroupNormalization', since: [18, 21],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X');
    const G = ctx.attrs.int('num_groups');
    if (X.dims.length < 2) throw opError(ctx, `X must have rank >= 2, got [${X.dims}]`);
    const [N, C] = X.dims;
    if (!(G >= 1) || C % G !== 0) throw opError(ctx, `num_groups ${G} must divide the ${C} channels`);
    const plane = sizeOf(X.dims.slice(2));
    const perGroup = ctx.opset < 21;
    const sc = perChannel(ctx, floatInput(ins, 1, ctx, 'scale'), perGroup ? G : C, 'scale', 1);
    const bi = perChannel(ctx, floatInput(ins, 2, ctx, 'bias'), perGroup ? G : C, 'bias', 0);
    const Y = floatTensor(X.dtype, X.dims);
    normalizeRows(X.data, N * G, (C / G) * plane, ctx.attrs.float('epsilon', 1e-5), Y.data);
    for (let nc = 0; nc < N * C; nc++) {
      const c = nc % C, k = perGroup ? Math.floor(c / (C / G)) : c;
      const s = sc(k), b = bi(k);
      for (let i = nc * plane, e = i + plane; i < e; i++) Y.data[i] = Y.data[i] * s + b;
    }
    return [Y];
  },
};

const mvn: OpDef = {
  domain: '', name: 'MeanVarianceNormalization', since: [9, 13],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X');
    const rank = X.dims.length;
    const axes = ctx.attrs.ints('axes', [0, 2, 3]).map((a) => normAxis(a, rank, 'MeanVarianceNormalization axes'));
    const kept = X.dims.map((d, i) => (axes.includes(i) ? 1 : d));
    const key = broadcastIndex(kept, X.dims);
    const K = sizeOf(kept), cnt = X.data.length / Math.max(1, K);
    const s = new Float64Array(K), q = new Float64Array(K);
    for (let i = 0; i < X.data.length; i++) { const v = X.data[i]; s[key[i]] += v; q[key[i]] += v * v; }
    const Y = floatTensor(X.dtype, X.dims);
    for (let i = 0; i < X.data.length; i++) {
      const mu = s[key[i]] / cnt;
      const variance = q[key[i]] / cnt - mu * mu;
      Y.data[i] = (X.data[i] - mu) / (Math.sqrt(Math.max(0, variance)) + 1e-9);
    }
    return [Y];
  },
};

const lpNorm: OpDef = {
  domain: '', name: 'LpNormalization', since: [1, 22],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'input');
    const axis = normAxis(ctx.attrs.int('axis', -1), X.dims.length, 'LpNormalization axis');
    const p = ctx.attrs.int('p', 2);
    if (p !== 1 && p !== 2) throw opError(ctx, `p must be 1 or 2, got ${p}`);
    const outer = sizeOf(X.dims.slice(0, axis)), n = X.dims[axis], inner = sizeOf(X.dims.slice(axis + 1));
    const Y = floatTensor(X.dtype, X.dims);
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      const b = o * n * inner + i;
      let acc = 0;
      for (let k = 0; k < n; k++) { const v = X.data[b + k * inner]; acc += p === 1 ? Math.abs(v) : v * v; }
      const norm = p === 1 ? acc : Math.sqrt(acc);
      for (let k = 0; k < n; k++) Y.data[b + k * inner] = norm === 0 ? 0 : X.data[b + k * inner] / norm;
    }
    return [Y];
  },
};

const lrn: OpDef = {
  domain: '', name: 'LRN', since: [1, 13],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X');
    const size = ctx.attrs.int('size');
    const alpha = ctx.attrs.float('alpha', 1e-4), beta = ctx.attrs.float('beta', 0.75), bias = ctx.attrs.float('bias', 1);
    if (!(size >= 1)) throw opError(ctx, `size must be positive, got ${size}`);
    if (X.dims.length < 2) throw opError(ctx, `X must have rank >= 2, got [${X.dims}]`);
    const [N, C] = X.dims;
    const plane = sizeOf(X.dims.slice(2));
    const lo = Math.floor((size - 1) / 2), hi = Math.ceil((size - 1) / 2);
    const Y = floatTensor(X.dtype, X.dims);
    for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
      const c0 = Math.max(0, c - lo), c1 = Math.min(C - 1, c + hi);
      for (let i = 0; i < plane; i++) {
        let sq = 0;
        for (let k = c0; k <= c1; k++) { const v = X.data[(n * C + k) * plane + i]; sq += v * v; }
        const at = (n * C + c) * plane + i;
        Y.data[at] = X.data[at] / Math.pow(bias + (alpha / size) * sq, beta);
      }
    }
    return [Y];
  },
};

export const ops: readonly OpDef[] = [batchNorm, instanceNorm, layerNorm, rmsNorm, groupNorm, mvn, lpNorm, lrn];
