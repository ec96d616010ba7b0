/**
 * Sampling ops: GridSample (2-D/3-D; nearest/linear/cubic; zeros/border/reflection padding),
 * AffineGrid, RoiAlign (avg/max, half_pixel or output_half_pixel), NonMaxSuppression,
 * DeformConv (2-D, bilinear sampling at learned offsets, optional mask, groups).
 */
import { DataType as D } from '../../dtype.js';
import type { KernelContext, OpDef } from '../types.js';
import { sizeOf, toNumbers } from '../util.js';
import { checkSize, floatInput, floatTensor, input, newTensor, opError, optFloatInput, optInput, windowGeometry, type FloatArray } from './common.js';
import { gemm } from './gemm-core.js';

function reflect(x: number, lo: number, hi: number): number {
  const rng = hi - lo;
  if (x < lo) {
    const dx = lo - x, n = Math.trunc(dx / rng), r = dx - n * rng;
    return n % 2 === 0 ? lo + r : hi - r;
  }
  if (x > hi) {
    const dx = x - hi, n = Math.trunc(dx / rng), r = dx - n * rng;
    return n % 2 === 0 ? hi - r : lo + r;
  }
  return x;
}

function cubic(x: number): [number, number, number, number] {
  const A = -0.75;
  x = Math.abs(x);
  return [
    ((A * (x + 1) - 5 * A) * (x + 1) + 8 * A) * (x + 1) - 4 * A,
    ((A + 2) * x - (A + 3)) * x * x + 1,
    ((A + 2) * (1 - x) - (A + 3)) * (1 - x) * (1 - x) + 1,
    ((A * (2 - x) - 5 * A) * (2 - x) + 8 * A) * (2 - x) - 4 * A,
  ];
}

/** Round half to even (numpy rint). */
function rint(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 ? 2 * Math.round(x / 2) : r;
}

