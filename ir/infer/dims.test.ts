import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { dimAdd, dimDiv, dimEq, dimMul, dimNormalize, dimParse, dimPrint, dimSub } from './dims.js';

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
});
