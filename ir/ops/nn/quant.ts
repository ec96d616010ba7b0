/**
 * QuantizeLinear / DequantizeLinear (per-tensor, per-axis, blocked; integer, 4-/2-bit and
 * float8/float4 targets with saturate), DynamicQuantizeLinear, QLinearConv, ConvInteger.
 * Integer convolutions run exactly on the float64 path of the Conv core (|sums| < 2^53).
 */
import { LatheError } from '../../error.js';
import { DataType as D, dtypeName } from '../../dtype.js';
import { roundToDtype } from '../float-formats.js';
import type { KernelContext, NumericArray, OpDef, TensorValue } from '../types.js';
import { isFloat, normAxis, sizeOf } from '../util.js';
import { floatTensor, input, newTensor, opError, optInput, type FloatTensor } from './common.js';
import { convFloat } from './conv.js';
import { intRange, saturateRound } from './matmul.js';

/** For element i of x, the index of its scale/zero point (per-tensor, per-axis or blocked). */
function paramIndexer(ctx: KernelContext, x: TensorValue, scale: TensorValue): (i: number) => number {
  const n = scale.data.length;
  const rank = x.dims.length;
  const block = ctx.opset >= 21 ? ctx.attrs.int('block_size', 0) : 0;
  if (n === 1 && block === 0) return () => 0;
  if (scale.dims.length === 0 && block === 0) return () => 0;
  if (rank === 0) throw opError(ctx, 'a scalar input needs a scalar scale');
  const axis = normAxis(ctx.attrs.int('axis', 1), rank, `${ctx.node.op} axis`);
  const Di = x.dims[axis], inner = sizeOf(x.dims.slice(axis + 1));
  if (block <= 0) {
    if (scale.dims.length !== 1 || n !== Di) throw opError(ctx, `scale [${scale.dims}] must have ${Di} elements along axis ${axis}`);
    return (i) => Math.floor(i / inner) % Di;
  }
  if (scale.dims.length !== rank) throw opError(ctx, `blocked scale [${scale.dims}] must have the rank of the input [${x.dims}]`);
  const Si = scale.dims[axis];
  for (let k = 0; k < rank; k++) {
    if (k !== axis && scale.dims[k] !== x.dims[k]) throw opError(ctx, `blocked scale [${scale.dims}] does not match the input [${x.dims}]`);
  }
  if (Math.ceil(Di / block) !== Si) throw opError(ctx, `block_size ${block} does not fit axis length ${Di} with ${Si} blocks`);
  return (i) => {
    const inr = i % inner, a = Math.floor(i / inner) % Di, outer = Math.floor(i / (inner * Di));
    return (outer * Si + Math.floor(a / block)) * inner + inr;
  };
}

function nums(t: TensorValue): ArrayLike<number> {
  if (Array.isArray(t.data)) throw new LatheError('quantization inputs must be numeric tensors, not strings');
  if (t.data instanceof BigInt64Array || t.data instanceof BigUint64Array) return Array.from(t.data, Number);
  return t.data as ArrayLike<number>;
}

/** Division at the precision of `dtype` (float32 unless a narrower float or double). */
function atPrecision(dtype: number, v: number): number {
  if (dtype === D.DOUBLE) return v;
  if (dtype === D.FLOAT) return Math.fround(v);
  return roundToDtype(dtype, v);
}

const FLOAT_TARGETS: ReadonlySet<number> = new Set([D.FLOAT8E4M3FN, D.FLOAT8E4M3FNUZ, D.FLOAT8E5M2, D.FLOAT8E5M2FNUZ, D.FLOAT4E2M1, D.FLOAT8E8M0]);

const quantizeLinear: OpDef = {
  domain: '', name: 'QuantizeLinear', since: [10, 13, 19, 21, 23, 24, 25],
  kernel(ins, ctx) {
    const x = input(ins, 0, ctx, 'x'), s = input(ins, 1, ctx, 'y_scale'), zp = optInput(ins, 2, ctx, 'y_zero_point');
    const attrType = ctx.opset >= 21 ? ctx.attrs.int('output_dtype', 0) : 0;
    const outType = attrType || zp?.dtype || ctx.outputDtypes[0] || D.UINT8;
    if (zp && attrType && zp.dtype !== attrType) throw opError(ctx, 'output_dtype must match y_zero_point');
    if (zp && zp.data.length !== s.data.length) throw opError(ctx, 'y_zero_point must have the shape of y_scale');
    const idx = paramIndexer(ctx, x, s);
    const prec = (ctx.opset >= 23 ? ctx.attrs.int('precision', 0) : 0) || s.dtype;
    const saturate = ctx.attrs.int('saturate', 1) !== 0;
    const y = newTensor(outType, x.dims);
    const xd = nums(x), sd = nums(s), zd = zp ? nums(zp) : null;
    const yd = y.data as Float32Array;
    if (FLOAT_TARGETS.has(outType)) {
      for (let i = 0; i < xd.length; i++) {
        const k = idx(i);
        const v = atPrecision(prec, xd[i] / sd[k]) + (zd ? zd[k] : 0);
        yd[i] = roundToDtype(outType, v, saturate);
      }
      return [y];
    }
    const [lo, hi] = intRange(outType);
    if (!Number.isFinite(lo) && outType !== D.INT32) throw opError(ctx, `unsupported output type ${dtypeName(outType)}`);
    for (let i = 0; i < xd.length; i++) {
      const k = idx(i);
      const q = atPrecision(prec, xd[i] / sd[k]);
      yd[i] = saturateRound(q, lo - (zd ? zd[k] : 0), hi - (zd ? zd[k] : 0)) + (zd ? zd[k] : 0);
    }
    return [y];
  },
};

