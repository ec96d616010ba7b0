import { describe, expect, it } from 'vitest';
import { pairedTiming, quantile, roundOrder, summarize } from '../../bench/paired.js';

describe('paired timing', () => {
  it('quantiles interpolate between order statistics', () => {
    expect(quantile([3, 1, 2, 4], 0.5)).toBe(2.5);
    expect(quantile([5, 1, 3], 0.5)).toBe(3);
    expect(quantile([1, 2, 3, 4, 5], 0.25)).toBe(2);
    expect(quantile([10], 0.75)).toBe(10);
  });
  it('alternates A B B A and B A A B', () => {
    expect(roundOrder(0)).toEqual([0, 1, 1, 0]);
    expect(roundOrder(1)).toEqual([1, 0, 0, 1]);
  });
  it('takes the median of per-round ratios, so a slow round hits both sides of its ratio', () => {
    // Round 2 is 10x slower for both: its ratio is still 0.5, and the median of ratios is 0.5,
    // where a ratio of the medians of all runs would not see the pairing.
    const s = summarize([[[1, 1], [2, 2]], [[1, 1], [2, 2]], [[10, 10], [20, 20]], [[1.2, 1.2], [2, 2]]]);
    expect(s.ratio).toBeCloseTo(0.5);
    expect(s.q1).toBeCloseTo(0.5);
    expect(s.q3).toBeCloseTo(0.525);
    expect(s.rounds).toBe(4);
  });
  it('times two functions in rounds within the bounds', async () => {
    let na = 0;
    let nb = 0;
    const s = await pairedTiming(async () => void na++, async () => void nb++, { warmup: 1, budget: 0, minRounds: 3, maxRounds: 3, minSample: 0 });
    expect(s.rounds).toBe(3);
    expect(na).toBe(1 + 3 * 2);
    expect(nb).toBe(na);
    expect(s.ratio).toBeGreaterThan(0);
  });
});
