/**
 * The representation behind ir/infer/dims.ts: a dim expression as a polynomial with integer
 * coefficients over factors, where a factor is a symbol or a floor-division atom `(R)//k`; its
 * parser (any spelling lathe reads) and its printer (the one canonical spelling). See dims.ts for
 * the canonical form.
 */
import type { Dim } from '../types.js';

/** One term: coefficient and the sorted list of symbol factors (repeats = powers). */
export interface Term {
  readonly coef: number;
  readonly syms: readonly string[];
}
/** A polynomial keyed by the joined symbol product ('' = constant term). */
export type Poly = Map<string, Term>;

/** Limits keeping crafted shape arithmetic from growing without bound. */
const MAX_TERMS = 16;
const MAX_DEGREE = 8;
const MAX_TEXT = 256;

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_.:/\[\]]*$/;

/** True for integers exactly representable in a double (dims must stay exact). */
export function safeInt(n: number): boolean {
  return Number.isSafeInteger(n);
}

/** True when `s` can be a symbol factor of the canonical form (otherwise it is opaque). */
export function isSymbol(s: string): boolean {
  return SYMBOL.test(s) && s.length <= MAX_TEXT;
}

function key(syms: readonly string[]): string {
  return syms.join('*');
}

/** Adds a term into p; false when a coefficient or the term count leaves the limits. */
export function addTerm(p: Poly, t: Term): boolean {
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
export function toPoly(d: Dim): Poly | null {
  if (d === null) return null;
  if (typeof d === 'number') {
    if (!safeInt(d)) return null;
    const p: Poly = new Map();
    if (d !== 0) p.set('', { coef: d, syms: [] });
    return p;
  }
  if (d.length === 0 || d.length > MAX_TEXT) return null;
  return new Parser(d).parse();
}

/**
 * Recursive-descent reader of the expression grammar (spaces allowed between tokens):
 *   expr   := ['+'|'-'] term (('+'|'-') term)*
 *   term   := factor ('*' factor)*
 *   factor := integer | symbol | '(' expr ')' ['//' integer]
 * Any parse failure or limit overflow yields null (the dim is then opaque).
 */
class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): Poly | null {
    const p = this.expr(0);
    this.space();
    return p !== null && this.i === this.s.length ? p : null;
  }

  private space(): void {
    while (this.s[this.i] === ' ') this.i++;
  }

  private expr(depth: number): Poly | null {
    if (depth > MAX_DEPTH) return null;
    let out: Poly = new Map();
    let sign = 1;
    this.space();
    if (this.s[this.i] === '+' || this.s[this.i] === '-') sign = this.s[this.i++] === '-' ? -1 : 1;
    for (;;) {
      const t = this.term(depth);
      if (t === null) return null;
      const scaled = polyMul(t, constPoly(sign));
      if (scaled === null) return null;
      const sum = polyAdd(out, scaled);
      if (sum === null) return null;
      out = sum;
      this.space();
      const c = this.s[this.i];
      if (c !== '+' && c !== '-') return out;
      sign = c === '-' ? -1 : 1;
      this.i++;
    }
  }

  private term(depth: number): Poly | null {
    let p = this.factor(depth);
    for (;;) {
      if (p === null) return null;
      this.space();
      if (this.s[this.i] !== '*') return p;
      this.i++;
      const f = this.factor(depth);
      p = f === null ? null : polyMul(p, f);
    }
  }

  private integer(): number | null {
    this.space();
    const m = /^[0-9]+/.exec(this.s.slice(this.i));
    if (!m) return null;
    this.i += m[0].length;
    const n = Number(m[0]);
    return safeInt(n) ? n : null;
  }

  private factor(depth: number): Poly | null {
    this.space();
    const c = this.s[this.i];
    if (c === '(') {
      this.i++;
      const inner = this.expr(depth + 1);
      this.space();
      if (inner === null || this.s[this.i] !== ')') return null;
      this.i++;
      this.space();
      if (!this.s.startsWith('//', this.i)) return inner;
      this.i += 2;
      const k = this.integer();
      return k === null || k < 1 ? null : floorDivPoly(inner, k);
    }
    if (c !== undefined && c >= '0' && c <= '9') {
      const n = this.integer();
      return n === null ? null : constPoly(n);
    }
    const m = /^[A-Za-z_][A-Za-z0-9_.:/\[\]]*/.exec(this.s.slice(this.i));
    if (!m || !isSymbol(m[0])) return null;
    this.i += m[0].length;
    return new Map([[m[0], { coef: 1, syms: [m[0]] }]]);
  }
}

/** Nesting limit of parentheses in parsed text. */
const MAX_DEPTH = 8;

function constPoly(n: number): Poly {
  const p: Poly = new Map();
  if (n !== 0) p.set('', { coef: n, syms: [] });
  return p;
}

