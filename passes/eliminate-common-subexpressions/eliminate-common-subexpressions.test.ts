import { describe, expect, it } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { checkPassProperties, expectSameOutputs } from '../../test/support/pass-properties.js';
import { eliminateCommonSubexpressions } from './eliminate-common-subexpressions.js';

const header = '<ir_version: 8, opset_import: ["" : 17]>';

function run(m: Model): Model {
  const out = eliminateCommonSubexpressions().run(m, createPassContext());
  expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
  return out;
}

const count = (m: Model, op: string) => m.graph.order.filter((id) => m.graph.nodes[id].op === op).length;

describe('eliminate-common-subexpressions', () => {
  it('merges equal nodes and equal constants, attributes in any order', () => {
    const m = parseModel(`${header}
g (float[2,3] x) => (y) <float[3] w1 = {1, 2, 3}, float[3] w2 = {1, 2, 3}> {
  a = Add (x, w1)
  b = Add (x, w2)
  g1 = Gemm <alpha = 2.0, transB = 1> (a, a)
  g2 = Gemm <transB = 1, alpha = 2.0> (b, b)
  y = Sub (g1, g2)
}`);
    const out = run(m);
    expect(count(out, 'Add')).toBe(1);
    expect(count(out, 'Gemm')).toBe(1);
    expectSameOutputs(m, out, 1, true);
    expect(run(out)).toBe(out);
  });

  it('merges nodes reading equal Constant nodes of the main graph by content, also when the Constants themselves stay (both are graph outputs)', () => {
    const m = parseModel(`${header}
g (float[2] x) => (y, k1, k2) {
  k1 = Constant <value = float[2] {1, 2}> ()
  k2 = Constant <value = float[2] {1, 2}> ()
  a = Add (x, k1)
  b = Add (x, k2)
  y = Sub (a, b)
}`);
    const out = run(m);
    expect(count(out, 'Constant')).toBe(2);
    expect(count(out, 'Add')).toBe(1);
    expectSameOutputs(m, out, 1, true);
  });

  it('never merges stripped constants (a skeleton\'s Constant nodes without data): their contents are unknown', () => {
    const m = parseModel(`${header}
g (float[2] x) => (y) {
  k1 = Constant <value = float[2] {1, 2}> ()
  k2 = Constant <value = float[2] {3, 4}> ()
  a = Add (x, k1)
  b = Add (x, k2)
  y = Sub (a, b)
}`);
    const stripped = () => ({ dtype: 1, dims: [2], data: { kind: 'none' as const } });
    const nodes = { ...m.graph.nodes };
    for (const id of m.graph.order) {
      const n = nodes[id];
      if (n.op === 'Constant') nodes[id] = { ...n, attrs: [{ name: 'value', kind: 'tensor', value: stripped() }] };
    }
    const skeleton: Model = { ...m, graph: { ...m.graph, nodes } };
    expect(run(skeleton)).toBe(skeleton);
  });

  it('returns the same object when nothing repeats', () => {
    const m = parseModel(`${header} g (float[2] x) => (y) { a = Relu (x)\n y = Neg (a) }`);
    expect(run(m)).toBe(m);
  });

  it.each(['RandomUniformLike (p)', 'RandomNormalLike (p)', 'Bernoulli (p)', 'RandomNormal <shape = [2]> ()', 'Multinomial (lg)'])('never merges random ops: %s', (call) => {
    const m = parseModel(`${header}
g () => (d) <float[2] p = {0.5, 0.5}, float[1,2] lg = {0, 0}> { r1 = ${call}\n r2 = ${call}\n d = Sub (r1, r2) }`);
    expect(run(m)).toBe(m);
  });

  it('a body never reuses a random op of an enclosing graph (each draw is its own)', () => {
    const m = parseModel(`${header}
g (bool c) => (y) {
  r = RandomNormal <shape = [2]> ()
  y = If (c) <then_branch = t () => (float[2] a) { rb = RandomNormal <shape = [2]> ()  a = Sub (r, rb) },
              else_branch = e () => (float[2] b) { b = Neg (r) }>
}`);
    expect(run(m)).toBe(m);
  });

  it('a ConstantOfShape is no constant input: readers of two with equal fill values but different shapes stay apart', () => {
    const m = parseModel(`${header}
g (float[3] x) => (y, z) <int64[1] s1 = {3}, int64[2] s2 = {2, 3}> {
  a = ConstantOfShape <value = float[1] {1}> (s1)
  b = ConstantOfShape <value = float[1] {1}> (s2)
  p = Add (x, a)
  q = Add (x, b)
  y = Neg (p)
  z = Neg (q)
}`);
    expect(run(m)).toBe(m);
  });

  it('never merges constants of different dtypes or dims with the same bytes', () => {
    const m = parseModel(`${header}
g (float[2] x) => (y, z) <int32[2] a = {1, 2}, int32[1,2] b = {1, 2}> { y = Add (a, a)\n z = Add (b, b) }`);
    expect(run(m)).toBe(m);
  });

  it('never takes an initializer that is also a graph input (it can be fed) for a constant', () => {
    const m = parseModel(`${header}
g (float[2] x, bool c, float[2] a = {1, 2}, float[2] b = {1, 2}) => (y, z) {
  p = Add (x, a)
  q = Add (x, b)
  y = Sub (p, q)
  z = If (c) <then_branch = t () => (o) { p1 = Mul (x, a)\n q1 = Mul (x, b)\n o = Sub (p1, q1) }, else_branch = e () => (o2) { o2 = Neg (x) }>
}`);
    expect(run(m)).toBe(m);
  });

  it('never merges nodes whose float attributes differ only in the sign of zero (alpha 0 and -0 differ on negative x)', () => {
    const m = parseModel(`${header}
g (float[2] x) => (y, z) {
  a = LeakyRelu <alpha = 0.0> (x)
  b = LeakyRelu <alpha = -0.0> (x)
  y = Add (a, b)
  c = Constant <value_floats = [0.0, 1.0]> ()
  d = Constant <value_floats = [-0.0, 1.0]> ()
  z = Div (c, d)
}`);
    expect(run(m)).toBe(m);
  });

  it('in a subgraph, equal constants of an enclosing graph count as one input', () => {
    const m = parseModel(`${header}
g (float[2] x, bool c) => (z) <float[2] a = {1, 2}, float[2] b = {1, 2}> {
  z = If (c) <then_branch = t () => (o) { p1 = Mul (x, a)\n q1 = Mul (x, b)\n o = Sub (p1, q1) }, else_branch = e () => (o2) { o2 = Neg (x) }>
}`);
    const out = run(m);
    expect(printModel(out)).toContain('o = Sub (p1, p1)');
    expectSameOutputs(m, out, 2, true);
  });

  it('never merges unknown (custom) ops', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
g (float[2] x) => (y) { a = custom.Noise (x)\n b = custom.Noise (x)\n y = Sub (a, b) }`);
    expect(run(m)).toBe(m);
  });

  it('never takes a custom-domain op for the ONNX op of its name: f.Relu here is a local function drawing random numbers', () => {
    // A planted bug looking ops up in the ONNX domain whatever their own merged the two calls, so y was 0.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (y) { a = f.Relu (x)\n b = f.Relu (x)\n y = Sub (a, b) }
<domain: "f", opset_import: ["" : 17]> Relu (p) => (q) { r = RandomUniformLike (p)\n q = Add (p, r) }`);
    expect(run(m)).toBe(m);
  });

  it('never takes a call of a local function named like a later ONNX op (Gelu is ONNX from opset 20) for that op', () => {
    // At opset 17 Gelu is the local function, random inside: the two calls were merged (y = a - a).
    const m = parseModel(`${header}
g (float[2] x) => (y) { a = Gelu (x)\n b = Gelu (x)\n y = Sub (a, b) }
<domain: "", opset_import: ["" : 17]> Gelu (p) => (q) { r = RandomUniformLike (p)\n q = Add (p, r) }`);
    expect(run(m)).toBe(m);
  });

  it('a subgraph node reuses an outer node only when that node comes before the holder', () => {
    const m = parseModel(`${header}
g (float[2] x, bool c) => (z, late) {
  early = Neg (x)
  z = If (c) <then_branch = t () => (o) { n1 = Neg (x)\n r1 = Relu (x)\n o = Add (n1, r1) }, else_branch = e () => (o2) { o2 = Identity (x) }>
  late = Relu (x)
}`);
    const out = run(m);
    const text = printModel(out);
    expect(text).toContain('o = Add (early, r1)');
    expect(text).toContain('r1 = Relu (x)');
    expectSameOutputs(m, out, 2, true);
  });

  it('merges inside function bodies', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (y) { y = f.F (x) }
<domain: "f", opset_import: ["" : 17]> F (p) => (q) { a = Relu (p)\n b = Relu (p)\n q = Add (a, b) }`);
    const out = run(m);
    expect(out.functions[0].graph.order.length).toBe(2);
    expectSameOutputs(m, out, 3, true);
  });

  it('keeps a duplicate whose output is a graph output the earlier value cannot carry', () => {
    const m = parseModel(`${header} g (float[2] x) => (a, b) { a = Relu (x)\n b = Relu (x) }`);
    expect(run(m)).toBe(m);
  });

  it('keeps a duplicate that outputs what the earlier node leaves out (TopK indices)', () => {
    const m = parseModel(`${header}
g (float[2,5] x) => (y, z) <int64[1] k = {2}> {
  v1, "" = TopK (x, k)
  v2, i = TopK (x, k)
  y = Add (v1, v2)
  z = Cast <to = 1> (i)
}`);
    expect(run(m)).toBe(m);
  });

  it('a merge in a graph makes nodes of its bodies equal: they merge in the next sweep (bodies go first)', () => {
    const m = parseModel(`${header}
g (float[2] x, bool c) => (y) {
  a1 = Relu (x)
  a2 = Relu (x)
  y = If (c) <then_branch = t () => (o) { b1 = Neg (a1)\n b2 = Neg (a2)\n o = Add (b1, b2) }, else_branch = e () => (o2) { o2 = Neg (x) }>
}`);
    const out = run(m);
    const branch = out.graph.nodes[out.graph.order[1]].attrs.find((a) => a.name === 'then_branch');
    const g = branch?.kind === 'graph' ? branch.value : undefined;
    expect(g && g.order.map((id) => g.nodes[id].op)).toEqual(['Neg', 'Add']);
    expectSameOutputs(m, out, 2, true);
    expect(run(out)).toBe(out);
  });

  it('compares initializers by content up to 4096 bytes, the last size included', () => {
    const merged = (n: number) => {
      const data = Array.from({ length: n }, (_, i) => i % 7).join(', ');
      const m = parseModel(`${header}
g (float[${n}] x) => (y) <float[${n}] w1 = {${data}}, float[${n}] w2 = {${data}}> {
  a = Add (x, w1)
  b = Add (x, w2)
  y = Sub (a, b)
}`);
      return count(run(m), 'Add') === 1;
    };
    expect(merged(1024)).toBe(true);
    expect(merged(1025)).toBe(false);
  });

  it('properties on generated models (verifier clean, same outputs, idempotent)', () => {
    checkPassProperties(() => eliminateCommonSubexpressions(), { exact: true });
  });
});
