/**
 * Exact conversions between numbers and the narrow float formats of ONNX: float16, bfloat16, the
 * four float8 kinds, float8e8m0 and float4e2m1.
 *
 * Encoding rounds the exact value of `x` (a double; float32 values are exact in it) to nearest,
 * ties to even, once — no double rounding through float32. Out-of-range handling follows the
 * Cast spec: float16/bfloat16/float8e5m2 overflow to ±inf (IEEE); the float8 kinds with
 * `saturate` clamp to ±max finite (also for ±inf), without it they give inf (e5m2) or NaN (fn:
 * signed NaN, fnuz: 0x80); float4e2m1 always saturates (NaN → +6). fnuz formats have no -0.
 * float8e8m0 works on the float32 exponent with a rounding mode (Cast's `round_mode`, default up).
 */
import { LatheError } from '../error.js';
import { DataType as D, dtypeName } from '../dtype.js';

type Kind = 'ieee' | 'fn' | 'fnuz' | 'sat';

interface Format {
  readonly ebits: number;
  readonly mbits: number;
  readonly bias: number;
  readonly kind: Kind;
  /** Total bits (sign included). */
  readonly bits: number;
  /** Largest finite value. */
  readonly max: number;
  /** Smallest normal exponent (unbiased) = 1 - bias. */
  readonly emin: number;
}

function format(ebits: number, mbits: number, bias: number, kind: Kind): Format {
  const emaxField = (1 << ebits) - 1;
  // Largest finite: IEEE reserves the top exponent; fn reserves only all-ones mantissa there.
  let maxExp: number;
  let maxMant: number;
  if (kind === 'ieee') [maxExp, maxMant] = [emaxField - 1, (1 << mbits) - 1];
  else if (kind === 'fn') [maxExp, maxMant] = [emaxField, (1 << mbits) - 2];
  else [maxExp, maxMant] = [emaxField, (1 << mbits) - 1];
  const max = (1 + maxMant / 2 ** mbits) * 2 ** (maxExp - bias);
  return { ebits, mbits, bias, kind, bits: 1 + ebits + mbits, max, emin: 1 - bias };
}

const FORMATS: ReadonlyMap<number, Format> = new Map([
  [D.FLOAT16, format(5, 10, 15, 'ieee')],
  [D.BFLOAT16, format(8, 7, 127, 'ieee')],
  [D.FLOAT8E4M3FN, format(4, 3, 7, 'fn')],
  [D.FLOAT8E4M3FNUZ, format(4, 3, 8, 'fnuz')],
  [D.FLOAT8E5M2, format(5, 2, 15, 'ieee')],
  [D.FLOAT8E5M2FNUZ, format(5, 2, 16, 'fnuz')],
  [D.FLOAT4E2M1, format(2, 1, 1, 'sat')],
]);

/** The dtypes this module converts (the "widened" floats of ir/ops/types.ts). */
export const NARROW_FLOATS: readonly number[] = [...FORMATS.keys(), D.FLOAT8E8M0];

/** Bits of one element of a narrow float dtype. */
export function narrowBits(dtype: number): number {
  if (dtype === D.FLOAT8E8M0) return 8;
  return formatOf(dtype).bits;
}

function formatOf(dtype: number): Format {
  const f = FORMATS.get(dtype);
  if (!f) throw new LatheError(`${dtypeName(dtype)} is not a narrow float format`);
  return f;
}

/** Rounding of float8e8m0 (Cast's `round_mode`). */
export type E8M0Rounding = 'up' | 'down' | 'nearest';

/** The value of `bits` in a narrow float dtype, exactly. */
export function decodeNarrow(dtype: number, bits: number): number {
  if (dtype === D.FLOAT8E8M0) {
    const b = bits & 0xff;
    return b === 0xff ? NaN : 2 ** (b - 127);
  }
  const f = formatOf(dtype);
  const mmask = (1 << f.mbits) - 1;
  const emask = (1 << f.ebits) - 1;
  const signBit = 1 << (f.bits - 1);
  const b = bits & (signBit * 2 - 1);
  const neg = (b & signBit) !== 0;
  const e = (b >>> f.mbits) & emask;
  const m = b & mmask;
  if (f.kind === 'fnuz' && b === signBit) return NaN;
  if (f.kind === 'ieee' && e === emask) return m ? NaN : neg ? -Infinity : Infinity;
  if (f.kind === 'fn' && e === emask && m === mmask) return NaN;
  const mag = e === 0 ? m * 2 ** (f.emin - f.mbits) : (1 + m / 2 ** f.mbits) * 2 ** (e - f.bias);
  return neg ? -mag : mag;
}

function roundHalfEven(m: number): number {
  const fl = Math.floor(m);
  const d = m - fl;
  if (d > 0.5) return fl + 1;
  if (d < 0.5) return fl;
  return fl % 2 === 0 ? fl : fl + 1;
}

