/**
 * Inference for matrix products: MatMul (numpy semantics: batched broadcasting, 1-D operands
 * promoted then squeezed), MatMulInteger, QLinearMatMul, Gemm and com.microsoft MatMulNBits.
 */
import { DataType as DT } from '../../../dtype.js';
import { checkGemmC } from '../../../ops/legacy-broadcast.js';
import type { Dim } from '../../../types.js';
import type { InferRule, InferTable, Known } from '../../types.js';
import { broadcastShapes, dtypeOf, shapeOf, tensor } from './util.js';

/** numpy matmul output shape; undefined when either rank is unknown or an operand is 0-D. */
export function matmulShape(a: readonly Dim[] | undefined, b: readonly Dim[] | undefined): Dim[] | undefined {
  if (!a || !b || a.length === 0 || b.length === 0) return undefined;
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const batch = broadcastShapes(a2.slice(0, -2), b2.slice(0, -2));
  if (!batch) return undefined;
  const out: Dim[] = [...batch];
  if (a.length !== 1) out.push(a2[a2.length - 2]);
  if (b.length !== 1) out.push(b2[b2.length - 1]);
  return out;
}

function mm(a: Known | null, b: Known | null, dtype: number): Known {
  return tensor(dtype, matmulShape(shapeOf(a), shapeOf(b)));
}

const rules: InferRule[] = [
  { domain: '', name: 'MatMul', infer: ([a, b]) => [mm(a ?? null, b ?? null, dtypeOf(a) || dtypeOf(b))] },
  { domain: '', name: 'MatMulInteger', infer: ([a, b]) => [mm(a ?? null, b ?? null, DT.INT32)] },
  {
    domain: '', name: 'QLinearMatMul',
    // The output's type is y_zero_point's (uint8/int8, or a float8 kind in newer opsets).
    infer: (ins) => [mm(ins[0] ?? null, ins[3] ?? null, dtypeOf(ins[7]))],
  },
  {
    domain: '', name: 'Gemm',
    infer: ([a, b, c], ctx) => {
      const dtype = dtypeOf(a) || dtypeOf(b);
      const sa = shapeOf(a), sb = shapeOf(b), sc = shapeOf(c);
      const transA = ctx.attrs.int('transA', 0) !== 0, transB = ctx.attrs.int('transB', 0) !== 0;
      const m: Dim = sa && sa.length === 2 ? sa[transA ? 1 : 0] : null;
      const n: Dim = sb && sb.length === 2 ? sb[transB ? 0 : 1] : null;
      if (sc) checkGemmC(ctx.attrs, ctx.opset, m, n, sc);
      // Gemm's output is always 2-D, even when the operands' shapes are unknown.
      return [tensor(dtype, [m, n])];
    },
  },
  {
    // onnxruntime's int4 product (ir/ops/nn/matmul-nbits.ts): A's leading dims, then N.
    domain: 'com.microsoft', name: 'MatMulNBits',
    infer: ([a], ctx) => {
      const sa = shapeOf(a);
      const n = ctx.attrs.int('N', -1);
      return [tensor(dtypeOf(a), sa && sa.length > 0 && n >= 0 ? [...sa.slice(0, -1), n] : undefined)];
    },
  },
];

export const matmulRules: InferTable = rules;
