/**
 * An elementwise binary op of two operands transposed alike, transposed back:
 *
 *   Transpose(Op(Transpose(a, p), Transpose(b, p)), q) = Op(a, b)    when q after p is the identity
 *
 * for Op in Add, Sub, Mul, Div. ConvNeXt's residual writes it: the block's branch and its input
 * each go NHWC → NCHW for the Add, and the next LayerNormalization takes the sum back to NHWC
 * (onnxruntime's transpose optimizer removes the same pair). a and b have the perm's rank, so
 * broadcasting pairs the same dims before and after the permutation: exact for every input. The
 * inner Transposes may have other readers (they stay for them); the Op must be read only here.
 */
import type { ValueId } from '../../ir/types.js';
import { P, fail, op, rule, type Pattern, type Rule } from '../../src/pattern/index.js';
import { permOf, sameList } from './axes.js';

const [a, b] = P.vars('a', 'b');

interface Bound {
  readonly a: ValueId;
  readonly b: ValueId;
  readonly pa?: unknown;
  readonly pb?: unknown;
  readonly q?: unknown;
  readonly mid: { readonly outputs: readonly (ValueId | null)[] };
}

function transposeBinary(name: string, binary: (x: Pattern<unknown>, y: Pattern<unknown>) => Pattern<unknown>, opType: string): Rule {
  const pattern = op.Transpose(
    (binary(op.Transpose(a, { perm: P.attr('pa') }), op.Transpose(b, { perm: P.attr('pb') })) as ReturnType<typeof op.Add>).as('mid'),
    { perm: P.attr('q') },
  );
  return rule(name, pattern as unknown as Pattern<Bound>, (m, emit) => emit.op(opType, [m.a, m.b]), {
    sharedIntermediates: true,
    check: (m, g) => {
      const v = g.view;
      const mid = m.mid.outputs[0] as ValueId;
      if (v.useCount(mid) !== 1 || v.isGraphOutput(mid)) return fail(`the ${opType} has other readers`);
      const ra = v.shape(m.a)?.length;
      const rb = v.shape(m.b)?.length;
      if (ra === undefined || rb === undefined || ra !== rb) return fail('the operands have unknown or different ranks');
      const pa = permOf(m.pa, ra);
      const pb = permOf(m.pb, rb);
      const q = permOf(m.q, ra);
      if (!pa || !pb || !q) return fail('a perm is missing and the rank is unknown');
      if (!sameList(pa, pb)) return fail('the operands are transposed differently');
      if (q.length !== pa.length || !q.every((j, i) => pa[j] === i)) return fail('the outer Transpose does not undo the inner ones');
      return true;
    },
  });
}

export const transposeBinaryRules = [
  transposeBinary('transpose-add-transpose', (x, y) => op.Add(x, y), 'Add'),
  transposeBinary('transpose-sub-transpose', (x, y) => op.Sub(x, y), 'Sub'),
  transposeBinary('transpose-mul-transpose', (x, y) => op.Mul(x, y), 'Mul'),
  transposeBinary('transpose-div-transpose', (x, y) => op.Div(x, y), 'Div'),
];
