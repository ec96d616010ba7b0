/**
 * Opsets before 7: the `broadcast`/`axis` rules of the binary ops and PRelu's per-channel slope,
 * through the evaluator (kernels) and shape inference (rules, folding) on small hand-made models.
 * Every expected value is computed by hand in the comment beside it.
 */
import { describe, expect, it } from 'vitest';
import { LatheError } from '../error.js';
import { evaluate } from '../eval/run.js';
import { inferTypes } from '../infer/infer.js';
import { parseModel } from '../text/parse.js';
import type { Model, Type } from '../types.js';
import type { RtValue, TensorValue } from './types.js';

const f32 = (dims: number[], xs: number[]): TensorValue => ({ kind: 'tensor', dtype: 1, dims, data: Float32Array.from(xs) });

function model(opset: number, sig: string, inits: string, body: string): Model {
  return parseModel(`<ir_version: 3, opset_import: ["" : ${opset}]>\ng ${sig} <${inits}> {\n  ${body}\n}`);
}

function out(m: Model, inputs: Record<string, RtValue> = {}): { dims: readonly number[]; data: number[] } {
  const y = evaluate(m, inputs).get('y') as TensorValue;
  return { dims: y.dims, data: Array.from(y.data as ArrayLike<number>, Number) };
}

/** The inferred type and (when folded) values of the value named `name`. */
function inferred(m: Model, name = 'y'): { type?: Type; value?: number[]; errors: string[] } {
  const r = inferTypes(m);
  const id = Object.values(m.graph.values).find((v) => v.name === name)!.id;
  const v = r.values.get(id);
  return {
    type: r.types.get(id),
    ...(v ? { value: Array.from(v.data as ArrayLike<number>, Number) } : {}),
    errors: r.diagnostics.filter((d) => d.severity === 'error').map((d) => d.message),
  };
}

const A23 = 'float[2,3] a = {1.0, 2.0, 3.0, 4.0, 5.0, 6.0}';

describe('binary ops before opset 7', () => {
  it('broadcast=1 with axis=0 places B [2] on A\'s first dim (kernel and fold)', () => {
    const m = model(6, '() => (float[2,3] y)', `${A23}, float[2] b = {10.0, 20.0}`, 'y = Add <broadcast = 1, axis = 0> (a, b)');
    // rows: 1+10 2+10 3+10 | 4+20 5+20 6+20
    expect(out(m)).toEqual({ dims: [2, 3], data: [11, 12, 13, 24, 25, 26] });
    expect(inferred(m)).toEqual({ type: { kind: 'tensor', dtype: 1, shape: [2, 3] }, value: [11, 12, 13, 24, 25, 26], errors: [] });
  });

  it('broadcast=1 without axis matches B to A\'s suffix', () => {
    const m = model(6, '() => (float[2,3] y)', `${A23}, float[3] b = {10.0, 20.0, 30.0}`, 'y = Sub <broadcast = 1> (a, b)');
    // 1-10 2-20 3-30 | 4-10 5-20 6-30
    expect(out(m).data).toEqual([-9, -18, -27, -6, -15, -24]);
  });

  it('axis=1 places B [3] in the middle of A [2,3,2]', () => {
    const m = model(6, '(float[2,3,2] x) => (float[2,3,2] y)', 'float[3] b = {1.0, 2.0, 3.0}', 'y = Mul <broadcast = 1, axis = 1> (x, b)');
    const x = f32([2, 3, 2], [1, 1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 2]);
    // each [.., j, ..] scaled by b[j]: 1 1 2 2 3 3 | 2 2 4 4 6 6
    expect(out(m, { x }).data).toEqual([1, 1, 2, 2, 3, 3, 2, 2, 4, 4, 6, 6]);
  });

  it('a comparison follows the same rule (Greater, B [2] at axis 0)', () => {
    const m = model(6, '() => (bool[2,3] y)', `${A23}, float[2] b = {2.5, 4.5}`, 'y = Greater <broadcast = 1, axis = 0> (a, b)');
    // 1>2.5 2>2.5 3>2.5 | 4>4.5 5>4.5 6>4.5
    expect(out(m).data).toEqual([0, 0, 1, 0, 1, 1]);
    expect(inferred(m).value).toEqual([0, 0, 1, 0, 1, 1]);
  });

  it('without broadcast=1 the shapes must be equal (kernel error, inference diagnostic)', () => {
    const m = model(6, '() => (float[2,3] y)', `${A23}, float[3] b = {10.0, 20.0, 30.0}`, 'y = Add (a, b)');
    expect(() => evaluate(m, {})).toThrow(LatheError);
    expect(() => evaluate(m, {})).toThrow(/without broadcast=1/);
    expect(inferred(m).errors.join()).toMatch(/without broadcast=1/);
    // The same node at opset 7 broadcasts like numpy.
    const m7 = model(7, '() => (float[2,3] y)', `${A23}, float[3] b = {10.0, 20.0, 30.0}`, 'y = Add (a, b)');
    expect(out(m7).data).toEqual([11, 22, 33, 14, 25, 36]);
  });

  it('a B that does not fit at axis is refused', () => {
    const m = model(6, '() => (float[2,3] y)', `${A23}, float[2] b = {10.0, 20.0}`, 'y = Add <broadcast = 1, axis = 1> (a, b)');
    expect(() => evaluate(m, {})).toThrow(/does not place B|does not match A/);
    expect(inferred(m).errors.join()).toMatch(/does not place B|does not match A/);
  });

  it('inference fills A\'s unknown dims from a placed B and keeps A\'s shape', () => {
    const m = model(6, '(float[N,?] x) => (float[?,?] y)', 'float[3] b = {1.0, 2.0, 3.0}', 'y = Add <broadcast = 1> (x, b)');
    expect(inferred(m).type).toEqual({ kind: 'tensor', dtype: 1, shape: ['N', 3] });
  });
});

