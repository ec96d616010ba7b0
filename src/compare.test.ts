import { describe, expect, test } from 'vitest';
import { DataType as D } from '../ir/dtype.js';
import type { RtValue } from '../ir/ops/types.js';
import { compareValues } from './compare.js';

const f32 = (xs: number[], dims = [xs.length]): RtValue => ({ kind: 'tensor', dtype: D.FLOAT, dims, data: Float32Array.from(xs) });
const f64 = (xs: number[]): RtValue => ({ kind: 'tensor', dtype: D.DOUBLE, dims: [xs.length], data: Float64Array.from(xs) });
const tol = { rtol: 1e-3, atol: 1e-5 };

describe('compareValues', () => {
  test('the rule is |a-b| <= atol + rtol*|b| (b the reference), with the largest differences reported', () => {
    // 1000 vs 1001: |a-b| = 1 <= 1e-5 + 1e-3*1001 → agree; 1000 vs 1002 → past
    expect(compareValues(f64([1000]), f64([1001]), tol)).toMatchObject({ past: 0, maxAbs: 1, maxRel: 1 / 1001 });
    expect(compareValues(f64([1000]), f64([1002]), tol)).toMatchObject({ past: 1, maxAbs: 2 });
    expect(compareValues(f64([1e-5]), f64([0]), tol)).toMatchObject({ past: 0, maxRel: Infinity });
    expect(compareValues(f64([2e-5]), f64([0]), tol).past).toBe(1);
    expect(compareValues(f32([1, 2, 3]), f32([1, 2.5, 3]), { rtol: 0, atol: 0 })).toMatchObject({ elements: 3, past: 1, maxAbs: 0.5, maxRel: 0.2 });
  });

  test('NaN in the same places is equal; NaN against a number, or opposite infinities, is a difference', () => {
    expect(compareValues(f32([NaN, 1, Infinity]), f32([NaN, 1, Infinity]), tol)).toMatchObject({ past: 0, maxAbs: 0 });
    expect(compareValues(f32([NaN]), f32([1]), tol)).toMatchObject({ past: 1, maxAbs: Infinity });
    expect(compareValues(f32([1]), f32([NaN]), tol).past).toBe(1);
    expect(compareValues(f32([Infinity]), f32([-Infinity]), tol).past).toBe(1);
    expect(compareValues(f32([1]), f32([Infinity]), tol)).toMatchObject({ past: 1, maxAbs: Infinity, maxRel: Infinity });
  });

  test('dtype, shape, kind and length mismatches are reported in words', () => {
    expect(compareValues(f32([1]), f64([1]), tol).mismatch).toBe('dtype float vs double');
    expect(compareValues(f32([1, 2], [2]), f32([1, 2], [1, 2]), tol).mismatch).toBe('shape [2] vs [1,2]');
    expect(compareValues(f32([1]), { kind: 'sequence', items: [] }, tol).mismatch).toMatch(/float\[1\] vs seq/);
    expect(compareValues({ kind: 'sequence', items: [f32([1])] }, { kind: 'sequence', items: [] }, tol).mismatch).toBe('sequence of 1 vs 0 items');
    expect(compareValues({ kind: 'sequence', items: [f32([1])] }, { kind: 'sequence', items: [f32([1.5])] }, tol)).toMatchObject({ past: 1, maxAbs: 0.5 });
  });

  test('int64 past 2^53 and strings compare exactly', () => {
    const i64 = (xs: bigint[]): RtValue => ({ kind: 'tensor', dtype: D.INT64, dims: [xs.length], data: BigInt64Array.from(xs) });
    expect(compareValues(i64([2n ** 60n]), i64([2n ** 60n + 1n]), { rtol: 0, atol: 0 })).toMatchObject({ past: 1, maxAbs: 1 });
    expect(compareValues(i64([5n]), i64([5n]), tol).past).toBe(0);
    const s = (xs: string[]): RtValue => ({ kind: 'tensor', dtype: D.STRING, dims: [xs.length], data: xs });
    expect(compareValues(s(['a', 'b']), s(['a', 'c']), tol).past).toBe(1);
  });
});
