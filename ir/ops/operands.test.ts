import { describe, expect, it } from 'vitest';
import { toAttrs, type AttrsInit } from '../attrs.js';
import type { Node, NodeId } from '../types.js';
import { evaluate } from '../eval/run.js';
import { inferTypes } from '../infer/infer.js';
import { parseModel } from '../text/parse.js';
import { attrReader } from './attrs.js';
import { standardOps } from './index.js';
import { concatAxis, padOperands, reduceAxes, reshapeOperand, sliceOperands, splitOperand, squeezeAxes, topkK, unsqueezeAxes } from './operands.js';

function ctx(opset: number, attrs: AttrsInit = {}) {
  const node: Node = { id: 'n' as NodeId, op: 'X', domain: '', inputs: [], outputs: [], attrs: toAttrs(attrs) };
  return { opset, attrs: attrReader(node) };
}
const all = () => true;
const none = () => false;

describe('operand decodings shared by kernels and rules', () => {
  it('Slice: attributes before opset 10, inputs from it', () => {
    expect(sliceOperands(ctx(9, { starts: [1n], ends: [3n] }), all)).toEqual({
      starts: { from: 'attr', value: [1] }, ends: { from: 'attr', value: [3] }, axes: { from: 'absent' }, steps: { from: 'absent' },
    });
    expect(sliceOperands(ctx(10, { starts: [1n] }), (i) => i !== 4)).toEqual({
      starts: { from: 'input', index: 1 }, ends: { from: 'input', index: 2 }, axes: { from: 'input', index: 3 }, steps: { from: 'absent' },
    });
  });
  it('Split: input from 13; before, the attribute, or input 1 at opset 1 only', () => {
    expect(splitOperand(ctx(13, { split: [1n] }), all)).toEqual({ from: 'input', index: 1 });
    expect(splitOperand(ctx(11, { split: [1n, 2n] }), all)).toEqual({ from: 'attr', value: [1, 2] });
    expect(splitOperand(ctx(1), all)).toEqual({ from: 'input', index: 1 });
    expect(splitOperand(ctx(2), all)).toEqual({ from: 'absent' });
    expect(splitOperand(ctx(13), none)).toEqual({ from: 'absent' });
  });
  it('Pad: paddings at opset 1, pads attribute to 10, inputs from 11 (axes from 18)', () => {
    expect(padOperands(ctx(1, { paddings: [0n, 1n] }), all).pads).toEqual({ from: 'attr', value: [0, 1] });
    expect(padOperands(ctx(2, { pads: [2n, 3n] }), all).pads).toEqual({ from: 'attr', value: [2, 3] });
    expect(padOperands(ctx(13), all)).toEqual({ pads: { from: 'input', index: 1 }, axes: { from: 'absent' } });
    expect(padOperands(ctx(18), all).axes).toEqual({ from: 'input', index: 3 });
  });
  it('Reshape, Squeeze, Unsqueeze, reductions, TopK, Concat', () => {
    expect(reshapeOperand(ctx(4, { shape: [2n, -1n] }))).toEqual({ from: 'attr', value: [2, -1] });
    expect(reshapeOperand(ctx(5))).toEqual({ from: 'input', index: 1 });
    expect(squeezeAxes(ctx(11), all)).toEqual({ from: 'absent' });
    expect(squeezeAxes(ctx(13), all)).toEqual({ from: 'input', index: 1 });
    expect(unsqueezeAxes(ctx(11, { axes: [0n] }))).toEqual({ from: 'attr', value: [0] });
    expect(reduceAxes(ctx(13, { axes: [1n] }), 18, all)).toEqual({ from: 'attr', value: [1] });
    expect(reduceAxes(ctx(13, { axes: [1n] }), 13, all)).toEqual({ from: 'input', index: 1 });
    expect(topkK(ctx(9, { k: 3n }))).toEqual({ from: 'attr', value: [3] });
    expect(topkK(ctx(10))).toEqual({ from: 'input', index: 1 });
    expect(concatAxis(ctx(3))).toBe(1);
    expect(() => concatAxis(ctx(4))).toThrow(/axis/);
  });
});

describe('one decoding, two readers', () => {
  it('Slice-1 attributes drive both the kernel and inference (values by hand)', () => {
    const m = parseModel(`<ir_version: 3, opset_import: ["" : 9]>
g () => (float[?,?] y) <float[2,3] a = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}> {
  y = Slice <starts = [1, 0], ends = [2, 2], axes = [0, 1]> (a)
}`);
    // row 1, columns 0..1: 4 5
    const y = evaluate(m, {}).get('y')!;
    expect(y.kind === 'tensor' && [y.dims, Array.from(y.data as Float32Array)]).toEqual([[1, 2], [4, 5]]);
    const id = Object.values(m.graph.values).find((v) => v.name === 'y')!.id;
    const r = inferTypes(m);
    expect(r.types.get(id)).toEqual({ kind: 'tensor', dtype: 1, shape: [1, 2] });
    expect(Array.from(r.values.get(id)!.data as Float32Array)).toEqual([4, 5]);
  });
});

it('the op table carries each op\'s operand decoding', () => {
  const slice = standardOps.find((d) => d.name === 'Slice' && d.domain === '')!;
  expect(slice.operands?.(ctx(9, { starts: [0n], ends: [1n] }), all).starts).toEqual({ from: 'attr', value: [0] });
  expect(slice.operands?.(ctx(13), all).starts).toEqual({ from: 'input', index: 1 });
  const withOperands = standardOps.filter((d) => d.operands).map((d) => d.name);
  for (const n of ['Split', 'Pad', 'Reshape', 'Squeeze', 'Unsqueeze', 'ReduceSum', 'ReduceMax', 'TopK', 'DFT']) expect(withOperands).toContain(n);
});
