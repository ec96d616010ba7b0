/**
 * Numeric comparison of two runtime values, for `lathe compare`: the largest absolute and
 * relative differences and how many elements are past the tolerance. Platform-neutral.
 *
 * Two elements a (from A) and b (from B, the reference) agree when |a - b| <= atol + rtol * |b|
 * (numpy.isclose's rule), when both are NaN, or when both are the same infinity. A different
 * kind, dtype or shape is a mismatch, reported in words.
 */
import { DataType as D, dtypeName } from '../ir/dtype.js';
import { describeValue } from '../ir/eval/values.js';
import { plural } from './inspect.js';
import type { RtValue, TensorValue } from '../ir/ops/types.js';

export interface Tolerance {
  readonly rtol: number;
  readonly atol: number;
}

export interface Difference {
  /** Elements compared (over all tensors of a sequence/map/optional). */
  elements: number;
  /** Elements past the tolerance. */
  past: number;
  /** Largest |a - b| over the elements (NaN in only one side counts as Infinity). */
  maxAbs: number;
  /** Largest |a - b| / |b| (Infinity where b is 0 and a is not). */
  maxRel: number;
  /** Why the values cannot be compared element-wise (kind, dtype, shape, length); undefined when they can. */
  mismatch?: string;
}

function empty(): Difference {
  return { elements: 0, past: 0, maxAbs: 0, maxRel: 0 };
}

/** Compares `a` against the reference `b`. */
export function compareValues(a: RtValue | null, b: RtValue | null, tol: Tolerance): Difference {
  const d = empty();
  compareInto(d, a, b, tol, '', 0);
  return d;
}

/** Deepest nesting followed (a sequence of sequences of …). */
const MAX_DEPTH = 64;

function compareInto(d: Difference, a: RtValue | null, b: RtValue | null, tol: Tolerance, at: string, depth: number): void {
  if (d.mismatch !== undefined) return;
  const where = at === '' ? '' : ` at ${at}`;
  if (a === null || b === null) {
    if (a !== b) d.mismatch = `${describeValue(a)} vs ${describeValue(b)}${where}`;
    return;
  }
  if (a.kind !== b.kind || depth > MAX_DEPTH) {
    d.mismatch = `${describeValue(a)} vs ${describeValue(b)}${where}`;
    return;
  }
  if (a.kind === 'tensor' && b.kind === 'tensor') return compareTensors(d, a, b, tol, where);
  if (a.kind === 'sequence' && b.kind === 'sequence') {
    if (a.items.length !== b.items.length) {
      d.mismatch = `sequence of ${a.items.length} vs ${plural(b.items.length, 'item')}${where}`;
      return;
    }
    a.items.forEach((x, i) => compareInto(d, x, b.items[i], tol, `${at}[${i}]`, depth + 1));
    return;
  }
  if (a.kind === 'optional' && b.kind === 'optional') return compareInto(d, a.value, b.value, tol, at, depth + 1);
  if (a.kind === 'map' && b.kind === 'map') {
    const same = a.keyDtype === b.keyDtype && a.keys.length === b.keys.length && a.keys.every((k, i) => k === b.keys[i]);
    if (!same) {
      d.mismatch = `map keys differ${where}`;
      return;
    }
    compareInto(d, a.values, b.values, tol, `${at}.values`, depth + 1);
  }
}

function compareTensors(d: Difference, a: TensorValue, b: TensorValue, tol: Tolerance, where: string): void {
  if (a.dtype !== b.dtype) {
    d.mismatch = `dtype ${dtypeName(a.dtype)} vs ${dtypeName(b.dtype)}${where}`;
    return;
  }
  if (a.dims.length !== b.dims.length || a.dims.some((x, i) => x !== b.dims[i])) {
    d.mismatch = `shape [${a.dims.join(',')}] vs [${b.dims.join(',')}]${where}`;
    return;
  }
  const x = a.data;
  const y = b.data;
  if (x.length !== y.length) {
    d.mismatch = `${x.length} vs ${plural(y.length, 'element')}${where}`;
    return;
  }
  if (Array.isArray(x) || Array.isArray(y)) {
    for (let i = 0; i < x.length; i++) {
      d.elements++;
      if (x[i] !== y[i]) {
        d.past++;
        d.maxAbs = Infinity;
        d.maxRel = Infinity;
      }
    }
    return;
  }
  // complex: each component compared on its own (same rule, stricter than on the modulus)
  const bigint = a.dtype === D.INT64 || a.dtype === D.UINT64;
  for (let i = 0; i < x.length; i++) {
    d.elements++;
    if (bigint && x[i] === y[i]) continue;
    const p = Number(x[i]);
    const q = Number(y[i]);
    if (!bigint && (p === q || (Number.isNaN(p) && Number.isNaN(q)))) continue;
    // int64 past 2^53: the difference of the exact values, not of their roundings
    const abs = bigint ? Math.abs(Number((x[i] as bigint) - (y[i] as bigint))) : Math.abs(p - q);
    const diff = Number.isNaN(abs) ? Infinity : abs; // NaN on one side, or opposite infinities
    const rel = q === 0 || !Number.isFinite(q) ? Infinity : diff / Math.abs(q);
    if (diff > d.maxAbs) d.maxAbs = diff;
    if (rel > d.maxRel) d.maxRel = rel;
    // an infinity agrees only with itself (handled above): atol + rtol*|inf| would accept anything
    if (!Number.isFinite(diff) || !Number.isFinite(q) || !(diff <= tol.atol + tol.rtol * Math.abs(q))) d.past++;
  }
}
