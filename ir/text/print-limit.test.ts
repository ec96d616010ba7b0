import { describe, expect, it } from 'vitest';
import { withWeight } from '../../test/support/huge-weight.js';
import { LatheError } from '../error.js';
import { printModel } from './print.js';

describe('printModel and the longest string', () => {
  it('refuses, before building any text, a model whose weights print past what one string holds', () => {
    // 100 M elements of ~11 characters: about 1 GB of text, estimated from the first elements.
    const m = withWeight(100_000_000);
    expect(() => printModel(m)).toThrow(LatheError);
    expect(() => printModel(m)).toThrow(/longest string JavaScript can hold.*lathe strip/);
    // With the weight stripped from the text it prints.
    expect(printModel(m, { stripAbove: 1000 })).toContain('stripped');
  });

  it('prints a large weight that fits', () => {
    const text = printModel(withWeight(20_000));
    expect(text).toContain('1.2345678');
    expect(text.length).toBeGreaterThan(20_000 * 9);
  });
});
