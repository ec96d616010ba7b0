/**
 * Canonical symbolic dim arithmetic for shape inference.
 *
 * A symbolic dim is a polynomial with integer coefficients over symbols (graph input dim_params):
 * a sum of terms, each term a coefficient times a sorted product of symbols. The canonical
 * printed form sorts terms by degree (highest first), then by their symbol product, constant last and factors by name, so equal
 * polynomials print to equal strings: `seq+1`, `2*batch`, `batch*seq`, `a-b`, `-a+4`.
 *
 * Anything not representable (division with a remainder, a non-parseable dim_param, a blow-up
 * past the size limits) is `null`: unknown, never wrong.
 */
import type { Dim } from '../types.js';

/** One term: coefficient and the sorted list of symbol factors (repeats = powers). */
interface Term {
  readonly coef: number;
  readonly syms: readonly string[];
}
/** A polynomial keyed by the joined symbol product ('' = constant term). */
type Poly = Map<string, Term>;

/** Limits keeping crafted shape arithmetic from growing without bound. */
const MAX_TERMS = 16;
const MAX_DEGREE = 8;
const MAX_TEXT = 256;

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_.:/\[\]]*$/;

function safeInt(n: number): boolean {
  return Number.isSafeInteger(n);
}

/** True when `s` can be a symbol factor of the canonical form (otherwise it is opaque). */
export function isSymbol(s: string): boolean {
  return SYMBOL.test(s) && s.length <= MAX_TEXT;
}

function key(syms: readonly string[]): string {
  return syms.join('*');
}

function addTerm(p: Poly, t: Term): boolean {
  if (!safeInt(t.coef)) return false;
  const k = key(t.syms);
  const old = p.get(k);
  const coef = (old?.coef ?? 0) + t.coef;
  if (!safeInt(coef)) return false;
  if (coef === 0) p.delete(k);
  else p.set(k, { coef, syms: t.syms });
  return p.size <= MAX_TERMS;
}

/** Parses a dim into its polynomial; null for unknown or unparseable dims. */
function toPoly(d: Dim): Poly | null {
  const p: Poly = new Map();
  if (d === null) return null;
  if (typeof d === 'number') {
    if (!safeInt(d)) return null;
    if (d !== 0) p.set('', { coef: d, syms: [] });
    return p;
  }
  if (d.length === 0 || d.length > MAX_TEXT) return null;
  // Split into signed terms: "a+2*b-c" -> ["a", "+2*b", "-c"].
  const s = d;
  const parts: string[] = [];
  let start = 0;
  for (let i = 1; i < s.length; i++) {
    if (s[i] === '+' || s[i] === '-') {
      parts.push(s.slice(start, i));
      start = i;
    }
  }
  parts.push(s.slice(start));
  for (const part of parts) {
    let body = part.trim();
    let sign = 1;
    if (body.startsWith('+')) body = body.slice(1);
    else if (body.startsWith('-')) {
      sign = -1;
      body = body.slice(1);
    }
    body = body.trim();
    if (body.length === 0) return null;
    let coef = sign;
    const syms: string[] = [];
    for (const raw of body.split('*')) {
      const f = raw.trim();
      if (/^[0-9]+$/.test(f)) {
        coef *= Number(f);
        if (!safeInt(coef)) return null;
      } else if (isSymbol(f)) syms.push(f);
      else return null;
    }
    if (syms.length > MAX_DEGREE) return null;
    syms.sort();
    if (!addTerm(p, { coef, syms })) return null;
  }
  return p;
}

function compareTerms(a: Term, b: Term): number {
  if (a.syms.length === 0) return b.syms.length === 0 ? 0 : 1;
  if (b.syms.length === 0) return -1;
  if (a.syms.length !== b.syms.length) return b.syms.length - a.syms.length;
  const ka = key(a.syms);
  const kb = key(b.syms);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Prints a polynomial in canonical form; a constant polynomial is a number. */
function fromPoly(p: Poly): Dim {
  const terms = [...p.values()].sort(compareTerms);
  if (terms.length === 0) return 0;
  if (terms.length === 1 && terms[0]!.syms.length === 0) return terms[0]!.coef;
  let out = '';
  for (const t of terms) {
    let body: string;
    if (t.syms.length === 0) body = String(Math.abs(t.coef));
    else body = (Math.abs(t.coef) === 1 ? '' : `${Math.abs(t.coef)}*`) + t.syms.join('*');
    if (out === '') out = t.coef < 0 ? `-${body}` : body;
    else out += (t.coef < 0 ? '-' : '+') + body;
  }
  return out.length > MAX_TEXT ? null : out;
}

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
  const out: Poly = new Map();
  for (const ta of pa.values()) {
    for (const tb of pb.values()) {
      const syms = [...ta.syms, ...tb.syms].sort();
      if (syms.length > MAX_DEGREE) return null;
      if (!addTerm(out, { coef: ta.coef * tb.coef, syms })) return null;
    }
  }
  return fromPoly(out);
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
