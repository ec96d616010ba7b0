import { describe, expect, it } from 'vitest';
import { parseModel } from '../text/parse.js';
import { checkShapes } from './shapes.js';

/** The messages of checkShapes on a model whose graph body is `body` (inputs `sig`). */
function problems(sig: string, body: string, opset = 17): string[] {
  const m = parseModel(`<ir_version: 8, opset_import: ["" : ${opset}]>\ng ${sig} {\n${body}\n}`);
  return checkShapes(m).map((d) => `${d.code} ${d.message}`);
}

describe('checkShapes', () => {
  it('inputs that cannot broadcast, and those that can', () => {
    expect(problems('(float[3] x) => (y)', 'c = Constant <value = float[4] {1.0, 2.0, 3.0, 4.0}> ()\ny = Add (x, c)')).toEqual(['shape-mismatch inputs of shapes [3] and [4] do not broadcast']);
    expect(problems('(float[2,3] x, float[3] z) => (y)', 'y = Mul (x, z)')).toEqual([]);
    expect(problems('(float[2,1] x, float[1,3] z) => (y)', 'y = Sub (x, z)')).toEqual([]);
    expect(problems('(float[N] x, float[3] z) => (y)', 'y = Add (x, z)')).toEqual([]);
    expect(problems('(bool[2] c, float[2] x, float[5] z) => (y)', 'y = Where (c, x, z)')).toEqual(['shape-mismatch inputs of shapes [2] and [5] do not broadcast']);
    expect(problems('(float[2] a, float[2] b, float[3] c) => (y)', 'y = Sum (a, b, c)')).toEqual(['shape-mismatch inputs of shapes [2] and [3] do not broadcast']);
  });

  it('MatMul and Gemm inner dims', () => {
    expect(problems('(float[2,3] a, float[4,5] b) => (y)', 'y = MatMul (a, b)')).toEqual(['shape-mismatch inner dims differ: [2, 3] × [4, 5]']);
    expect(problems('(float[2,3] a, float[3,5] b) => (y)', 'y = MatMul (a, b)')).toEqual([]);
    expect(problems('(float[3] a, float[3] b) => (y)', 'y = MatMul (a, b)')).toEqual([]);
    expect(problems('(float[2,2,3] a, float[4,3,5] b) => (y)', 'y = MatMul (a, b)')).toEqual(['shape-mismatch batch dims do not broadcast: [2, 2, 3] × [4, 3, 5]']);
    expect(problems('(float[2,3] a, float[5,3] b) => (y)', 'y = Gemm <transB = 1> (a, b)')).toEqual([]);
    expect(problems('(float[2,3] a, float[5,3] b) => (y)', 'y = Gemm (a, b)')[0]).toMatch(/^shape-mismatch inner dims differ/);
    expect(problems('(float[3,2] a, float[3,5] b) => (y)', 'y = Gemm <transA = 1> (a, b)')).toEqual([]);
  });

  it('Conv channels, with groups', () => {
    expect(problems('(float[1,4,5,5] x, float[8,2,3,3] w) => (y)', 'y = Conv <group = 2> (x, w)')).toEqual([]);
    expect(problems('(float[1,4,5,5] x, float[8,2,3,3] w) => (y)', 'y = Conv (x, w)')).toEqual(['shape-mismatch input has 4 channels, the weight [8, 2, 3, 3] reads 2 (group 1)']);
    expect(problems('(float[1,4,5] x, float[8,4,3,3] w) => (y)', 'y = Conv (x, w)')[0]).toMatch(/differ in rank/);
  });

  it('Conv and ConvTranspose bias: one element per output channel (onnxruntime loads the model and fails at every run)', () => {
    expect(problems('(float[1,2,4,4] x, float[1,2,1,1] w, float[1] b) => (y)', 'y = Conv (x, w, b)')).toEqual([]);
    expect(problems('(float[1,2,4,4] x, float[1,2,1,1] w, float[3] b) => (y)', 'y = Conv (x, w, b)')).toEqual(['shape-mismatch bias has 3 elements, the weight [1, 2, 1, 1] makes 1 output channels']);
    expect(problems('(float[1,2,4,4] x, float[1,2,1,1] w, float[1,1] b) => (y)', 'y = Conv (x, w, b)')).toEqual(['shape-mismatch bias [1, 1] is not 1-D']);
    // ConvTranspose's weight is [C, M/group, k…]: with group 2, [4, 3, 2, 2] makes 6 output channels
    expect(problems('(float[1,4,3,3] x, float[4,3,2,2] w, float[6] b) => (y)', 'y = ConvTranspose <group = 2> (x, w, b)')).toEqual([]);
    expect(problems('(float[1,4,3,3] x, float[4,3,2,2] w, float[3] b) => (y)', 'y = ConvTranspose <group = 2> (x, w, b)')).toEqual(['shape-mismatch bias has 3 elements, the weight [4, 3, 2, 2] (group 2) makes 6 output channels']);
    expect(problems('(float[1,5,3,3] x, float[4,3,2,2] w) => (y)', 'y = ConvTranspose (x, w)')).toEqual(['shape-mismatch input has 5 channels, the weight [4, 3, 2, 2] reads 4']);
  });

  it('Concat off the axis', () => {
    expect(problems('(float[2,3] a, float[2,4] b) => (y)', 'y = Concat <axis = 1> (a, b)')).toEqual([]);
    expect(problems('(float[2,3] a, float[2,4] b) => (y)', 'y = Concat <axis = 0> (a, b)')[0]).toMatch(/differ off the axis 0/);
    expect(problems('(float[2,3] a, float[2,3,1] b) => (y)', 'y = Concat <axis = 0> (a, b)')[0]).toMatch(/differ in rank/);
  });

  it('Squeeze of a dim that is not 1, by input (13) or attribute (11)', () => {
    const axes = 'ax = Constant <value = int64[1] {0}> ()\n';
    expect(problems('(float[2,3] x) => (y)', `${axes}y = Squeeze (x, ax)`)).toEqual(['shape-mismatch axis 0 of shape [2, 3] is 2, not 1']);
    expect(problems('(float[1,3] x) => (y)', `${axes}y = Squeeze (x, ax)`)).toEqual([]);
    expect(problems('(float[N,3] x) => (y)', `${axes}y = Squeeze (x, ax)`)).toEqual([]);
    expect(problems('(float[2,3] x) => (y)', 'y = Squeeze <axes = [-1]> (x)', 11)).toEqual(['shape-mismatch axis -1 of shape [2, 3] is 3, not 1']);
  });

  it('Reshape to another element count; 0 copies and -1 resolved', () => {
    const to = (dims: string, n: number) => `s = Constant <value = int64[${n}] {${dims}}> ()\ny = Reshape (x, s)`;
    expect(problems('(float[2,3,4] x) => (y)', to('4, 5', 2))[0]).toMatch(/cannot reshape \[2, 3, 4\] \(24 elements\) to \[4, 5\] \(20\)/);
    expect(problems('(float[2,3,4] x) => (y)', to('0, -1', 2))).toEqual([]);
    expect(problems('(float[2,3,4] x) => (y)', to('0, 12', 2))).toEqual([]);
    expect(problems('(float[2,3,4] x) => (y)', to('-1, 5', 2))[0]).toMatch(/5 does not divide it/);
    expect(problems('(float[2,3,4] x) => (y)', to('-1, -1', 2))[0]).toMatch(/more than one -1/);
    expect(problems('(float[N,3,4] x) => (y)', to('4, 5', 2))).toEqual([]);
  });

  it('Expand to a shape the input does not broadcast with (both ways, as onnxruntime checks at run time)', () => {
    const to = (dims: string, n: number) => `s = Constant <value = int64[${n}] {${dims}}> ()\ny = Expand (x, s)`;
    expect(problems('(float[3] x) => (y)', to('2, 2', 2))).toEqual(['shape-mismatch input of shape [3] cannot expand to [2, 2]']);
    expect(problems('(float[3] x) => (y)', to('2, 3', 2))).toEqual([]);
    expect(problems('(float[2,3] x) => (y)', to('1', 1))).toEqual([]);
    expect(problems('(float[1,3] x) => (y)', to('4, 1, 1', 3))).toEqual([]);
    expect(problems('(float[N,3] x) => (y)', to('5, 4', 2))[0]).toMatch(/cannot expand/);
    expect(problems('(float[N,3] x) => (y)', to('5, 3', 2))).toEqual([]);
  });

  it('TopK: K a 1-D tensor of one element', () => {
    const body = (k: string) => `k = Constant <value = ${k}> ()\nv, i = TopK (x, k)`;
    expect(problems('(float[5] x) => (v, i)', body('int64 {2}'))).toEqual(['shape-mismatch K has shape []: it must be a 1-D tensor of one element']);
    expect(problems('(float[5] x) => (v, i)', body('int64[1] {2}'))).toEqual([]);
  });

  it('MatMul with a 1-D right operand: its only dim is the inner one', () => {
    expect(problems('(float[2,3] a, float[4] b) => (y)', 'y = MatMul (a, b)')).toEqual(['shape-mismatch inner dims differ: [2, 3] × [4]']);
    expect(problems('(float[2,3] a, float[3] b) => (y)', 'y = MatMul (a, b)')).toEqual([]);
  });

  it('Reshape with allowzero = 1: a 0 in the target is a zero dim, not a copy', () => {
    const to = (dims: string, allowzero: number) => `s = Constant <value = int64[2] {${dims}}> ()\ny = Reshape <allowzero = ${allowzero}> (x, s)`;
    expect(problems('(float[2,12] x) => (y)', to('0, 12', 0))).toEqual([]);
    expect(problems('(float[2,12] x) => (y)', to('0, 12', 1))[0]).toMatch(/cannot reshape \[2, 12\] \(24 elements\) to \[0, 12\] \(0\)/);
  });

  it('checks subgraphs, names the node and its graph', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[3] x) => (y) {
  y = If (c) <then_branch = t () => (o) {
    k = Constant <value = float[2] {1.0, 2.0}> ()
    o = Add (x, k)
  }, else_branch = e () => (o2) {
    o2 = Identity (x)
  }>
}`);
    expect(checkShapes(m).map((d) => [d.graph, d.node])).toEqual([['main/#0 If.then_branch', '#1 Add']]);
  });
});
