/**
 * Regression (found by checkPass, seed 14): a symbolic element of a Reshape target may be 0 at
 * run time, and a 0 in a target (allowzero = 0) copies the input's dim instead of being a size.
 * Shape inference took `Reshape(x: [N,2,2], [-1, N])` for `[4, N]`, so simplify-shapes folded the
 * second Reshape's computed target to `[-1, 4]`: wrong when N = 0 (r is then [0, 2]).
 */
import { expect, test } from 'vitest';
import { DataType as D } from '../../ir/dtype.js';
import { evaluate } from '../../ir/eval/run.js';
import { parseModel } from '../../ir/text/parse.js';
import { runSchedule } from '../../src/runner.js';
import { checkOne } from '../../src/testing.js';
import { simplifyShapes } from './simplify-shapes.js';

// The same model as golden/simplify-shapes/reshape-symbolic-target-may-be-zero-declines.
const text = `<
  ir_version: 8,
  opset_import: ["" : 17]
>
g (int64[N,2,2] x) => (y)
  <int64 zero = {0}, int64[1] ax = {0}, int64[1] minus = {-1}>
{
  s = Shape (x)
  n = Gather (s, zero)
  n1 = Unsqueeze (n, ax)
  t = Concat <axis = 0> (minus, n1)
  r = Reshape (x, t)
  sr = Shape (r)
  m = Gather (sr, zero)
  m1 = Unsqueeze (m, ax)
  u = Concat <axis = 0> (minus, m1)
  y = Reshape (r, u)
}
`;
const feed = (n: number) => ({ x: { kind: 'tensor', dtype: D.INT64, dims: [n, 2, 2], data: BigInt64Array.from({ length: 4 * n }, (_, i) => BigInt(i)) } as const });

test('the shrunk model keeps its outputs when N is bound to 0', () => {
  const m = parseModel(text);
  const out = runSchedule(simplifyShapes(), m).model;
  for (const n of [0, 1, 2]) {
    const want = evaluate(m, feed(n)).get('y')!;
    const got = evaluate(out, feed(n)).get('y')!;
    expect(got.kind === 'tensor' && got.dims, `N = ${n}`).toEqual(want.kind === 'tensor' && want.dims);
  }
  expect(checkOne((x) => runSchedule(simplifyShapes(), x).model, m, [feed(0), feed(3)])).toBeUndefined();
});
