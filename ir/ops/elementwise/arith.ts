/**
 * Arithmetic: Add Sub Mul Div Mod Pow and the variadic Sum Mean Max Min.
 *
 * Integer results wrap (stores into typed arrays wrap; 32-bit products use Math.imul so the low
 * bits are exact); integer Div truncates toward zero and integer division by zero gives 0 (the
 * result is undefined in ONNX; 0 is what numpy returns). Float results are computed in double
 * and rounded once on store, which equals float32 arithmetic for + − × ÷.
 */
import { dtypeName } from '../../dtype.js';
import type { KernelContext, OpDef, RtValue, TensorValue } from '../types.js';
import { isBigInt, isFloat } from '../util.js';
import { binary, fold, INT_NUMBER, opError, pair, truncToBig, zip } from './common.js';

const BINARY_SINCE = [1, 6, 7, 13, 14];

const add = (x: any, y: any): any => x + y;
const sub = (x: any, y: any): any => x - y;
const mul = (x: number, y: number): number => x * y;
const bigMul = (x: bigint, y: bigint): bigint => x * y;

function intDiv(x: number, y: number): number {
  return y === 0 ? 0 : Math.trunc(x / y);
}

function bigDiv(x: bigint, y: bigint): bigint {
  return y === 0n ? 0n : x / y;
}

/** numpy's float remainder: sign of the divisor, signed zeros kept (Python `%`). */
export function floatMod(x: number, y: number): number {
  const m = x % y;
  if (y === 0 || Number.isNaN(m)) return m;
  if (m === 0) return y < 0 || Object.is(y, -0) ? -0 : 0;
  return (m < 0) !== (y < 0) ? m + y : m;
}

function intMod(x: number, y: number): number {
  if (y === 0) return 0;
  const m = x % y;
  return m !== 0 && (m < 0) !== (y < 0) ? m + y : m;
}

function bigMod(x: bigint, y: bigint): bigint {
  if (y === 0n) return 0n;
  const m = x % y;
  return m !== 0n && (m < 0n) !== (y < 0n) ? m + y : m;
}

const intFmod = (x: number, y: number): number => (y === 0 ? 0 : x % y);
const bigFmod = (x: bigint, y: bigint): bigint => (y === 0n ? 0n : x % y);

/** x^e for number-backed ints, wrapping modulo 2^32 like C integer arithmetic. */
export function intPow(x: number, e: number): number {
  if (e < 0) return Math.trunc(Math.pow(x, e));
  let r = 1;
  let b = x | 0;
  while (e > 0) {
    if (e % 2 === 1) r = Math.imul(r, b);
    b = Math.imul(b, b);
    e = Math.floor(e / 2);
  }
  return r;
}

/** x^e for int64, wrapping modulo 2^64. */
export function bigPow(x: bigint, e: bigint): bigint {
  if (e < 0n) {
    if (x === 1n) return 1n;
    if (x === -1n) return e % 2n === 0n ? 1n : -1n;
    return 0n;
  }
  let r = 1n;
  let b = BigInt.asIntN(64, x);
  while (e > 0n) {
    if (e & 1n) r = BigInt.asIntN(64, r * b);
    b = BigInt.asIntN(64, b * b);
    e >>= 1n;
  }
  return r;
}

function powKernel(ins: readonly (RtValue | null)[], ctx: KernelContext): TensorValue {
  const [a, b] = pair(ins, ctx);
  const bt = b.dtype;
  const expFloat = isFloat(bt);
  if (!expFloat && !INT_NUMBER.has(bt) && !isBigInt(bt)) throw opError(ctx, `exponent dtype ${dtypeName(bt)} is not supported`);
  let f: (x: any, y: any) => any;
  if (isFloat(a.dtype)) {
    f = isBigInt(bt) ? (x: number, y: bigint) => Math.pow(x, Number(y)) : Math.pow;
  } else if (INT_NUMBER.has(a.dtype)) {
    if (expFloat) f = (x: number, y: number) => Math.trunc(Math.pow(x, y));
    else if (isBigInt(bt)) f = (x: number, y: bigint) => intPow(x, Number(y));
    else f = intPow;
  } else if (isBigInt(a.dtype)) {
    if (expFloat) f = (x: bigint, y: number) => truncToBig(Math.pow(Number(x), y));
    else if (isBigInt(bt)) f = bigPow;
    else f = (x: bigint, y: number) => bigPow(x, BigInt(y));
  } else {
    throw opError(ctx, `does not support ${dtypeName(a.dtype)} inputs`);
  }
  return zip(ctx, a, b, a.dtype, f);
}

function modKernel(ins: readonly (RtValue | null)[], ctx: KernelContext): TensorValue {
  const [a, b] = pair(ins, ctx);
  const fmod = ctx.attrs.int('fmod', 0);
  if (fmod !== 0 && fmod !== 1) throw opError(ctx, `fmod must be 0 or 1, got ${fmod}`);
  // fmod=0 on floats is outside the spec's type constraint; numpy's `%` is what ONNX tests expect.
  return fmod === 1
    ? binary(ctx, a, b, { float: (x, y) => x % y, int: intFmod, big: bigFmod })
    : binary(ctx, a, b, { float: floatMod, int: intMod, big: bigMod });
}

