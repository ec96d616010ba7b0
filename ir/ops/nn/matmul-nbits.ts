/**
 * com.microsoft MatMulNBits (onnxruntime's contrib op, which `lathe quantize --mode int4-weight
 * --format msft` writes): Y = A × dequantize(B)ᵀ (+ bias), B holding N rows of K codes of `bits`
 * bits (2, 4 or 8) in blocks of `block_size` along K, packed low bits first:
 *   B            uint8 [N, blocks, block_size·bits/8]
 *   scales       [N·blocks] (or [N, blocks]), A's type
 *   zero_points  uint8 packed the same way over the blocks of a row, [N·ceil(blocks·bits/8)]
 *                (default 2^(bits-1)); or unpacked in A's type, [N·blocks]
 *   g_idx        (deprecated act-order) refused; bias [N] added.
 * Element k of row n: (code − zero_point) × scale of its block. Codes past K (a last block
 * padded to block_size) are ignored. The weight is dequantized to float32 once, then multiplied
 * through the packed GEMM core.
 */
import { DataType as D } from '../../dtype.js';
import type { KernelContext, OpDef, RtValue, TensorValue } from '../types.js';
import { floatInput, floatTensor, input, opError, optFloatInput, optInput, type FloatArray } from './common.js';
import { gemm } from './gemm-core.js';

/** Code `i` of a run of `bits`-bit codes packed low bits first in `bytes` from `offset`. */
function code(bytes: ArrayLike<number>, offset: number, i: number, bits: number): number {
  const per = 8 / bits;
  const byte = bytes[offset + Math.floor(i / per)];
  return (byte >> ((i % per) * bits)) & ((1 << bits) - 1);
}

function attrInt(ctx: KernelContext, name: string, dflt?: number): number {
  const v = ctx.attrs.int(name, dflt ?? Number.NaN);
  if (!Number.isSafeInteger(v)) throw opError(ctx, `attribute ${name} is required`);
  return v;
}

/** The float32 [N, K] weight the node's B, scales and zero points stand for. */
function dequantized(ins: readonly (RtValue | null)[], ctx: KernelContext, K: number, N: number, bits: number, block: number): Float32Array {
  const B = input(ins, 1, ctx, 'B');
  const scales = floatInput(ins, 2, ctx, 'scales');
  const zp = optInput(ins, 3, ctx, 'zero_points');
  const blocks = Math.ceil(K / block);
  const blob = (block * bits) / 8;
  if (B.dims.length !== 3 || B.dims[0] !== N || B.dims[1] !== blocks || B.dims[2] !== blob) {
    throw opError(ctx, `B is [${B.dims}], expected [${N}, ${blocks}, ${blob}] for K=${K}, N=${N}, bits=${bits}, block_size=${block}`);
  }
  if (scales.data.length !== N * blocks) throw opError(ctx, `scales has ${scales.data.length} elements, expected ${N * blocks}`);
  const packedZp = zp !== null && zp.dtype === D.UINT8;
  const zpRow = packedZp ? Math.ceil((blocks * bits) / 8) : blocks;
  if (zp !== null && zp.data.length !== N * zpRow) throw opError(ctx, `zero_points has ${zp.data.length} elements, expected ${N * zpRow}`);
  const codes = B.data as ArrayLike<number>;
  const s = scales.data;
  const z = zp?.data as ArrayLike<number> | undefined;
  const dflt = 1 << (bits - 1);
  const w = new Float32Array(N * K);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      const scale = s[n * blocks + b];
      const zero = z === undefined ? dflt : packedZp ? code(z, n * zpRow, b, bits) : z[n * blocks + b];
      const first = b * block;
      const last = Math.min(K, first + block);
      const at = (n * blocks + b) * blob;
      for (let k = first; k < last; k++) w[n * K + k] = (code(codes, at, k - first, bits) - zero) * scale;
    }
  }
  return w;
}

const matMulNBits: OpDef = {
  domain: 'com.microsoft', name: 'MatMulNBits', since: [1],
  kernel(ins, ctx) {
    const A = floatInput(ins, 0, ctx, 'A');
    const K = attrInt(ctx, 'K');
    const N = attrInt(ctx, 'N');
    const bits = attrInt(ctx, 'bits', 4);
    const block = attrInt(ctx, 'block_size');
    if (bits !== 2 && bits !== 4 && bits !== 8) throw opError(ctx, `bits must be 2, 4 or 8, not ${bits}`);
    if (block < 16 || (block & (block - 1)) !== 0) throw opError(ctx, `block_size must be a power of 2 and at least 16, not ${block}`);
    if (ins[4]) throw opError(ctx, 'g_idx (act-order) is not supported');
    if (K < 1 || N < 0) throw opError(ctx, `K must be at least 1 and N at least 0 (K=${K}, N=${N})`);
    if (A.dims.length === 0 || A.dims[A.dims.length - 1] !== K) throw opError(ctx, `A is [${A.dims}]: its last dim must be K=${K}`);
    const w = dequantized(ins, ctx, K, N, bits, block);
    const bias = optFloatInput(ins, 5, ctx, 'bias');
    if (bias && bias.data.length !== N) throw opError(ctx, `bias has ${bias.data.length} elements, expected N=${N}`);
    const M = A.data.length / K;
    const out = floatTensor(A.dtype, [...A.dims.slice(0, -1), N]);
    const y = out.data as FloatArray;
    gemm(M, N, K, { data: A.data as FloatArray, off: 0, rs: K, cs: 1 }, { data: w, off: 0, rs: 1, cs: K }, y, 0, N, false);
    if (bias) for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) y[m * N + n] += bias.data[n];
    return [out as TensorValue];
  },
};

export const ops: readonly OpDef[] = [matMulNBits];
