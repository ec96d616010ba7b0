import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { bits32, fillClippedNormal, inverseNormalCdf, mix32, normalAt, streamKey, uniformAt } from './random.js';

describe('counter-based PRNG', () => {
  test('mix32 is a bijection on a sample (no collisions among 2^16 consecutive inputs)', () => {
    const seen = new Set<number>();
    for (let i = 0; i < 1 << 16; i++) seen.add(mix32(i));
    expect(seen.size).toBe(1 << 16);
  });

  test('keys depend on seed and label; draws are pure functions of (key, index)', () => {
    const a = streamKey(0, 'init:w');
    expect(streamKey(0, 'init:w')).toEqual(a);
    expect(streamKey(1, 'init:w')).not.toEqual(a);
    expect(streamKey(0, 'init:v')).not.toEqual(a);
    expect(streamKey(2 ** 32, 'init:w')).not.toEqual(streamKey(0, 'init:w'));
    expect(bits32(a, 12345)).toBe(bits32(a, 12345));
    expect(bits32(a, 2 ** 40 + 7)).not.toBe(bits32(a, 7));
    expect(() => streamKey(-1, 'x')).toThrow(RangeError);
    expect(() => streamKey(1.5, 'x')).toThrow(RangeError);
  });

  test('uniforms are in (0, 1) with mean ~1/2 and variance ~1/12', () => {
    const key = streamKey(7, 'u');
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let outside = 0;
    for (let i = 0; i < n; i++) {
      const u = uniformAt(key, i);
      if (!(u > 0 && u < 1)) outside++;
      s += u;
      s2 += u * u;
    }
    expect(outside).toBe(0);
    const mean = s / n;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.005);
    expect(Math.abs(s2 / n - mean * mean - 1 / 12)).toBeLessThan(0.002);
  });

  test('inverse normal CDF matches known quantiles', () => {
    expect(inverseNormalCdf(0.5)).toBeCloseTo(0, 12);
    expect(inverseNormalCdf(0.975)).toBeCloseTo(1.959963984540054, 7);
    expect(inverseNormalCdf(0.025)).toBeCloseTo(-1.959963984540054, 7);
    expect(inverseNormalCdf(0.8413447460685429)).toBeCloseTo(1, 7);
    expect(inverseNormalCdf(1e-6)).toBeCloseTo(-4.753424308822899, 6);
    expect(inverseNormalCdf(1 - 1e-6)).toBeCloseTo(4.753424308822899, 5);
  });

  test('normals have mean ~0, std ~1 and few draws past 3 sigma', () => {
    const key = streamKey(3, 'n');
    const n = 200_000;
    let s = 0;
    let s2 = 0;
    let tail = 0;
    for (let i = 0; i < n; i++) {
      const z = normalAt(key, i);
      s += z;
      s2 += z * z;
      if (Math.abs(z) > 3) tail++;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.01);
    expect(Math.abs(Math.sqrt(s2 / n) - 1)).toBeLessThan(0.01);
    expect(tail / n).toBeGreaterThan(0.0015);
    expect(tail / n).toBeLessThan(0.0040);
  });

  test('fillClippedNormal equals the element-wise formula, from any start (incl. across 2^32)', () => {
    fc.assert(
      fc.property(fc.nat(1000), fc.integer({ min: 0, max: 2 ** 33 }), fc.integer({ min: 1, max: 300 }), (seed, start, count) => {
        const key = streamKey(seed, 'k');
        const out = new Float64Array(count);
        fillClippedNormal(key, start, count, out, 0.5, 2, -1, 3);
        for (let j = 0; j < count; j++) {
          const v = 0.5 + 2 * normalAt(key, start + j);
          expect(out[j]).toBe(Math.min(Math.max(v, -1), 3));
        }
      }),
      { seed: 42, numRuns: 200 },
    );
    // the counter's carry from the low into the high word
    const key = streamKey(1, 'carry');
    const out = new Float64Array(4);
    fillClippedNormal(key, 2 ** 32 - 2, 4, out, 0, 1, -10, 10);
    for (let j = 0; j < 4; j++) expect(out[j]).toBe(normalAt(key, 2 ** 32 - 2 + j));
  });
});
