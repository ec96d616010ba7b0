/**
 * Tensor element literals ⇄ little-endian bytes, bit-exactly.
 *
 * Element forms, by dtype (raw_data order, ONNX's printer conventions where it has one):
 * - float / double / complex64 / complex128 (real, imaginary interleaved): decimals that parse back
 *   to the same bits, `nan`/`-nan`/`inf`/`-inf`, `0x…` bit patterns for other NaN payloads;
 * - int8 … uint64: integers;
 * - bool, float16, bfloat16, float8*, float8e8m0: the unsigned storage pattern as an integer (as
 *   ONNX's printer does for float16);
 * - int4/int2: signed values; uint4/uint2/float4e2m1: the unsigned code.
 * Anything else (strings in raw_data, unknown dtypes, a payload whose length does not match the
 * dims, nonzero padding bits) is printed as raw hex `0x…` by the caller.
 */
import { DataType, rawByteLength } from '../dtype.js';
import type { TypedField } from '../types.js';
import type { Token } from './lexer.js';
import { f32BitsOfText, f64BitsOfText, formatF32Bits, formatF64Bits } from './syntax.js';

type Fail = (tok: Token, what: string) => never;

interface Scalar {
  /** Bytes per element (0 for sub-byte types, see `subBits`). */
  readonly size: number;
  readonly subBits?: number;
  readonly signed: boolean;
  readonly float?: 32 | 64;
  /** Elements per dtype element (2 for complex). */
  readonly lanes?: number;
}

const ints: Record<number, Scalar> = {
  [DataType.INT8]: { size: 1, signed: true },
  [DataType.UINT8]: { size: 1, signed: false },
  [DataType.BOOL]: { size: 1, signed: false },
  [DataType.FLOAT8E4M3FN]: { size: 1, signed: false },
  [DataType.FLOAT8E4M3FNUZ]: { size: 1, signed: false },
  [DataType.FLOAT8E5M2]: { size: 1, signed: false },
  [DataType.FLOAT8E5M2FNUZ]: { size: 1, signed: false },
  [DataType.FLOAT8E8M0]: { size: 1, signed: false },
  [DataType.INT16]: { size: 2, signed: true },
  [DataType.UINT16]: { size: 2, signed: false },
  [DataType.FLOAT16]: { size: 2, signed: false },
  [DataType.BFLOAT16]: { size: 2, signed: false },
  [DataType.INT32]: { size: 4, signed: true },
  [DataType.UINT32]: { size: 4, signed: false },
  [DataType.INT64]: { size: 8, signed: true },
  [DataType.UINT64]: { size: 8, signed: false },
  [DataType.FLOAT]: { size: 4, signed: true, float: 32 },
  [DataType.DOUBLE]: { size: 8, signed: true, float: 64 },
  [DataType.COMPLEX64]: { size: 4, signed: true, float: 32, lanes: 2 },
  [DataType.COMPLEX128]: { size: 8, signed: true, float: 64, lanes: 2 },
  [DataType.INT4]: { size: 0, subBits: 4, signed: true },
  [DataType.UINT4]: { size: 0, subBits: 4, signed: false },
  [DataType.FLOAT4E2M1]: { size: 0, subBits: 4, signed: false },
  [DataType.INT2]: { size: 0, subBits: 2, signed: true },
  [DataType.UINT2]: { size: 0, subBits: 2, signed: false },
};

const fieldScalar: Record<TypedField, Scalar> = {
  float_data: { size: 4, signed: true, float: 32 },
  int32_data: { size: 4, signed: true },
  int64_data: { size: 8, signed: true },
  double_data: { size: 8, signed: true, float: 64 },
  uint64_data: { size: 8, signed: false },
};

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function readWhole(dv: DataView, s: Scalar, at: number): string {
  if (s.float === 32) return formatF32Bits(dv.getUint32(at, true));
  if (s.float === 64) return formatF64Bits(dv.getBigUint64(at, true));
  switch (s.size) {
    case 1:
      return String(s.signed ? dv.getInt8(at) : dv.getUint8(at));
    case 2:
      return String(s.signed ? dv.getInt16(at, true) : dv.getUint16(at, true));
    case 4:
      return String(s.signed ? dv.getInt32(at, true) : dv.getUint32(at, true));
    default:
      return String(s.signed ? dv.getBigInt64(at, true) : dv.getBigUint64(at, true));
  }
}

function formatPacked(s: Scalar, count: number, bytes: Uint8Array, out: string[]): boolean {
  const bits = s.size === 0 ? s.subBits! : s.size * 8;
  const dv = view(bytes);
  if (s.size > 0) {
    for (let i = 0; i < count; i++) out.push(readWhole(dv, s, i * s.size));
    return true;
  }
  const mask = (1 << bits) - 1;
  for (let i = 0; i < count; i++) {
    const bit = i * bits;
    let v = (bytes[bit >> 3] >> (bit & 7)) & mask;
    if (s.signed && v >= 1 << (bits - 1)) v -= 1 << bits;
    out.push(String(v));
  }
  const used = count * bits;
  // padding bits past the last element must be zero to print as elements
  if (used % 8 !== 0 && bytes[used >> 3] >> (used & 7) !== 0) return false;
  return true;
}

/**
 * Element texts of a raw payload of `count` dtype elements, or undefined when the payload cannot
 * print as elements (unknown dtype, strings, length mismatch, nonzero padding bits).
 */
