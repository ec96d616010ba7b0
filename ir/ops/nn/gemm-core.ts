/**
 * The float matrix-multiply core shared by MatMul, Gemm, Conv and friends: a packed, blocked
 * GEMM (GotoBLAS loop order) with a 4×4 register micro-kernel. Partial sums over a K block live
 * in registers (doubles); each block's result is added into the float32 (or float64) output,
 * so accumulation is float32-rounded per block, close to what ORT's MLAS does.
 */
import type { FloatArray } from './common.js';
import { wasmGemm, type WasmGemm } from './wasm-gemm.js';

const MR = 4;
const NR = 4;
const KC = 256;
const MC = 64;
const NC = 1024;

/** A strided matrix operand: element (r, c) is at data[off + r·rs + c·cs]. */
export interface MatView {
  readonly data: FloatArray;
  readonly off: number;
  readonly rs: number;
  readonly cs: number;
}

/** Below this many multiply-adds the JS kernel wins (no packing into wasm memory). */
const WASM_MIN_WORK = 4096;
const W_MC = 64, W_NC = 512, W_ROWS = 4096;
let useWasm = true;

/** Test hook: force the plain-JS kernel (false) or allow the wasm one (true). */
export function setWasmGemm(enabled: boolean): void {
  useWasm = enabled;
}

/**
 * The wasm path: per column slab (W_NC wide) a zeroed C slab in wasm memory; per K block the
 * packed B panels (8 columns) and, per row block, the packed A panels (4 rows); the kernel adds
 * into the slab, which is finally written (or added) into C.
 */
function wasmPath(w: WasmGemm, M: number, N: number, K: number, A: MatView, B: MatView, C: Float32Array, cOff: number, ldc: number, accumulate: boolean): void {
  const mPad = (M + 3) & ~3;
  const aBytes = W_MC * KC * 4, bBytes = KC * W_NC * 4;
  const need = aBytes + bBytes + mPad * W_NC * 4;
  if (w.memory.buffer.byteLength < need) w.memory.grow(Math.ceil((need - w.memory.buffer.byteLength) / 65536));
  const heap = new Float32Array(w.memory.buffer);
  const aF = 0, bF = aBytes / 4, cF = (aBytes + bBytes) / 4;
  const ad = A.data, bd = B.data;
  for (let jc = 0; jc < N; jc += W_NC) {
    const nc = Math.min(W_NC, N - jc), ncPad = (nc + 7) & ~7;
    heap.fill(0, cF, cF + mPad * ncPad);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      // B panels: 8 columns, k-major, zero-padded
      let q = bF;
      for (let jr = 0; jr < ncPad; jr += 8) {
        for (let k = 0; k < kc; k++) {
          const row = B.off + (pc + k) * B.rs + (jc + jr) * B.cs;
          for (let jj = 0; jj < 8; jj++) heap[q++] = jr + jj < nc ? bd[row + jj * B.cs] : 0;
        }
      }
      for (let ic = 0; ic < M; ic += W_MC) {
        const mc = Math.min(W_MC, M - ic), mcPad = (mc + 3) & ~3;
        let p = aF;
        for (let ir = 0; ir < mcPad; ir += 4) {
          for (let k = 0; k < kc; k++) {
            for (let ii = 0; ii < 4; ii++) {
              const r = ic + ir + ii;
              heap[p++] = ir + ii < mc ? ad[A.off + r * A.rs + (pc + k) * A.cs] : 0;
            }
          }
        }
        w.block(mcPad, ncPad, kc, aF * 4, bF * 4, (cF + ic * ncPad) * 4, ncPad);
      }
    }
    for (let i = 0; i < M; i++) {
      const src = cF + i * ncPad, dst = cOff + i * ldc + jc;
      if (accumulate) for (let j = 0; j < nc; j++) C[dst + j] += heap[src + j];
      else for (let j = 0; j < nc; j++) C[dst + j] = heap[src + j];
    }
  }
}

let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);

/**
 * C[cOff + i·ldc + j] = (accumulate ? C : 0) + Σ_k A(i,k)·B(k,j) for i < M, j < N.
 * Reuses module-level pack buffers (kernels run synchronously, never re-entrantly).
 */
export function gemm(
  M: number, N: number, K: number,
  A: MatView, B: MatView,
  C: FloatArray, cOff: number, ldc: number,
  accumulate: boolean,
): void {
  if (M === 0 || N === 0) return;
  if (K === 0) {
    if (!accumulate) for (let i = 0; i < M; i++) C.fill(0, cOff + i * ldc, cOff + i * ldc + N);
    return;
  }
  if (M <= 2 || N <= 2) {
    smallGemm(M, N, K, A, B, C, cOff, ldc, accumulate);
    return;
  }
  if (C instanceof Float32Array && M * N * K >= WASM_MIN_WORK && useWasm) {
    const w = wasmGemm();
    if (w) {
      for (let i0 = 0; i0 < M; i0 += W_ROWS) {
        const m = Math.min(W_ROWS, M - i0);
        wasmPath(w, m, N, K, { ...A, off: A.off + i0 * A.rs }, B, C, cOff + i0 * ldc, ldc, accumulate);
      }
      return;
    }
  }
  if (packB.length < KC * NC) packB = new Float64Array(KC * NC);
  if (packA.length < MC * KC) packA = new Float64Array(MC * KC);
  const pa = packA;
  const pb = packB;
  for (let jc = 0; jc < N; jc += NC) {
    const nc = Math.min(NC, N - jc);
    for (let pc = 0; pc < K; pc += KC) {
      const kc = Math.min(KC, K - pc);
      packPanelsB(B, pc, kc, jc, nc, pb);
      const add = accumulate || pc > 0;
      for (let ic = 0; ic < M; ic += MC) {
        const mc = Math.min(MC, M - ic);
        packPanelsA(A, ic, mc, pc, kc, pa);
        for (let jr = 0; jr < nc; jr += NR) {
          const nr = Math.min(NR, nc - jr);
          const bBase = (jr / NR) * kc * NR;
          for (let ir = 0; ir < mc; ir += MR) {
            const mr = Math.min(MR, mc - ir);
            const aBase = (ir / MR) * kc * MR;
            micro(kc, pa, aBase, pb, bBase, C, cOff + (ic + ir) * ldc + jc + jr, ldc, mr, nr, add);
          }
        }
      }
    }
  }
}

