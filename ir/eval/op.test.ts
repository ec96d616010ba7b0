import { describe, expect, it } from 'vitest';
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
  it('a bad call is a LatheError', () => {
    expect(() => evalOpTensor('MatMul', [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([2], [1, 2])])).toThrow();
  });
});