const gridSample: OpDef = {
  domain: '', name: 'GridSample', since: [16, 20, 22],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X'), G = floatInput(ins, 1, ctx, 'grid');
    let mode = ctx.attrs.string('mode', ctx.opset >= 20 ? 'linear' : 'bilinear');
    if (mode === 'bilinear') mode = 'linear';
    if (mode === 'bicubic') mode = 'cubic';
    const pad = ctx.attrs.string('padding_mode', 'zeros');
    const align = ctx.attrs.int('align_corners', 0) !== 0;
    const nsp = X.dims.length - 2;
    if (nsp < 1 || G.dims.length !== nsp + 2 || G.dims[nsp + 1] !== nsp || G.dims[0] !== X.dims[0]) {
      throw opError(ctx, `grid [${G.dims}] does not match X [${X.dims}]`);
    }
    if (!['nearest', 'linear', 'cubic'].includes(mode)) throw opError(ctx, `unknown mode '${mode}'`);
    if (!['zeros', 'border', 'reflection'].includes(pad)) throw opError(ctx, `unknown padding_mode '${pad}'`);
    const [N, C] = X.dims;
    const sp = X.dims.slice(2), outSp = G.dims.slice(1, 1 + nsp);
    const outDims = [N, C, ...outSp];
    checkSize(ctx, outDims);
    const Y = floatTensor(X.dtype, outDims);
    const P = sizeOf(outSp), plane = sizeOf(sp);
    const lo = sp.map(() => (align ? 0 : -0.5)), hi = sp.map((d) => (align ? d - 1 : d - 0.5));
    const st = sp.map((_, i) => sizeOf(sp.slice(i + 1)));
    const coords = new Float64Array(nsp);
    const tapIdx: number[][] = sp.map(() => []), tapW: number[][] = sp.map(() => []);
    const fetchIndex = (i: number, ax: number): number => {
      const d = sp[ax];
      if (pad === 'zeros') return i >= 0 && i < d ? i : -1;
      if (pad === 'border') return Math.min(d - 1, Math.max(0, i));
      return Math.trunc(reflect(i, lo[ax], hi[ax]));
    };
    for (let n = 0; n < N; n++) {
      for (let p = 0; p < P; p++) {
        const g = (n * P + p) * nsp;
        for (let ax = 0; ax < nsp; ax++) {
          const v = G.data[g + nsp - 1 - ax]; // grid holds (x, y[, z]) = innermost axis first
          const d = sp[ax];
          let x = align ? ((v + 1) / 2) * (d - 1) : ((v + 1) * d - 1) / 2;
          if (mode === 'nearest') x = rint(x);
          if (x < lo[ax] || x > hi[ax]) {
            if (pad === 'border') x = Math.min(d - 1, Math.max(0, x));
            else if (pad === 'reflection') x = reflect(x, lo[ax], hi[ax]);
          }
          coords[ax] = x;
          const ti = tapIdx[ax], tw = tapW[ax];
          ti.length = 0;
          tw.length = 0;
          if (mode === 'nearest') { ti.push(fetchIndex(Math.trunc(x), ax)); tw.push(1); }
          else if (mode === 'linear') {
            const x0 = Math.floor(x), f = x - x0;
            ti.push(fetchIndex(x0, ax), fetchIndex(x0 + 1, ax));
            tw.push(1 - f, f);
          } else {
            const x0 = Math.floor(x);
            const c = cubic(x - x0);
            for (let t = 0; t < 4; t++) { ti.push(fetchIndex(x0 - 1 + t, ax)); tw.push(c[t]); }
          }
        }
        for (let c = 0; c < C; c++) {
          const base = (n * C + c) * plane;
          // sum over the tap product (nsp ≤ 3 axes, ≤ 4 taps each)
          let acc = 0;
          const rec = (ax: number, off: number, w: number): void => {
            if (ax === nsp) { acc += w * X.data[base + off]; return; }
            const ti = tapIdx[ax], tw = tapW[ax];
            for (let t = 0; t < ti.length; t++) {
              if (ti[t] < 0 || tw[t] === 0) continue;
              rec(ax + 1, off + ti[t] * st[ax], w * tw[t]);
            }
          };
          rec(0, 0, 1);
          Y.data[(n * C + c) * P + p] = acc;
        }
      }
    }
    return [Y];
  },
};

const affineGrid: OpDef = {
  domain: '', name: 'AffineGrid', since: [20],
  kernel(ins, ctx) {
    const theta = floatInput(ins, 0, ctx, 'theta');
    const size = toNumbers(input(ins, 1, ctx, 'size'), 'AffineGrid size');
    const align = ctx.attrs.int('align_corners', 0) !== 0;
    const nsp = size.length - 2;
    if ((nsp !== 2 && nsp !== 3) || theta.dims.length !== 3 || theta.dims[1] !== nsp || theta.dims[2] !== nsp + 1 || theta.dims[0] !== size[0]) {
      throw opError(ctx, `theta [${theta.dims}] does not match size [${size}]`);
    }
    const N = size[0], sp = size.slice(2);
    const outDims = [N, ...sp, nsp];
    checkSize(ctx, outDims);
    const Y = floatTensor(theta.dtype, outDims);
    const base = (i: number, d: number): number => (align ? (d === 1 ? -1 : -1 + (2 * i) / (d - 1)) : (2 * i + 1) / d - 1);
    const P = sizeOf(sp);
    for (let n = 0; n < N; n++) {
      const th = n * nsp * (nsp + 1);
      for (let p = 0; p < P; p++) {
        // homogeneous (x, y[, z], 1) with x along the innermost axis
        const h = new Array<number>(nsp + 1);
        let rem = p;
        for (let ax = nsp - 1; ax >= 0; ax--) {
          const i = rem % sp[ax];
          rem = Math.floor(rem / sp[ax]);
          h[nsp - 1 - ax] = base(i, sp[ax]);
        }
        h[nsp] = 1;
        for (let r = 0; r < nsp; r++) {
          let s = 0;
          for (let k = 0; k <= nsp; k++) s += theta.data[th + r * (nsp + 1) + k] * h[k];
          Y.data[(n * P + p) * nsp + r] = s;
        }
      }
    }
    return [Y];
  },
};

