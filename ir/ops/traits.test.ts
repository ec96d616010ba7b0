import { describe, expect, it } from 'vitest';
import { DataType as D } from '../dtype.js';
import { run, t, vals } from './elementwise/test-util.js';
import { isCommutative } from './traits.js';

/**
 * The pattern matcher tries both operand orders of an op isCommutative names, so a binary op
 * listed wrongly (Sub, Pow, a comparison) lets a rule fire on the mirrored graph and rewrite it
 * into a different function. The trait is checked against the kernels themselves: swapping the
 * operands must give the same output (values, NaN placement, broadcast shape) exactly when the op
 * is listed.
 */
describe('isCommutative agrees with the kernels', () => {
  // Asymmetric operands with broadcasting, equal and unequal elements, and a NaN.
  const fa = t(D.FLOAT, [2, 2], [1, -2, 3, NaN]);
  const fb = t(D.FLOAT, [2], [3, 0.5]);
  const ia = t(D.INT32, [2, 2], [5, 2, 7, 3]);
  const ib = t(D.INT32, [2], [1, 3]);
  const ba = t(D.BOOL, [2, 2], [1, 0, 1, 0]);
  const bb = t(D.BOOL, [2], [1, 1]);
  const cases: { op: string; a: ReturnType<typeof t>; b: ReturnType<typeof t>; attrs?: Record<string, any> }[] = [
    ...['Add', 'Sub', 'Mul', 'Div', 'Pow', 'Max', 'Min', 'Sum', 'Mean', 'Equal', 'Greater', 'Less', 'GreaterOrEqual', 'LessOrEqual']
      .map((op) => ({ op, a: fa, b: fb })),
    { op: 'Mod', a: ia, b: ib },
    { op: 'BitShift', a: ia, b: ib, attrs: { direction: 'LEFT' } },
    ...['BitwiseAnd', 'BitwiseOr', 'BitwiseXor'].map((op) => ({ op, a: ia, b: ib })),
    ...['And', 'Or', 'Xor'].map((op) => ({ op, a: ba, b: bb })),
  ];
  for (const c of cases) {
    it(c.op, () => {
      const ab = run(c.op, [c.a, c.b], c.attrs);
      const ba2 = run(c.op, [c.b, c.a], c.attrs);
      const x = vals(ab);
      const y = vals(ba2);
      const same = ab.dims.join() === ba2.dims.join() && x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
      expect(isCommutative('', c.op), `${c.op}: swapped outputs ${same ? 'agree' : 'differ'}`).toBe(same);
    });
  }

  it('only the default domain: a custom-domain op of the same name is not assumed commutative', () => {
    expect(isCommutative('', 'Add')).toBe(true);
    expect(isCommutative('com.example', 'Add')).toBe(false);
  });
});
