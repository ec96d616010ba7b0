/**
 * `lathe check`'s shape contradictions (ir/verify/shapes.ts) never flag a model that runs: none
 * of ONNX's 1,884 node-test models, which onnxruntime and the reference implementation run.
 */
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { checkShapes } from '../../ir/verify/shapes.js';
import { loadModel } from '../../node/io.js';
import { listCases, NODE_TESTS } from './runner.js';

test('no node-test model has a shape contradiction', () => {
  const cases = listCases();
  expect(cases.length).toBeGreaterThan(1000);
  const flagged = cases.flatMap((c) => checkShapes(loadModel(join(NODE_TESTS, c, 'model.onnx'))).map((d) => `${c}: ${d.node} ${d.message}`));
  expect(flagged).toEqual([]);
});