const dequantizeLinear: OpDef = {
  domain: '', name: 'DequantizeLinear', since: [10, 13, 19, 21, 23, 24, 25],
  kernel(ins, ctx) {
    const x = input(ins, 0, ctx, 'x'), s = input(ins, 1, ctx, 'x_scale'), zp = optInput(ins, 2, ctx, 'x_zero_point');
    if (!isFloat(s.dtype)) throw opError(ctx, 'x_scale must be a float tensor');
    if (zp && zp.data.length !== s.data.length) throw opError(ctx, 'x_zero_point must have the shape of x_scale');
    const outType = (ctx.opset >= 23 ? ctx.attrs.int('output_dtype', 0) : 0) || s.dtype;
    const idx = paramIndexer(ctx, x, s);
    const y = floatTensor(outType, x.dims);
    const xd = nums(x), sd = nums(s), zd = zp ? nums(zp) : null;
    for (let i = 0; i < xd.length; i++) {
      const k = idx(i);
      y.data[i] = atPrecision(outType === D.DOUBLE ? D.DOUBLE : D.FLOAT, (xd[i] - (zd ? zd[k] : 0)) * sd[k]);
    }
    return [y];
  },
};

const dynamicQuantizeLinear: OpDef = {
  domain: '', name: 'DynamicQuantizeLinear', since: [11],
  kernel(ins, ctx) {
    const x = input(ins, 0, ctx, 'x');
    const xd = nums(x);
    let mn = 0, mx = 0;
    for (let i = 0; i < xd.length; i++) { if (xd[i] < mn) mn = xd[i]; if (xd[i] > mx) mx = xd[i]; }
    const scale = Math.fround((mx - mn) / 255);
    const zpv = scale === 0 ? 0 : saturateRound(Math.fround((0 - mn) / scale), 0, 255);
    const y = newTensor(D.UINT8, x.dims);
    for (let i = 0; i < xd.length; i++) {
      y.data[i] = scale === 0 ? zpv : Math.min(255, Math.max(0, saturateRound(Math.fround(xd[i] / scale), -Infinity, Infinity) + zpv));
    }
    const ys = newTensor(D.FLOAT, []), yz = newTensor(D.UINT8, []);
    ys.data[0] = scale;
    yz.data[0] = zpv;
    return [y, ys, yz];
  },
};

/** x − zero_point as a double tensor (zero point per tensor, or per output channel for W). */
function centered(ctx: KernelContext, t: TensorValue, zp: TensorValue | null, perChannelAxis0: boolean): FloatTensor {
  const d = nums(t);
  const out = floatTensor(D.DOUBLE, t.dims);
  const z = zp ? nums(zp) : [0];
  const per = t.dims.length ? sizeOf(t.dims.slice(1)) : 1;
  if (z.length !== 1 && !(perChannelAxis0 && z.length === t.dims[0])) throw opError(ctx, `zero point [${zp?.dims}] does not match [${t.dims}]`);
  for (let i = 0; i < d.length; i++) out.data[i] = d[i] - (z.length === 1 ? z[0] : z[Math.floor(i / per)]);
  return out;
}

const convInteger: OpDef = {
  domain: '', name: 'ConvInteger', since: [10],
  kernel(ins, ctx) {
    const x = input(ins, 0, ctx, 'x'), w = input(ins, 1, ctx, 'w');
    const xc = centered(ctx, x, optInput(ins, 2, ctx, 'x_zero_point'), false);
    const wc = centered(ctx, w, optInput(ins, 3, ctx, 'w_zero_point'), true);
    const acc = convFloat(ctx, xc, wc, null, D.DOUBLE);
    const y = newTensor(D.INT32, acc.dims);
    (y.data as Int32Array).set(acc.data);
    return [y];
  },
};

const qLinearConv: OpDef = {
  domain: '', name: 'QLinearConv', since: [10],
  kernel(ins, ctx) {
    const x = input(ins, 0, ctx, 'x'), xs = input(ins, 1, ctx, 'x_scale');
    const w = input(ins, 3, ctx, 'w'), ws = input(ins, 4, ctx, 'w_scale');
    const ys = input(ins, 6, ctx, 'y_scale'), yz = optInput(ins, 7, ctx, 'y_zero_point');
    const B = optInput(ins, 8, ctx, 'B');
    const xc = centered(ctx, x, optInput(ins, 2, ctx, 'x_zero_point'), false);
    const wc = centered(ctx, w, optInput(ins, 5, ctx, 'w_zero_point'), true);
    let bias: FloatTensor | null = null;
    if (B) {
      bias = floatTensor(D.DOUBLE, B.dims);
      bias.data.set(nums(B));
    }
    const acc = convFloat(ctx, xc, wc, bias, D.DOUBLE);
    const outType = yz?.dtype ?? x.dtype;
    const y = newTensor(outType, acc.dims);
    const [lo, hi] = intRange(outType);
    const xsv = nums(xs)[0], wsv = nums(ws), ysv = nums(ys)[0], yzv = yz ? nums(yz)[0] : 0;
    const M = acc.dims[1], plane = sizeOf(acc.dims.slice(2));
    if (wsv.length !== 1 && wsv.length !== M) throw opError(ctx, `w_scale must have 1 or ${M} elements`);
    const yd = y.data as NumericArray as Uint8Array;
    for (let i = 0; i < acc.data.length; i++) {
      const m = Math.floor(i / plane) % M;
      const mult = Math.fround(Math.fround(xsv * wsv[wsv.length === 1 ? 0 : m]) / ysv);
      yd[i] = saturateRound(Math.fround(acc.data[i] * mult) + yzv, lo, hi);
    }
    return [y];
  },
};

export const ops: readonly OpDef[] = [quantizeLinear, dequantizeLinear, dynamicQuantizeLinear, convInteger, qLinearConv];