export function formatRawElements(dtype: number, count: number | undefined, bytes: Uint8Array): string[] | undefined {
  const s = ints[dtype];
  if (!s || count === undefined || rawByteLength(dtype, count) !== bytes.length) return undefined;
  const out: string[] = [];
  return formatPacked(s, count * (s.lanes ?? 1), bytes, out) ? out : undefined;
}

/** Element texts of a typed field's packed bytes, or undefined when the length is not whole entries. */
export function formatFieldElements(field: TypedField, bytes: Uint8Array): string[] | undefined {
  const s = fieldScalar[field];
  if (bytes.length % s.size !== 0) return undefined;
  const out: string[] = [];
  formatPacked(s, bytes.length / s.size, bytes, out);
  return out;
}

/** True when dtype has an element literal form for raw data. */
export function hasElementForm(dtype: number): boolean {
  return ints[dtype] !== undefined;
}

function intOf(tok: Token, s: Scalar, fail: Fail, what: string): bigint {
  if (tok.kind === 'hex' && !s.float) fail(tok, `${what} takes integers, not hex`);
  if (tok.kind !== 'int' && tok.kind !== 'hex') fail(tok, `${what} takes integers, found '${tok.text}'`);
  const v = tok.kind === 'hex' ? BigInt('0x' + (tok.text || '0')) : BigInt(tok.text);
  const bits = BigInt(s.size === 0 ? s.subBits! : s.size * 8);
  const lo = s.signed ? -(1n << (bits - 1n)) : 0n;
  const hi = s.signed ? (1n << (bits - 1n)) - 1n : (1n << bits) - 1n;
  if (v < lo || v > hi) fail(tok, `${tok.text} is out of range for ${what}`);
  return v;
}

function writeElements(s: Scalar, toks: readonly Token[], bytes: Uint8Array, fail: Fail, what: string): void {
  const dv = view(bytes);
  for (let i = 0; i < toks.length; i++) {
    const tok = toks[i];
    if (s.float) {
      if (tok.kind === 'hex') {
        const digits = s.float / 4;
        if (tok.text.length !== digits) fail(tok, `a ${what} bit pattern has ${digits} hex digits`);
        if (s.float === 32) dv.setUint32(i * 4, parseInt(tok.text, 16), true);
        else dv.setBigUint64(i * 8, BigInt('0x' + tok.text), true);
      } else if (tok.kind === 'int' || tok.kind === 'float') {
        if (s.float === 32) dv.setUint32(i * 4, f32BitsOfText(tok.text), true);
        else dv.setBigUint64(i * 8, f64BitsOfText(tok.text), true);
      } else fail(tok, `${what} takes numbers, found '${tok.text}'`);
      continue;
    }
    const v = intOf(tok, s, fail, what);
    if (s.size === 0) {
      const bits = s.subBits!;
      const bit = i * bits;
      bytes[bit >> 3] |= (Number(BigInt.asUintN(bits, v)) << (bit & 7)) & 0xff;
      continue;
    }
    switch (s.size) {
      case 1:
        dv.setUint8(i, Number(BigInt.asUintN(8, v)));
        break;
      case 2:
        dv.setUint16(i * 2, Number(BigInt.asUintN(16, v)), true);
        break;
      case 4:
        dv.setUint32(i * 4, Number(BigInt.asUintN(32, v)), true);
        break;
      default:
        dv.setBigUint64(i * 8, BigInt.asUintN(64, v), true);
    }
  }
}

/** Raw little-endian bytes of element literals of `dtype` (see the module comment for forms). */
export function encodeRawElements(dtype: number, what: string, toks: readonly Token[], fail: Fail, at: Token): Uint8Array {
  const s = ints[dtype];
  if (!s) fail(at, `${what} has no element literal form (write its raw bytes as 0x…)`);
  const lanes = s.lanes ?? 1;
  if (toks.length % lanes !== 0) fail(at, `${what} needs an even number of values (real, imaginary)`);
  const bytes = new Uint8Array(rawByteLength(dtype, toks.length / lanes)!);
  writeElements(s, toks, bytes, fail, what);
  return bytes;
}

/** The typed array of a typed field from element literals. */
export function encodeFieldElements(field: TypedField, toks: readonly Token[], fail: Fail): ArrayBufferView & { length: number } {
  const s = fieldScalar[field];
  const bytes = new Uint8Array(toks.length * s.size);
  writeElements(s, toks, bytes, fail, field);
  return typedFieldArray(field, bytes);
}

/** A typed array of `field`'s element type over a copy of `bytes` (length a multiple of the entry size). */
export function typedFieldArray(field: TypedField, bytes: Uint8Array): ArrayBufferView & { length: number } {
  const buf = Uint8Array.prototype.slice.call(bytes).buffer; // not Buffer#slice, which is a view
  switch (field) {
    case 'float_data':
      return new Float32Array(buf);
    case 'int32_data':
      return new Int32Array(buf);
    case 'int64_data':
      return new BigInt64Array(buf);
    case 'double_data':
      return new Float64Array(buf);
    default:
      return new BigUint64Array(buf);
  }
}

/** Bytes per entry of a typed field. */
export function fieldEntrySize(field: TypedField): number {
  return fieldScalar[field].size;
}
