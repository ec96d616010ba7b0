/**
 * Pooling: MaxPool (with indices), AveragePool, LpPool, their Global forms, MaxUnpool.
 * Windows start at o·stride − pad_begin; elements in explicit padding count only for
 * AveragePool's count_include_pad, elements past the padding (ceil_mode) never count.
 */
import { DataType as D } from '../../dtype.js';
import type { KernelContext, NumericArray, OpDef, TensorValue } from '../types.js';
import { sizeOf, toNumbers } from '../util.js';
import { checkSize, input, newTensor, opError, optInput, windowGeometry } from './common.js';
import { lift3, type Geo3 } from './conv.js';

type Mode = 'max' | 'avg' | 'lp';

interface PoolOut {
  y: TensorValue & { data: NumericArray };
  idx: BigInt64Array | null;
}

function poolCore(
  ctx: KernelContext, X: TensorValue, mode: Mode, g: Geo3, outSp: number[],
  opts: { includePad?: boolean; p?: number; wantIdx?: boolean; colMajor?: boolean; padEnd: [number, number, number] },
): PoolOut {
  const [N, C] = X.dims;
  const outDims = [N, C, ...outSp];
  checkSize(ctx, outDims);
  const y = newTensor(X.dtype, outDims);
  const idx = opts.wantIdx ? new BigInt64Array(sizeOf(outDims)) : null;
  const x = X.data as NumericArray;
  if (x instanceof BigInt64Array || x instanceof BigUint64Array) throw opError(ctx, '64-bit integer input is not supported');
  const yd = y.data as Exclude<NumericArray, BigInt64Array | BigUint64Array>;
  const [ID, IH, IW] = g.in, [KD, KH, KW] = g.k, [SD, SH, SW] = g.s, [DD, DH, DW] = g.d, [PD, PH, PW] = g.p;
  const [OD, OH, OW] = g.out;
  const [ED, EH, EW] = opts.padEnd;
  const plane = ID * IH * IW;
  const p = opts.p ?? 2;
  const nsp = X.dims.length - 2;
  const kind = mode === 'max' ? 0 : mode === 'avg' ? 1 : 2;
  let o = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const base = nc * plane;
    for (let od = 0; od < OD; od++) {
      const d0 = od * SD - PD;
      for (let oh = 0; oh < OH; oh++) {
        const h0 = oh * SH - PH;
        for (let ow = 0; ow < OW; ow++, o++) {
          const w0 = ow * SW - PW;
          let best = -Infinity, bestAt = -1, sum = 0, cnt = 0, padCnt = 0;
          for (let kd = 0; kd < KD; kd++) {
            const id = d0 + kd * DD;
            if (id < -PD || id >= ID + ED) continue;
            const dIn = id >= 0 && id < ID;
            for (let kh = 0; kh < KH; kh++) {
              const ih = h0 + kh * DH;
              if (ih < -PH || ih >= IH + EH) continue;
              const hIn = dIn && ih >= 0 && ih < IH;
              for (let kw = 0; kw < KW; kw++) {
                const iw = w0 + kw * DW;
                if (iw < -PW || iw >= IW + EW) continue;
                padCnt++;
                if (!hIn || iw < 0 || iw >= IW) continue;
                const at = (id * IH + ih) * IW + iw;
                const v = x[base + at];
                cnt++;
                if (kind === 0) {
                  if (v > best || bestAt < 0 || v !== v) { best = v; bestAt = at; }
                } else if (kind === 1) sum += v;
                else sum += p === 2 ? v * v : Math.pow(Math.abs(v), p);
              }
            }
          }
          if (mode === 'max') {
            yd[o] = bestAt < 0 ? (y.data instanceof Float32Array || y.data instanceof Float64Array ? -Infinity : 0) : best;
            if (idx) {
              let flat = bestAt;
              if (opts.colMajor && bestAt >= 0) {
                // storage_order 1: column-major over the spatial axes of the original rank
                const w = bestAt % IW, h = Math.floor(bestAt / IW) % IH, d = Math.floor(bestAt / (IW * IH));
                flat = nsp === 3 ? d + ID * (h + IH * w) : nsp === 2 ? h + IH * w : w;
              }
              idx[o] = BigInt(base + flat);
            }
          } else if (mode === 'avg') {
            const div = opts.includePad ? padCnt : cnt;
            yd[o] = div === 0 ? 0 : sum / div;
          } else {
            yd[o] = Math.pow(sum, 1 / p);
          }
        }
      }
    }
  }
  return { y, idx };
}

function spatialPool(ctx: KernelContext, X: TensorValue, mode: Mode, wantIdx = false): PoolOut {
  if (X.dims.length < 3 || X.dims.length > 5) throw opError(ctx, `X must have rank 3..5, got [${X.dims}]`);
  const kernel = ctx.attrs.ints('kernel_shape', []);
  if (kernel.length !== X.dims.length - 2) throw opError(ctx, `kernel_shape [${kernel}] does not match X [${X.dims}]`);
  const ceil = ctx.attrs.int('ceil_mode', 0) !== 0;
  const win = windowGeometry(ctx, X.dims.slice(2), kernel, { ceil, pool: true });
  const g = lift3(win);
  const nsp = kernel.length;
  const padEnd: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < nsp; i++) padEnd[3 - nsp + i] = win.pads[nsp + i];
  return poolCore(ctx, X, mode, g, win.outSp, {
    includePad: ctx.attrs.int('count_include_pad', 0) !== 0,
    p: ctx.attrs.int('p', 2),
    wantIdx,
    colMajor: ctx.attrs.int('storage_order', 0) === 1,
    padEnd,
  });
}

