/**
 * Per-tensor statistics for calibration, updated one sample at a time so memory stays constant in
 * the number of samples: min and max, and (for percentile and entropy) a histogram of |x| whose
 * range doubles, merging bin pairs, when a sample exceeds it. The calibrated range of a tensor
 * comes from these by one of three methods: minmax, percentile (of |x|) or entropy (the clipping
 * threshold minimizing the KL divergence between the histogram and its 128-level quantization,
 * as TensorRT's calibrator does).
 */
import type { RtValue } from '../../ir/ops/types.js';

export type CalibrationMethod = 'minmax' | 'percentile' | 'entropy';
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ['minmax', 'percentile', 'entropy'];

/** A calibrated range of a tensor. */
export interface Range {
  readonly min: number;
  readonly max: number;
}

/** Bins of the |x| histogram (a power of two, so that merging pairs keeps edges aligned). */
export const HISTOGRAM_BINS = 2048;

/** Running statistics of one tensor. */
export class TensorStats {
  min = Infinity;
  max = -Infinity;
  /** Upper edge of the histogram (0 until a non-zero value was seen). */
  top = 0;
  readonly bins: Float64Array | undefined;

  constructor(histogram: boolean) {
    this.bins = histogram ? new Float64Array(HISTOGRAM_BINS) : undefined;
  }

  /** Adds the finite elements of `data`. */
  add(data: ArrayLike<number>): void {
    let lo = this.min;
    let hi = this.max;
    let absmax = 0;
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      if (!Number.isFinite(x)) continue;
      if (x < lo) lo = x;
      if (x > hi) hi = x;
      const a = x < 0 ? -x : x;
      if (a > absmax) absmax = a;
    }
    this.min = lo;
    this.max = hi;
    const bins = this.bins;
    if (!bins) return;
    if (absmax > this.top) this.grow(absmax);
    if (this.top === 0) {
      bins[0] += data.length;
      return;
    }
    const perBin = HISTOGRAM_BINS / this.top;
    for (let i = 0; i < data.length; i++) {
      const x = data[i];
      if (!Number.isFinite(x)) continue;
      const b = Math.floor((x < 0 ? -x : x) * perBin);
      bins[b >= HISTOGRAM_BINS ? HISTOGRAM_BINS - 1 : b]++;
    }
  }

  /** Widens the histogram to hold `absmax`: the first time it is set, later it doubles. */
  private grow(absmax: number): void {
    const bins = this.bins!;
    if (this.top === 0) {
      const zeros = bins[0];
      this.top = absmax;
      bins[0] = zeros;
      return;
    }
    while (this.top < absmax) {
      for (let i = 0; i < HISTOGRAM_BINS / 2; i++) bins[i] = bins[2 * i] + bins[2 * i + 1];
      bins.fill(0, HISTOGRAM_BINS / 2);
      this.top *= 2;
    }
  }

  /** The calibrated range by `method` (`percentile`: of |x|, e.g. 99.999). */
  range(method: CalibrationMethod, percentile = 99.999): Range {
    if (!(this.min <= this.max)) return { min: 0, max: 0 };
    if (method === 'minmax' || !this.bins || this.top === 0) return { min: this.min, max: this.max };
    const t = method === 'percentile' ? percentileThreshold(this.bins, this.top, percentile) : entropyThreshold(this.bins, this.top);
    return { min: Math.max(this.min, -t), max: Math.min(this.max, t) };
  }
}

/** The |x| below which `p` percent of the histogram's count lies (the upper edge of that bin). */
export function percentileThreshold(bins: Float64Array, top: number, p: number): number {
  let total = 0;
  for (const c of bins) total += c;
  const want = (total * p) / 100;
  let cum = 0;
  for (let i = 0; i < bins.length; i++) {
    cum += bins[i];
    if (cum >= want) return ((i + 1) * top) / bins.length;
  }
  return top;
}

/** Quantized levels the entropy method compares against (int8 magnitudes). */
const LEVELS = 128;

/**
 * The clipping threshold whose quantization to LEVELS levels loses the least information: for each
 * candidate edge i, P is the histogram up to i with the outliers added to its last bin, Q is the
 * histogram up to i merged into LEVELS groups and spread back over the non-empty bins; the i
 * minimizing KL(P || Q) wins.
 */
export function entropyThreshold(bins: Float64Array, top: number): number {
  const n = bins.length;
  let best = n;
  let bestKl = Infinity;
  let outliers = 0;
  for (let k = LEVELS; k < n; k++) outliers += bins[k];
  // candidates from LEVELS to n bins in steps of 16: finer steps move the threshold by < 1%
  for (let i = LEVELS; i <= n; i += 16) {
    const p = bins.slice(0, i);
    p[i - 1] += outliers;
    const q = new Float64Array(i);
    const per = i / LEVELS;
    for (let j = 0; j < LEVELS; j++) {
      const start = Math.floor(j * per);
      const end = j === LEVELS - 1 ? i : Math.floor((j + 1) * per);
      let sum = 0;
      let nonzero = 0;
      // Q from the histogram without the outliers (TensorRT's construction): clipping costs
      // divergence in P's last bin, which is what makes a wide-enough threshold win
      for (let k = start; k < end; k++) {
        sum += bins[k];
        if (bins[k] > 0) nonzero++;
      }
      for (let k = start; k < end; k++) if (bins[k] > 0) q[k] = sum / nonzero;
    }
    const kl = klDivergence(p, q);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
    // the bins the next candidate takes inside are no longer outliers
    for (let k = i; k < Math.min(i + 16, n); k++) outliers -= bins[k];
  }
  return (best * top) / n;
}

/** KL(P || Q) of two unnormalized histograms (bins where P is 0 contribute nothing). */
function klDivergence(p: Float64Array, q: Float64Array): number {
  let sp = 0;
  let sq = 0;
  for (let k = 0; k < p.length; k++) {
    sp += p[k];
    sq += q[k];
  }
  if (sp === 0 || sq === 0) return Infinity;
  let kl = 0;
  for (let k = 0; k < p.length; k++) {
    if (p[k] === 0) continue;
    const a = p[k] / sp;
    // a bin Q leaves empty (only outliers landed there) counts as nearly impossible, not impossible
    const b = Math.max(q[k] / sq, 1e-12);
    kl += a * Math.log(a / b);
  }
  return kl;
}

/** Statistics of a set of tensors by name; values of other names, and non-float values, are ignored. */
export class StatsCollector {
  readonly stats = new Map<string, TensorStats>();

  constructor(names: Iterable<string>, histogram: boolean) {
    for (const n of names) this.stats.set(n, new TensorStats(histogram));
  }

  /** The evaluator's `observe` hook. */
  observe = (name: string, value: RtValue): void => {
    const s = this.stats.get(name);
    if (!s || value.kind !== 'tensor') return;
    const d = value.data;
    if (d instanceof Float32Array || d instanceof Float64Array) s.add(d);
  };

  /** The calibrated range of every tensor that was seen. */
  ranges(method: CalibrationMethod, percentile?: number): Map<string, Range> {
    const out = new Map<string, Range>();
    for (const [name, s] of this.stats) if (s.min <= s.max) out.set(name, s.range(method, percentile));
    return out;
  }
}