const roiAlign: OpDef = {
  domain: '', name: 'RoiAlign', since: [10, 16, 22],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X'), rois = floatInput(ins, 1, ctx, 'rois');
    const bi = toNumbers(input(ins, 2, ctx, 'batch_indices'), 'RoiAlign batch_indices');
    const a = ctx.attrs;
    const halfPixel = a.string('coordinate_transformation_mode', ctx.opset >= 16 ? 'half_pixel' : 'output_half_pixel') === 'half_pixel';
    const maxMode = a.string('mode', 'avg') === 'max';
    const OH = a.int('output_height', 1), OW = a.int('output_width', 1);
    const ratio = a.int('sampling_ratio', 0), scale = a.float('spatial_scale', 1);
    if (X.dims.length !== 4) throw opError(ctx, `X must be 4-D, got [${X.dims}]`);
    const [N, C, H, W] = X.dims;
    const R = rois.dims[0];
    if (rois.dims.length !== 2 || rois.dims[1] !== 4 || bi.length !== R) throw opError(ctx, `rois [${rois.dims}] and batch_indices must be (R, 4) and (R)`);
    checkSize(ctx, [R, C, OH, OW]);
    const Y = floatTensor(X.dtype, [R, C, OH, OW]);
    const off = halfPixel ? 0.5 : 0;
    for (let r = 0; r < R; r++) {
      const b = bi[r];
      if (!(b >= 0 && b < N)) throw opError(ctx, `batch index ${b} is out of range`);
      const x0 = rois.data[r * 4] * scale - off, y0 = rois.data[r * 4 + 1] * scale - off;
      const x1 = rois.data[r * 4 + 2] * scale - off, y1 = rois.data[r * 4 + 3] * scale - off;
      let rw = x1 - x0, rh = y1 - y0;
      if (!halfPixel) { rw = Math.max(rw, 1); rh = Math.max(rh, 1); }
      const bh = rh / OH, bw = rw / OW;
      const gh = ratio > 0 ? ratio : Math.ceil(rh / OH), gw = ratio > 0 ? ratio : Math.ceil(rw / OW);
      const count = Math.max(gh * gw, 1);
      for (let ph = 0; ph < OH; ph++) for (let pw = 0; pw < OW; pw++) {
        // bilinear taps of every sample of this bin
        const taps: number[] = [];
        for (let iy = 0; iy < gh; iy++) {
          let y = y0 + ph * bh + ((iy + 0.5) * bh) / gh;
          for (let ix = 0; ix < gw; ix++) {
            let x = x0 + pw * bw + ((ix + 0.5) * bw) / gw;
            if (y < -1 || y > H || x < -1 || x > W) { taps.push(0, 0, 0, 0, 0, 0, 0, 0); continue; }
            let yy = Math.max(y, 0), xx = Math.max(x, 0);
            let yl = Math.trunc(yy), xl = Math.trunc(xx), yh: number, xh: number;
            if (yl >= H - 1) { yh = yl = H - 1; yy = yl; } else yh = yl + 1;
            if (xl >= W - 1) { xh = xl = W - 1; xx = xl; } else xh = xl + 1;
            const ly = yy - yl, lx = xx - xl, hy = 1 - ly, hx = 1 - lx;
            taps.push(yl * W + xl, hy * hx, yl * W + xh, hy * lx, yh * W + xl, ly * hx, yh * W + xh, ly * lx);
            y = yy; x = xx;
          }
        }
        for (let c = 0; c < C; c++) {
          const base = (b * C + c) * H * W;
          let out = 0, first = true;
          for (let t = 0; t < taps.length; t += 8) {
            const v1 = taps[t + 1] * X.data[base + taps[t]], v2 = taps[t + 3] * X.data[base + taps[t + 2]];
            const v3 = taps[t + 5] * X.data[base + taps[t + 4]], v4 = taps[t + 7] * X.data[base + taps[t + 6]];
            if (maxMode) {
              const v = Math.max(v1, v2, v3, v4);
              out = first ? v : Math.max(out, v);
              first = false;
            } else out += v1 + v2 + v3 + v4;
          }
          Y.data[((r * C + c) * OH + ph) * OW + pw] = maxMode ? out : out / count;
        }
      }
    }
    return [Y];
  },
};

