/**
 * Conv and ConvTranspose (1-D/2-D/3-D, groups, dilations, auto_pad) over the packed GEMM core.
 * Spatial ranks below 3 are lifted to 3 with unit axes so one im2col/col2im pair serves all.
 */
import type { KernelContext, OpDef, TensorValue } from '../types.js';
import { sizeOf } from '../util.js';
import {
  checkSize, floatInput, floatTensor, opError, optFloatInput, windowGeometry,
  type FloatArray, type FloatTensor, type Window,
} from './common.js';
import { gemm } from './gemm-core.js';

/** A window lifted to exactly 3 spatial axes. */
export interface Geo3 {
  in: [number, number, number];
  k: [number, number, number];
  s: [number, number, number];
  d: [number, number, number];
  p: [number, number, number];
  out: [number, number, number];
}

export function lift3(w: { inSp: number[]; kernel: number[]; strides: number[]; dilations: number[]; pads: number[]; outSp: number[] }): Geo3 {
  const n = w.inSp.length;
  const f = (arr: number[], dflt: number, off = 0): [number, number, number] => {
    const r: [number, number, number] = [dflt, dflt, dflt];
    for (let i = 0; i < n; i++) r[3 - n + i] = arr[off + i];
    return r;
  };
  return { in: f(w.inSp, 1), k: f(w.kernel, 1), s: f(w.strides, 1), d: f(w.dilations, 1), p: f(w.pads, 0), out: f(w.outSp, 1) };
}

/**
 * im2col of `C` channels starting at `xOff`: col[(c·K + kk)·P + p] for kernel offset kk and
 * output position p (both row-major over the 3 spatial axes).
 */
export function im2col(x: FloatArray, xOff: number, C: number, g: Geo3, col: FloatArray): void {
  const [ID, IH, IW] = g.in, [KD, KH, KW] = g.k, [SD, SH, SW] = g.s, [DD, DH, DW] = g.d, [PD, PH, PW] = g.p;
  const [OD, OH, OW] = g.out;
  const inPlane = ID * IH * IW;
  let q = 0;
  for (let c = 0; c < C; c++) {
    const cb = xOff + c * inPlane;
    for (let kd = 0; kd < KD; kd++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          for (let od = 0; od < OD; od++) {
            const id = od * SD - PD + kd * DD;
            if (id < 0 || id >= ID) {
              col.fill(0, q, q + OH * OW);
              q += OH * OW;
              continue;
            }
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * SH - PH + kh * DH;
              if (ih < 0 || ih >= IH) {
                col.fill(0, q, q + OW);
                q += OW;
                continue;
              }
              const rowBase = cb + (id * IH + ih) * IW;
              let iw = -PW + kw * DW;
              if (SW === 1 && iw >= 0 && iw + OW <= IW) {
                for (let ow = 0; ow < OW; ow++) col[q++] = x[rowBase + iw + ow];
                continue;
              }
              for (let ow = 0; ow < OW; ow++, iw += SW) col[q++] = iw >= 0 && iw < IW ? x[rowBase + iw] : 0;
            }
          }
        }
      }
    }
  }
}

/** Inverse of im2col: scatter-adds col into the (zeroed or biased) image at `yOff`. */
export function col2im(col: FloatArray, C: number, g: Geo3, y: FloatArray, yOff: number): void {
  // here g.in is the image (output of ConvTranspose) and g.out the column grid (its input)
  const [ID, IH, IW] = g.in, [KD, KH, KW] = g.k, [SD, SH, SW] = g.s, [DD, DH, DW] = g.d, [PD, PH, PW] = g.p;
  const [OD, OH, OW] = g.out;
  const plane = ID * IH * IW;
  let q = 0;
  for (let c = 0; c < C; c++) {
    const cb = yOff + c * plane;
    for (let kd = 0; kd < KD; kd++) {
      for (let kh = 0; kh < KH; kh++) {
        for (let kw = 0; kw < KW; kw++) {
          for (let od = 0; od < OD; od++) {
            const id = od * SD - PD + kd * DD;
            if (id < 0 || id >= ID) { q += OH * OW; continue; }
            for (let oh = 0; oh < OH; oh++) {
              const ih = oh * SH - PH + kh * DH;
              if (ih < 0 || ih >= IH) { q += OW; continue; }
              const rowBase = cb + (id * IH + ih) * IW;
              let iw = -PW + kw * DW;
              for (let ow = 0; ow < OW; ow++, iw += SW, q++) if (iw >= 0 && iw < IW) y[rowBase + iw] += col[q];
            }
          }
        }
      }
    }
  }
}

let colBuf = new Float64Array(0);
let colBuf32 = new Float32Array(0);

function scratch(dtypeDouble: boolean, n: number): FloatArray {
  if (dtypeDouble) {
    if (colBuf.length < n) colBuf = new Float64Array(n);
    return colBuf;
  }
  if (colBuf32.length < n) colBuf32 = new Float32Array(n);
  return colBuf32;
}

