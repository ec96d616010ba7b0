/**
 * Which casts lose nothing: `exactCast(S, T)` is true when every value of dtype S is a value of
 * dtype T, so Cast(Cast(x: S, T), U) computes Cast(x, U) for every x (the second cast sees x's
 * own value). Strings and the float8/float4 formats are left out (saturation, encodings).
 */
import { DataType as D } from '../../ir/dtype.js';

const widens: Readonly<Record<number, readonly number[]>> = {
  [D.BOOL]: [D.UINT8, D.INT8, D.UINT16, D.INT16, D.UINT32, D.INT32, D.UINT64, D.INT64, D.FLOAT16, D.BFLOAT16, D.FLOAT, D.DOUBLE],
  [D.UINT8]: [D.UINT16, D.INT16, D.UINT32, D.INT32, D.UINT64, D.INT64, D.FLOAT16, D.BFLOAT16, D.FLOAT, D.DOUBLE],
  [D.INT8]: [D.INT16, D.INT32, D.INT64, D.FLOAT16, D.BFLOAT16, D.FLOAT, D.DOUBLE],
  [D.UINT16]: [D.UINT32, D.INT32, D.UINT64, D.INT64, D.FLOAT, D.DOUBLE],
  [D.INT16]: [D.INT32, D.INT64, D.FLOAT, D.DOUBLE],
  [D.UINT32]: [D.UINT64, D.INT64, D.DOUBLE],
  [D.INT32]: [D.INT64, D.DOUBLE],
  [D.FLOAT16]: [D.FLOAT, D.DOUBLE],
  [D.BFLOAT16]: [D.FLOAT, D.DOUBLE],
  [D.FLOAT]: [D.DOUBLE],
};

/** True when casting S to T keeps every value exactly. */
export function exactCast(s: number, t: number): boolean {
  return s === t || (widens[s]?.includes(t) ?? false);
}

const plain = new Set<number>([D.BOOL, D.UINT8, D.INT8, D.UINT16, D.INT16, D.UINT32, D.INT32, D.UINT64, D.INT64, D.FLOAT16, D.BFLOAT16, D.FLOAT, D.DOUBLE]);

/** Dtypes the cast-cast rule may pass through (no string, float8, float4 or sub-byte ints). */
export const plainDtype = (t: number): boolean => plain.has(t);