const nms: OpDef = {
  domain: '', name: 'NonMaxSuppression', since: [10, 11],
  kernel(ins, ctx) {
    const boxes = floatInput(ins, 0, ctx, 'boxes'), scores = floatInput(ins, 1, ctx, 'scores');
    const maxT = optInput(ins, 2, ctx, 'max_output_boxes_per_class');
    const iouT = optFloatInput(ins, 3, ctx, 'iou_threshold'), stT = optFloatInput(ins, 4, ctx, 'score_threshold');
    const maxOut = maxT && maxT.data.length ? Number(maxT.data[0]) : 0;
    const iouTh = iouT && iouT.data.length ? iouT.data[0] : 0;
    const scoreTh = stT && stT.data.length ? stT.data[0] : -Infinity;
    const center = ctx.attrs.int('center_point_box', 0) !== 0;
    if (boxes.dims.length !== 3 || boxes.dims[2] !== 4 || scores.dims.length !== 3 || scores.dims[0] !== boxes.dims[0] || scores.dims[2] !== boxes.dims[1]) {
      throw opError(ctx, `boxes [${boxes.dims}] and scores [${scores.dims}] do not match`);
    }
    const [B, Nb] = boxes.dims, Cn = scores.dims[1];
    const sel: number[] = [];
    const corners = (b: number, i: number): [number, number, number, number] => {
      const o = (b * Nb + i) * 4, d = boxes.data;
      if (center) {
        const xc = d[o], yc = d[o + 1], w = d[o + 2], h = d[o + 3];
        return [yc - h / 2, xc - w / 2, yc + h / 2, xc + w / 2];
      }
      return [Math.min(d[o], d[o + 2]), Math.min(d[o + 1], d[o + 3]), Math.max(d[o], d[o + 2]), Math.max(d[o + 1], d[o + 3])];
    };
    const iou = (a: number[], c: number[]): number => {
      const ih = Math.max(0, Math.min(a[2], c[2]) - Math.max(a[0], c[0]));
      const iw = Math.max(0, Math.min(a[3], c[3]) - Math.max(a[1], c[1]));
      const inter = ih * iw;
      const ua = (a[2] - a[0]) * (a[3] - a[1]) + (c[2] - c[0]) * (c[3] - c[1]) - inter;
      return ua <= 0 ? 0 : inter / ua;
    };
    if (maxOut > 0) {
      for (let b = 0; b < B; b++) {
        const bx = Array.from({ length: Nb }, (_, i) => corners(b, i));
        for (let c = 0; c < Cn; c++) {
          const cand: number[] = [];
          for (let i = 0; i < Nb; i++) if (scores.data[(b * Cn + c) * Nb + i] > scoreTh) cand.push(i);
          cand.sort((p, q) => scores.data[(b * Cn + c) * Nb + q] - scores.data[(b * Cn + c) * Nb + p] || p - q);
          const kept: number[] = [];
          for (const i of cand) {
            if (kept.length >= maxOut) break;
            if (kept.every((k) => iou(bx[k], bx[i]) <= iouTh)) kept.push(i);
          }
          for (const k of kept) sel.push(b, c, k);
        }
      }
    }
    const out = newTensor(D.INT64, [sel.length / 3, 3]);
    for (let i = 0; i < sel.length; i++) out.data[i] = BigInt(sel[i]);
    return [out];
  },
};

