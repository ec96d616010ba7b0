/**
 * A counter-based pseudo-random generator: every draw is a pure function of (key, index), so any
 * range of a huge tensor can be generated on its own, in any order, and always gives the same
 * numbers. This is what lets `lathe fill` describe a 3 GB weight as a lazy byte source instead of
 * holding it in memory.
 *
 * - `streamKey(seed, label)` hashes a seed (integer in [0, 2^53)) and a label (a tensor's sidecar
 *   key) into two 32-bit words. Keying by label, not by position, keeps a tensor's values stable
 *   when other tensors come or go.
 * - `bits32(key, i)` = two rounds of a 32-bit integer mixer ("lowbias32", Math.imul based) keyed
 *   by the words; for a fixed key and high word it is a bijection of the low word, so each 2^32
 *   block of indices is equidistributed. Not cryptographic; meant for test weights.
 * - Normals come from the inverse normal CDF (Acklam's rational approximation, relative error
 *   ~1e-9): one uniform per element, no pairing, and only + * / in the central 95 % of draws.
 *   The tails use Math.log, which V8 and SpiderMonkey compute with the same fdlibm algorithm.
 */

const TWO32 = 4294967296;
/** 2^-32: multiplying by it is exact, like dividing by 2^32, and faster. */
const INV32 = 1 / TWO32;

/** Two 32-bit key words (unsigned). */
export interface StreamKey {
  readonly k0: number;
  readonly k1: number;
}

/** Chris Wellons' "lowbias32" integer hash: a bijection on 32-bit words with good avalanche. */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** FNV-1a over UTF-16 code units, then mixed; `basis` selects one of two independent hashes. */
function hashLabel(label: string, basis: number): number {
  let h = basis >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
  return mix32(h);
}

/** Key of the stream for (`seed`, `label`). `seed` must be an integer in [0, 2^53). */
export function streamKey(seed: number, label: string): StreamKey {
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed must be an integer in [0, 2^53): ${seed}`);
  const lo = seed >>> 0;
  const hi = Math.floor(seed / TWO32) >>> 0;
  const k0 = mix32(mix32((lo + 0x243f6a88) >>> 0) ^ hashLabel(label, 0x811c9dc5));
  const k1 = mix32(mix32((hi + 0x85a308d3) >>> 0) ^ k0 ^ hashLabel(label, 0x9e3779b9));
  return { k0, k1 };
}

/** 32 random bits (unsigned) for element `index` (integer in [0, 2^53)) of the stream `key`. */
export function bits32(key: StreamKey, index: number): number {
  const lo = index >>> 0;
  const hi = Math.floor(index / TWO32) >>> 0;
  return mix32(mix32(lo ^ key.k0) ^ ((key.k1 + hi) >>> 0));
}

/** A uniform in the open interval (0, 1): (bits + 0.5) / 2^32. */
export function uniformAt(key: StreamKey, index: number): number {
  return (bits32(key, index) + 0.5) * INV32;
}

const A0 = -3.969683028665376e1, A1 = 2.209460984245205e2, A2 = -2.759285104469687e2;
const A3 = 1.38357751867269e2, A4 = -3.066479806614716e1, A5 = 2.506628277459239;
const B0 = -5.447609879822406e1, B1 = 1.615858368580409e2, B2 = -1.556989798598866e2;
const B3 = 6.680131188771972e1, B4 = -1.328068155288572e1;
const C0 = -7.784894002430293e-3, C1 = -3.223964580411365e-1, C2 = -2.400758277161838;
const C3 = -2.549732539343734, C4 = 4.374664141464968, C5 = 2.938163982698783;
const D0 = 7.784695709041462e-3, D1 = 3.224671290700398e-1, D2 = 2.445134137142996, D3 = 3.754408661907416;
const P_LOW = 0.02425;

/** The standard normal quantile of `p` in (0, 1) (Acklam's approximation). */
export function inverseNormalCdf(p: number): number {
  if (p < P_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((C0 * q + C1) * q + C2) * q + C3) * q + C4) * q + C5) / ((((D0 * q + D1) * q + D2) * q + D3) * q + 1);
  }
  if (p > 1 - P_LOW) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    return -(((((C0 * q + C1) * q + C2) * q + C3) * q + C4) * q + C5) / ((((D0 * q + D1) * q + D2) * q + D3) * q + 1);
  }
  const q = p - 0.5;
  const r = q * q;
  return ((((((A0 * r + A1) * r + A2) * r + A3) * r + A4) * r + A5) * q) / (((((B0 * r + B1) * r + B2) * r + B3) * r + B4) * r + 1);
}

/** A standard normal draw for element `index` of the stream `key`. */
export function normalAt(key: StreamKey, index: number): number {
  return inverseNormalCdf(uniformAt(key, index));
}

/**
 * Writes `count` draws of normal(mean, std) clipped to [min, max] for elements `start …
 * start+count-1` into `out[0 … count-1]`. Equals `min(max(mean + std * normalAt(key, start + j), min), max)`
 * element by element (the loop is that formula inlined, without allocation).
 */
export function fillClippedNormal(
  key: StreamKey,
  start: number,
  count: number,
  out: Float64Array,
  mean: number,
  std: number,
  min: number,
  max: number,
): void {
  // Int32 locals (`| 0`) keep the loop in small-integer arithmetic: a uint32 above 2^31 would be
  // a heap double, and converting it back on every XOR costs several times the hash itself.
  const k0 = key.k0 | 0;
  let lo = start | 0;
  let hi = Math.floor(start / TWO32);
  let khi = (key.k1 + hi) | 0;
  for (let j = 0; j < count; j++) {
    let x = lo ^ k0;
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d);
    x ^= x >>> 15;
    x = Math.imul(x, 0x846ca68b);
    x ^= x >>> 16;
    x ^= khi;
    x ^= x >>> 16;
    x = Math.imul(x, 0x7feb352d);
    x ^= x >>> 15;
    x = Math.imul(x, 0x846ca68b);
    x ^= x >>> 16;
    const p = ((x >>> 0) + 0.5) * INV32;
    let z: number;
    if (p < P_LOW || p > 1 - P_LOW) {
      z = inverseNormalCdf(p);
    } else {
      const q = p - 0.5;
      const r = q * q;
      z = ((((((A0 * r + A1) * r + A2) * r + A3) * r + A4) * r + A5) * q) / (((((B0 * r + B1) * r + B2) * r + B3) * r + B4) * r + 1);
    }
    // Math.min/max compile to branch-free instructions; a ternary mispredicts on random data.
    out[j] = Math.min(Math.max(mean + std * z, min), max);
    lo = (lo + 1) | 0;
    if (lo === 0) {
      hi++;
      khi = (key.k1 + hi) | 0;
    }
  }
}