function polyAdd(a: Poly, b: Poly): Poly | null {
  const out: Poly = new Map(a);
  for (const t of b.values()) if (!addTerm(out, t)) return null;
  return out;
}

/** The product of two polynomials; null past the limits. */
export function polyMul(a: Poly, b: Poly): Poly | null {
  const out: Poly = new Map();
  for (const ta of a.values()) {
    for (const tb of b.values()) {
      const syms = [...ta.syms, ...tb.syms].sort();
      if (syms.length > MAX_DEGREE) return null;
      if (!addTerm(out, { coef: ta.coef * tb.coef, syms })) return null;
    }
  }
  return out;
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

/** The parts of a floor-division atom `(R)//k`, or undefined when `sym` is a plain symbol. */
function atomParts(sym: string): { inner: Poly; k: number } | undefined {
  if (!sym.startsWith('(')) return undefined;
  const at = sym.lastIndexOf(')//');
  const inner = toPoly(sym.slice(1, at));
  const k = Number(sym.slice(at + 3));
  return inner === null ? undefined : { inner, k };
}

/**
 * floor(p / k) for an integer k ≥ 1, in canonical form: the multiple of k is taken out of every
 * coefficient (`(2*H+3)//2` → `H+1`, the remainder `(1)//2` is 0), the remainder's common factor
 * with k is cancelled (`(2*H)//4` → `(H)//2`), and a nested floor division with coefficient 1 is
 * merged, floor(floor(x/a)/b) = floor(x/(a·b)): `((H+1)//2+1)//2` → `(H+3)//4`.
 * The atom `(R)//k` left over has 0 ≤ every coefficient of R < k and is a factor of the result.
 */
export function floorDivPoly(p: Poly, k: number): Poly | null {
  if (!safeInt(k) || k < 1) return null;
  if (k === 1) return p;
  // Merge one nested atom A = (R0)//k0 of coefficient 1: A + Q = (R0 + k0·Q)//k0.
  for (const [key0, t] of p) {
    if (t.coef !== 1 || t.syms.length !== 1) continue;
    const a = atomParts(t.syms[0]!);
    if (!a || !safeInt(a.k * k)) continue;
    const rest: Poly = new Map(p);
    rest.delete(key0);
    const scaled = polyMul(rest, constPoly(a.k));
    const merged = scaled === null ? null : polyAdd(a.inner, scaled);
    if (merged !== null) return floorDivPoly(merged, a.k * k);
  }
  const q: Poly = new Map();
  const r: Poly = new Map();
  for (const t of p.values()) {
    const rem = ((t.coef % k) + k) % k;
    if (!addTerm(q, { coef: (t.coef - rem) / k, syms: t.syms })) return null;
    if (rem !== 0 && !addTerm(r, { coef: rem, syms: t.syms })) return null;
  }
  // A constant remainder 0 ≤ c < k floors to 0.
  if (r.size === 0 || (r.size === 1 && r.has(''))) return q;
  let g = k;
  for (const t of r.values()) g = gcd(g, t.coef);
  const k2 = k / g;
  const rg: Poly = new Map();
  for (const [kk, t] of r) rg.set(kk, { coef: t.coef / g, syms: t.syms });
  if (k2 === 1) return polyAdd(q, rg);
  const text = fromPoly(rg);
  if (typeof text !== 'string') return null;
  const atom = `(${text})//${k2}`;
  if (atom.length > MAX_TEXT) return null;
  return addTerm(q, { coef: 1, syms: [atom] }) ? q : null;
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
export function fromPoly(p: Poly): Dim {
  const terms = [...p.values()].sort(compareTerms);
  if (terms.length === 0) return 0;
  if (terms.length === 1 && terms[0]!.syms.length === 0) return terms[0]!.coef;
  let out = '';
  for (const t of terms) {
    let body: string;
    if (t.syms.length === 0) body = String(Math.abs(t.coef));
    else {
      // A floor-division atom stands bare only as a whole term added or subtracted after another
      // term (`(H+1)//2`, `W+(H+1)//2`), so the text means the same read as Python arithmetic;
      // elsewhere it is wrapped: `2*((H+1)//2)`, `-((H+1)//2)`.
      const bare = t.syms.length === 1 && Math.abs(t.coef) === 1 && (out !== '' || t.coef > 0);
      const syms = t.syms.map((f) => (!bare && f.startsWith('(') ? `(${f})` : f));
      body = (Math.abs(t.coef) === 1 ? '' : `${Math.abs(t.coef)}*`) + syms.join('*');
    }
    if (out === '') out = t.coef < 0 ? `-${body}` : body;
    else out += (t.coef < 0 ? '-' : '+') + body;
  }
  return out.length > MAX_TEXT ? null : out;
}
