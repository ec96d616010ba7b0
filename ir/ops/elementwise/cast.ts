/**
 * Cast, CastLike and BitCast.
 *
 * Conversions follow Cast's spec and the ONNX reference (numpy / ml_dtypes) where the spec says
 * "undefined": float → integer truncates toward zero and wraps modulo 2^bits (NaN/inf → 0 for
 * ≤32-bit targets, INT64_MIN for 64-bit, as numpy on x86); integer → narrower integer keeps the
 * low bits (also for int4/uint4/int2/uint2, as the ONNX tests expect); → bool is "non-zero".
 * Casts to a narrow float produce the exact representable value (rounded once from the double,
 * with `saturate` and `round_mode`), so the evaluator's own rounding of the output is a no-op.
 * Numbers format as numpy's `astype(str)` does (shortest round-trip digits of the source
 * precision, positional within [1e-4, 10^k) with k = 16 double / 6 float / 3 float16).
 */
import { DataType as D, dtypeInfo, dtypeName } from '../../dtype.js';
import { roundToDtype, type E8M0Rounding } from '../float-formats.js';
import { decodeRaw, encodeRaw } from '../tensor-value.js';
import type { AttrReader, KernelContext, OpDef, RtValue, TensorValue } from '../types.js';
import { allocate, isBigInt, isFloat, WIDENED_FLOATS } from '../util.js';
import { input, INT_BITS, INT_NUMBER, mapTensor, opError, SUB_BYTE_INTS, truncToBig } from './common.js';

/** Wraps an integer-valued double to a signed/unsigned `bits`-bit integer (two's complement). */
export function wrapBits(t: number, bits: number, signed: boolean): number {
  const m = 2 ** bits;
  let r = t - Math.floor(t / m) * m;
  if (signed && r >= m / 2) r -= m;
  return r;
}

/** Parses a numeric string as Cast does: plain/scientific notation, case-insensitive inf/nan. */
export function parseNumber(s: string): number {
  const t = s.trim();
  if (/^[+]?inf(inity)?$/i.test(t)) return Infinity;
  if (/^-inf(inity)?$/i.test(t)) return -Infinity;
  if (t === '' || /^[+-]?nan$/i.test(t)) return NaN;
  return Number(t);
}

function parseBig(s: string): bigint {
  const t = s.trim();
  if (/^[+-]?\d+$/.test(t)) return BigInt(t.startsWith('+') ? t.slice(1) : t);
  return truncToBig(parseNumber(t));
}

/** Shortest significant digits (1..17) that read back to `x` in `dtype`'s precision. */
function shortest(x: number, dtype: number): string {
  for (let p = 1; p < 17; p++) {
    const s = x.toPrecision(p);
    const y = Number(s);
    const back = dtype === D.FLOAT ? Math.fround(y) : dtype === D.DOUBLE ? y : roundToDtype(dtype, y);
    if (back === x) return s;
  }
  return x.toPrecision(17);
}

/** `x` (a value of float dtype `dtype`) as numpy's `astype(str)` writes it. */
export function formatFloat(x: number, dtype: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  const digits = dtype === D.DOUBLE ? String(x) : shortest(x, dtype);
  const v = Number(digits);
  const a = Math.abs(x);
  const upper = dtype === D.DOUBLE ? 1e16 : dtype === D.FLOAT16 ? 1e3 : 1e6;
  if (a >= 1e-4 && a < upper) {
    // String() is positional on this range and prints the shortest digits of `v`.
    const s = String(v);
    return s.includes('.') ? s : `${s}.0`;
  }
  const [m, exp] = v.toExponential().split('e');
  const ev = Number(exp);
  return `${m}e${ev < 0 ? '-' : '+'}${String(Math.abs(ev)).padStart(2, '0')}`;
}

type Conv = (v: any) => any;

