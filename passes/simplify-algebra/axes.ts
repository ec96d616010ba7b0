/** Reading integer lists (axes, perms, shapes) from constants and attributes, and normalizing axes. */
import type { TensorValue } from '../../ir/ops/types.js';
import type { AttrValue } from '../../src/pattern/index.js';

/** The elements of an integer constant as numbers (undefined for other dtypes or past 2^53). */
export function intsOf(t: TensorValue | undefined): number[] | undefined {
  if (!t || !(t.data instanceof BigInt64Array || t.data instanceof Int32Array)) return undefined;
  const out: number[] = [];
  for (const v of t.data) {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) return undefined;
    out.push(n);
  }
  return out;
}

/** An `ints` attribute value as numbers (undefined when absent or another kind). */
export function intsAttr(v: AttrValue | undefined): number[] | undefined {
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'bigint')) return undefined;
  const out = (v as readonly bigint[]).map(Number);
  return out.every(Number.isSafeInteger) ? out : undefined;
}

/** A Transpose's perm from its attribute, or the reversal a missing perm means (needs the rank). */
export function permOf(attr: unknown, rank: number | undefined): number[] | undefined {
  if (attr === undefined) return rank === undefined ? undefined : Array.from({ length: rank }, (_, i) => rank - 1 - i);
  return intsAttr(attr as never);
}

/**
 * Axes made non-negative against `rank` and sorted; undefined when one is out of range, repeats,
 * or is negative while the rank is unknown.
 */
export function normalizeAxes(axes: readonly number[], rank: number | undefined): number[] | undefined {
  const out: number[] = [];
  for (const a of axes) {
    if (a < 0 && rank === undefined) return undefined;
    const n = a < 0 ? a + (rank as number) : a;
    if (n < 0 || (rank !== undefined && n >= rank) || out.includes(n)) return undefined;
    out.push(n);
  }
  return out.sort((x, y) => x - y);
}

export const sameList = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** An int64 tensor of `values` (for emitted shapes, axes …). */
export function int64s(values: readonly number[]): TensorValue {
  return bigints(values.map(BigInt));
}

/** A 1-D int64 constant of exact `values` (INT64_MAX stays itself). */
export function bigints(values: readonly bigint[]): TensorValue {
  return { kind: 'tensor', dtype: 7, dims: [values.length], data: BigInt64Array.from(values) };
}
