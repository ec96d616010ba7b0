/**
 * MatMul, Gemm, MatMulInteger, QLinearMatMul. Float products go through the packed GEMM core;
 * integer products use exact integer loops (int32 wraps like C, int64 through BigInt).
 */
import { DataType as D } from '../../dtype.js';
import { checkGemmC } from '../legacy-broadcast.js';
import type { KernelContext, NumericArray, OpDef, TensorValue } from '../types.js';
import { broadcastShape, isFloat, sizeOf, strides } from '../util.js';
import { checkSize, floatTensor, input, newTensor, opError, optInput, type FloatArray } from './common.js';
import { gemm } from './gemm-core.js';

/** Batch layout of a numpy-style matmul: per output batch, the offsets of A and B. */
export interface MatmulPlan {
  M: number; N: number; K: number;
  outDims: number[];
  batches: number;
  aOffs: Int32Array;
  bOffs: Int32Array;
}

export function planMatmul(ctx: KernelContext, aDims: readonly number[], bDims: readonly number[]): MatmulPlan {
  if (aDims.length === 0 || bDims.length === 0) throw opError(ctx, 'operands must have rank >= 1');
  const a = aDims.length === 1 ? [1, aDims[0]] : [...aDims];
  const b = bDims.length === 1 ? [bDims[0], 1] : [...bDims];
  const M = a[a.length - 2], K = a[a.length - 1];
  const K2 = b[b.length - 2], N = b[b.length - 1];
  if (K !== K2) throw opError(ctx, `inner dimensions differ: [${aDims}] × [${bDims}]`);
  const aB = a.slice(0, -2), bB = b.slice(0, -2);
  let batch: number[];
  try {
    batch = broadcastShape([aB, bB]);
  } catch {
    throw opError(ctx, `batch dimensions do not broadcast: [${aDims}] × [${bDims}]`);
  }
  const outDims = [...batch];
  if (aDims.length > 1) outDims.push(M);
  if (bDims.length > 1) outDims.push(N);
  checkSize(ctx, [...batch, M, N]);
  const batches = sizeOf(batch);
  const aOffs = new Int32Array(batches), bOffs = new Int32Array(batches);
  const aS = strides(aB), bS = strides(bB);
  const r = batch.length;
  for (let t = 0; t < batches; t++) {
    let rem = t, ao = 0, bo = 0;
    for (let d = r - 1; d >= 0; d--) {
      const idx = rem % batch[d];
      rem = Math.floor(rem / batch[d]);
      const da = d - (r - aB.length), db = d - (r - bB.length);
      if (da >= 0 && aB[da] !== 1) ao += idx * aS[da];
      if (db >= 0 && bB[db] !== 1) bo += idx * bS[db];
    }
    aOffs[t] = ao * M * K;
    bOffs[t] = bo * K * N;
  }
  return { M, N, K, outDims, batches, aOffs, bOffs };
}

/** Integer matmul of one batch with zero points, into an Int32/BigInt/number accumulator. */
function intMatmul(
  p: MatmulPlan, a: NumericArray, b: NumericArray, out: NumericArray,
  aZero: (i: number) => number = () => 0, bZero: (j: number) => number = () => 0,
): void {
  const { M, N, K } = p;
  const acc = new Float64Array(N);
  for (let t = 0; t < p.batches; t++) {
    const ao = p.aOffs[t], bo = p.bOffs[t], oo = t * M * N;
    for (let i = 0; i < M; i++) {
      acc.fill(0);
      const za = aZero(i);
      for (let k = 0; k < K; k++) {
        const av = Number(a[ao + i * K + k]) - za;
        const row = bo + k * N;
        for (let j = 0; j < N; j++) acc[j] += av * (Number(b[row + j]) - bZero(j));
      }
      for (let j = 0; j < N; j++) out[oo + i * N + j] = acc[j];
    }
  }
}

