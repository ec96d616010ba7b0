import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import { gemm, setWasmGemm } from './gemm-core.js';
import { wasmGemm } from './wasm-gemm.js';
import { f32, maxAbsDiff, randF32, runT } from './test-util.js';

/** Reference numpy-style matmul on flat arrays (doubles). */
function naiveMatmul(a: Float32Array, ad: number[], b: Float32Array, bd: number[]): { data: number[]; dims: number[] } {
  const A = ad.length === 1 ? [1, ad[0]] : ad, B = bd.length === 1 ? [bd[0], 1] : bd;
  const M = A[A.length - 2], K = A[A.length - 1], N = B[B.length - 1];
  const ab = A.slice(0, -2), bb = B.slice(0, -2);
  const r = Math.max(ab.length, bb.length);
  const pa = [...Array(r - ab.length).fill(1), ...ab], pb = [...Array(r - bb.length).fill(1), ...bb];
  const batch = pa.map((x, i) => Math.max(x, pb[i]));
  const nb = batch.reduce((x, y) => x * y, 1);
  const out: number[] = [];
  for (let t = 0; t < nb; t++) {
    let rem = t, ao = 0, bo = 0, sa = 1, sb = 1;
    for (let d = r - 1; d >= 0; d--) {
      const idx = rem % batch[d];
      rem = Math.floor(rem / batch[d]);
      ao += (pa[d] === 1 ? 0 : idx) * sa;
      bo += (pb[d] === 1 ? 0 : idx) * sb;
      sa *= pa[d];
      sb *= pb[d];
    }
    for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[ao * M * K + i * K + k] * b[bo * K * N + k * N + j];
      out.push(s);
    }
  }
  const dims = [...batch];
  if (ad.length > 1) dims.push(M);
  if (bd.length > 1) dims.push(N);
  return { data: out, dims };
}

describe('gemm core', () => {
  it.each([true, false])('matches a naive product for odd sizes, strides and accumulation (wasm %s)', (wasm) => {
    setWasmGemm(wasm);
    try {
    fc.assert(fc.property(fc.integer({ min: 1, max: 37 }), fc.integer({ min: 1, max: 37 }), fc.integer({ min: 0, max: 300 }), fc.boolean(), fc.boolean(), (M, N, K, tA, acc) => {
      const A = randF32([M * K], M + 3 * N), B = randF32([K * N], K + 7).data as Float32Array;
      const C = new Float32Array(M * N).fill(acc ? 1 : 5);
      const a = A.data as Float32Array;
      gemm(M, N, K, { data: a, off: 0, rs: tA ? 1 : K, cs: tA ? M : 1 }, { data: B, off: 0, rs: N, cs: 1 }, C, 0, N, acc);
      for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) {
        let s = acc ? 1 : 0;
        for (let k = 0; k < K; k++) s += a[tA ? k * M + i : i * K + k] * B[k * N + j];
        expect(Math.abs(C[i * N + j] - s)).toBeLessThan(1e-4 * (1 + Math.abs(s)) + 1e-5 * K);
      }
    }), { seed: 42, numRuns: 60 });
    } finally {
      setWasmGemm(true);
    }
  });
});

describe('wasm SIMD kernel', () => {
  it('is available on Node 20 and agrees with the JS kernel across block edges', () => {
    expect(wasmGemm()).not.toBeNull();
    for (const [M, N, K, tA, acc] of [[67, 530, 300, false, false], [5, 9, 1000, true, true], [130, 17, 257, false, true]] as const) {
      const A = randF32([M * K], M).data as Float32Array, B = randF32([K * N], N).data as Float32Array;
      const a = { data: A, off: 0, rs: tA ? 1 : K, cs: tA ? M : 1 }, b = { data: B, off: 0, rs: N, cs: 1 };
      const Cw = new Float32Array(M * N).fill(0.5), Cj = new Float32Array(M * N).fill(0.5);
      gemm(M, N, K, a, b, Cw, 0, N, acc);
      setWasmGemm(false);
      try { gemm(M, N, K, a, b, Cj, 0, N, acc); } finally { setWasmGemm(true); }
      expect(maxAbsDiff(Cw, Cj)).toBeLessThan(1e-3);
      expect(Cw[M * N - 1]).not.toBe(0.5);
    }
  });
});

