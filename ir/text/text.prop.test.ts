/**
 * Property: for random small models (arb.test-util.ts), parse(print(m)) equals m and printing is
 * a fixed point: print(parse(print(m))) === print(m).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbModelSeed, randomModel } from './arb.test-util.js';
import { modelsEqual } from './equal.js';
import { parseModel } from './parse.js';
import { printModel } from './print.js';

describe('text round trip (property)', () => {
  it('parse(print(m)) equals m, and print is a fixed point', () => {
    fc.assert(
      fc.property(arbModelSeed, (seed) => {
        const m = randomModel(seed);
        const text = printModel(m);
        const back = parseModel(text);
        const diff = modelsEqual(m, back);
        if (diff !== null) throw new Error(`seed ${seed}: ${diff}\n${text}`);
        expect(printModel(back)).toBe(text);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  it('the generator exercises what it claims (sanity of the property above)', () => {
    const texts = Array.from({ length: 200 }, (_, i) => printModel(randomModel(i))).join('\n');
    for (const needle of ['@{override', '@{orphan', 'stripped', 'float_data', ': undefined', '= @', 'sparse[', '"__proto__"', '_v0', '0x', 'seq(', 'opaque(', '?', 'dtype77']) {
      expect(texts, needle).toContain(needle);
    }
  });
});