function matmulTensors(ctx: KernelContext, A: TensorValue, B: TensorValue): TensorValue {
  if (A.dtype !== B.dtype) throw opError(ctx, 'operands must have the same dtype');
  const p = planMatmul(ctx, A.dims, B.dims);
  const { M, N, K } = p;
  if (isFloat(A.dtype)) {
    const out = floatTensor(A.dtype, p.outDims);
    const ad = A.data as FloatArray, bd = B.data as FloatArray;
    // one shared B and a contiguous A: fold the batches into the rows (one large product)
    let fold = p.batches > 1;
    for (let t = 0; fold && t < p.batches; t++) fold = p.bOffs[t] === p.bOffs[0] && p.aOffs[t] === t * M * K;
    if (fold) {
      gemm(p.batches * M, N, K, { data: ad, off: 0, rs: K, cs: 1 }, { data: bd, off: p.bOffs[0], rs: N, cs: 1 }, out.data, 0, N, false);
      return out;
    }
    for (let t = 0; t < p.batches; t++) {
      gemm(M, N, K, { data: ad, off: p.aOffs[t], rs: K, cs: 1 }, { data: bd, off: p.bOffs[t], rs: N, cs: 1 }, out.data, t * M * N, N, false);
    }
    return out;
  }
  const out = newTensor(A.dtype, p.outDims);
  const ad = A.data as NumericArray, bd = B.data as NumericArray;
  if (A.dtype === D.INT64 || A.dtype === D.UINT64) {
    const o = out.data as BigInt64Array | BigUint64Array;
    const a = ad as BigInt64Array, b = bd as BigInt64Array;
    for (let t = 0; t < p.batches; t++) {
      const ao = p.aOffs[t], bo = p.bOffs[t], oo = t * M * N;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0n;
          for (let k = 0; k < K; k++) s += a[ao + i * K + k] * b[bo + k * N + j];
          o[oo + i * N + j] = s;
        }
      }
    }
    return out;
  }
  if (A.dtype === D.INT32 || A.dtype === D.UINT32) {
    const o = out.data as Int32Array;
    const a = ad as Int32Array, b = bd as Int32Array;
    for (let t = 0; t < p.batches; t++) {
      const ao = p.aOffs[t], bo = p.bOffs[t], oo = t * M * N;
      for (let i = 0; i < M; i++) {
        for (let k = 0; k < K; k++) {
          const av = a[ao + i * K + k];
          const row = bo + k * N, orow = oo + i * N;
          for (let j = 0; j < N; j++) o[orow + j] = (o[orow + j] + Math.imul(av, b[row + j])) | 0;
        }
      }
    }
    return out;
  }
  intMatmul(p, ad, bd, out.data);
  return out;
}

const matMul: OpDef = {
  domain: '', name: 'MatMul', since: [1, 9, 13],
  kernel(ins, ctx) {
    return [matmulTensors(ctx, input(ins, 0, ctx, 'A'), input(ins, 1, ctx, 'B'))];
  },
};

const gemmOp: OpDef = {
  domain: '', name: 'Gemm', since: [1, 6, 7, 9, 11, 13],
  kernel(ins, ctx) {
    const A = input(ins, 0, ctx, 'A'), B = input(ins, 1, ctx, 'B');
    const C = optInput(ins, 2, ctx, 'C');
    const transA = ctx.attrs.int('transA', 0) !== 0, transB = ctx.attrs.int('transB', 0) !== 0;
    const alpha = ctx.attrs.float('alpha', 1), beta = ctx.attrs.float('beta', 1);
    if (A.dims.length !== 2 || B.dims.length !== 2) throw opError(ctx, 'A and B must be 2-D');
    const M = transA ? A.dims[1] : A.dims[0], K = transA ? A.dims[0] : A.dims[1];
    const K2 = transB ? B.dims[1] : B.dims[0], N = transB ? B.dims[0] : B.dims[1];
    if (K !== K2) throw opError(ctx, `inner dimensions differ: A [${A.dims}] B [${B.dims}]`);
    checkSize(ctx, [M, N]);
    if (C) {
      try {
        checkGemmC(ctx.attrs, ctx.opset, M, N, C.dims);
      } catch (e) {
        throw opError(ctx, (e as Error).message);
      }
    }
    const out = newTensor(A.dtype, [M, N]);
    const o = out.data;
    if (isFloat(A.dtype)) {
      const od = o as FloatArray;
      gemm(M, N, K,
        { data: A.data as FloatArray, off: 0, rs: transA ? 1 : K, cs: transA ? M : 1 },
        { data: B.data as FloatArray, off: 0, rs: transB ? 1 : N, cs: transB ? K : 1 },
        od, 0, N, false);
      if (alpha !== 1) for (let i = 0; i < od.length; i++) od[i] *= alpha;
    } else {
      const ad = A.data as NumericArray, bd = B.data as NumericArray;
      const big = A.dtype === D.INT64 || A.dtype === D.UINT64;
      for (let i = 0; i < M; i++) {
        for (let j = 0; j < N; j++) {
          let s = 0;
          let sb = 0n;
          for (let k = 0; k < K; k++) {
            const ai = transA ? k * M + i : i * K + k, bi = transB ? j * K + k : k * N + j;
            if (big) sb += (ad[ai] as bigint) * (bd[bi] as bigint);
            else s += (ad[ai] as number) * (bd[bi] as number);
          }
          if (big) o[i * N + j] = sb * BigInt(Math.trunc(alpha)) as never;
          else o[i * N + j] = s * alpha;
        }
      }
    }
    if (C && beta !== 0) {
      if (C.dims.length > 2) throw opError(ctx, 'C must have rank <= 2');
      const cd = C.dims.length === 2 ? C.dims : C.dims.length === 1 ? [1, C.dims[0]] : [1, 1];
      if ((cd[0] !== 1 && cd[0] !== M) || (cd[1] !== 1 && cd[1] !== N)) throw opError(ctx, `C [${C.dims}] does not broadcast to [${M}, ${N}]`);
      const cdat = C.data as NumericArray;
      const rs = cd[0] === 1 ? 0 : cd[1], cs = cd[1] === 1 ? 0 : 1;
      if (o instanceof BigInt64Array || o instanceof BigUint64Array) {
        const bb = BigInt(Math.trunc(beta));
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) o[i * N + j] += (cdat[i * rs + j * cs] as bigint) * bb;
      } else {
        for (let i = 0; i < M; i++) for (let j = 0; j < N; j++) o[i * N + j] += beta * (cdat[i * rs + j * cs] as number);
      }
    }
    return [out];
  },
};