function meanKernel(ins: readonly (RtValue | null)[], ctx: KernelContext): TensorValue {
  const sum = fold(ctx, ins, { float: add });
  const n = ins.length;
  const out = ins.length === 1 ? sum.data.slice() : sum.data;
  const d = out as Float32Array | Float64Array;
  for (let i = 0; i < d.length; i++) d[i] = d[i] / n;
  return { ...sum, data: d };
}

const maxFns = {
  float: Math.max,
  int: Math.max,
  big: (x: bigint, y: bigint): bigint => (x > y ? x : y),
};
const minFns = {
  float: Math.min,
  int: Math.min,
  big: (x: bigint, y: bigint): bigint => (x < y ? x : y),
};

/**
 * + − × ÷ on float32 tensors of one shape, or one of them a single element of no higher rank, with
 * the loop written out per op. Through zip's shared loop every element is a call V8 cannot inline
 * (about 2.6 ns an element against 0.5 ns here: folding an attention scale into a 768 × 768 weight
 * twelve times was 18 ms of a bert-base -O1 run). Undefined when the operands are not of that form.
 */
type F32Loop = (x: Float32Array, sx: number, y: Float32Array, sy: number, out: Float32Array) => void;
const F32_LOOPS: Record<'Add' | 'Sub' | 'Mul' | 'Div', F32Loop> = {
  Add: (x, sx, y, sy, out) => {
    for (let i = 0; i < out.length; i++) out[i] = x[i * sx] + y[i * sy];
  },
  Sub: (x, sx, y, sy, out) => {
    for (let i = 0; i < out.length; i++) out[i] = x[i * sx] - y[i * sy];
  },
  Mul: (x, sx, y, sy, out) => {
    for (let i = 0; i < out.length; i++) out[i] = x[i * sx] * y[i * sy];
  },
  Div: (x, sx, y, sy, out) => {
    for (let i = 0; i < out.length; i++) out[i] = x[i * sx] / y[i * sy];
  },
};

function float32Fast(op: keyof typeof F32_LOOPS, ins: readonly (RtValue | null)[], ctx: KernelContext): TensorValue | undefined {
  const [a, b] = ins;
  // Before opset 7 broadcasting was an attribute (legacyB): those go the general way.
  if (ctx.opset < 7 || ins.length !== 2 || a?.kind !== 'tensor' || b?.kind !== 'tensor') return undefined;
  const x = a.data;
  const y = b.data;
  if (!(x instanceof Float32Array) || !(y instanceof Float32Array) || a.dtype !== b.dtype) return undefined;
  let dims: readonly number[];
  if (a.dims.length === b.dims.length && a.dims.every((d, i) => d === b.dims[i])) dims = a.dims;
  else if (y.length === 1 && b.dims.length <= a.dims.length) dims = a.dims;
  else if (x.length === 1 && a.dims.length <= b.dims.length) dims = b.dims;
  else return undefined;
  const n = dims.reduce((p, d) => p * d, 1);
  if (x.length !== n && x.length !== 1) return undefined;
  if (y.length !== n && y.length !== 1) return undefined;
  const out = new Float32Array(n);
  F32_LOOPS[op](x, x.length === n ? 1 : 0, y, y.length === n ? 1 : 0, out);
  return { kind: 'tensor', dtype: a.dtype, dims: dims.slice(), data: out };
}

export const ops: OpDef[] = [
  { domain: '', name: 'Add', since: BINARY_SINCE, kernel: (ins, ctx) => [float32Fast('Add', ins, ctx) ?? binary(ctx, ...pair(ins, ctx), { float: add, int: add, big: add })] },
  { domain: '', name: 'Sub', since: BINARY_SINCE, kernel: (ins, ctx) => [float32Fast('Sub', ins, ctx) ?? binary(ctx, ...pair(ins, ctx), { float: sub, int: sub, big: sub })] },
  { domain: '', name: 'Mul', since: BINARY_SINCE, kernel: (ins, ctx) => [float32Fast('Mul', ins, ctx) ?? binary(ctx, ...pair(ins, ctx), { float: mul, int: Math.imul, big: bigMul })] },
  {
    domain: '', name: 'Div', since: BINARY_SINCE,
    kernel: (ins, ctx) => [float32Fast('Div', ins, ctx) ?? binary(ctx, ...pair(ins, ctx), { float: (x, y) => x / y, int: intDiv, big: bigDiv })],
  },
  { domain: '', name: 'Mod', since: [10, 13], kernel: (ins, ctx) => [modKernel(ins, ctx)] },
  { domain: '', name: 'Pow', since: [1, 7, 12, 13, 15], kernel: (ins, ctx) => [powKernel(ins, ctx)] },
  { domain: '', name: 'Sum', since: [1, 6, 8, 13], kernel: (ins, ctx) => [fold(ctx, ins, { float: add })] },
  { domain: '', name: 'Mean', since: [1, 6, 8, 13], kernel: (ins, ctx) => [meanKernel(ins, ctx)] },
  { domain: '', name: 'Max', since: [1, 6, 8, 12, 13], kernel: (ins, ctx) => [fold(ctx, ins, maxFns)] },
  { domain: '', name: 'Min', since: [1, 6, 8, 12, 13], kernel: (ins, ctx) => [fold(ctx, ins, minFns)] },
];