/** The element converter from dtype `from` to dtype `to`. */
function converter(from: number, to: number, saturate: boolean, e8m0: E8M0Rounding, ctx: KernelContext): Conv {
  const fromFloat = isFloat(from);
  const fromBig = isBigInt(from);
  const fromStr = from === D.STRING;
  const fromInt = INT_NUMBER.has(from) || SUB_BYTE_INTS.has(from) || from === D.BOOL;
  if (!fromFloat && !fromBig && !fromStr && !fromInt) throw opError(ctx, `cannot cast from ${dtypeName(from)}`);
  // Every source as a double first (exact for all but int64 beyond 2^53 and strings).
  const num: Conv = fromStr ? parseNumber : fromBig ? Number : (v: number) => v;

  if (to === D.STRING) {
    if (fromStr) return (v: string) => v;
    if (from === D.BOOL) return (v: number) => (v ? 'True' : 'False');
    if (fromFloat) return (v: number) => formatFloat(v, from);
    return (v: number | bigint) => String(v);
  }
  if (to === D.BOOL) {
    if (fromBig) return (v: bigint) => (v !== 0n ? 1 : 0);
    return (v: any) => (num(v) !== 0 ? 1 : 0);
  }
  if (to === D.FLOAT || to === D.DOUBLE) return num;
  if (WIDENED_FLOATS.has(to)) {
    if (to === D.FLOAT4E2M1) {
      // float4e2m1 has no NaN; the ONNX tests expect NaN to become the -0 pattern (0x8).
      return (v: any) => {
        const x = num(v);
        return Number.isNaN(x) ? -0 : roundToDtype(to, x, saturate, e8m0);
      };
    }
    return (v: any) => roundToDtype(to, num(v), saturate, e8m0);
  }
  if (isBigInt(to)) {
    if (fromBig) return (v: bigint) => v;
    if (fromStr) return parseBig;
    if (fromFloat) return truncToBig;
    return (v: number) => BigInt(v);
  }
  const info = INT_BITS.get(to);
  if (!info) throw opError(ctx, `cannot cast to ${dtypeName(to)}`);
  if (info.bits >= 8) {
    // The typed array's store wraps modulo 2^bits and maps NaN/inf to 0.
    if (fromBig) return (v: bigint) => Number(BigInt.asIntN(32, v));
    if (fromStr) return (v: string) => Math.trunc(parseNumber(v));
    if (fromFloat) return Math.trunc;
    return (v: number) => v;
  }
  const { bits, signed } = info;
  if (fromBig) return (v: bigint) => wrapBits(Number(BigInt.asIntN(32, v)), bits, signed);
  return (v: any) => {
    const t = Math.trunc(num(v));
    return Number.isFinite(t) ? wrapBits(t, bits, signed) : 0;
  };
}

function roundMode(ctx: KernelContext): E8M0Rounding {
  const m = ctx.opset >= 24 ? ctx.attrs.string('round_mode', 'up') : 'up';
  if (m !== 'up' && m !== 'down' && m !== 'nearest') throw opError(ctx, `round_mode must be up, down or nearest, got '${m}'`);
  return m;
}

/** Cast of `x` to `to` with the node's saturate / round_mode attributes. */
export function castTensor(x: TensorValue, to: number, ctx: KernelContext): TensorValue {
  if (!dtypeInfo(to)) throw opError(ctx, `unknown target dtype ${to}`);
  if (to === D.COMPLEX64 || to === D.COMPLEX128) throw opError(ctx, `cannot cast to ${dtypeName(to)}`);
  if (x.dtype === to) return { ...x, dims: x.dims.slice(), data: x.data.slice() };
  // float <-> double: the converter is the identity and the store rounds, which is what a typed
  // array's native set does (an optimizer folding a scale into a weight casts whole weights).
  if ((x.dtype === D.FLOAT || x.dtype === D.DOUBLE) && (to === D.FLOAT || to === D.DOUBLE)) {
    const out = allocate(to, x.data.length) as Float32Array | Float64Array;
    out.set(x.data as Float32Array | Float64Array);
    return { kind: 'tensor', dtype: to, dims: x.dims.slice(), data: out };
  }
  const saturate = ctx.opset >= 19 ? ctx.attrs.int('saturate', 1) !== 0 : true;
  if (ctx.strict) {
    const why = implementationDefined(x, to);
    if (why) throw opError(ctx, `${why}: ONNX leaves the result to the runtime, so it is not computed ahead`);
  }
  return mapTensor(x, to, converter(x.dtype, to, saturate, roundMode(ctx), ctx));
}

