import { describe, expect, it } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import { createPassContext } from '../../src/pass.js';
import { foldAffine } from './fold-affine.js';

const ops = (text: string): string[] => {
  const out = foldAffine().run(parseModel(text), createPassContext());
  return out.graph.order.map((id) => out.graph.nodes[id].op);
};

describe('fold-affine on a MatMul whose input has unknown rank', () => {
  it('keeps a BatchNormalization after it: its channels are the last axis, axis 1 only at rank 2', () => {
    // On a [2,3,4] x the MatMul's channels are axis 2 while BatchNormalization normalizes axis 1.
    const text = `<ir_version: 8, opset_import: ["" : 17]>
g (float[] x) => (y) <float[4,3] w = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, float[3] scale = {1, 2, 3}, float[3] bias = {0, 1, 2}, float[3] mean = {0.1, 0.2, 0.3}, float[3] var = {1, 4, 9}> {
  m = MatMul (x, w)
  y = BatchNormalization (m, scale, bias, mean, var)
}`;
    expect(ops(text)).toEqual(['MatMul', 'BatchNormalization']);
  });

  it('folds a Mul by a channel vector (any rank broadcasts it along the last axis), not by a [3,1] (it would broadcast a 1-D output)', () => {
    const model = (k: string) => `<ir_version: 8, opset_import: ["" : 17]>
g (float[] x) => (y) <float[4,3] w = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, ${k}> {
  m = MatMul (x, w)
  y = Mul (m, k)
}`;
    expect(ops(model('float[3] k = {1, 2, 3}'))).toEqual(['MatMul']);
    expect(ops(model('float[3,1] k = {1, 2, 3}'))).toEqual(['MatMul', 'Mul']);
  });

  it('moves a scalar factor of a score into the projection, not a [1,1] one (on a 1-D score it adds a dim)', () => {
    const model = (c: string) => `<ir_version: 8, opset_import: ["" : 17]>
g (float[] x, float[3,2] kt) => (y) <float[4,3] wq = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, ${c}> {
  q = MatMul (x, wq)
  s = MatMul (q, kt)
  y = Mul (s, c)
}`;
    expect(ops(model('float c = {0.5}'))).toEqual(['MatMul', 'MatMul']);
    expect(ops(model('float[1,1] c = {0.5}'))).toEqual(['MatMul', 'MatMul', 'Mul']);
  });
});
