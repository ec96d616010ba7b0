/**
 * Softmax, LogSoftmax, Hardmax (before opset 13: the input coerced to 2-D at `axis`, default 1;
 * from 13: along one axis, default −1) and Dropout (identity in inference; seeded random mask
 * in training mode).
 */
import { DataType as D } from '../../dtype.js';
import type { KernelContext, NumericArray, OpDef, TensorValue } from '../types.js';
import { normAxis, sizeOf } from '../util.js';
import { floatInput, floatTensor, input, newTensor, opError, optInput, scalarOf, type FloatTensor } from './common.js';

/** outer × n × inner decomposition of the reduction for the op's opset. */
function layout(ctx: KernelContext, dims: readonly number[]): [number, number, number] {
  const rank = dims.length;
  if (ctx.opset < 13) {
    const axis = rank === 0 ? 0 : normAxis(ctx.attrs.int('axis', 1), rank, `${ctx.node.op} axis`);
    return [sizeOf(dims.slice(0, axis)), sizeOf(dims.slice(axis)), 1];
  }
  if (rank === 0) return [1, 1, 1];
  const axis = normAxis(ctx.attrs.int('axis', -1), rank, `${ctx.node.op} axis`);
  return [sizeOf(dims.slice(0, axis)), dims[axis], sizeOf(dims.slice(axis + 1))];
}

type Kind = 'soft' | 'log' | 'hard';

function softmaxLike(ctx: KernelContext, X: FloatTensor, kind: Kind): FloatTensor {
  const [outer, n, inner] = layout(ctx, X.dims);
  const Y = floatTensor(X.dtype, X.dims);
  const x = X.data, y = Y.data;
  if (inner === 1 && kind !== 'hard') {
    // contiguous rows (the common last-axis case): no strided indexing
    for (let b = 0; b < outer * n; b += n) {
      let mx = -Infinity;
      for (let k = b; k < b + n; k++) if (x[k] > mx) mx = x[k];
      let s = 0;
      if (kind === 'soft') {
        for (let k = b; k < b + n; k++) { const e = Math.exp(x[k] - mx); y[k] = e; s += e; }
        const inv = 1 / s;
        for (let k = b; k < b + n; k++) y[k] *= inv;
      } else {
        for (let k = b; k < b + n; k++) s += Math.exp(x[k] - mx);
        const ls = mx + Math.log(s);
        for (let k = b; k < b + n; k++) y[k] = x[k] - ls;
      }
    }
    return Y;
  }
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const b = o * n * inner + i;
      let mx = -Infinity, arg = 0;
      for (let k = 0; k < n; k++) {
        const v = x[b + k * inner];
        if (v > mx) { mx = v; arg = k; }
      }
      if (kind === 'hard') {
        for (let k = 0; k < n; k++) y[b + k * inner] = k === arg ? 1 : 0;
        continue;
      }
      let s = 0;
      for (let k = 0; k < n; k++) {
        const e = Math.exp(x[b + k * inner] - mx);
        s += e;
        if (kind === 'soft') y[b + k * inner] = e;
      }
      if (kind === 'soft') for (let k = 0; k < n; k++) y[b + k * inner] /= s;
      else {
        const ls = Math.log(s);
        for (let k = 0; k < n; k++) y[b + k * inner] = x[b + k * inner] - mx - ls;
      }
    }
  }
  return Y;
}

const softmax: OpDef = {
  domain: '', name: 'Softmax', since: [1, 11, 13],
  kernel: (ins, ctx) => [softmaxLike(ctx, floatInput(ins, 0, ctx, 'input'), 'soft')],
};
const logSoftmax: OpDef = {
  domain: '', name: 'LogSoftmax', since: [1, 11, 13],
  kernel: (ins, ctx) => [softmaxLike(ctx, floatInput(ins, 0, ctx, 'input'), 'log')],
};
const hardmax: OpDef = {
  domain: '', name: 'Hardmax', since: [1, 11, 13],
  kernel: (ins, ctx) => [softmaxLike(ctx, floatInput(ins, 0, ctx, 'input'), 'hard')],
};

const dropout: OpDef = {
  domain: '', name: 'Dropout', since: [1, 6, 7, 10, 12, 13, 22], random: true,
  kernel(ins, ctx) {
    const X = input(ins, 0, ctx, 'data');
    let ratio: number, training: boolean;
    if (ctx.opset >= 12) {
      ratio = scalarOf(optInput(ins, 1, ctx, 'ratio'), 0.5);
      training = scalarOf(optInput(ins, 2, ctx, 'training_mode'), 0) !== 0;
    } else {
      ratio = ctx.attrs.float('ratio', 0.5);
      training = ctx.opset < 7 ? ctx.attrs.int('is_test', 0) === 0 : false;
    }
    if (!(ratio >= 0 && ratio < 1) && training) throw opError(ctx, `ratio must be in [0, 1), got ${ratio}`);
    const wantMask = ctx.node.outputs.length > 1 && ctx.node.outputs[1] !== null;
    const maskType = ctx.outputDtypes[1] ?? (ctx.opset >= 10 ? D.BOOL : X.dtype);
    const mask = wantMask ? newTensor(maskType, X.dims) : null;
    if (!training || ratio === 0) {
      if (mask) (mask.data as Uint8Array).fill(1);
      return [X, mask];
    }
    const Y = newTensor(X.dtype, X.dims);
    const x = X.data as NumericArray as Float32Array, y = Y.data as Float32Array;
    const scale = 1 / (1 - ratio);
    for (let i = 0; i < x.length; i++) {
      const keep = ctx.random() >= ratio;
      y[i] = keep ? x[i] * scale : 0;
      if (mask) (mask.data as Uint8Array)[i] = keep ? 1 : 0;
    }
    return [Y, mask] as (TensorValue | null)[];
  },
};

export const ops: readonly OpDef[] = [softmax, logSoftmax, hardmax, dropout];
