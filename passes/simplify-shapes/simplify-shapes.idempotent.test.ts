/** Regression (found by checkPass with idempotent: true): a folded Shape that is a graph output. */
import { expect, test } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import { runSchedule } from '../../src/runner.js';
import { checkPass } from '../../src/testing.js';
import { simplifyShapes } from './simplify-shapes.js';
import { dedupeInitializers } from '../dedupe-initializers/dedupe-initializers.js';
import { parsePipeline } from '../../src/pipeline.js';

test('a second run leaves the folded graph output alone', () => {
  const m = parseModel('<ir_version: 8, opset_import: ["" : 17]>\nmain (float[1,1,1,1] x0) => (int64[4] y0)\n{\n  y0 = Shape (x0)\n}\n');
  const once = runSchedule(simplifyShapes(), m).model;
  expect(once).not.toBe(m);
  expect(runSchedule(simplifyShapes(), once).model).toBe(once);
});

test('simplify-shapes is idempotent and does not grow on generated models', () => {
  checkPass(simplifyShapes, { seed: 11, runs: 200, idempotent: true });
});

test('a Reshape in a Loop body whose target is an outer constant is left alone, so -O1 settles', () => {
  // reshape-computed-target took the outer constant for a computed target and copied it into the
  // body; dedupe-initializers merged the copy back out; the fixpoint ran to its cap (detypify,
  // an npm package's model).
  const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (int64 n, int64[1] x, float[2,3] z) => (int64[1] y, float[6] w) <int64[1] neg_1 = {-1}> {
  w = Reshape (z, neg_1)
  y = Loop (n, "", x) <body = body (int64 i, bool c, int64[1] acc) => (bool c_out, int64[1] acc_out) {
    c_out = Identity (c)
    r = Reshape (i, neg_1)
    acc_out = Add (acc, r)
  }>
}`);
  const result = runSchedule(parsePipeline('fixpoint{max=8}(simplify-shapes,dedupe-initializers)', { 'simplify-shapes': simplifyShapes, 'dedupe-initializers': dedupeInitializers }), m);
  expect(result.stop).not.toBe('cap');
  expect(result.model).toBe(m);
});
