/**
 * Linear algebra:
 *   Add(MatMul(a, b), c) = Gemm(a, b, c)            a, b 2-D; c broadcasts to (M, N) without growing it
 *   Gemm(Transpose(a), b, …) = Gemm(a, b, transA=¬transA)   the Transpose swaps the two axes of a 2-D a
 *   Gemm(a, Transpose(b), …) = Gemm(a, b, transB=¬transB)
 * MatMul with operands of another rank (batched, or vectors) stays MatMul: Gemm is 2-D only.
 */
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

export const linalgRules: readonly Rule[] = [matmulAdd, gemmTranspose(0), gemmTranspose(1)];
