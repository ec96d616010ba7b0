/**
 * A batched MatMul between Reshapes that only regroup the batch dims: torch's bmm on tensors
 * flattened from [b, h, m, k] to [b·h, m, k] and the result unflattened again (the dynamo
 * exporter writes Bloom's and Falcon's attention this way).
 *
 *   Reshape(MatMul(Reshape(a, [B, m, k]), Reshape(b, [B, k, n])), [β, m, n]) = MatMul(a, b)
 *
 * when a is [β, m, k] and b is [β, k, n] with the same batch dims β, each inner Reshape keeps the
 * last two dims and gives both sides the same batch dims B, and the outer Reshape restores β.
 * Row-major regrouping maps batch element i of a and of b to the same flat index, so the
 * products are the same matrices, in the same order: exact for every input. Needs static shapes;
 * the inner Reshapes and the MatMul must be read only here (the driver's default).
 */
import type { Dim, ValueId } from '../../ir/types.js';
import { P, fail, op, rule } from '../../src/pattern/index.js';
import { sameList } from './axes.js';

const [a, b] = P.vars('a', 'b');

const staticDims = (s: readonly Dim[] | undefined): number[] | undefined =>
  s && s.every((d): d is number => typeof d === 'number') ? (s as number[]) : undefined;

const reshapeMatmulReshape = rule(
  'reshape-matmul-reshape',
  op.Reshape(op.MatMul(op.Reshape(a, P.any()).as('ra'), op.Reshape(b, P.any()).as('rb')), P.any()).as('outer'),
  (m, emit) => emit.op('MatMul', [m.a, m.b]),
  {
    check: (m, g) => {
      const v = g.view;
      const sa = staticDims(v.shape(m.a));
      const sb = staticDims(v.shape(m.b));
      const ra = staticDims(v.shape(m.ra.outputs[0] as ValueId));
      const rb = staticDims(v.shape(m.rb.outputs[0] as ValueId));
      const so = staticDims(v.shape(m.outer.outputs[0] as ValueId));
      if (!sa || !sb || !ra || !rb || !so) return fail('the shapes are not static');
      if (sa.length < 2 || sb.length !== sa.length || ra.length < 2 || rb.length !== ra.length) return fail('the operands are not matrices of equal rank');
      const batch = (s: number[]) => s.slice(0, -2);
      const last2 = (s: number[]) => s.slice(-2);
      if (!sameList(batch(sa), batch(sb))) return fail('a and b have different batch dims (broadcasting)');
      if (!sameList(batch(ra), batch(rb))) return fail('the reshaped operands have different batch dims (broadcasting)');
      if (!sameList(last2(sa), last2(ra)) || !sameList(last2(sb), last2(rb))) return fail('an inner Reshape changes the matrix dims');
      if (!sameList(so, [...batch(sa), sa[sa.length - 2], sb[sb.length - 1]])) return fail('the outer Reshape does not restore the batch dims');
      return true;
    },
  },
);

export const batchReshapeRules = [reshapeMatmulReshape];
