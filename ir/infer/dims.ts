/**
 * Canonical symbolic dim arithmetic for shape inference.
 *
 * A symbolic dim is a polynomial with integer coefficients over symbols (graph input dim_params):
 * a sum of terms, each term a coefficient times a sorted product of symbols. The canonical
 * printed form sorts terms by degree (highest first), then by their symbol product, constant last and factors by name, so equal
 * polynomials print to equal strings: `seq+1`, `2*batch`, `batch*seq`, `a-b`, `-a+4`.
 *
 * A factor may also be a floor division by a positive constant, printed `(R)//k` — what Conv,
 * pooling, Resize and Slice need for strides and scales (`(H+1)//2`, `(H+3)//4`). Its canonical
 * form (floorDivPoly in dims-poly.ts): every coefficient of R is in [0, k) (multiples of k are taken out:
 * `(2*H+3)//2` = `H+1`), R and k share no common factor, R is not a constant, and a nested
 * floor division is merged (`((H+1)//2+1)//2` = `(H+3)//4`). Ceiling division is floor division:
 * ceil(x/k) = `(x+k-1)//k`. The atom stands bare only as a whole added term and is parenthesized
 * inside products (`2*((H+1)//2)`, `-((H)//2)+W`), so the text means the same read as Python
 * integer arithmetic. `(H)//2` keeps its parentheses because `H//2` is a legal opaque dim_param.
 * Equal strings are equal values; different strings may still be equal (`(H)//2+(H+1)//2` is H),
 * which dimEq reports as unknown, never as different.
 *
 * Anything not representable (a non-parseable dim_param, a blow-up past the size limits) is
 * `null`: unknown, never wrong.
 */
import type { Dim } from '../types.js';
import { addTerm, floorDivPoly, fromPoly, isSymbol, polyMul, safeInt, toPoly, type Poly, type Term } from './dims-poly.js';

export { isSymbol };

/**
 * The canonical form of a dim: numbers stay numbers, parseable expressions are normalized
 * (`1+seq` → `seq+1`, `3` → 3), an opaque dim_param (`"sequence length"`) stays as written,
 * unknown stays null.
 */
export function dimNormalize(d: Dim): Dim {
  if (typeof d !== 'string') return d;
  const p = toPoly(d);
  return p === null ? d : fromPoly(p);
}

/** Parses the canonical (or any parseable) text form; null when not an expression lathe reads. */
export function dimParse(s: string): Dim {
  const p = toPoly(s);
  return p === null ? null : fromPoly(p);
}

/** Prints a dim (numbers as decimal, unknown as `?`). */
export function dimPrint(d: Dim): string {
  return d === null ? '?' : String(d);
}

export function dimAdd(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a + b;
    return safeInt(r) ? r : null;
  }
  const pa = toPoly(a);
  const pb = toPoly(b);
  if (pa === null || pb === null) return null;
  for (const t of pb.values()) if (!addTerm(pa, t)) return null;
  return fromPoly(pa);
}

export function dimNeg(a: Dim): Dim {
  return dimMul(a, -1);
}

export function dimSub(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a - b;
    return safeInt(r) ? r : null;
  }
  const nb = dimNeg(b);
  return nb === null ? null : dimAdd(a, nb);
}

export function dimMul(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    const r = a * b;
    return safeInt(r) ? r + 0 : null; // `+ 0` turns -0 into 0
  }
  const pa = toPoly(a);
  const pb = toPoly(b);
  if (pa === null || pb === null) return null;
  const out = polyMul(pa, pb);
  return out === null ? null : fromPoly(out);
}

/**
 * Floor division by a positive integer constant: floor(a / k), as a canonical expression when
 * `a` is symbolic (`(H+1)//2`, see floorDivPoly); null when unknown, k < 1 or past the limits.
 */
export function dimFloorDiv(a: Dim, k: number): Dim {
  if (!safeInt(k) || k < 1) return null;
  if (typeof a === 'number') return safeInt(a) ? Math.floor(a / k) + 0 : null;
  const pa = toPoly(a);
  const out = pa === null ? null : floorDivPoly(pa, k);
  return out === null ? null : fromPoly(out);
}

/** Ceiling division by a positive integer constant: ceil(a / k) = floor((a + k − 1) / k). */
export function dimCeilDiv(a: Dim, k: number): Dim {
  if (!safeInt(k) || k < 1) return null;
  return dimFloorDiv(dimAdd(a, k - 1), k);
}

