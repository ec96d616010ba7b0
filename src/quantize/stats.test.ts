/**
 * Calibration statistics: streamed samples give the same min/max and histogram counts as the
 * data seen at once; the histogram's growth (merging bin pairs) loses no count; percentile and
 * entropy clip outliers but never widen the minmax range.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { entropyThreshold, HISTOGRAM_BINS, percentileThreshold, StatsCollector, TensorStats } from './stats.js';

const sample = fc.array(fc.float({ min: -100, max: 100, noNaN: true, noDefaultInfinity: true }), { minLength: 1, maxLength: 50 });

describe('calibration statistics', () => {
  it('streams: min, max and the total count are those of all samples together', () => {
    fc.assert(
      fc.property(fc.array(sample, { minLength: 1, maxLength: 6 }), (samples) => {
        const s = new TensorStats(true);
        for (const xs of samples) s.add(Float32Array.from(xs));
        const all = samples.flat().map(Math.fround);
        expect(s.min).toBe(Math.min(...all));
        expect(s.max).toBe(Math.max(...all));
        expect(s.bins!.reduce((a, b) => a + b, 0)).toBe(all.length);
        for (const m of ['minmax', 'percentile', 'entropy'] as const) {
          const r = s.range(m);
          expect(r.min).toBeGreaterThanOrEqual(s.min);
          expect(r.max).toBeLessThanOrEqual(s.max);
        }
      }),
    );
  });

  it('percentile and entropy clip a rare outlier that minmax keeps', () => {
    const s = new TensorStats(true);
    const xs = new Float32Array(100_000);
    for (let i = 0; i < xs.length; i++) xs[i] = Math.sin(i) * 0.9; // bulk in [-0.9, 0.9]
    xs[7] = 50; // one outlier
    s.add(xs);
    expect(s.range('minmax').max).toBe(50);
    expect(s.range('percentile', 99.99).max).toBeLessThan(1);
    expect(s.range('entropy').max).toBeLessThan(5);
    expect(s.range('entropy').max).toBeGreaterThan(0.5);
  });

  it('thresholds of a uniform histogram', () => {
    const bins = new Float64Array(HISTOGRAM_BINS).fill(1);
    expect(percentileThreshold(bins, 2, 50)).toBeCloseTo(1, 2);
    expect(entropyThreshold(bins, 2)).toBeGreaterThan(1.9); // nothing to clip
  });

  it('the percentile threshold is the upper edge of the bin where the count is reached (every kept value lies below it)', () => {
    const bins = new Float64Array(HISTOGRAM_BINS);
    bins[0] = 50; // |x| in [0, top/2048)
    bins[9] = 50; // |x| in [9·top/2048, 10·top/2048)
    expect(percentileThreshold(bins, 2048, 50)).toBe(1);
    expect(percentileThreshold(bins, 2048, 50.5)).toBe(10);
    expect(percentileThreshold(bins, 2048, 100)).toBe(10);
  });

  it('entropy: when every candidate fits equally (nothing lies beyond the first 128 bins), the narrowest threshold wins; a wider one only costs resolution', () => {
    const bins = new Float64Array(HISTOGRAM_BINS);
    bins.fill(1, 0, 16);
    expect(entropyThreshold(bins, 2048)).toBe(128);
  });

  it('the histogram grows only as far as a new peak needs: a peak equal to the doubled top fits in its last bin', () => {
    const s = new TensorStats(true);
    s.add(Float32Array.of(1));
    s.add(Float32Array.of(2, 0.5));
    expect(s.top).toBe(2);
    // 1 sat in the last bin of [0, 1) and merged into bin 1023; 0.5 in bin 512; 2 clamps into the last
    expect([s.bins![512], s.bins![1023], s.bins![2047]]).toEqual([1, 1, 1]);
    expect(s.range('percentile', 50).max).toBe(1);
  });

  it('the collector ignores names it was not asked for and non-float values', () => {
    const c = new StatsCollector(['a'], false);
    c.observe('a', { kind: 'tensor', dtype: 1, dims: [2], data: Float32Array.of(-1, 3) });
    c.observe('b', { kind: 'tensor', dtype: 1, dims: [1], data: Float32Array.of(9) });
    c.observe('a', { kind: 'tensor', dtype: 7, dims: [1], data: BigInt64Array.of(100n) });
    expect([...c.ranges('minmax')]).toEqual([['a', { min: -1, max: 3 }]]);
  });

  it('gives no range for a tensor never seen or seen with no finite value (a range of [0, 0] would make static int8 quantize it with scale 1)', () => {
    for (const method of ['minmax', 'percentile', 'entropy'] as const) {
      const c = new StatsCollector(['a', 'nan', 'unseen'], method !== 'minmax');
      c.observe('a', { kind: 'tensor', dtype: 1, dims: [2], data: Float32Array.of(-1, 3) });
      c.observe('nan', { kind: 'tensor', dtype: 1, dims: [3], data: Float32Array.of(NaN, Infinity, -Infinity) });
      expect([...c.ranges(method).keys()], method).toEqual(['a']);
    }
  });

  it('the histogram counts only finite values (an infinity would be counted in the top bin, as if it were a peak value)', () => {
    const s = new TensorStats(true);
    s.add(Float32Array.of(0.5, Infinity, 1, -Infinity, NaN, -1));
    let total = 0;
    for (const c of s.bins!) total += c;
    expect(total).toBe(3);
    // top is 1: |±1| fall in the last bin, 0.5 in the middle one; the infinities nowhere
    expect(s.bins![HISTOGRAM_BINS - 1]).toBe(2);
    expect(s.bins![HISTOGRAM_BINS / 2]).toBe(1);
  });
});
