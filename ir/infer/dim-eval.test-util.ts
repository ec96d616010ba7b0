/**
 * Test support: evaluates a printed dim expression with its symbols bound to numbers, reading the
 * text as Python integer arithmetic (`//` floor division at the precedence of `*`, left to right;
 * unary minus binding tighter). It shares no code with ir/infer/dims.ts, so a test that compares
 * an inferred expression's value with a kernel's output checks both the arithmetic and the claim
 * that the canonical text means what Python would read.
 */
import type { Dim } from '../types.js';

export function evalDim(d: Dim, env: Readonly<Record<string, number>>): number {
  if (d === null) throw new Error('unknown dim');
  if (typeof d === 'number') return d;
  const toks = d.match(/\/\/|[0-9]+|[A-Za-z_][A-Za-z0-9_]*|[-+*()]/g) ?? [];
  if (toks.join('') !== d.replace(/ /g, '')) throw new Error(`cannot read dim ${d}`);
  let i = 0;
  const atom = (): number => {
    const t = toks[i++];
    if (t === '-') return -atom();
    if (t === '+') return atom();
    if (t === '(') {
      const v = expr();
      if (toks[i++] !== ')') throw new Error(`unbalanced ${d}`);
      return v;
    }
    if (t !== undefined && /^[0-9]+$/.test(t)) return Number(t);
    if (t !== undefined && t in env) return env[t]!;
    throw new Error(`unbound ${t} in ${d}`);
  };
  const term = (): number => {
    let v = atom();
    while (toks[i] === '*' || toks[i] === '//') v = toks[i++] === '*' ? v * atom() : Math.floor(v / atom());
    return v;
  };
  const expr = (): number => {
    let v = term();
    while (toks[i] === '+' || toks[i] === '-') v = toks[i++] === '+' ? v + term() : v - term();
    return v;
  };
  const v = expr();
  if (i !== toks.length) throw new Error(`trailing text in ${d}`);
  return v;
}