describe('MatMul', () => {
  it('broadcasts batches and handles 1-D operands like numpy', () => {
    const shapes = fc.tuple(
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 }),
      fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 2 }),
      fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 9 }),
      fc.integer({ min: 0, max: 3 }),
    );
    fc.assert(fc.property(shapes, ([ba, bb, M, K, N, oneD]) => {
      // make batch dims broadcast-compatible: where both exist and differ, set one to 1
      const r = Math.min(ba.length, bb.length);
      for (let i = 1; i <= r; i++) if (ba[ba.length - i] !== bb[bb.length - i]) bb[bb.length - i] = 1;
      const ad = oneD & 1 ? [K] : [...ba, M, K], bd = oneD & 2 ? [K] : [...bb, K, N];
      const A = randF32(ad, 11), B = randF32(bd, 13);
      const y = runT('MatMul', [A, B]);
      const want = naiveMatmul(A.data as Float32Array, ad, B.data as Float32Array, bd);
      expect(y.dims).toEqual(want.dims);
      expect(maxAbsDiff(y.data as Float32Array, want.data)).toBeLessThan(1e-5);
    }), { seed: 42, numRuns: 150 });
  });

  it('multiplies int32 with wrap-around and int64 exactly', () => {
    const a = { kind: 'tensor' as const, dtype: D.INT32, dims: [1, 2], data: Int32Array.from([2 ** 30, 3]) };
    const b = { kind: 'tensor' as const, dtype: D.INT32, dims: [2, 1], data: Int32Array.from([4, 5]) };
    expect(Array.from(runT('MatMul', [a, b]).data as Int32Array)).toEqual([(2 ** 32 + 15) | 0]);
    const c = { kind: 'tensor' as const, dtype: D.INT64, dims: [1, 2], data: BigInt64Array.from([2n ** 40n, 1n]) };
    const d = { kind: 'tensor' as const, dtype: D.INT64, dims: [2, 1], data: BigInt64Array.from([2n ** 20n, 7n]) };
    expect(Array.from(runT('MatMul', [c, d]).data as BigInt64Array)).toEqual([2n ** 60n + 7n]);
  });

  it('rejects mismatched inner dimensions with a LatheError naming the op', () => {
    expect(() => runT('MatMul', [f32([2, 3]), f32([4, 2])])).toThrow(LatheError);
    expect(() => runT('MatMul', [f32([2, 3]), f32([4, 2])])).toThrow(/MatMul/);
  });
});

describe('Gemm', () => {
  it('applies transA/transB, alpha, beta and broadcasts C', () => {
    const A = f32([3, 2], [1, 2, 3, 4, 5, 6]); // transposed: 2×3
    const B = f32([4, 3], [1, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 1]); // transposed: 3×4
    const C = f32([4], [1, 2, 3, 4]);
    const y = runT('Gemm', [A, B, C], { transA: 1n, transB: 1n, alpha: 2, beta: 0.5 });
    expect(y.dims).toEqual([2, 4]);
    // Aᵀ = [[1,3,5],[2,4,6]]; Aᵀ·Bᵀ = [[1,3,5,9],[2,4,6,12]]
    expect(Array.from(y.data as Float32Array)).toEqual([2.5, 7, 11.5, 20, 4.5, 9, 13.5, 26]);
  });

  it('rejects a C that does not broadcast', () => {
    expect(() => runT('Gemm', [f32([2, 2]), f32([2, 2]), f32([3])])).toThrow(LatheError);
  });
});