/** floor(log2(a)) for a finite a > 0, exactly. */
function ilog2(a: number): number {
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  return e;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

function encodeE8M0(x: number, saturate: boolean, mode: E8M0Rounding): number {
  f32[0] = x;
  const bits = u32[0];
  let e = (bits >>> 23) & 0xff;
  if (e === 0xff) return 0xff;
  let up = false;
  if (mode === 'up') up = (bits & 0x7fffff) !== 0;
  else if (mode === 'nearest') {
    const g = (bits & 0x400000) !== 0;
    const rest = (bits & 0x3fffff) !== 0;
    up = g && (rest || e > 0);
  }
  if (up) {
    if (e === 0xfe && saturate) up = false;
    e += up ? 1 : 0;
  }
  return e;
}

/**
 * `x` as the bits of a narrow float dtype, rounded to nearest even. `saturate` applies to the
 * float8 kinds (Cast semantics; float16/bfloat16 always overflow to inf, float4e2m1 always
 * clamps). `e8m0` is the rounding of float8e8m0 (default 'up', as Cast).
 */
export function encodeNarrow(dtype: number, x: number, saturate = true, e8m0: E8M0Rounding = 'up'): number {
  if (dtype === D.FLOAT8E8M0) return encodeE8M0(x, saturate, e8m0);
  const f = formatOf(dtype);
  const signBit = 1 << (f.bits - 1);
  const emask = (1 << f.ebits) - 1;
  const neg = x < 0 || Object.is(x, -0);
  const sign = neg ? signBit : 0;
  const maxBits = encodeFinite(f, f.max);
  // fnuz: the one NaN is 0x80; fn: all ones; IEEE: a quiet NaN; float4 has none (clamps to max).
  const nan = f.kind === 'fnuz' ? signBit : f.kind === 'fn' ? signBit - 1 : f.kind === 'sat' ? maxBits : (emask << f.mbits) | (1 << (f.mbits - 1));
  const overflow = (): number => {
    if (f.kind === 'sat' || (saturate && f.ebits + f.mbits === 7)) return sign | maxBits;
    if (f.kind === 'ieee') return sign | (emask << f.mbits);
    if (f.kind === 'fn') return sign | nan;
    return nan;
  };
  if (Number.isNaN(x)) return nan;
  const a = Math.abs(x);
  if (a === Infinity) return overflow();
  if (a === 0) return f.kind === 'fnuz' ? 0 : sign;
  const e = Math.max(ilog2(a), f.emin);
  const quantum = 2 ** (e - f.mbits);
  const v = roundHalfEven(a / quantum) * quantum;
  if (v > f.max) return overflow();
  if (v === 0) return f.kind === 'fnuz' ? 0 : sign;
  return sign | encodeFinite(f, v);
}

/** Bits (without sign) of a positive value exactly representable in `f`. */
function encodeFinite(f: Format, v: number): number {
  if (v < 2 ** f.emin) return v / 2 ** (f.emin - f.mbits);
  const e = ilog2(v);
  const m = v / 2 ** (e - f.mbits) - 2 ** f.mbits;
  return ((e + f.bias) << f.mbits) | m;
}

/** `x` rounded to the nearest value of a narrow float dtype (the decode of its encode). */
export function roundToDtype(dtype: number, x: number, saturate = true, e8m0: E8M0Rounding = 'up'): number {
  return decodeNarrow(dtype, encodeNarrow(dtype, x, saturate, e8m0));
}

// -- Array rounding (the evaluator's hot path) ---------------------------------------------------

let halfTable: Float32Array | undefined;

/** float32 bits → float16 bits, round to nearest even (values already float32: no double rounding). */
export function f32BitsToHalf(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rem > halfway || (rem === halfway && h & 1)) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

/**
 * Rounds every element of a Float32Array holding a widened narrow-float tensor to its dtype, in
 * place (saturating float8 kinds, as Cast's default). float16 and bfloat16 use bit arithmetic on
 * the float32 bits; the rarer formats go through `roundToDtype`.
 */
export function roundArrayInPlace(dtype: number, a: Float32Array): void {
  const n = a.length;
  if (dtype === D.FLOAT16) {
    const table = (halfTable ??= buildHalfTable());
    const bits = new Uint32Array(a.buffer, a.byteOffset, n);
    for (let i = 0; i < n; i++) a[i] = table[f32BitsToHalf(bits[i])];
    return;
  }
  if (dtype === D.BFLOAT16) {
    const bits = new Uint32Array(a.buffer, a.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const x = bits[i];
      if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) continue; // NaN stays NaN
      bits[i] = (((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) << 16) >>> 0;
    }
    return;
  }
  // float8e8m0 rounds to nearest here: 'up' would move the exact 2^-127 (a float32 subnormal) up.
  const saturate = storageSaturates(dtype);
  for (let i = 0; i < n; i++) a[i] = roundToDtype(dtype, a[i], saturate, 'nearest');
}

/**
 * Whether storing a computed value in `dtype` clamps overflow to ±max (Cast's default saturate).
 * Not for float8e5m2: it has infinities, which Cast and QuantizeLinear make with saturate = 0 and
 * Identity, Reshape or Concat then move; clamped here (or when written), an inf became ±57344
 * where onnxruntime keeps it. The fn/fnuz kinds have no infinity and clamp as before.
 */
export function storageSaturates(dtype: number): boolean {
  return dtype === D.FLOAT8E8M0 || formatOf(dtype).kind !== 'ieee';
}

function buildHalfTable(): Float32Array {
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) t[h] = decodeNarrow(D.FLOAT16, h);
  return t;
}