describe('PRelu before opset 7', () => {
  // X [1,2,2,2] (N,C,H,W): channel 0 holds -1 -2 3 -4, channel 1 holds -1 2 -3 -4.
  const X = 'float[1,2,2,2] x = {-1.0, -2.0, 3.0, -4.0, -1.0, 2.0, -3.0, -4.0}';

  it('a [C] slope is per channel at opset 6 (kernel and fold)', () => {
    const m = model(6, '() => (float[1,2,2,2] y)', `${X}, float[2] s = {0.5, 0.25}`, 'y = PRelu (x, s)');
    // channel 0 × 0.5 where negative: -0.5 -1 3 -2; channel 1 × 0.25: -0.25 2 -0.75 -1
    const expected = [-0.5, -1, 3, -2, -0.25, 2, -0.75, -1];
    expect(out(m)).toEqual({ dims: [1, 2, 2, 2], data: expected });
    expect(inferred(m)).toEqual({ type: { kind: 'tensor', dtype: 1, shape: [1, 2, 2, 2] }, value: expected, errors: [] });
  });

  it('from opset 7 the same slope broadcasts numpy-style, onto the last dim', () => {
    const m = model(7, '() => (float[1,2,2,2] y)', `${X}, float[2] s = {0.5, 0.25}`, 'y = PRelu (x, s)');
    // W index 0 × 0.5, W index 1 × 0.25: -0.5 -0.5 3 -1 | -0.5 2 -1.5 -1
    expect(out(m).data).toEqual([-0.5, -0.5, 3, -1, -0.5, 2, -1.5, -1]);
  });

  it('a one-element slope is shared', () => {
    const m = model(6, '() => (float[1,2,2,2] y)', `${X}, float[1,1] s = {0.5}`, 'y = PRelu (x, s)');
    expect(out(m).data).toEqual([-0.5, -1, 3, -2, -0.5, 2, -1.5, -2]);
  });

  it('a slope that is neither one value nor one per channel is refused', () => {
    const m = model(6, '() => (float[1,2,2,2] y)', `${X}, float[3] s = {0.5, 0.25, 0.1}`, 'y = PRelu (x, s)');
    expect(() => evaluate(m, {})).toThrow(/neither one value nor one per channel/);
    expect(inferred(m).errors.join()).toMatch(/neither one value nor one per channel/);
  });
});

describe('Sum, Mean, Max, Min before opset 8', () => {
  it('need one shape at opset 6; broadcast from opset 8', () => {
    const body = 'y = Max (a, b)';
    const inits = `${A23}, float[3] b = {2.5, 0.0, 9.0}`;
    expect(() => evaluate(model(6, '() => (float[2,3] y)', inits, body), {})).toThrow(/must have one shape before opset 8/);
    expect(inferred(model(6, '() => (float[2,3] y)', inits, body)).errors.join()).toMatch(/must have one shape before opset 8/);
    // max(1,2.5) max(2,0) max(3,9) | max(4,2.5) max(5,0) max(6,9)
    expect(out(model(8, '() => (float[2,3] y)', inits, body)).data).toEqual([2.5, 2, 9, 4, 5, 9]);
    const same = model(6, '() => (float[2,3] y)', `${A23}, float[2,3] b = {1.0, 1.0, 1.0, 1.0, 1.0, 1.0}`, 'y = Sum (a, b, b)');
    // each + 2
    expect(out(same).data).toEqual([3, 4, 5, 6, 7, 8]);
    expect(inferred(same).value).toEqual([3, 4, 5, 6, 7, 8]);
  });
});

describe('Gemm before opset 7', () => {
  // A [2,2] = 1 2 / 3 4, B = identity: A·B = A.
  const inits = 'float[2,2] a = {1.0, 2.0, 3.0, 4.0}, float[2,2] b = {1.0, 0.0, 0.0, 1.0}';
  it('C must be [M, N] without broadcast=1; with it, C broadcasts', () => {
    const bad = model(6, '() => (float[2,2] y)', `${inits}, float[2] c = {10.0, 20.0}`, 'y = Gemm (a, b, c)');
    expect(() => evaluate(bad, {})).toThrow(/must be \[M, N\]/);
    expect(inferred(bad).errors.join()).toMatch(/must be \[M, N\]/);
    const ok = model(6, '() => (float[2,2] y)', `${inits}, float[2] c = {10.0, 20.0}`, 'y = Gemm <broadcast = 1> (a, b, c)');
    // 1+10 2+20 | 3+10 4+20
    expect(out(ok).data).toEqual([11, 22, 13, 24]);
    expect(inferred(ok).type).toEqual({ kind: 'tensor', dtype: 1, shape: [2, 2] });
  });
});
