/**
 * NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (reduction none/sum/mean, class weights,
 * ignore_index; SCE's optional log_prob output). Mean divides by the summed weights of the
 * targets that are not ignored.
 */
import type { KernelContext, OpDef, TensorValue } from '../types.js';
import { sizeOf, toNumbers } from '../util.js';
import { floatInput, floatTensor, input, opError, optFloatInput, type FloatArray, type FloatTensor } from './common.js';

function nll(ctx: KernelContext, logp: FloatArray, dims: readonly number[], dtype: number, target: TensorValue, weight: FloatTensor | null): FloatTensor {
  if (dims.length < 2) throw opError(ctx, `input must have rank >= 2, got [${dims}]`);
  const [N, C] = dims;
  const inner = sizeOf(dims.slice(2));
  const tDims = [N, ...dims.slice(2)];
  if (target.dims.join() !== tDims.join()) throw opError(ctx, `target [${target.dims}] must be [${tDims}]`);
  if (weight && (weight.dims.length !== 1 || weight.dims[0] !== C)) throw opError(ctx, `weight [${weight.dims}] must be [${C}]`);
  const t = toNumbers(target, `${ctx.node.op} target`);
  const hasIgnore = ctx.attrs.has('ignore_index');
  const ignore = hasIgnore ? ctx.attrs.int('ignore_index') : NaN;
  const reduction = ctx.attrs.string('reduction', 'mean');
  const loss = new Float64Array(N * inner);
  let wsum = 0, lsum = 0;
  for (let n = 0; n < N; n++) for (let i = 0; i < inner; i++) {
    const k = n * inner + i, c = t[k];
    if (hasIgnore && c === ignore) continue;
    if (!(c >= 0 && c < C)) throw opError(ctx, `target ${c} is out of range [0, ${C})`);
    const w = weight ? weight.data[c] : 1;
    loss[k] = -logp[(n * C + c) * inner + i] * w;
    wsum += w;
    lsum += loss[k];
  }
  if (reduction === 'none') {
    const out = floatTensor(dtype, tDims);
    out.data.set(loss);
    return out;
  }
  const out = floatTensor(dtype, []);
  if (reduction === 'sum') out.data[0] = lsum;
  else if (reduction === 'mean') out.data[0] = wsum === 0 ? (lsum === 0 ? 0 : lsum / wsum) : lsum / wsum;
  else throw opError(ctx, `unknown reduction '${reduction}'`);
  return out;
}

const nllLoss: OpDef = {
  domain: '', name: 'NegativeLogLikelihoodLoss', since: [12, 13, 22],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'input');
    return [nll(ctx, X.data, X.dims, X.dtype, input(ins, 1, ctx, 'target'), optFloatInput(ins, 2, ctx, 'weight'))];
  },
};

const sceLoss: OpDef = {
  domain: '', name: 'SoftmaxCrossEntropyLoss', since: [12, 13],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'scores');
    if (X.dims.length < 2) throw opError(ctx, `scores must have rank >= 2, got [${X.dims}]`);
    const [N, C] = X.dims;
    const inner = sizeOf(X.dims.slice(2));
    const lp = floatTensor(X.dtype, X.dims);
    for (let n = 0; n < N; n++) for (let i = 0; i < inner; i++) {
      let mx = -Infinity;
      for (let c = 0; c < C; c++) mx = Math.max(mx, X.data[(n * C + c) * inner + i]);
      let s = 0;
      for (let c = 0; c < C; c++) s += Math.exp(X.data[(n * C + c) * inner + i] - mx);
      const ls = Math.log(s);
      for (let c = 0; c < C; c++) lp.data[(n * C + c) * inner + i] = X.data[(n * C + c) * inner + i] - mx - ls;
    }
    const loss = nll(ctx, lp.data, X.dims, X.dtype, input(ins, 1, ctx, 'labels'), optFloatInput(ins, 2, ctx, 'weights'));
    return ctx.node.outputs.length > 1 ? [loss, lp] : [loss];
  },
};

export const ops: readonly OpDef[] = [nllLoss, sceLoss];
