/** Regression (found by checkPass with idempotent: true): a folded Shape that is a graph output. */
import { expect, test } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import { runSchedule } from '../../src/runner.js';
import { checkPass } from '../../src/testing.js';
import { simplifyShapes } from './simplify-shapes.js';

test('a second run leaves the folded graph output alone', () => {
  const m = parseModel('<ir_version: 8, opset_import: ["" : 17]>\nmain (float[1,1,1,1] x0) => (int64[4] y0)\n{\n  y0 = Shape (x0)\n}\n');
  const once = runSchedule(simplifyShapes(), m).model;
  expect(once).not.toBe(m);
  expect(runSchedule(simplifyShapes(), once).model).toBe(once);
});

test('simplify-shapes is idempotent and does not grow on generated models', () => {
  checkPass(simplifyShapes, { seed: 11, runs: 200, idempotent: true });
});
