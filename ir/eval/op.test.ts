import { describe, expect, it } from 'vitest';
import { float } from '../attrs.js';
import { evalOp, evalOpTensor } from './op.js';

const f32 = (dims: number[], values: number[]) => ({ kind: 'tensor', dtype: 1, dims, data: Float32Array.from(values) }) as const;

describe('evalOp', () => {
  it('runs one op with broadcasting and attributes', () => {
    expect(evalOpTensor('Mul', [f32([2, 1], [2, 3]), f32([3], [1, 10, 100])])).toEqual(f32([2, 3], [2, 20, 200, 3, 30, 300]));
    expect(evalOpTensor('Transpose', [f32([2, 3], [1, 2, 3, 4, 5, 6])], { perm: [1n, 0n] })).toEqual(f32([3, 2], [1, 4, 2, 5, 3, 6]));
  });
  it('rounds in the dtype: float16 arithmetic is float16', () => {
    const h = (v: number) => ({ kind: 'tensor', dtype: 10, dims: [], data: Float32Array.of(v) }) as const;
    // 2049 is not a float16: 2048 + 1 rounds to 2048 (ties to even).
    expect(evalOpTensor('Add', [h(2048), h(1)]).data[0]).toBe(2048);
  });
  it('selects semantics by opset and gives several outputs', () => {
    const outs = evalOp('Split', [f32([4], [1, 2, 3, 4])], { axis: 0n }, { outputs: 2, opset: 13 });
    expect(outs).toEqual([f32([2], [1, 2]), f32([2], [3, 4])]);
  });
  it('null is an omitted optional input, kept in its slot: Clip(x, , max) clamps from above only', () => {
    const x = f32([3], [-5, 0.5, 5]);
    const hi = { kind: 'tensor', dtype: 1, dims: [], data: Float32Array.of(1) } as const;
    expect(evalOpTensor('Clip', [x, null, hi])).toEqual(f32([3], [-5, 0.5, 1]));
  });
  it('an op of another domain runs at that domain\'s opset (ai.onnx.ml Binarizer, opset 1 by default)', () => {
    // Binarizer: 1 where x > threshold, else 0.
    expect(evalOpTensor('Binarizer', [f32([3], [0.5, 1, 1.5])], { threshold: float(1) }, { domain: 'ai.onnx.ml' })).toEqual(f32([3], [0, 0, 1]));
    // The opset given is that domain's: Binarizer exists from ai.onnx.ml 1, not at 0.
    expect(() => evalOpTensor('Binarizer', [f32([1], [2])], { threshold: float(1) }, { domain: 'ai.onnx.ml', opset: 0 })).toThrow(/no kernel for ai.onnx.ml::Binarizer at opset 0/);
  });
  it('evalOpTensor refuses a result that is not a tensor', () => {
    expect(() => evalOpTensor('SequenceConstruct', [f32([1], [1])])).toThrow(/SequenceConstruct: the result is a sequence, not a tensor/);
  });
  it('a bad call is a LatheError', () => {
    expect(() => evalOpTensor('MatMul', [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([2], [1, 2])])).toThrow();
  });
});