/**
 * Why casting `x` to `to` has no result every runtime agrees on, or undefined. Measured against
 * onnxruntime 1.30: a float outside an integer's range, NaN or ±inf becomes INT_MIN there and wraps
 * or becomes 0 here (C++ leaves it undefined); a float to int4/uint4/int2/uint2 rounds there and
 * truncates here (as onnx's reference); strings format and parse differently ("0" against "0.0",
 * "1e3" read as 1 against 1000).
 */
function implementationDefined(x: TensorValue, to: number): string | undefined {
  if ((x.dtype === D.STRING) !== (to === D.STRING)) return `a cast ${to === D.STRING ? 'to' : 'from'} string`;
  const info = INT_BITS.get(to);
  if (!info || !isFloat(x.dtype)) return undefined;
  const { bits, signed } = info;
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) : 2 ** bits; // exclusive
  const sub = SUB_BYTE_INTS.has(to);
  const data = x.data as ArrayLike<number>;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    const t = Math.trunc(v);
    if (!(t >= lo && t < hi)) return `${v} does not fit ${dtypeName(to)}`;
    if (sub && t !== v) return `${v} to ${dtypeName(to)} (rounded or truncated)`;
  }
  return undefined;
}

/**
 * Cast's target dtype (shared with inference): Cast-1 names it as a string ("FLOAT"), later
 * versions by the enum. Undefined for an unknown name; a missing or ill-typed `to` throws.
 */
export function castTarget(attrs: AttrReader): number | undefined {
  const a = attrs.get('to');
  if (a?.kind === 'string') {
    const name = a.value.toUpperCase();
    return Object.hasOwn(D, name) ? (D as Record<string, number>)[name] : undefined;
  }
  return attrs.int('to');
}

function targetOf(ctx: KernelContext): number {
  const code = castTarget(ctx.attrs);
  if (code === undefined) throw opError(ctx, `unknown target type '${ctx.attrs.string('to')}'`);
  return code;
}

function bitCastKernel(ins: readonly (RtValue | null)[], ctx: KernelContext): TensorValue {
  const x = input(ins, 0, ctx);
  const to = ctx.attrs.int('to');
  const fi = dtypeInfo(x.dtype);
  const ti = dtypeInfo(to);
  if (!fi || !ti || fi.bits === 0 || ti.bits === 0) throw opError(ctx, `cannot bitcast ${dtypeName(x.dtype)} to ${dtypeName(to)}`);
  if (fi.bits !== ti.bits) throw opError(ctx, `${dtypeName(x.dtype)} (${fi.bits} bits) and ${dtypeName(to)} (${ti.bits} bits) differ in width`);
  const count = x.dims.reduce((a, b) => a * b, 1);
  const data = decodeRaw(to, count, encodeRaw(x), `${ctx.node.op} output`);
  if (to === D.BOOL) for (let i = 0; i < data.length; i++) data[i] = data[i] ? 1 : 0;
  return { kind: 'tensor', dtype: to, dims: x.dims.slice(), data };
}

export const ops: OpDef[] = [
  {
    domain: '', name: 'Cast', since: [1, 6, 9, 13, 19, 21, 23, 24, 25],
    kernel: (ins, ctx) => [castTensor(input(ins, 0, ctx), targetOf(ctx), ctx)],
  },
  {
    domain: '', name: 'CastLike', since: [15, 19, 21, 23, 24, 25],
    kernel: (ins, ctx) => [castTensor(input(ins, 0, ctx), input(ins, 1, ctx).dtype, ctx)],
  },
  { domain: '', name: 'BitCast', since: [26], kernel: (ins, ctx) => [bitCastKernel(ins, ctx)] },
];
