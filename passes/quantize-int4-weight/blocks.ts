/**
 * Blockwise 4-bit quantization of a K×N weight (row-major, the B of MatMul), blocks of `block`
 * consecutive rows along K in each column: round to nearest with one scale (and, asymmetric, one
 * zero point) per block. Every element comes back within one step (the block's scale) of its
 * value: half a step from rounding, none from clipping (the block's whole range is covered).
 *
 * Codes are unsigned 0…15 with value (code − zero) × scale; symmetric blocks use zero = 8, so
 * that their codes minus 8 are the int4 values −8…7.
 */

/** The quantized weight, per column and block (index `n * blocks + b`). */
export interface Int4Blocks {
  readonly K: number;
  readonly N: number;
  readonly block: number;
  /** ceil(K / block). */
  readonly blocks: number;
  /** Codes 0…15, row-major K×N like the weight. */
  readonly codes: Uint8Array;
  /** Scale of each (column, block), index n * blocks + b. */
  readonly scales: Float32Array;
  /** Zero point 0…15 of each (column, block), index n * blocks + b (8 when symmetric). */
  readonly zeros: Uint8Array;
}

/**
 * Quantizes `w` (K×N row-major float values). Symmetric: codes clamped to 0…15 around zero 8;
 * when the most negative value is the larger in magnitude (ties included) scale = max|w| / 8, so
 * −8 × scale reaches it and the positive side clamps at 7 × scale, within one step; a positive
 * peak gets scale = max / 7 and fits without clamping. Asymmetric:
 * scale = (max − min) / 15 over the block's own range, zero = round(−min / scale) clamped to 0…15.
 */
export function quantizeInt4Blocks(w: ArrayLike<number>, K: number, N: number, block: number, symmetric: boolean): Int4Blocks {
  const blocks = Math.ceil(K / block);
  const codes = new Uint8Array(K * N);
  const scales = new Float32Array(N * blocks);
  const zeros = new Uint8Array(N * blocks);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      const k0 = b * block;
      const k1 = Math.min(K, k0 + block);
      let lo = Infinity;
      let hi = -Infinity;
      for (let k = k0; k < k1; k++) {
        const x = w[k * N + n];
        if (x < lo) lo = x;
        if (x > hi) hi = x;
      }
      let scale: number;
      let zero: number;
      if (symmetric) {
        // The sign with the larger magnitude gets the −8 side (one more level than +7).
        const peak = Math.abs(lo) >= Math.abs(hi) ? lo : hi;
        scale = Math.fround(Math.abs(peak) / 8);
        zero = 8;
        if (peak > 0) scale = Math.fround(Math.max(scale, hi / 7));
      } else {
        lo = Math.min(lo, 0);
        hi = Math.max(hi, 0);
        scale = Math.fround((hi - lo) / 15);
        zero = scale === 0 ? 0 : Math.min(15, Math.max(0, Math.round(-lo / scale)));
      }
      scales[n * blocks + b] = scale;
      zeros[n * blocks + b] = zero;
      const inv = scale === 0 ? 0 : 1 / scale;
      for (let k = k0; k < k1; k++) {
        const q = Math.round(w[k * N + n] * inv) + zero;
        codes[k * N + n] = q < 0 ? 0 : q > 15 ? 15 : q;
      }
    }
  }
  return { K, N, block, blocks, codes, scales, zeros };
}

/** The weight `q` stands for, K×N row-major (what DequantizeLinear or MatMulNBits computes). */
export function dequantizeInt4Blocks(q: Int4Blocks): Float32Array {
  const out = new Float32Array(q.K * q.N);
  for (let k = 0; k < q.K; k++) {
    const b = Math.floor(k / q.block);
    for (let n = 0; n < q.N; n++) {
      const i = n * q.blocks + b;
      out[k * q.N + n] = (q.codes[k * q.N + n] - q.zeros[i]) * q.scales[i];
    }
  }
  return out;
}
