/**
 * Linear algebra:
 *   Add(MatMul(a, b), c) = Gemm(a, b, c)            a, b 2-D; c broadcasts to (M, N) without growing it
 *   Gemm(Transpose(a), b, …) = Gemm(a, b, transA=¬transA)   the Transpose swaps the two axes of a 2-D a
 *   Gemm(a, Transpose(b), …) = Gemm(a, b, transB=¬transB)
 *   MatMul(MatMul(x, A), B) = MatMul(x, A·B)        A [K, R], B [R, N] constant, read only here, and
 *                                                   K·N ≤ K·R + R·N: the product is no bigger than the
 *                                                   two factors (nor the work), so it never grows the
 *                                                   model. Reassociated: equal within float rounding.
 * MatMul with operands of another rank (batched, or vectors) stays MatMul: Gemm is 2-D only.
 */
import { evalOpTensor } from '../../../ir/eval/op.js';
import type { Dim, ValueId } from '../../../ir/types.js';
import { P, fail, op, rule, type GraphView, type Rule } from '../../../src/pattern/index.js';
import { intsAttr } from '../../simplify-algebra/axes.js';

const [a, b, c] = P.vars('a', 'b', 'c');

const rank = (view: GraphView, v: ValueId): number | undefined => view.shape(v)?.length;

/** True when a bias of `bias` dims broadcasts to [m, n] without changing it (Gemm's unidirectional broadcast). */
function biasFits(bias: readonly Dim[], m: Dim, n: Dim): boolean {
  if (bias.length > 2) return false;
  const want = [m, n].slice(2 - bias.length);
  return bias.every((d, i) => d === 1 || (d !== null && d === want[i]));
}

const FLOAT_GEMM = new Set([1, 10, 11, 16]);

const matmulAdd = rule(
  'matmul-add-to-gemm',
  op.Add(op.MatMul(a, b), c),
  (m, emit) => emit.op('Gemm', [m.a, m.b, m.c]),
  {
    check: (m, g) => {
      const sa = g.view.shape(m.a);
      const sb = g.view.shape(m.b);
      const sc = g.view.shape(m.c);
      if (sa?.length !== 2 || sb?.length !== 2) return fail('MatMul operands are not both 2-D', m.a, m.b);
      if (!sc) return fail('the rank of the bias is unknown', m.c);
      if (!biasFits(sc, sa[0], sb[1])) return fail('the bias would broadcast the product to another shape', m.c);
      const dt = g.view.dtype(m.a);
      if (dt === undefined || !FLOAT_GEMM.has(dt)) return fail('Gemm takes float types only');
      return true;
    },
  },
);

/** Gemm with a 2-D Transpose on input `k` (0: A, 1: B) folded into transA/transB. */
function gemmTranspose(k: 0 | 1): Rule {
  const name = k === 0 ? 'transA' : 'transB';
  const [x, y] = P.vars('x', 'y');
  const pattern = k === 0 ? op.Gemm(op.Transpose(x, { perm: P.attr('perm') }), y, P.rest()) : op.Gemm(y, op.Transpose(x, { perm: P.attr('perm') }), P.rest());
  return rule(
    `transpose-into-gemm-${k === 0 ? 'a' : 'b'}`,
    pattern.as('gemm'),
    (m, emit) => {
      const gemm = m.gemm;
      const flag = gemm.attrs.find((t) => t.name === name);
      const on = flag?.kind === 'int' && flag.value !== 0n;
      const attrs = [...gemm.attrs.filter((t) => t.name !== name), { name, kind: 'int' as const, value: on ? 0n : 1n }];
      const inputs = [...gemm.inputs];
      inputs[k] = m.x;
      return emit.op('Gemm', inputs, attrs);
    },
    {
      check: (m, g) => {
        const perm = m.perm === undefined ? (rank(g.view, m.x) === 2 ? [1, 0] : undefined) : intsAttr(m.perm);
        return perm?.length === 2 && perm[0] === 1 && perm[1] === 0 ? true : fail('not a 2-D transpose');
      },
    },
  );
}

const matmulChain = rule(
  'matmul-const-chain',
  op.MatMul(op.MatMul(a, P.constVar('wa')), P.constVar('wb')),
  (m, emit) => emit.op('MatMul', [m.a, emit.constant(evalOpTensor('MatMul', [m.wa.tensor, m.wb.tensor]))]),
  {
    check: (m, g) => {
      const A = m.wa.tensor, B = m.wb.tensor;
      if (A.dims.length !== 2 || B.dims.length !== 2) return fail('the constant factors are not both 2-D');
      if (A.dtype !== B.dtype || !FLOAT_GEMM.has(A.dtype)) return fail('the factors are not of one float type');
      const [K, R] = A.dims, [R2, N] = B.dims;
      if (R !== R2) return fail('the factors do not chain');
      if (K * N > K * R + R * N) return fail('the product would be bigger than the two factors');
      for (const v of [m.wa.id, m.wb.id]) if (g.view.useCount(v) !== 1) return fail('a factor is read elsewhere: folding would add the product beside it');
      return true;
    },
  },
);

export const linalgRules: readonly Rule[] = [matmulAdd, gemmTranspose(0), gemmTranspose(1), matmulChain];
