/**
 * Comparisons (Equal Less LessOrEqual Greater GreaterOrEqual → bool), boolean logic (And Or Xor
 * Not), Where, BitShift and the Bitwise* ops.
 *
 * BitShift follows the ONNX tests for signed types as well as the spec's unsigned ones: a shift
 * by a negative amount or by at least the bit width gives 0 to the left and the sign fill to
 * the right; right shifts of signed values are arithmetic.
 */
import { DataType as D, dtypeName } from '../../dtype.js';
import type { KernelContext, NumericArray, OpDef, RtValue, TensorValue } from '../types.js';
import { broadcastIndex, broadcastShape } from '../util.js';
import { alloc, binary, input, INT_BITS, opError, pair, unary } from './common.js';

type Cmp = (x: any, y: any) => number;

function compareOp(name: string, since: number[], f: Cmp, withBool: boolean, withStr: boolean): OpDef {
  const fns = { float: f, int: f, big: f, ...(withBool ? { bool: f } : {}), ...(withStr ? { str: f } : {}) };
  return { domain: '', name, since, kernel: (ins, ctx) => [binary(ctx, ...pair(ins, ctx), fns, D.BOOL)] };
}

function boolOp(name: string, f: (x: number, y: number) => number): OpDef {
  return { domain: '', name, since: [1, 7], kernel: (ins, ctx) => [binary(ctx, ...pair(ins, ctx), { bool: f }, D.BOOL)] };
}

function whereKernel(ins: readonly (RtValue | null)[], ctx: KernelContext): TensorValue {
  const c = input(ins, 0, ctx);
  const x = input(ins, 1, ctx);
  const y = input(ins, 2, ctx);
  if (c.dtype !== D.BOOL) throw opError(ctx, `condition must be bool, is ${dtypeName(c.dtype)}`);
  if (x.dtype !== y.dtype) throw opError(ctx, `X and Y have different dtypes ${dtypeName(x.dtype)} and ${dtypeName(y.dtype)}`);
  const n = ctx.node;
  const dims = broadcastShape([c.dims, x.dims, y.dims], `${n.op}${n.name ? ` '${n.name}'` : ''}`);
  const out = alloc(ctx, x.dtype, dims) as { [i: number]: any; length: number };
  const len = out.length;
  if (len === 0) return { kind: 'tensor', dtype: x.dtype, dims, data: out as NumericArray };
  const cd = c.data as Uint8Array;
  const xd = x.data as { [i: number]: any; length: number };
  const yd = y.data as { [i: number]: any; length: number };
  const ic = cd.length === len ? null : broadcastIndex(c.dims, dims);
  const ix = xd.length === len ? null : broadcastIndex(x.dims, dims);
  const iy = yd.length === len ? null : broadcastIndex(y.dims, dims);
  for (let i = 0; i < len; i++) {
    out[i] = cd[ic ? ic[i] : i] ? xd[ix ? ix[i] : i] : yd[iy ? iy[i] : i];
  }
  return { kind: 'tensor', dtype: x.dtype, dims, data: out as NumericArray };
}

function bitShiftKernel(ins: readonly (RtValue | null)[], ctx: KernelContext): TensorValue {
  const [x, s] = pair(ins, ctx);
  const dir = ctx.attrs.string('direction');
  if (dir !== 'LEFT' && dir !== 'RIGHT') throw opError(ctx, `direction must be LEFT or RIGHT, got '${dir}'`);
  const info = INT_BITS.get(x.dtype);
  if (!info) throw opError(ctx, `does not support ${dtypeName(x.dtype)} inputs`);
  const w = info.bits;
  const left = dir === 'LEFT';
  // Exact for all 8..32-bit values: multiplying/dividing by a power of two is exact in doubles.
  const num = left
    ? (v: number, k: number) => (k < 0 || k >= w ? 0 : v * 2 ** k)
    : (v: number, k: number) => (k < 0 || k >= w ? (v < 0 ? -1 : 0) : Math.floor(v / 2 ** k));
  const bw = BigInt(w);
  const big = left
    ? (v: bigint, k: bigint) => (k < 0n || k >= bw ? 0n : v << k)
    : (v: bigint, k: bigint) => (k < 0n || k >= bw ? (v < 0n ? -1n : 0n) : v >> k);
  return binary(ctx, x, s, { int: num, big });
}

function bitwiseOp(name: string, f: (x: number, y: number) => number, g: (x: bigint, y: bigint) => bigint): OpDef {
  return { domain: '', name, since: [18], kernel: (ins, ctx) => [binary(ctx, ...pair(ins, ctx), { int: f, big: g })] };
}

export const ops: OpDef[] = [
  compareOp('Equal', [1, 7, 11, 13, 19], (x, y) => (x === y ? 1 : 0), true, true),
  compareOp('Less', [1, 7, 9, 13], (x, y) => (x < y ? 1 : 0), false, false),
  compareOp('LessOrEqual', [12, 16], (x, y) => (x <= y ? 1 : 0), false, false),
  compareOp('Greater', [1, 7, 9, 13], (x, y) => (x > y ? 1 : 0), false, false),
  compareOp('GreaterOrEqual', [12, 16], (x, y) => (x >= y ? 1 : 0), false, false),
  boolOp('And', (x, y) => x & y),
  boolOp('Or', (x, y) => x | y),
  boolOp('Xor', (x, y) => x ^ y),
  {
    domain: '', name: 'Not', since: [1],
    kernel: (ins, ctx) => [unary(ctx, input(ins, 0, ctx), { bool: (x) => (x ? 0 : 1) })],
  },
  { domain: '', name: 'Where', since: [9, 16], kernel: (ins, ctx) => [whereKernel(ins, ctx)] },
  { domain: '', name: 'BitShift', since: [11], kernel: (ins, ctx) => [bitShiftKernel(ins, ctx)] },
  bitwiseOp('BitwiseAnd', (x, y) => x & y, (x, y) => x & y),
  bitwiseOp('BitwiseOr', (x, y) => x | y, (x, y) => x | y),
  bitwiseOp('BitwiseXor', (x, y) => x ^ y, (x, y) => x ^ y),
  {
    domain: '', name: 'BitwiseNot', since: [18],
    kernel: (ins, ctx) => [unary(ctx, input(ins, 0, ctx), { int: (x) => ~x, big: (x) => ~x })],
  },
];
