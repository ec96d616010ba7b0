/**
 * Activations: Relu LeakyRelu PRelu Elu Selu Celu ThresholdedRelu HardSigmoid HardSwish Sigmoid
 * Tanh Softplus Softsign Mish Gelu Swish Shrink Clip. Float math in double, rounded on store;
 * NaN propagates (as numpy's maximum/minimum do).
 */
import { dtypeName } from '../../dtype.js';
import type { KernelContext, OpDef, RtValue, TensorValue } from '../types.js';
import { isBigInt, isFloat } from '../util.js';
import { erf } from './unary.js';
import { input, INT_NUMBER, opError, optInput, scalarOf, unary, zip } from './common.js';
import { preluSlopeDims } from '../legacy-broadcast.js';

/** A float-only unary op whose element function depends on the node's attributes. */
function floatAct(name: string, since: number[], make: (ctx: KernelContext) => (x: number) => number): OpDef {
  return { domain: '', name, since, kernel: (ins, ctx) => [unary(ctx, input(ins, 0, ctx), { float: make(ctx) })] };
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

const SELU_ALPHA = 1.67326319217681884765625;
const SELU_GAMMA = 1.05070102214813232421875;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

function geluFn(ctx: KernelContext): (x: number) => number {
  const approx = ctx.attrs.string('approximate', 'none');
  if (approx === 'tanh') return (x) => 0.5 * x * (1 + Math.tanh(SQRT_2_OVER_PI * (x + 0.044715 * x * x * x)));
  if (approx !== 'none') throw opError(ctx, `approximate must be 'none' or 'tanh', got '${approx}'`);
  return (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
}

function preluKernel(ins: readonly (RtValue | null)[], ctx: KernelContext): TensorValue {
  const x = input(ins, 0, ctx);
  const given = input(ins, 1, ctx);
  let slope: TensorValue;
  try {
    // Before opset 7 a [C] slope is per channel (`preluSlopeDims`, shared with inference).
    slope = { ...given, dims: preluSlopeDims(ctx.opset, x.dims, given.dims) as number[] };
  } catch (e) {
    throw opError(ctx, (e as Error).message);
  }
  if (x.dtype !== slope.dtype) throw opError(ctx, `slope dtype ${dtypeName(slope.dtype)} differs from X's ${dtypeName(x.dtype)}`);
  const f = isBigInt(x.dtype)
    ? (v: bigint, s: bigint) => (v < 0n ? v * s : v)
    : (v: number, s: number) => (v < 0 ? v * s : v);
  const out = zip(ctx, x, slope, x.dtype, f);
  // PRelu broadcasts the slope onto X only (unidirectional).
  if (out.dims.length !== x.dims.length || out.dims.some((d, i) => d !== x.dims[i])) {
    throw opError(ctx, `slope [${given.dims}] does not broadcast onto X [${x.dims}]`);
  }
  return out;
}

function shrinkKernel(ins: readonly (RtValue | null)[], ctx: KernelContext): TensorValue {
  const x = input(ins, 0, ctx);
  const bias = ctx.attrs.float('bias', 0);
  const lambd = ctx.attrs.float('lambd', 0.5);
  const f = (v: number): number => (v < -lambd ? v + bias : v > lambd ? v - bias : 0);
  return unary(ctx, x, {
    float: f,
    int: f,
    big: (v) => {
      const n = Number(v);
      return n < -lambd ? v + BigInt(Math.trunc(bias)) : n > lambd ? v - BigInt(Math.trunc(bias)) : 0n;
    },
  });
}

const FLT_MAX = 3.4028234663852886e38;

function clipKernel(ins: readonly (RtValue | null)[], ctx: KernelContext): TensorValue {
  const x = input(ins, 0, ctx);
  if (ctx.opset < 11) {
    const lo = ctx.attrs.float('min', -FLT_MAX);
    const hi = ctx.attrs.float('max', FLT_MAX);
    return unary(ctx, x, { float: (v) => Math.min(Math.max(v, lo), hi) });
  }
  const loT = optInput(ins, 1, ctx);
  const hiT = optInput(ins, 2, ctx);
  for (const t of [loT, hiT]) {
    if (t && t.dtype !== x.dtype) throw opError(ctx, `bound dtype ${dtypeName(t.dtype)} differs from input's ${dtypeName(x.dtype)}`);
  }
  if (isBigInt(x.dtype)) {
    const lo = loT ? (scalarOf(loT, ctx, 'min') as bigint) : null;
    const hi = hiT ? (scalarOf(hiT, ctx, 'max') as bigint) : null;
    return unary(ctx, x, {
      big: (v) => {
        let r = lo !== null && v < lo ? lo : v;
        if (hi !== null && r > hi) r = hi;
        return r;
      },
    });
  }
  if (!isFloat(x.dtype) && !INT_NUMBER.has(x.dtype)) throw opError(ctx, `does not support ${dtypeName(x.dtype)} inputs`);
  const lo = loT ? (scalarOf(loT, ctx, 'min') as number) : -Infinity;
  const hi = hiT ? (scalarOf(hiT, ctx, 'max') as number) : Infinity;
  const f = (v: number): number => Math.min(Math.max(v, lo), hi);
  return unary(ctx, x, { float: f, int: f });
}

const relu = (x: number): number => (x < 0 ? 0 : x);

export const ops: OpDef[] = [
  {
    domain: '', name: 'Relu', since: [1, 6, 13, 14],
    kernel: (ins, ctx) => [unary(ctx, input(ins, 0, ctx), { float: relu, int: relu, big: (x) => (x < 0n ? 0n : x) })],
  },
  floatAct('LeakyRelu', [1, 6, 16], (ctx) => {
    const alpha = ctx.attrs.float('alpha', 0.01);
    return (x) => (x >= 0 ? x : alpha * x);
  }),
  { domain: '', name: 'PRelu', since: [1, 6, 7, 9, 16], kernel: (ins, ctx) => [preluKernel(ins, ctx)] },
  floatAct('Elu', [1, 6, 22], (ctx) => {
    const alpha = ctx.attrs.float('alpha', 1);
    return (x) => (x >= 0 ? x : alpha * Math.expm1(x));
  }),
  floatAct('Selu', [1, 6, 22], (ctx) => {
    const alpha = ctx.attrs.float('alpha', SELU_ALPHA);
    const gamma = ctx.attrs.float('gamma', SELU_GAMMA);
    return (x) => (x > 0 ? gamma * x : gamma * alpha * Math.expm1(x));
  }),
  floatAct('Celu', [12, 28], (ctx) => {
    const alpha = ctx.attrs.float('alpha', 1);
    return (x) => Math.max(0, x) + Math.min(0, alpha * Math.expm1(x / alpha));
  }),
  floatAct('ThresholdedRelu', [10, 22], (ctx) => {
    const alpha = ctx.attrs.float('alpha', 1);
    return (x) => (x > alpha ? x : 0);
  }),
  floatAct('HardSigmoid', [1, 6, 22], (ctx) => {
    const alpha = ctx.attrs.float('alpha', 0.2);
    const beta = ctx.attrs.float('beta', 0.5);
    return (x) => Math.max(0, Math.min(1, alpha * x + beta));
  }),
  floatAct('HardSwish', [14, 22], () => (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5))),
  floatAct('Sigmoid', [1, 6, 13], () => sigmoid),
  floatAct('Tanh', [1, 6, 13], () => Math.tanh),
  floatAct('Softplus', [1, 22], () => softplus),
  floatAct('Softsign', [1, 22], () => (x) => x / (1 + Math.abs(x))),
  floatAct('Mish', [18, 22], () => (x) => x * Math.tanh(softplus(x))),
  floatAct('Gelu', [20], geluFn),
  floatAct('Swish', [24], (ctx) => {
    const alpha = ctx.attrs.float('alpha', 1);
    return (x) => x * sigmoid(alpha * x);
  }),
  { domain: '', name: 'Shrink', since: [9], kernel: (ins, ctx) => [shrinkKernel(ins, ctx)] },
  { domain: '', name: 'Clip', since: [1, 6, 11, 12, 13], kernel: (ins, ctx) => [clipKernel(ins, ctx)] },
];
