/**
 * TensorProto.DataType: codes, names, storage. Facts from onnx.proto (IR version 14).
 *
 * `bits` is the storage size of one element in raw_data (sub-byte types are packed, low nibble /
 * low bits first); 0 for strings. `field` is the typed repeated field that holds the type when it
 * is not in raw_data (onnx.proto's comments on each field).
 */
import type { TypedField } from './types.js';

export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  STRING: 8,
  BOOL: 9,
  FLOAT16: 10,
  DOUBLE: 11,
  UINT32: 12,
  UINT64: 13,
  COMPLEX64: 14,
  COMPLEX128: 15,
  BFLOAT16: 16,
  FLOAT8E4M3FN: 17,
  FLOAT8E4M3FNUZ: 18,
  FLOAT8E5M2: 19,
  FLOAT8E5M2FNUZ: 20,
  UINT4: 21,
  INT4: 22,
  FLOAT4E2M1: 23,
  FLOAT8E8M0: 24,
  UINT2: 25,
  INT2: 26,
} as const;

export interface DTypeInfo {
  readonly code: number;
  /** Name in the ONNX text syntax (`float`, `int64`, `float8e4m3fn` …). */
  readonly name: string;
  /** Bits per element in raw_data; 0 for string. */
  readonly bits: number;
  /** Typed field used when not in raw_data. */
  readonly field: TypedField | 'string_data';
}

const table: DTypeInfo[] = [
  { code: 1, name: 'float', bits: 32, field: 'float_data' },
  { code: 2, name: 'uint8', bits: 8, field: 'int32_data' },
  { code: 3, name: 'int8', bits: 8, field: 'int32_data' },
  { code: 4, name: 'uint16', bits: 16, field: 'int32_data' },
  { code: 5, name: 'int16', bits: 16, field: 'int32_data' },
  { code: 6, name: 'int32', bits: 32, field: 'int32_data' },
  { code: 7, name: 'int64', bits: 64, field: 'int64_data' },
  { code: 8, name: 'string', bits: 0, field: 'string_data' },
  { code: 9, name: 'bool', bits: 8, field: 'int32_data' },
  { code: 10, name: 'float16', bits: 16, field: 'int32_data' },
  { code: 11, name: 'double', bits: 64, field: 'double_data' },
  { code: 12, name: 'uint32', bits: 32, field: 'uint64_data' },
  { code: 13, name: 'uint64', bits: 64, field: 'uint64_data' },
  { code: 14, name: 'complex64', bits: 64, field: 'float_data' },
  { code: 15, name: 'complex128', bits: 128, field: 'double_data' },
  { code: 16, name: 'bfloat16', bits: 16, field: 'int32_data' },
  { code: 17, name: 'float8e4m3fn', bits: 8, field: 'int32_data' },
  { code: 18, name: 'float8e4m3fnuz', bits: 8, field: 'int32_data' },
  { code: 19, name: 'float8e5m2', bits: 8, field: 'int32_data' },
  { code: 20, name: 'float8e5m2fnuz', bits: 8, field: 'int32_data' },
  { code: 21, name: 'uint4', bits: 4, field: 'int32_data' },
  { code: 22, name: 'int4', bits: 4, field: 'int32_data' },
  { code: 23, name: 'float4e2m1', bits: 4, field: 'int32_data' },
  { code: 24, name: 'float8e8m0', bits: 8, field: 'int32_data' },
  { code: 25, name: 'uint2', bits: 2, field: 'int32_data' },
  { code: 26, name: 'int2', bits: 2, field: 'int32_data' },
];

const byCode = new Map<number, DTypeInfo>(table.map((t) => [t.code, t]));
const byName = new Map<string, DTypeInfo>(table.map((t) => [t.name, t]));

/** Info for a dtype code, or undefined for unknown codes (carried, never guessed). */
export function dtypeInfo(code: number): DTypeInfo | undefined {
  return byCode.get(code);
}

export function dtypeByName(name: string): DTypeInfo | undefined {
  return byName.get(name);
}

export function dtypeName(code: number): string {
  return byCode.get(code)?.name ?? `dtype${code}`;
}

/** Every known dtype. */
export const allDTypes: readonly DTypeInfo[] = table;

/**
 * Bytes of raw_data for `count` elements of `code` (sub-byte types round up), or undefined for
 * strings / unknown codes.
 */
export function rawByteLength(code: number, count: number): number | undefined {
  const info = byCode.get(code);
  if (!info || info.bits === 0) return undefined;
  return Math.ceil((count * info.bits) / 8);
}

/** Element count of dims; undefined when negative, non-integer or past 2^53. */
export function elementCount(dims: readonly number[]): number | undefined {
  let n = 1;
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) return undefined;
    n *= d;
    if (!Number.isSafeInteger(n)) return undefined;
  }
  return n;
}