/** Kernel spatial shape: the attribute when given, else from W. */
function kernelShape(ctx: KernelContext, W: TensorValue): number[] {
  const fromW = W.dims.slice(2);
  const k = ctx.attrs.ints('kernel_shape', fromW);
  if (k.length !== fromW.length || k.some((v, i) => v !== fromW[i])) throw opError(ctx, `kernel_shape [${k}] does not match W [${W.dims}]`);
  return k;
}

/**
 * Float convolution core (also used by QLinearConv/ConvInteger after dequantizing):
 * Y = conv(X, W) + B with groups, over windowGeometry's resolved pads.
 */
export function convFloat(ctx: KernelContext, X: FloatTensor, W: FloatTensor, B: FloatTensor | null, outDtype = X.dtype): FloatTensor {
  if (X.dims.length < 3 || X.dims.length > 5) throw opError(ctx, `X must have rank 3..5, got [${X.dims}]`);
  if (W.dims.length !== X.dims.length) throw opError(ctx, `W [${W.dims}] must have the rank of X [${X.dims}]`);
  const group = ctx.attrs.int('group', 1);
  const [N, C] = X.dims;
  const M = W.dims[0];
  if (group < 1 || C % group !== 0 || M % group !== 0 || W.dims[1] * group !== C) {
    throw opError(ctx, `channels do not match: X [${X.dims}], W [${W.dims}], group ${group}`);
  }
  if (B && (B.dims.length !== 1 || B.dims[0] !== M)) throw opError(ctx, `B [${B.dims}] must be [${M}]`);
  const win: Window = windowGeometry(ctx, X.dims.slice(2), kernelShape(ctx, W));
  const outDims = [N, M, ...win.outSp];
  checkSize(ctx, outDims);
  const Y = floatTensor(outDtype, outDims);
  const g = lift3(win);
  const Cg = C / group, Mg = M / group;
  const kprod = g.k[0] * g.k[1] * g.k[2];
  const Kg = Cg * kprod;
  const P = g.out[0] * g.out[1] * g.out[2];
  const inPlane = g.in[0] * g.in[1] * g.in[2];
  if (Cg === 1 && Mg === 1 && group > 1) {
    depthwise(X.data, W.data, B ? B.data : null, N * C, C, g, Y.data);
    return Y;
  }
  const pointwise = kprod === 1 && g.s.every((v) => v === 1) && g.p.every((v) => v === 0) && win.pads.every((v) => v === 0);
  checkSize(ctx, [Kg, P], 'im2col buffer');
  const col = pointwise ? null : scratch(X.data instanceof Float64Array, Kg * P);
  const yd = Y.data;
  for (let n = 0; n < N; n++) {
    for (let gi = 0; gi < group; gi++) {
      const xOff = (n * C + gi * Cg) * inPlane;
      const yOff = (n * M + gi * Mg) * P;
      if (B) for (let m = 0; m < Mg; m++) yd.fill(B.data[gi * Mg + m], yOff + m * P, yOff + (m + 1) * P);
      let bView;
      if (col) {
        im2col(X.data, xOff, Cg, g, col);
        bView = { data: col, off: 0, rs: P, cs: 1 };
      } else {
        bView = { data: X.data, off: xOff, rs: P, cs: 1 };
      }
      gemm(Mg, P, Kg, { data: W.data, off: gi * Mg * Kg, rs: Kg, cs: 1 }, bView, yd, yOff, P, B !== null);
    }
  }
  return Y;
}

/**
 * Depthwise convolution (one input and one output channel per group): direct loops, one kernel
 * tap at a time over contiguous output rows, cheaper than im2col + a 1-row product.
 */
function depthwise(x: FloatArray, w: FloatArray, b: FloatArray | null, planes: number, C: number, g: Geo3, y: FloatArray): void {
  const [ID, IH, IW] = g.in, [KD, KH, KW] = g.k, [SD, SH, SW] = g.s, [DD, DH, DW] = g.d, [PD, PH, PW] = g.p;
  const [OD, OH, OW] = g.out;
  const inPlane = ID * IH * IW, outPlane = OD * OH * OW, kp = KD * KH * KW;
  for (let nc = 0; nc < planes; nc++) {
    const c = nc % C, xb = nc * inPlane, yb = nc * outPlane;
    y.fill(b ? b[c] : 0, yb, yb + outPlane);
    for (let kd = 0; kd < KD; kd++) for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
      const wv = w[c * kp + (kd * KH + kh) * KW + kw];
      // output columns whose input column lies inside the row
      const off = kw * DW - PW;
      const owLo = Math.max(0, Math.ceil(-off / SW)), owHi = Math.min(OW, Math.floor((IW - 1 - off) / SW) + 1);
      if (owLo >= owHi) continue;
      for (let od = 0; od < OD; od++) {
        const id = od * SD - PD + kd * DD;
        if (id < 0 || id >= ID) continue;
        for (let oh = 0; oh < OH; oh++) {
          const ih = oh * SH - PH + kh * DH;
          if (ih < 0 || ih >= IH) continue;
          const xr = xb + (id * IH + ih) * IW + off, yr = yb + (od * OH + oh) * OW;
          for (let ow = owLo; ow < owHi; ow++) y[yr + ow] += wv * x[xr + ow * SW];
        }
      }
    }
  }
}

