import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../dtype.js';
import type { TensorValue } from '../types.js';
import { bools, f32, i32, i64, iota, plain, run1 } from './test-util.js';

/** Naive reference: sums x over `axes` by decomposing every flat index into coordinates. */
function refSum(x: TensorValue, axes: number[]): number[] {
  const dims = x.dims;
  const keep = dims.map((d, a) => (axes.includes(a) ? 1 : d));
  const out = new Array<number>(keep.reduce((p, d) => p * d, 1)).fill(0);
  const data = x.data as Float32Array;
  for (let f = 0; f < data.length; f++) {
    let rem = f;
    const c = new Array<number>(dims.length);
    for (let a = dims.length - 1; a >= 0; a--) {
      c[a] = rem % dims[a];
      rem = Math.floor(rem / dims[a]);
    }
    let o = 0;
    for (let a = 0; a < dims.length; a++) o = o * keep[a] + (axes.includes(a) ? 0 : c[a]);
    out[o] += data[f];
  }
  return out;
}

describe('Reduce*', () => {
  it('ReduceSum matches a naive reference over random shapes and axes', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((dims) =>
        fc.tuple(fc.constant(dims), fc.subarray(dims.map((_, i) => i), { minLength: 1 }))),
      ([dims, axes]) => {
        const x = iota(dims);
        const y = run1('ReduceSum', [x, i64([axes.length], axes)]);
        expect(plain(y).data).toEqual(refSum(x, axes));
        expect(y.dims).toEqual(dims.map((d, a) => (axes.includes(a) ? 1 : d)));
      },
    ), { seed: 42, numRuns: 150 });
  });
  it('axes come from the attribute before opset 18 (13 for ReduceSum) and keepdims=0 drops them', () => {
    const x = f32([2, 2], [1, 2, 3, 4]);
    expect(plain(run1('ReduceMean', [x], { axes: [1], keepdims: 0 }, 13))).toEqual({ dims: [2], data: [1.5, 3.5] });
    expect(plain(run1('ReduceMean', [x, i64([1], [-2])], { keepdims: 0 }, 18))).toEqual({ dims: [2], data: [2, 3] });
    expect(plain(run1('ReduceSum', [x], { axes: [0] }, 11))).toEqual({ dims: [1, 2], data: [4, 6] });
  });
  it('empty axes reduce everything unless noop_with_empty_axes', () => {
    const x = f32([2, 2], [1, 2, 3, 4]);
    expect(plain(run1('ReduceProd', [x, i64([0], [])]))).toEqual({ dims: [1, 1], data: [24] });
    expect(run1('ReduceProd', [x, i64([0], [])], { noop_with_empty_axes: 1 })).toBe(x);
    expect(plain(run1('ReduceMax', [x], { keepdims: 0 }))).toEqual({ dims: [], data: [4] });
  });
  it('every kind computes its formula', () => {
    const x = f32([1, 3], [-1, 2, 3]);
    const get = (op: string) => plain(run1(op, [x, i64([1], [1])], { keepdims: 0 })).data[0] as number;
    expect(get('ReduceL1')).toBe(6);
    expect(get('ReduceL2')).toBeCloseTo(Math.sqrt(14), 5);
    expect(get('ReduceSumSquare')).toBe(14);
    expect(get('ReduceLogSum')).toBeCloseTo(Math.log(4), 6);
    expect(get('ReduceLogSumExp')).toBeCloseTo(Math.log(Math.exp(-1) + Math.exp(2) + Math.exp(3)), 5);
    expect(get('ReduceMin')).toBe(-1);
    expect(plain(run1('ReduceLogSumExp', [f32([2], [1000, 1000])])).data[0]).toBeCloseTo(1000 + Math.log(2), 3);
  });
  it('empty sets give the identity of each reduction', () => {
    const e = f32([2, 0], []);
    const ax = i64([1], [1]);
    const val = (op: string) => plain(run1(op, [e, ax])).data;
    expect(val('ReduceSum')).toEqual([0, 0]);
    expect(val('ReduceProd')).toEqual([1, 1]);
    expect(val('ReduceMax')).toEqual([-Infinity, -Infinity]);
    expect(val('ReduceMin')).toEqual([Infinity, Infinity]);
    expect(val('ReduceLogSumExp')).toEqual([-Infinity, -Infinity]);
    expect(val('ReduceL2')).toEqual([0, 0]);
    expect(plain(run1('ReduceMax', [bools([0], []), i64([1], [0])])).data).toEqual([0]);
    expect(plain(run1('ReduceMin', [i32([0], []), i64([1], [0])])).data).toEqual([2 ** 31 - 1]);
  });
  it('ReduceLogSumExp of infinities is log(sum(exp)): -inf, inf, not log of their count (onnxruntime agrees)', () => {
    const x = f32([5, 2], [-Infinity, -Infinity, Infinity, 1, Infinity, Infinity, -Infinity, 3, NaN, Infinity]);
    const got = Array.from(run1('ReduceLogSumExp', [x, i64([1], [1])], { keepdims: 0 }).data as Float32Array);
    expect(got.slice(0, 4)).toEqual([-Infinity, Infinity, Infinity, 3]);
    expect(got[4]).toBeNaN();
  });
  it('noop_with_empty_axes still takes the non-reduction steps: |x|, x², log x (spec; onnxruntime agrees)', () => {
    const x = f32([2, 2], [1, -2, 4, -0]);
    const noop = (op: string, ins: TensorValue[]) => Array.from(run1(op, ins, { noop_with_empty_axes: 1 }).data as Float32Array);
    for (const ins of [[x], [x, i64([0], [])]]) {
      expect(noop('ReduceL1', ins)).toEqual([1, 2, 4, 0]);
      expect(noop('ReduceL2', ins)).toEqual([1, 2, 4, 0]);
      expect(noop('ReduceSumSquare', ins)).toEqual([1, 4, 16, 0]);
      expect(noop('ReduceLogSum', ins)).toEqual([0, NaN, Math.fround(Math.log(4)), -Infinity]);
      expect(Object.is(noop('ReduceLogSumExp', ins)[3], 0)).toBe(true); // log(exp(-0)) = +0
      expect(noop('ReduceSum', ins)).toEqual([1, -2, 4, -0]);
      expect(noop('ReduceMax', ins)).toEqual([1, -2, 4, -0]);
    }
    expect(plain(run1('ReduceSumSquare', [i32([2], [-3, 5])], { noop_with_empty_axes: 1 }))).toEqual({ dims: [2], data: [9, 25] });
  });
  it('integers wrap like their width; int64 is exact', () => {
    expect(plain(run1('ReduceProd', [i32([2], [65536, 65537])])).data).toEqual([65536]);
    expect(plain(run1('ReduceMean', [i32([2], [1, 2])])).data).toEqual([1]);
    const big = run1('ReduceSum', [i64([2], [2n ** 62n, 2n ** 62n - 1n])]);
    expect(big.dtype).toBe(D.INT64);
    expect((big.data as BigInt64Array)[0]).toBe(2n ** 63n - 1n);
    expect(plain(run1('ReduceMax', [bools([3], [0, 1, 0])])).data).toEqual([1]);
  });
});

