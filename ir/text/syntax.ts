/**
 * Spelling shared by the printer and the parser: which names print bare, how strings are quoted,
 * how numbers print so they parse back to the same bits, attribute kind keywords.
 */
import { allDTypes, dtypeByName } from '../dtype.js';
import type { AttrKind } from '../types.js';
import { isSpecialFloatWord } from './lexer.js';

const ID = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Words that start a type, a literal or a lathe data form where a name could also stand. */
const RESERVED = new Set<string>([
  ...allDTypes.map((d) => d.name),
  'seq',
  'map',
  'optional',
  'sparse_tensor',
  'opaque',
  'sparse',
  'stripped',
  'float_data',
  'int32_data',
  'int64_data',
  'double_data',
  'uint64_data',
]);

/** An identifier the lexer reads as an identifier (`[A-Za-z_][A-Za-z0-9_]*`, not `nan`/`inf`). */
export function isPlainId(s: string): boolean {
  return ID.test(s) && !isSpecialFloatWord(s);
}

/** A word that parses as a type or a data keyword where a value/graph/tensor name may appear. */
export function isReserved(s: string): boolean {
  return RESERVED.has(s) || /^dtype[0-9]+$/.test(s);
}

/** `"…"` with `\` and `"` escaped (the only escapes ONNX's parser knows: `\x` means `x`). */
export function quote(s: string): string {
  return '"' + s.replace(/[\\"]/g, (c) => '\\' + c) + '"';
}

/** A name in a position where a type or data keyword could also stand (values, graphs, tensors). */
export function printName(s: string): string {
  return isPlainId(s) && !isReserved(s) ? s : quote(s);
}

/** A name in a position where only an identifier can stand (attribute names, op types, params). */
export function printId(s: string): string {
  return isPlainId(s) ? s : quote(s);
}

/** Dtype code → syntax keyword; unknown codes print as `dtype<N>` (a lathe extension). */
export function dtypeWord(code: number): string {
  return allDTypes.find((d) => d.code === code)?.name ?? `dtype${code}`;
}

/** Syntax keyword → dtype code, or undefined when the word is not a type name. */
export function dtypeOfWord(word: string): number | undefined {
  const info = dtypeByName(word);
  if (info) return info.code;
  const m = /^dtype([0-9]{1,9})$/.exec(word);
  return m ? Number(m[1]) : undefined;
}

export const ATTR_KIND_WORDS: readonly [AttrKind, string][] = [
  ['float', 'float'],
  ['int', 'int'],
  ['string', 'string'],
  ['tensor', 'tensor'],
  ['graph', 'graph'],
  ['sparse_tensor', 'sparse_tensor'],
  ['type', 'type_proto'],
  ['floats', 'floats'],
  ['ints', 'ints'],
  ['strings', 'strings'],
  ['tensors', 'tensors'],
  ['graphs', 'graphs'],
  ['sparse_tensors', 'sparse_tensors'],
  ['types', 'type_protos'],
  ['undefined', 'undefined'],
];

export function attrKindWord(kind: AttrKind): string {
  return ATTR_KIND_WORDS.find(([k]) => k === kind)![1];
}

export function attrKindOfWord(word: string): AttrKind | undefined {
  return ATTR_KIND_WORDS.find(([, w]) => w === word)?.[0];
}

// ---------------------------------------------------------------------------------------------
// Numbers

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);

/** The float32 bit pattern of `x` (rounded to float32 first). */
export function f32Bits(x: number): number {
  f32[0] = x;
  return u32[0];
}

export function f32FromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}

export function f64Bits(x: number): bigint {
  f64[0] = x;
  return u64[0];
}

export function f64FromBits(bits: bigint): number {
  u64[0] = BigInt.asUintN(64, bits);
  return f64[0];
}

/** A decimal that always lexes as a float (has `.`, `e`, or is nan/inf). */
function asFloatText(s: string): string {
  return /[.eEn]/.test(s) ? s : s + '.0';
}

/**
 * A float32 bit pattern as text that parses back to the same bits: shortest round-trip decimal,
 * `inf`/`-inf`, `nan`/`-nan` for the canonical quiet NaNs, `0x7fc00001` (8 hex digits) for other
 * NaN payloads. `-0` prints as `-0.0`.
 */
export function formatF32Bits(bits: number): string {
  bits >>>= 0;
  const x = f32FromBits(bits);
  if (Number.isNaN(x)) {
    if (bits === 0x7fc00000) return 'nan';
    if (bits === 0xffc00000) return '-nan';
    return '0x' + bits.toString(16).padStart(8, '0');
  }
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return bits === 0 ? '0.0' : '-0.0';
  for (let p = 1; p <= 9; p++) {
    const candidate = Number(x.toPrecision(p));
    if (Math.fround(candidate) === x) return asFloatText(String(candidate));
  }
  return asFloatText(String(x));
}

/** A float64 bit pattern as text (as `formatF32Bits`, 16 hex digits for odd NaNs). */
export function formatF64Bits(bits: bigint): string {
  const x = f64FromBits(bits);
  if (Number.isNaN(x)) {
    if (bits === 0x7ff8000000000000n) return 'nan';
    if (bits === 0xfff8000000000000n) return '-nan';
    return '0x' + bits.toString(16).padStart(16, '0');
  }
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return bits === 0n ? '0.0' : '-0.0';
  return asFloatText(String(x));
}

/** Parses a float token's text as a float64 (`nan`, `-Infinity`, `1e5` …). */
export function parseFloatText(text: string): number {
  const neg = text.startsWith('-');
  const body = (neg ? text.slice(1) : text).toLowerCase();
  let v: number;
  if (body === 'nan') return neg ? f64FromBits(0xfff8000000000000n) : NaN;
  if (body === 'inf' || body === 'infinity') v = Infinity;
  else v = Number(body);
  return neg ? -v : v;
}

/** `-nan`/`nan` as float32 bits (other texts: the rounded value's bits). */
export function f32BitsOfText(text: string): number {
  const body = text.toLowerCase();
  if (body === 'nan') return 0x7fc00000;
  if (body === '-nan') return 0xffc00000;
  return f32Bits(parseFloatText(text));
}

export function f64BitsOfText(text: string): bigint {
  const body = text.toLowerCase();
  if (body === 'nan') return 0x7ff8000000000000n;
  if (body === '-nan') return 0xfff8000000000000n;
  return f64Bits(parseFloatText(text));
}

// ---------------------------------------------------------------------------------------------
// Bytes

export function toHex(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}

export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const lossyUtf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8 = new TextEncoder();

/** The text of valid UTF-8 bytes, or undefined when they are not valid UTF-8. */
export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

export function lossyText(bytes: Uint8Array): string {
  return lossyUtf8.decode(bytes);
}

export function utf8Bytes(s: string): Uint8Array {
  return utf8.encode(s);
}