/** Removes one occurrence of each of `sub` from `syms` (both sorted); null if not contained. */
function removeFactors(syms: readonly string[], sub: readonly string[]): string[] | null {
  const rest = [...syms];
  for (const s of sub) {
    const i = rest.indexOf(s);
    if (i < 0) return null;
    rest.splice(i, 1);
  }
  return rest;
}

/**
 * Exact division: `a / b` when the quotient is a polynomial with integer coefficients
 * (`(2*batch)/2 = batch`, `(batch*seq)/seq = batch`, `(2*a+2)/(a+1) = 2`); otherwise null.
 * Division by zero is null.
 */
export function dimDiv(a: Dim, b: Dim): Dim {
  if (typeof a === 'number' && typeof b === 'number') {
    if (b === 0 || a % b !== 0) return null;
    return a / b + 0;
  }
  const pa = toPoly(a);
  const pb = toPoly(b);
  if (pa === null || pb === null || pb.size === 0) return null;
  if (pb.size === 1) {
    const d = [...pb.values()][0]!;
    const out: Poly = new Map();
    for (const t of pa.values()) {
      if (t.coef % d.coef !== 0) return null;
      const rest = removeFactors(t.syms, d.syms);
      if (rest === null) return null;
      if (!addTerm(out, { coef: t.coef / d.coef, syms: rest })) return null;
    }
    return fromPoly(out);
  }
  // Multi-term divisor: only a constant ratio (a = k*b) is recognised.
  const [kb, tb] = [...pb.entries()][0]!;
  const ta = pa.get(kb);
  if (ta === undefined || ta.coef % tb.coef !== 0) return null;
  const k = ta.coef / tb.coef;
  const prod = dimMul(b, k);
  return prod !== null && dimEq(prod, a) === true ? k : null;
}

/** The one term of a dim (a nonzero coefficient times its factors), or undefined for a sum, 0 or an unreadable dim. */
function singleTerm(d: Dim): Term | undefined {
  const p = toPoly(d);
  if (p === null || p.size !== 1) return undefined;
  const [t] = p.values();
  return t.coef === 0 ? undefined : t;
}

/**
 * Whether `a` = 0 provably makes `b` = 0: both are single terms (a nonzero coefficient times a
 * product of symbols and floor-division atoms, all ≥ 0), and every factor of `a` is a factor of
 * `b`. A product of sizes is 0 only when one of its factors is, and that factor zeroes `b` too.
 */
export function dimZeroImplies(a: Dim, b: Dim): boolean {
  if (typeof a === 'number') return a !== 0 || b === 0;
  const ta = singleTerm(a);
  const tb = singleTerm(b);
  return ta !== undefined && tb !== undefined && ta.syms.length > 0 && ta.syms.every((f) => tb.syms.includes(f));
}

/**
 * Whether `b` stays apart from `a` = 0: `b` is a nonzero number, or both are single terms with no
 * factor in common (`b` can then still be 0, but only through a symbol of its own).
 */
export function dimApartFrom(a: Dim, b: Dim): boolean {
  if (typeof b === 'number') return b !== 0;
  const ta = singleTerm(a);
  const tb = singleTerm(b);
  return ta !== undefined && tb !== undefined && !ta.syms.some((f) => tb.syms.includes(f));
}

/**
 * Whether a dim is provably ≥ 0: a number ≥ 0, or an expression whose coefficients are all ≥ 0
 * (its symbols are sizes, so ≥ 0, and so is every floor-division atom of the canonical form).
 * Opaque dim_params and unknown dims are not provably anything.
 */
export function dimNonNegative(d: Dim): boolean {
  if (typeof d === 'number') return d >= 0;
  const p = toPoly(d);
  return p !== null && [...p.values()].every((t) => t.coef >= 0);
}

/**
 * Whether two dims are provably equal: true (same number, or same polynomial), false (provably
 * different: different numbers, or a difference that is a nonzero constant), or null (unknown).
 */
export function dimEq(a: Dim, b: Dim): boolean | null {
  if (a === null || b === null) return null;
  if (typeof a === 'number' && typeof b === 'number') return a === b;
  if (a === b) return true;
  const pa = toPoly(a);
  const pb = toPoly(b);
  if (pa === null || pb === null) return null;
  const diff = dimSub(a, b);
  if (diff === 0) return true;
  if (typeof diff === 'number') return false;
  return null;
}