describe('ArgMax / ArgMin', () => {
  const x = f32([2, 3], [2, 5, 5, 1, 0, 1]);
  it('picks the first or last extreme index', () => {
    expect(plain(run1('ArgMax', [x], { axis: 1 }))).toEqual({ dims: [2, 1], data: [1, 0] });
    expect(plain(run1('ArgMax', [x], { axis: 1, select_last_index: 1, keepdims: 0 }))).toEqual({ dims: [2], data: [2, 2] });
    expect(plain(run1('ArgMin', [x], { axis: -1, select_last_index: 1, keepdims: 0 })).data).toEqual([0, 1]);
    expect(plain(run1('ArgMin', [i64([3], [5n, -(2n ** 62n), 7n])], { keepdims: 0 })).data).toEqual([1]);
    expect(() => run1('ArgMax', [f32([0], [])])).toThrow(/ArgMax/);
  });
});

describe('CumSum / CumProd', () => {
  const x = f32([3], [1, 2, 3]);
  const ax = i32([], [0]);
  it('inclusive, exclusive, reverse', () => {
    expect(plain(run1('CumSum', [x, ax])).data).toEqual([1, 3, 6]);
    expect(plain(run1('CumSum', [x, ax], { exclusive: 1 })).data).toEqual([0, 1, 3]);
    expect(plain(run1('CumSum', [x, ax], { reverse: 1 })).data).toEqual([6, 5, 3]);
    expect(plain(run1('CumProd', [x, ax], { exclusive: 1, reverse: 1 })).data).toEqual([6, 3, 1]);
    expect(plain(run1('CumProd', [x, ax], { reverse: 1 })).data).toEqual([6, 6, 3]);
  });
  it('runs along an inner axis and on int64', () => {
    expect(plain(run1('CumSum', [iota([2, 3]), i64([], [-1])])).data).toEqual([0, 1, 3, 3, 7, 12]);
    expect(plain(run1('CumProd', [i64([3], [2, 3, 4]), ax])).data).toEqual([2, 6, 24]);
    expect(() => run1('CumSum', [x, i64([], [1])])).toThrow(/CumSum/);
  });
});