const conv: OpDef = {
  domain: '', name: 'Conv', since: [1, 11, 22],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X'), W = floatInput(ins, 1, ctx, 'W');
    return [convFloat(ctx, X, W, optFloatInput(ins, 2, ctx, 'B'))];
  },
};

/** ConvTranspose geometry: output spatial sizes and begin/end pads per the spec's equations. */
function transposeGeometry(ctx: KernelContext, inSp: number[], kernel: number[]): Window {
  const nsp = inSp.length;
  const a = ctx.attrs;
  const strides = a.ints('strides', new Array(nsp).fill(1));
  const dil = a.ints('dilations', new Array(nsp).fill(1));
  const outPad = a.ints('output_padding', new Array(nsp).fill(0));
  let pads = a.ints('pads', new Array(2 * nsp).fill(0));
  const autoPad = a.string('auto_pad', 'NOTSET');
  let outShape = a.ints('output_shape', []);
  if (outShape.length === nsp + 2) outShape = outShape.slice(2);
  if (strides.length !== nsp || dil.length !== nsp || outPad.length !== nsp || pads.length !== 2 * nsp) {
    throw opError(ctx, 'strides, dilations, output_padding and pads must match the spatial rank');
  }
  if (outShape.length !== 0 && outShape.length !== nsp) throw opError(ctx, `output_shape [${outShape}] does not match the spatial rank`);
  const outSp = new Array<number>(nsp);
  if (autoPad === 'VALID') pads = new Array(2 * nsp).fill(0);
  for (let i = 0; i < nsp; i++) {
    if (!(strides[i] >= 1) || !(dil[i] >= 1)) throw opError(ctx, 'strides and dilations must be positive');
    const ek = (kernel[i] - 1) * dil[i] + 1;
    const full = strides[i] * (inSp[i] - 1) + outPad[i] + ek;
    if (outShape.length || autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
      const target = outShape.length ? outShape[i] : inSp[i] * strides[i];
      const total = Math.max(0, full - target);
      const half = Math.floor(total / 2);
      if (autoPad === 'SAME_UPPER') { pads[i] = half; pads[i + nsp] = total - half; }
      else { pads[i] = total - half; pads[i + nsp] = half; }
      outSp[i] = target;
    } else {
      outSp[i] = full - pads[i] - pads[i + nsp];
    }
    if (outSp[i] < 0) throw opError(ctx, `negative output size on spatial axis ${i}`);
  }
  return { inSp, kernel, strides, dilations: dil, pads, outSp };
}

const convTranspose: OpDef = {
  domain: '', name: 'ConvTranspose', since: [1, 11, 22],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X'), W = floatInput(ins, 1, ctx, 'W');
    const B = optFloatInput(ins, 2, ctx, 'B');
    if (X.dims.length < 3 || X.dims.length > 5 || W.dims.length !== X.dims.length) throw opError(ctx, `X [${X.dims}] and W [${W.dims}] must have equal rank 3..5`);
    const group = ctx.attrs.int('group', 1);
    const [N, C] = X.dims;
    if (group < 1 || W.dims[0] !== C || C % group !== 0) throw opError(ctx, `channels do not match: X [${X.dims}], W [${W.dims}], group ${group}`);
    const Mg = W.dims[1], M = Mg * group;
    if (B && (B.dims.length !== 1 || B.dims[0] !== M)) throw opError(ctx, `B [${B.dims}] must be [${M}]`);
    const win = transposeGeometry(ctx, X.dims.slice(2), kernelShape(ctx, W));
    const outDims = [N, M, ...win.outSp];
    checkSize(ctx, outDims);
    const Y = floatTensor(X.dtype, outDims);
    // col2im's image is our output, its column grid our input
    const g = lift3({ ...win, inSp: win.outSp, outSp: win.inSp });
    const Cg = C / group;
    const kprod = g.k[0] * g.k[1] * g.k[2];
    const Pin = sizeOf(win.inSp), Pout = sizeOf(win.outSp);
    checkSize(ctx, [Mg * kprod, Pin], 'column buffer');
    const col = scratch(X.data instanceof Float64Array, Mg * kprod * Pin);
    const yd = Y.data;
    for (let n = 0; n < N; n++) {
      for (let gi = 0; gi < group; gi++) {
        const xOff = (n * C + gi * Cg) * Pin;
        // col (Mg·kprod × Pin) = W_gᵀ (Mg·kprod × Cg) · X_g (Cg × Pin)
        gemm(Mg * kprod, Pin, Cg,
          { data: W.data, off: gi * Cg * Mg * kprod, rs: 1, cs: Mg * kprod },
          { data: X.data, off: xOff, rs: Pin, cs: 1 }, col, 0, Pin, false);
        const yOff = (n * M + gi * Mg) * Pout;
        col2im(col, Mg, g, yd, yOff);
        if (B) for (let m = 0; m < Mg; m++) {
          const b = B.data[gi * Mg + m];
          for (let p = yOff + m * Pout, e = p + Pout; p < e; p++) yd[p] += b;
        }
      }
    }
    return [Y];
  },
};

export const ops: readonly OpDef[] = [conv, convTranspose];