/** Zero point accessor: scalar (per tensor) or a 1-D vector along rows/cols. */
function zeroPoint(ctx: KernelContext, z: TensorValue | null, what: string): { scalar: boolean; data: number[] } {
  if (!z) return { scalar: true, data: [0] };
  const d = Array.from(z.data as ArrayLike<number | bigint>, Number);
  if (d.length === 0) throw opError(ctx, `${what} is empty`);
  return { scalar: d.length === 1, data: d };
}

const matMulInteger: OpDef = {
  domain: '', name: 'MatMulInteger', since: [10],
  kernel(ins, ctx) {
    const A = input(ins, 0, ctx, 'A'), B = input(ins, 1, ctx, 'B');
    const az = zeroPoint(ctx, optInput(ins, 2, ctx, 'a_zero_point'), 'a_zero_point');
    const bz = zeroPoint(ctx, optInput(ins, 3, ctx, 'b_zero_point'), 'b_zero_point');
    const p = planMatmul(ctx, A.dims, B.dims);
    const out = newTensor(D.INT32, p.outDims);
    intMatmul(p, A.data as NumericArray, B.data as NumericArray, out.data,
      az.scalar ? () => az.data[0] : (i) => az.data[i], bz.scalar ? () => bz.data[0] : (j) => bz.data[j]);
    return [out];
  },
};

/** Round half to even, then saturate into [lo, hi]. */
export function saturateRound(x: number, lo: number, hi: number): number {
  let r = Math.round(x);
  if (Math.abs(x % 1) === 0.5) r = 2 * Math.round(x / 2);
  return r < lo ? lo : r > hi ? hi : r;
}

export function intRange(dtype: number): [number, number] {
  switch (dtype) {
    case D.UINT8: return [0, 255];
    case D.INT8: return [-128, 127];
    case D.UINT16: return [0, 65535];
    case D.INT16: return [-32768, 32767];
    case D.INT32: return [-2147483648, 2147483647];
    case D.UINT32: return [0, 4294967295];
    case D.UINT4: return [0, 15];
    case D.INT4: return [-8, 7];
    case D.UINT2: return [0, 3];
    case D.INT2: return [-2, 1];
    default: return [-Infinity, Infinity];
  }
}

const qLinearMatMul: OpDef = {
  domain: '', name: 'QLinearMatMul', since: [10, 21],
  kernel(ins, ctx) {
    const A = input(ins, 0, ctx, 'a'), as = input(ins, 1, ctx, 'a_scale'), az = optInput(ins, 2, ctx, 'a_zero_point');
    const B = input(ins, 3, ctx, 'b'), bs = input(ins, 4, ctx, 'b_scale'), bz = optInput(ins, 5, ctx, 'b_zero_point');
    const ys = input(ins, 6, ctx, 'y_scale'), yz = optInput(ins, 7, ctx, 'y_zero_point');
    const p = planMatmul(ctx, A.dims, B.dims);
    const acc = new Float64Array(sizeOf(p.outDims));
    const azp = zeroPoint(ctx, az, 'a_zero_point'), bzp = zeroPoint(ctx, bz, 'b_zero_point');
    intMatmul(p, A.data as NumericArray, B.data as NumericArray, acc,
      azp.scalar ? () => azp.data[0] : (i) => azp.data[i], bzp.scalar ? () => bzp.data[0] : (j) => bzp.data[j]);
    const asv = Array.from(as.data as ArrayLike<number>), bsv = Array.from(bs.data as ArrayLike<number>);
    const ysv = Number((ys.data as ArrayLike<number>)[0]);
    const yzv = yz ? Number((yz.data as ArrayLike<number>)[0]) : 0;
    const outType = yz ? yz.dtype : A.dtype;
    const out = newTensor(outType, p.outDims);
    const [lo, hi] = intRange(outType);
    const { M, N } = p;
    for (let idx = 0; idx < acc.length; idx++) {
      const i = Math.floor(idx / N) % M, j = idx % N;
      const scale = (asv.length === 1 ? asv[0] : asv[i]) * (bsv.length === 1 ? bsv[0] : bsv[j]);
      // float32 arithmetic like the reference: scale product then division by y_scale
      const real = Math.fround(Math.fround(acc[idx] * Math.fround(scale)) / ysv);
      out.data[idx] = saturateRound(real + yzv, lo, hi);
    }
    return [out];
  },
};

export const ops: readonly OpDef[] = [matMul, gemmOp, matMulInteger, qLinearMatMul];

/** Exposed for Conv-like kernels and tests. */
export { matmulTensors };