/** Packs rows [i0, i0+mc) × cols [k0, k0+kc) of A into MR-row panels, k-major inside a panel. */
function packPanelsA(A: MatView, i0: number, mc: number, k0: number, kc: number, out: Float64Array): void {
  const { data, off, rs, cs } = A;
  let p = 0;
  for (let ir = 0; ir < mc; ir += MR) {
    const mr = Math.min(MR, mc - ir);
    for (let ii = 0; ii < MR; ii++) {
      if (ii < mr) {
        let src = off + (i0 + ir + ii) * rs + k0 * cs;
        let dst = p + ii;
        for (let k = 0; k < kc; k++, src += cs, dst += MR) out[dst] = data[src];
      } else {
        for (let k = 0, dst = p + ii; k < kc; k++, dst += MR) out[dst] = 0;
      }
    }
    p += kc * MR;
  }
}

/** Packs rows [k0, k0+kc) × cols [j0, j0+nc) of B into NR-column panels. */
function packPanelsB(B: MatView, k0: number, kc: number, j0: number, nc: number, out: Float64Array): void {
  const { data, off, rs, cs } = B;
  let p = 0;
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = Math.min(NR, nc - jr);
    if (nr === NR && cs === 1) {
      let src = off + k0 * rs + j0 + jr;
      for (let k = 0; k < kc; k++, src += rs, p += NR) {
        out[p] = data[src];
        out[p + 1] = data[src + 1];
        out[p + 2] = data[src + 2];
        out[p + 3] = data[src + 3];
      }
      continue;
    }
    for (let k = 0; k < kc; k++, p += NR) {
      const row = off + (k0 + k) * rs + (j0 + jr) * cs;
      for (let jj = 0; jj < NR; jj++) out[p + jj] = jj < nr ? data[row + jj * cs] : 0;
    }
  }
}

function micro(
  kc: number, pa: Float64Array, a: number, pb: Float64Array, b: number,
  C: FloatArray, c: number, ldc: number, mr: number, nr: number, add: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let k = 0; k < kc; k++, a += 4, b += 4) {
    const a0 = pa[a], a1 = pa[a + 1], a2 = pa[a + 2], a3 = pa[a + 3];
    const b0 = pb[b], b1 = pb[b + 1], b2 = pb[b + 2], b3 = pb[b + 3];
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
  }
  if (mr === 4 && nr === 4) {
    if (add) {
      C[c] += c00; C[c + 1] += c01; C[c + 2] += c02; C[c + 3] += c03; c += ldc;
      C[c] += c10; C[c + 1] += c11; C[c + 2] += c12; C[c + 3] += c13; c += ldc;
      C[c] += c20; C[c + 1] += c21; C[c + 2] += c22; C[c + 3] += c23; c += ldc;
      C[c] += c30; C[c + 1] += c31; C[c + 2] += c32; C[c + 3] += c33;
    } else {
      C[c] = c00; C[c + 1] = c01; C[c + 2] = c02; C[c + 3] = c03; c += ldc;
      C[c] = c10; C[c + 1] = c11; C[c + 2] = c12; C[c + 3] = c13; c += ldc;
      C[c] = c20; C[c + 1] = c21; C[c + 2] = c22; C[c + 3] = c23; c += ldc;
      C[c] = c30; C[c + 1] = c31; C[c + 2] = c32; C[c + 3] = c33;
    }
    return;
  }
  const acc = [c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33];
  for (let i = 0; i < mr; i++) {
    for (let j = 0; j < nr; j++) {
      const o = c + i * ldc + j;
      C[o] = add ? C[o] + acc[i * 4 + j] : acc[i * 4 + j];
    }
  }
}

/** Thin shapes (vectors): a plain loop, no packing. */
function smallGemm(
  M: number, N: number, K: number, A: MatView, B: MatView,
  C: FloatArray, cOff: number, ldc: number, accumulate: boolean,
): void {
  const ad = A.data, bd = B.data;
  for (let i = 0; i < M; i++) {
    const rowC = cOff + i * ldc;
    if (!accumulate) C.fill(0, rowC, rowC + N);
    for (let k = 0; k < K; k++) {
      const av = ad[A.off + i * A.rs + k * A.cs];
      let bi = B.off + k * B.rs;
      for (let j = 0; j < N; j++, bi += B.cs) C[rowC + j] += av * bd[bi];
    }
  }
}
