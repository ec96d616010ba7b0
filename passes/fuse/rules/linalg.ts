/**
 * Linear algebra:
 *   Add(MatMul(a, b), c) = Gemm(a, b, c)            a, b 2-D; c broadcasts to (M, N) without growing it
 *   Gemm(Transpose(a), b, …) = Gemm(a, b, transA=¬transA)   the Transpose swaps the two axes of a 2-D a
 *   Gemm(a, Transpose(b), …) = Gemm(a, b, transB=¬transB)
 *   MatMul(MatMul(x, A), B) = MatMul(x, A·B)        A [K, R], B [R, N] constant, read only here, and
 *                                                   K·N ≤ K·R + R·N: the product is no bigger than the
 *                                                   two factors (nor the work), so it never grows the
 *                                                   model. Reassociated: equal within float rounding.
 *   Reshape(Gemm(Reshape(x, [-1, K]), W, c), [d₀, …, dₙ₋₁, N]) = MatMul(x, W) + c
 *                                                   x of rank ≥ 3 with dims [d₀, …, dₙ₋₁, K]: the
 *                                                   flattened linear layer (GPT-2's Conv1D) done on x
 *                                                   itself, so the Shape/Gather/Unsqueeze/Concat that
 *                                                   compute the outer target (~8 nodes a layer) go.
 *                                                   onnxruntime runs both as one GEMM over d₀·…·dₙ₋₁ rows.
 * MatMul with operands of another rank (batched, or vectors) stays MatMul: Gemm is 2-D only.
 * Before opset 7 neither Gemm nor Add broadcasts without broadcast=1: a bias must there be [M, N]
 * exactly, and the flattened linear layer with a bias stays.
 */
import { evalOpTensor } from '../../../ir/eval/op.js';
import type { Dim, ValueId } from '../../../ir/types.js';
import { P, fail, op, rule, type GraphView, type Rule } from '../../../src/pattern/index.js';
import { intsAttr } from '../../simplify-algebra/axes.js';
import { floatAttr, intAttr } from './util.js';

const [a, b, c] = P.vars('a', 'b', 'c');

const rank = (view: GraphView, v: ValueId): number | undefined => view.shape(v)?.length;

/** True when a bias of `bias` dims broadcasts to [m, n] without changing it (Gemm's unidirectional broadcast). */
function biasFits(bias: readonly Dim[], m: Dim, n: Dim): boolean {
  if (bias.length > 2) return false;
  const want = [m, n].slice(2 - bias.length);
  return bias.every((d, i) => d === 1 || (d !== null && d === want[i]));
}

const FLOAT_GEMM = new Set([1, 10, 11, 16]);

const same = (p: Dim | undefined, q: Dim | undefined): boolean => p !== undefined && p !== null && p === q;

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
      // Before opset 7 Gemm broadcasts C only with broadcast=1 (and an Add<broadcast=1> may align
      // the bias to another axis): there the bias must be exactly [M, N].
      if (g.opset < 7 && !(sc.length === 2 && same(sc[0], sa[0]) && same(sc[1], sb[1]))) return fail('before opset 7 the bias must be [M, N] exactly', m.c);
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

const unflatten = rule(
  'reshape-gemm-reshape-to-matmul',
  op.Reshape(op.Gemm(op.Reshape(a, P.var('t1')).as('flat'), b, P.rest()).as('gemm'), P.var('t2')).as('out'),
  (m, emit) => {
    const y = emit.op('MatMul', [m.a, m.b]);
    const c = m.gemm.inputs[2];
    return c ? emit.op('Add', [y, c]) : y;
  },
  {
    check: (m, g) => {
      const gm = m.gemm;
      if (floatAttr(gm, 'alpha', 1) !== 1 || floatAttr(gm, 'beta', 1) !== 1) return fail('Gemm scales by alpha or beta');
      if (intAttr(gm, 'transA', 0) !== 0 || intAttr(gm, 'transB', 0) !== 0) return fail('Gemm transposes an operand');
      const xs = g.view.shape(m.a), flat = g.view.shape(m.flat.outputs[0]!), ws = g.view.shape(m.b);
      const gs = g.view.shape(gm.outputs[0]!), os = g.view.shape(m.out.outputs[0]!);
      if (!xs || xs.length < 3) return fail('x is not known to have rank 3 or more', m.a);
      const k = xs[xs.length - 1];
      // [M, K] with x's last dim K: the reshape flattens x's leading dims, row by row.
      if (typeof k !== 'number' || flat?.length !== 2 || flat[1] !== k) return fail('the inner Reshape does not flatten the leading dims of x', m.a);
      if (ws?.length !== 2 || gs?.length !== 2) return fail('the Gemm operands are not known to be 2-D', m.b);
      if (os?.length !== xs.length || !xs.slice(0, -1).every((d, i) => same(d, os[i])) || !same(os[os.length - 1], gs[1])) {
        return fail('the outer Reshape does not restore the leading dims of x');
      }
      const c = gm.inputs[2];
      // Before opset 7 an Add does not broadcast (without broadcast=1): the bias could not be added on x's rank.
      if (c && g.opset < 7) return fail('before opset 7 the Add of the bias would not broadcast', c);
      if (c) {
        const cs = g.view.shape(c);
        // Gemm broadcasts C to [M, N]; on x's rank only a row vector broadcasts the same way.
        if (!cs || cs.length > 2 || (cs.length === 2 && cs[0] !== 1)) return fail('the bias is not one row', c);
        if (cs.length > 0 && cs[cs.length - 1] !== 1 && !same(cs[cs.length - 1], gs[1])) return fail('the bias is not one row', c);
      }
      return true;
    },
  },
);

export const linalgRules: readonly Rule[] = [matmulAdd, gemmTranspose(0), gemmTranspose(1), matmulChain, unflatten];
