/**
 * fuse on models the golden cases cannot hold: golden inputs need known shapes to be run, while
 * these cases are about what a rule does when inference does not know x's rank.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../ir/eval/index.js';
import type { TensorValue } from '../../ir/ops/types.js';
import { parseModel } from '../../ir/text/parse.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { fuse } from './fuse.js';

function run(m: Model): Model {
  const out = fuse().run(m, createPassContext());
  expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
  return out;
}

const ops = (m: Model) => m.graph.order.map((id) => m.graph.nodes[id].op);

/** The model with its first input's shape unknown (a float tensor of unknown rank; the text form has no spelling for it). */
function rankless(text: string): Model {
  const m = parseModel(text);
  const id = m.graph.inputs[0];
  const values = { ...m.graph.values, [id]: { ...m.graph.values[id], type: { kind: 'tensor' as const, dtype: 1 } } };
  return { ...m, graph: { ...m.graph, values } };
}

const gelu = (half: string) => `<ir_version: 9, opset_import: ["" : 20]>
g (float[N] x) => (y) <float sqrt2 = {1.4142135}, float one = {1}, ${half}> {
  d = Div (x, sqrt2)
  e = Erf (d)
  a = Add (e, one)
  m = Mul (x, a)
  y = Mul (m, half)
}`;

describe('fuse where the rank of x is unknown', () => {
  it('fuses the erf Gelu when its constants are scalars (they cannot raise the rank of x)', () => {
    expect(ops(run(rankless(gelu('float half = {0.5}'))))).toEqual(['Gelu']);
  });
  it('declines on a [1] constant: x may be a scalar, whose written-out result is [1] and Gelu(x) []', () => {
    const m = rankless(gelu('float[1] half = {0.5}'));
    const x = { kind: 'tensor' as const, dtype: 1, dims: [], data: new Float32Array([1]) };
    const y = evaluate(m, { x }).get('y') as TensorValue;
    expect(y.dims).toEqual([1]);
    expect(ops(run(m))).toEqual(['Div', 'Erf', 'Add', 'Mul', 'Mul']);
  });
  it('declines when a constant of rank 3 may broadcast the result to more dims than x has (keepsRank fallback)', () => {
    // x of unknown rank could be 1-D: x·…·[[[½]]] is then 3-D, Gelu(x) 1-D.
    const out = run(rankless(gelu('float[1,1,1] half = {0.5}')));
    expect(ops(out)).toEqual(['Div', 'Erf', 'Add', 'Mul', 'Mul']);
  });
});

describe('fuse at opsets onnxruntime does not run (no golden-fuse-ort case possible)', () => {
  it('fuses x · Clip(x + 3, 0, 6) / 6 at opset 6, HardSigmoid\'s first version, as x · HardSigmoid(x)', () => {
    // onnxruntime has no Add or Div kernel before opset 7, so this is checked in lathe's evaluator.
    const m = parseModel(`<ir_version: 3, opset_import: ["" : 6]>
g (float[2,4] x) => (y) <float[1] three = {3}, float[1] six = {6}> {
  a = Add <broadcast = 1> (x, three)
  c = Clip <min = 0.0, max = 6.0> (a)
  p = Mul (x, c)
  y = Div <broadcast = 1> (p, six)
}`);
    const out = run(m);
    expect(ops(out)).toEqual(['HardSigmoid', 'Mul']);
    const x = { kind: 'tensor' as const, dtype: 1, dims: [2, 4], data: Float32Array.of(-4, -3, -1.5, 0, 0.5, 2.5, 3, 5) };
    const want = evaluate(m, { x }).get('y') as TensorValue;
    const got = evaluate(out, { x }).get('y') as TensorValue;
    expect(Array.from(got.data as Float32Array).map((v) => Math.round(v * 1e5) / 1e5)).toEqual(Array.from(want.data as Float32Array).map((v) => Math.round(v * 1e5) / 1e5));
  });
});
