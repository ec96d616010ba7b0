import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Dim } from '../types.js';
import { evalDim } from './dim-eval.test-util.js';
import { dimAdd, dimCeilDiv, dimDiv, dimEq, dimFloorDiv, dimMul, dimNormalize, dimParse, dimPrint, dimSub, dimZeroImplies } from './dims.js';

describe('dims', () => {
  it('adds, subtracts and multiplies into canonical form', () => {
    expect(dimAdd('seq', 1)).toBe('seq+1');
    expect(dimAdd(1, 'seq')).toBe('seq+1');
    expect(dimAdd('batch', 'batch')).toBe('2*batch');
    expect(dimMul('seq', 'batch')).toBe('batch*seq');
    expect(dimMul('batch', 'seq')).toBe('batch*seq');
    expect(dimSub('seq+1', 1)).toBe('seq');
    expect(dimSub('a', 'a')).toBe(0);
    expect(dimSub('a', 'b')).toBe('a-b');
    expect(dimSub(4, 'a')).toBe('-a+4');
    expect(dimMul('a+1', 'a+1')).toBe('a*a+2*a+1');
    expect(dimAdd(2, 3)).toBe(5);
    expect(dimMul(3, 0)).toBe(0);
    expect(dimMul('a', 0)).toBe(0);
  });
  it('divides exactly or not at all', () => {
    expect(dimDiv('2*batch', 2)).toBe('batch');
    expect(dimDiv('batch*seq', 'seq')).toBe('batch');
    expect(dimDiv('2*a+2', 'a+1')).toBe(2);
    expect(dimDiv('batch', 2)).toBeNull();
    expect(dimDiv(7, 2)).toBeNull();
    expect(dimDiv(8, 2)).toBe(4);
    expect(dimDiv('a', 0)).toBeNull();
    expect(dimDiv('a+b', 'a')).toBeNull();
  });
  it('unknown and opaque dims give unknown', () => {
    expect(dimAdd(null, 1)).toBeNull();
    expect(dimMul('sequence length', 2)).toBeNull();
    expect(dimEq('sequence length', 'sequence length')).toBe(true);
    expect(dimEq('x', null)).toBeNull();
    expect(dimEq('a', 'b')).toBeNull();
    expect(dimEq('a+1', 'a')).toBe(false);
    expect(dimEq('1+a', 'a+1')).toBe(true);
    expect(dimEq(3, 4)).toBe(false);
    expect(dimParse('2*x*y - 3')).toBe('2*x*y-3');
    expect(dimParse('a++b')).toBeNull();
    expect(dimNormalize('3')).toBe(3);
    expect(dimNormalize('__proto__')).toBe('__proto__');
    expect(dimPrint(null)).toBe('?');
  });
  it('refuses blow-ups and unsafe integers', () => {
    expect(dimMul(2 ** 40, 2 ** 40)).toBeNull();
    let d: string | number | null = 'a+b+c+d';
    d = dimMul(d, d);
    d = dimMul(d, d);
    expect(d).toBeNull();
  });
  it('agrees with integer evaluation (property)', () => {
    const sym = fc.constantFrom('a', 'b', 'batch');
    const atom = fc.oneof(fc.integer({ min: -20, max: 20 }), sym);
    const env: Record<string, number> = { a: 3, b: -7, batch: 11 };
    const evalDim = (s: string | number): number => {
      if (typeof s === 'number') return s;
      // canonical text is valid JS arithmetic once symbols are substituted
      return Function(`return (${s.replace(/[A-Za-z_]+/g, (m) => `(${env[m]})`)})`)() as number;
    };
    fc.assert(
      fc.property(atom, atom, atom, (x, y, z) => {
        const s = dimAdd(dimMul(x, y), dimSub(z, x));
        expect(s).not.toBeNull();
        expect(evalDim(s!)).toBe(evalDim(x) * evalDim(y) + evalDim(z) - evalDim(x));
        expect(dimEq(dimParse(String(s)), s)).toBe(true);
        const p = dimMul(x, z);
        if (z !== 0) expect(dimEq(dimDiv(p, z), x)).toBe(true);
      }),
      { seed: 42, numRuns: 200 },
    );
  });
  it('dimZeroImplies: a = 0 forces b = 0 (property over sizes, with floor-division atoms)', () => {
    expect(dimZeroImplies(dimMul('N', 12), 'N')).toBe(true);
    expect(dimZeroImplies('N', dimMul('N', 'M'))).toBe(true);
    expect(dimZeroImplies(dimMul('N', 'M'), 'N')).toBe(false);
    expect(dimZeroImplies(dimAdd('N', 1), 'N')).toBe(false);
    expect(dimZeroImplies('N', dimAdd('N', 'M'))).toBe(false);
    expect(dimZeroImplies(null, 'N')).toBe(false);
    const sym = fc.constantFrom<Dim>('a', 'b', 'c', dimFloorDiv(dimAdd('a', 1), 2));
    const mono = fc.tuple(fc.integer({ min: 1, max: 3 }), fc.array(sym, { maxLength: 3 })).map(([k, f]) => f.reduce<Dim>((p, x) => dimMul(p, x), k));
    fc.assert(
      fc.property(mono, mono, fc.record({ a: fc.nat(3), b: fc.nat(3), c: fc.nat(3) }), (x, y, env) => {
        if (x === null || y === null || !dimZeroImplies(x, y)) return;
        if (evalDim(x, env) === 0) expect(evalDim(y, env)).toBe(0);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
  it('floor and ceil division by a constant have one canonical form', () => {
    // Conv 7x7 stride 2 pad 3, then MaxPool 3x3 stride 2 pad 1: floor((x+2p-k)/s)+1.
    const conv = (x: string | number, k: number, s: number, p: number) => dimAdd(dimFloorDiv(dimAdd(x, 2 * p - k), s), 1);
    const h1 = conv('H', 7, 2, 3);
    expect(h1).toBe('(H+1)//2');
    expect(conv(h1!, 3, 2, 1)).toBe('(H+3)//4');
    expect(dimCeilDiv('H', 2)).toBe('(H+1)//2');
    expect(dimCeilDiv(dimCeilDiv('H', 2), 2)).toBe('(H+3)//4');
    expect(dimFloorDiv(dimFloorDiv('H', 2), 3)).toBe('(H)//6');
    // Exact simplifications: multiples of the divisor leave the atom, common factors cancel.
    expect(dimFloorDiv('2*H', 2)).toBe('H');
    expect(dimFloorDiv('2*H+3', 2)).toBe('H+1');
    expect(dimFloorDiv('2*H+2', 4)).toBe('(H+1)//2');
    expect(dimFloorDiv('H-1', 2)).toBe('(H+1)//2-1');
    expect(dimFloorDiv('H', 1)).toBe('H');
    expect(dimFloorDiv(7, 2)).toBe(3);
    expect(dimFloorDiv(-7, 2)).toBe(-4);
    expect(dimFloorDiv('H', 0)).toBeNull();
    expect(dimFloorDiv(null, 2)).toBeNull();
    expect(dimFloorDiv('sequence length', 2)).toBeNull();
    // Printed so that Python reads it the same: an atom is bare only as a whole added term.
    expect(dimMul(dimFloorDiv('H', 2), 2)).toBe('2*((H)//2)');
    expect(dimSub('W', dimFloorDiv('H', 2))).toBe('-((H)//2)+W');
    expect(dimMul(dimFloorDiv('H', 2), 'W')).toBe('((H)//2)*W');
    expect(dimSub(dimMul(dimFloorDiv('H', 2), 2), dimMul(2, dimFloorDiv('H', 2)))).toBe(0);
    // Parsing: spaces, redundant parentheses and other spellings normalize to the same text.
    expect(dimNormalize('( H + 1 ) // 2')).toBe('(H+1)//2');
    expect(dimNormalize('((1+H)//2)+0')).toBe('(H+1)//2');
    expect(dimNormalize('2*((H+1)//2)')).toBe('2*((H+1)//2)');
    expect(dimNormalize('(a+1)*(a-1)')).toBe('a*a-1');
    expect(dimEq('(H+1)//2', '(1+H)//2')).toBe(true);
    expect(dimEq('(H+1)//2+1', '(H+1)//2')).toBe(false);
    expect(dimEq('(H+1)//2', '(H)//2')).toBeNull();
    // `H//2` is a legal opaque dim_param (a symbol may contain '/'): it stays as written.
    expect(dimNormalize('H//2')).toBe('H//2');
    expect(dimParse('(H+1)//')).toBeNull();
    expect(dimParse('(H+1)//0')).toBeNull();
    expect(dimParse('(H+1')).toBeNull();
    expect(dimParse('(H)//99999999999999999999')).toBeNull();
    // Crafted nesting stays opaque (a depth limit, no deep recursion), never a crash.
    const deep = '('.repeat(120) + 'H' + ')'.repeat(120);
    expect(dimNormalize(deep)).toBe(deep);
    expect(dimFloorDiv(deep, 2)).toBeNull();
    expect(dimNormalize('((((((H))))))//2')).toBe('(H)//2');
  });
  it('floor division agrees with Python integer arithmetic (property)', () => {
    const sym = fc.constantFrom('H', 'W');
    const lin = fc.tuple(sym, fc.integer({ min: -3, max: 3 }), fc.integer({ min: -9, max: 9 }));
    let checked = 0;
    const step = fc.record({ k: fc.integer({ min: 1, max: 5 }), mul: fc.integer({ min: -3, max: 3 }), add: fc.integer({ min: -5, max: 5 }), ceil: fc.boolean(), other: sym });
    fc.assert(
      fc.property(lin, fc.array(step, { minLength: 1, maxLength: 4 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 }), ([s0, a, b], steps, H, W) => {
        const env = { H, W };
        let d: string | number | null = dimAdd(dimMul(s0, a), b);
        let v = a * env[s0 as 'H' | 'W'] + b;
        for (const st of steps) {
          if (d === null) return;
          d = st.ceil ? dimCeilDiv(d, st.k) : dimFloorDiv(d, st.k);
          v = st.ceil ? Math.ceil(v / st.k) : Math.floor(v / st.k);
          d = dimAdd(dimMul(d, st.mul), dimAdd(st.other, st.add));
          v = v * st.mul + env[st.other as 'H' | 'W'] + st.add;
        }
        if (d === null) return;
        expect(evalDim(d, env)).toBe(v);
        checked++;
        // The printed form parses back to itself.
        expect(dimNormalize(d)).toBe(d);
      }),
      { seed: 7, numRuns: 400 },
    );
    expect(checked).toBeGreaterThan(300);
  });
});

