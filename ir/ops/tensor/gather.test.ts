import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import { bools, f32, i32, i64, iota, plain, run1, str } from './test-util.js';

describe('Gather family', () => {
  it('Gather takes slices along axis with int32/int64 and negative indices', () => {
    const y = run1('Gather', [iota([3, 2]), i64([2, 2], [0, -1, 1, 0])], { axis: 0 });
    expect(plain(y)).toEqual({ dims: [2, 2, 2], data: [0, 1, 4, 5, 2, 3, 0, 1] });
    expect(plain(run1('Gather', [iota([2, 3]), i32([], [-1])], { axis: 1 }))).toEqual({ dims: [2], data: [2, 5] });
    expect(plain(run1('Gather', [str([3], ['a', 'b', 'c']), i64([2], [2, 0])]))).toEqual({ dims: [2], data: ['c', 'a'] });
  });
  it('out-of-range indices are LatheErrors naming the op', () => {
    expect(() => run1('Gather', [iota([3]), i64([1], [3])])).toThrow(/^Gather: index 3 is out of range/);
    expect(() => run1('Gather', [iota([3]), i64([1], [-4])])).toThrow(LatheError);
    expect(() => run1('GatherElements', [iota([2, 2]), i64([2, 1], [0, 2])], { axis: 1 })).toThrow(/GatherElements/);
    expect(() => run1('GatherND', [iota([2, 2]), i64([1, 2], [0, 5])])).toThrow(/GatherND/);
    expect(() => run1('ScatterND', [iota([2]), i64([1, 1], [2]), f32([1], [0])])).toThrow(/ScatterND/);
  });
  it('GatherElements picks per element along axis', () => {
    const y = run1('GatherElements', [f32([2, 2], [1, 2, 3, 4]), i64([2, 2], [0, 0, 1, 0])], { axis: 1 });
    expect(plain(y).data).toEqual([1, 1, 4, 3]);
    const z = run1('GatherElements', [iota([3, 3]), i32([2, 3], [1, 2, 0, 2, 0, -3])], { axis: 0 });
    expect(plain(z).data).toEqual([3, 7, 2, 6, 1, 2]);
  });
  it('GatherND with and without batch_dims', () => {
    expect(plain(run1('GatherND', [i32([2, 2], [0, 1, 2, 3]), i64([2, 2], [0, 0, 1, 1])])).data).toEqual([0, 3]);
    expect(plain(run1('GatherND', [iota([2, 2, 2]), i64([2, 1], [1, 0])]))).toEqual({ dims: [2, 2, 2], data: [4, 5, 6, 7, 0, 1, 2, 3] });
    const b = run1('GatherND', [iota([2, 2, 2]), i64([2, 1], [1, 0])], { batch_dims: 1 });
    expect(plain(b)).toEqual({ dims: [2, 2], data: [2, 3, 4, 5] });
  });
});

describe('Scatter family', () => {
  it('ScatterElements replaces or reduces, duplicates accumulate', () => {
    const data = f32([1, 5], [1, 2, 3, 4, 5]);
    const idx = i64([1, 2], [1, 1]);
    const upd = f32([1, 2], [1.1, 2.1]);
    expect(plain(run1('ScatterElements', [data, idx, upd], { axis: 1, reduction: 'add' })).data[1]).toBeCloseTo(5.2, 5);
    expect(plain(run1('ScatterElements', [data, idx, upd], { axis: 1, reduction: 'mul' })).data[1]).toBeCloseTo(2 * 1.1 * 2.1, 5);
    expect(plain(run1('ScatterElements', [data, idx, upd], { axis: 1, reduction: 'max' })).data[1]).toBeCloseTo(2.1, 5);
    expect(plain(run1('ScatterElements', [data, idx, upd], { axis: 1, reduction: 'min' })).data[1]).toBe(1.100000023841858);
    expect(plain(run1('ScatterElements', [data, i64([1, 2], [-1, 0]), upd], { axis: 1 })).data).toEqual(plain(f32([5], [2.1, 2, 3, 4, 1.1])).data);
    // the input must not be modified
    expect(plain(data).data).toEqual([1, 2, 3, 4, 5]);
  });
  it('Scatter (opset 9) is ScatterElements without reduction; int64 reductions are exact', () => {
    expect(plain(run1('Scatter', [iota([3]), i64([1], [2]), f32([1], [9])], {}, 10)).data).toEqual([0, 1, 9]);
    const big = run1('ScatterElements', [i64([1], [2n ** 62n]), i64([1], [0]), i64([1], [3])], { reduction: 'add' });
    expect((big.data as BigInt64Array)[0]).toBe(2n ** 62n + 3n);
  });
  it('ScatterND writes slabs with reductions', () => {
    const data = iota([4]);
    const y = run1('ScatterND', [data, i64([4, 1], [4 - 4, 3, 1, 7 - 7]), f32([4], [9, 10, 11, 12])], { reduction: 'add' });
    expect(plain(y).data).toEqual([21, 12, 2, 13]);
    const s = run1('ScatterND', [iota([2, 2]), i64([1, 1], [1]), f32([1, 2], [7, 8])]);
    expect(plain(s).data).toEqual([0, 1, 7, 8]);
    expect(plain(run1('ScatterND', [str([2], ['a', 'b']), i64([1, 1], [0]), str([1], ['z'])])).data).toEqual(['z', 'b']);
    expect(() => run1('ScatterND', [str([2], ['a', 'b']), i64([1, 1], [0]), str([1], ['z'])], { reduction: 'add' })).toThrow(/ScatterND/);
  });
  it('TensorScatter writes update rows at per-batch write indices, linear or circular', () => {
    const past = f32([2, 4, 1], new Array(8).fill(0));
    const upd = f32([2, 2, 1], [1, 2, 3, 4]);
    const y = run1('TensorScatter', [past, upd, i64([2], [1, 3])], { mode: 'circular' });
    expect(plain(y).data).toEqual([0, 1, 2, 0, 4, 0, 0, 3]);
    expect(() => run1('TensorScatter', [past, upd, i64([2], [1, 3])])).toThrow(/TensorScatter/);
    expect(plain(run1('TensorScatter', [past, upd])).data).toEqual([1, 2, 0, 0, 3, 4, 0, 0]);
  });
});

describe('OneHot / NonZero', () => {
  it('OneHot handles negative indices, out-of-range indices and axis', () => {
    const y = run1('OneHot', [i64([3], [0, -1, 5]), f32([], [3]), f32([2], [0, 1])], { axis: -1 });
    expect(plain(y)).toEqual({ dims: [3, 3], data: [1, 0, 0, 0, 0, 1, 0, 0, 0] });
    const z = run1('OneHot', [f32([2], [1, 0]), i32([], [2]), i64([2], [2, 7])], { axis: 0 });
    expect(plain(z)).toEqual({ dims: [2, 2], data: [2, 7, 7, 2] });
    expect(z.dtype).toBe(D.INT64);
  });
  it('NonZero lists coordinates per axis, row-major', () => {
    const y = run1('NonZero', [bools([2, 2], [1, 0, 1, 1])]);
    expect(plain(y)).toEqual({ dims: [2, 3], data: [0, 1, 1, 0, 0, 1] });
    expect(plain(run1('NonZero', [i64([3], [0, 5, 0])]))).toEqual({ dims: [1, 1], data: [1] });
    expect(plain(run1('NonZero', [str([3], ['', 'x', 'y'])])).data).toEqual([1, 2]);
  });
});