const maxPool: OpDef = {
  domain: '', name: 'MaxPool', since: [1, 8, 10, 11, 12, 22],
  kernel(ins, ctx) {
    const X = input(ins, 0, ctx, 'X');
    const wantIdx = ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== null;
    const r = spatialPool(ctx, X, 'max', wantIdx);
    return wantIdx ? [r.y, { kind: 'tensor', dtype: D.INT64, dims: r.y.dims, data: r.idx! }] : [r.y];
  },
};

const averagePool: OpDef = {
  domain: '', name: 'AveragePool', since: [1, 7, 10, 11, 19, 22],
  kernel(ins, ctx) {
    return [spatialPool(ctx, input(ins, 0, ctx, 'X'), 'avg').y];
  },
};

const lpPool: OpDef = {
  domain: '', name: 'LpPool', since: [1, 2, 11, 18, 22],
  kernel(ins, ctx) {
    return [spatialPool(ctx, input(ins, 0, ctx, 'X'), 'lp').y];
  },
};

function globalPool(ctx: KernelContext, X: TensorValue, mode: Mode, p = 2): TensorValue {
  if (X.dims.length < 2) throw opError(ctx, `X must have rank >= 2, got [${X.dims}]`);
  const [N, C] = X.dims;
  const plane = sizeOf(X.dims.slice(2));
  const y = newTensor(X.dtype, [N, C, ...X.dims.slice(2).map(() => 1)]);
  const x = X.data as Float32Array;
  for (let nc = 0; nc < N * C; nc++) {
    let acc = mode === 'max' ? -Infinity : 0;
    for (let i = nc * plane, e = i + plane; i < e; i++) {
      const v = x[i];
      if (mode === 'max') { if (v > acc || v !== v) acc = v; }
      else if (mode === 'avg') acc += v;
      else acc += Math.pow(Math.abs(v), p);
    }
    (y.data as Float32Array)[nc] = mode === 'avg' ? acc / plane : mode === 'lp' ? Math.pow(acc, 1 / p) : acc;
  }
  return y;
}

const globalAveragePool: OpDef = {
  domain: '', name: 'GlobalAveragePool', since: [1, 22],
  kernel: (ins, ctx) => [globalPool(ctx, input(ins, 0, ctx, 'X'), 'avg')],
};
const globalMaxPool: OpDef = {
  domain: '', name: 'GlobalMaxPool', since: [1, 22],
  kernel: (ins, ctx) => [globalPool(ctx, input(ins, 0, ctx, 'X'), 'max')],
};
const globalLpPool: OpDef = {
  domain: '', name: 'GlobalLpPool', since: [1, 2, 22],
  kernel: (ins, ctx) => [globalPool(ctx, input(ins, 0, ctx, 'X'), 'lp', ctx.attrs.int('p', 2))],
};

const maxUnpool: OpDef = {
  domain: '', name: 'MaxUnpool', since: [9, 11, 22],
  kernel(ins, ctx) {
    const X = input(ins, 0, ctx, 'X'), I = input(ins, 1, ctx, 'I');
    const shapeIn = optInput(ins, 2, ctx, 'output_shape');
    const nsp = X.dims.length - 2;
    if (nsp < 1) throw opError(ctx, `X must have rank >= 3, got [${X.dims}]`);
    const kernel = ctx.attrs.ints('kernel_shape', []);
    const strides = ctx.attrs.ints('strides', new Array(nsp).fill(1));
    const pads = ctx.attrs.ints('pads', new Array(2 * nsp).fill(0));
    if (kernel.length !== nsp || strides.length !== nsp || pads.length !== 2 * nsp) throw opError(ctx, 'kernel_shape, strides and pads must match the spatial rank');
    const inferred = [X.dims[0], X.dims[1], ...X.dims.slice(2).map((d, i) => (d - 1) * strides[i] - pads[i] - pads[i + nsp] + kernel[i])];
    let outDims = inferred;
    if (shapeIn) {
      outDims = toNumbers(shapeIn, 'MaxUnpool output_shape');
      if (outDims.length !== X.dims.length) throw opError(ctx, `output_shape [${outDims}] must have rank ${X.dims.length}`);
    }
    checkSize(ctx, outDims);
    if (I.dims.join() !== X.dims.join()) throw opError(ctx, `I [${I.dims}] must have the shape of X [${X.dims}]`);
    const y = newTensor(X.dtype, outDims);
    const xd = X.data as NumericArray, id = I.data as BigInt64Array;
    const inferredTotal = sizeOf(inferred);
    // indices are flat over the inferred (N, C, spatial) shape; coordinates carry over to Y
    const rank = outDims.length;
    for (let i = 0; i < xd.length; i++) {
      let rem = Number(id[i]);
      if (!(rem >= 0 && rem < inferredTotal)) throw opError(ctx, `index ${id[i]} is out of range`);
      let at = 0, mul = 1;
      for (let a = rank - 1; a >= 0; a--) {
        const c = rem % inferred[a];
        rem = Math.floor(rem / inferred[a]);
        if (c >= outDims[a]) throw opError(ctx, `index ${id[i]} falls outside output_shape`);
        at += c * mul;
        mul *= outDims[a];
      }
      (y.data as Float32Array)[at] = xd[i] as number;
    }
    return [y];
  },
};

export const ops: readonly OpDef[] = [maxPool, averagePool, lpPool, globalAveragePool, globalMaxPool, globalLpPool, maxUnpool];
