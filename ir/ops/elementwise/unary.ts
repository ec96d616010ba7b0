/**
 * Unary math: Neg Abs Reciprocal Sqrt Exp Log Ceil Floor Round Sign Erf, the trigonometric and
 * hyperbolic functions, IsNaN IsInf. Float ops compute in double and round once on store.
 */
import { DataType as D } from '../../dtype.js';
import type { OpDef } from '../types.js';
import { input, truncToBig, unary } from './common.js';

/** A float-only unary op. */
function floatOp(name: string, since: number[], f: (x: number) => number): OpDef {
  return { domain: '', name, since, kernel: (ins, ctx) => [unary(ctx, input(ins, 0, ctx), { float: f })] };
}

/** Round half to even, keeping the sign of zero (numpy `round`). */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const f = Math.floor(x);
  const d = x - f;
  const r = d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
  return r === 0 && (x < 0 || Object.is(x, -0)) ? -0 : r;
}

const TWO_OVER_SQRT_PI = 1.1283791670955126;

/**
 * The error function to ~1e-15 relative accuracy: Maclaurin series for |x| < 3, Lentz's
 * continued fraction of erfc beyond (where erf is within 2e-5 of ±1).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const a = Math.abs(x);
  if (a < 3) {
    // erf(x) = 2/√π Σ (−1)^n x^(2n+1) / (n! (2n+1))
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return TWO_OVER_SQRT_PI * sum;
  }
  if (a > 6) return x > 0 ? 1 : -1;
  // erfc(a) = e^(−a²)/√π · 1/(a + (1/2)/(a + 1/(a + (3/2)/(a + 2/(a + …)))))
  const tiny = 1e-300;
  let f = a;
  let c = a;
  let d = 0;
  for (let k = 1; k < 300; k++) {
    const ak = k / 2;
    d = a + ak * d;
    d = d === 0 ? tiny : d;
    c = a + ak / c;
    c = c === 0 ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  const erfc = Math.exp(-a * a) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

const neg = (x: any): any => -x;
const abs = (x: number): number => Math.abs(x);
const bigAbs = (x: bigint): bigint => (x < 0n ? -x : x);
const sign = (x: number): number => (Number.isNaN(x) ? x : x > 0 ? 1 : x < 0 ? -1 : 0);
const bigSign = (x: bigint): bigint => (x > 0n ? 1n : x < 0n ? -1n : 0n);

export const ops: OpDef[] = [
  {
    domain: '', name: 'Neg', since: [1, 6, 13],
    kernel: (ins, ctx) => [unary(ctx, input(ins, 0, ctx), { float: neg, int: neg, big: neg })],
  },
  {
    domain: '', name: 'Abs', since: [1, 6, 13],
    kernel: (ins, ctx) => [unary(ctx, input(ins, 0, ctx), { float: abs, int: abs, big: bigAbs })],
  },
  {
    domain: '', name: 'Sign', since: [9, 13],
    kernel: (ins, ctx) => [unary(ctx, input(ins, 0, ctx), { float: sign, int: sign, big: bigSign })],
  },
  {
    // Erf takes every numeric type; integers go through the float function and truncate.
    domain: '', name: 'Erf', since: [9, 13],
    kernel: (ins, ctx) => [unary(ctx, input(ins, 0, ctx), { float: erf, int: erf, big: (x) => truncToBig(erf(Number(x))) })],
  },
  floatOp('Reciprocal', [1, 6, 13], (x) => 1 / x),
  floatOp('Sqrt', [1, 6, 13], Math.sqrt),
  floatOp('Exp', [1, 6, 13], Math.exp),
  floatOp('Log', [1, 6, 13], Math.log),
  floatOp('Ceil', [1, 6, 13], Math.ceil),
  floatOp('Floor', [1, 6, 13], Math.floor),
  floatOp('Round', [11, 22], roundHalfEven),
  floatOp('Sin', [7, 22], Math.sin),
  floatOp('Cos', [7, 22], Math.cos),
  floatOp('Tan', [7, 22], Math.tan),
  floatOp('Asin', [7, 22], Math.asin),
  floatOp('Acos', [7, 22], Math.acos),
  floatOp('Atan', [7, 22], Math.atan),
  floatOp('Sinh', [9, 22], Math.sinh),
  floatOp('Cosh', [9, 22], Math.cosh),
  floatOp('Asinh', [9, 22], Math.asinh),
  floatOp('Acosh', [9, 22], Math.acosh),
  floatOp('Atanh', [9, 22], Math.atanh),
  {
    domain: '', name: 'IsNaN', since: [9, 13, 20],
    kernel: (ins, ctx) => [unary(ctx, input(ins, 0, ctx), { float: (x) => (Number.isNaN(x) ? 1 : 0) }, D.BOOL)],
  },
  {
    domain: '', name: 'IsInf', since: [10, 20],
    kernel: (ins, ctx) => {
      const pos = ctx.attrs.int('detect_positive', 1) !== 0;
      const negv = ctx.attrs.int('detect_negative', 1) !== 0;
      const f = (x: number): number => ((x === Infinity && pos) || (x === -Infinity && negv) ? 1 : 0);
      return [unary(ctx, input(ins, 0, ctx), { float: f }, D.BOOL)];
    },
  },
];