const deformConv: OpDef = {
  domain: '', name: 'DeformConv', since: [19, 22],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X'), Wt = floatInput(ins, 1, ctx, 'W'), off = floatInput(ins, 2, ctx, 'offset');
    const B = optFloatInput(ins, 3, ctx, 'B'), mask = optFloatInput(ins, 4, ctx, 'mask');
    if (X.dims.length !== 4 || Wt.dims.length !== 4) throw opError(ctx, 'only 2-D DeformConv is supported (X and W of rank 4)');
    const [N, C, H, Wd] = X.dims;
    const [M, Cg, KH, KW] = Wt.dims;
    const group = ctx.attrs.int('group', 1), og = ctx.attrs.int('offset_group', 1);
    if (group < 1 || Cg * group !== C || M % group !== 0 || og < 1 || C % og !== 0) throw opError(ctx, `channels do not match: X [${X.dims}], W [${Wt.dims}]`);
    const win = windowGeometry(ctx, [H, Wd], ctx.attrs.ints('kernel_shape', [KH, KW]));
    const [OH, OW] = win.outSp;
    const K = KH * KW, P = OH * OW;
    if (off.dims.join() !== [N, og * 2 * K, OH, OW].join()) throw opError(ctx, `offset [${off.dims}] must be [${[N, og * 2 * K, OH, OW]}]`);
    if (mask && mask.dims.join() !== [N, og * K, OH, OW].join()) throw opError(ctx, `mask [${mask.dims}] must be [${[N, og * K, OH, OW]}]`);
    checkSize(ctx, [N, M, OH, OW]);
    checkSize(ctx, [C * K, P], 'column buffer');
    const Y = floatTensor(X.dtype, [N, M, OH, OW]);
    const col = new Float64Array(C * K * P);
    const [sh, sw] = win.strides, [dh, dw] = win.dilations, [ph, pw] = win.pads;
    const cPerOg = C / og, Mg = M / group;
    const x = X.data;
    for (let n = 0; n < N; n++) {
      for (let c = 0; c < C; c++) {
        const g = Math.floor(c / cPerOg);
        const xb = (n * C + c) * H * Wd;
        for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
          const k = kh * KW + kw;
          const row = (c * K + k) * P;
          const ob = ((n * og + g) * 2 * K + 2 * k) * P;
          const mb = ((n * og + g) * K + k) * P;
          for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) {
            const p = oh * OW + ow;
            const y = oh * sh - ph + kh * dh + off.data[ob + p];
            const xx = ow * sw - pw + kw * dw + off.data[ob + P + p];
            let v = 0;
            if (y > -1 && y < H && xx > -1 && xx < Wd) {
              const y0 = Math.floor(y), x0 = Math.floor(xx), fy = y - y0, fx = xx - x0;
              const at = (yy: number, xq: number): number => (yy >= 0 && yy < H && xq >= 0 && xq < Wd ? x[xb + yy * Wd + xq] : 0);
              v = (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) + fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
            }
            col[row + p] = mask ? v * mask.data[mb + p] : v;
          }
        }
      }
      for (let gi = 0; gi < group; gi++) {
        const yOff = (n * M + gi * Mg) * P;
        if (B) for (let m = 0; m < Mg; m++) Y.data.fill(B.data[gi * Mg + m], yOff + m * P, yOff + (m + 1) * P);
        gemm(Mg, P, Cg * K, { data: Wt.data as FloatArray, off: gi * Mg * Cg * K, rs: Cg * K, cs: 1 },
          { data: col, off: gi * Cg * K * P, rs: P, cs: 1 }, Y.data, yOff, P, B !== null);
      }
    }
    return [Y];
  },
};

export const ops: readonly OpDef[] = [gridSample, affineGrid, roiAlign, nms, deformConv];
