import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import { c64, f32, i32, i64, iota, plain, run1, str } from './test-util.js';

describe('Reshape', () => {
  it('infers -1 and copies 0 from the input', () => {
    const y = run1('Reshape', [iota([2, 3, 4]), i64([3], [0, -1, 2])]);
    expect(y.dims).toEqual([2, 6, 2]);
    expect(plain(y).data).toEqual(plain(iota([24])).data);
  });
  it('allowzero=1 keeps a literal 0 dimension', () => {
    const y = run1('Reshape', [f32([0, 3], []), i64([2], [3, 0])], { allowzero: 1 });
    expect(y.dims).toEqual([3, 0]);
  });
  it('reads the shape attribute before opset 5', () => {
    expect(run1('Reshape', [iota([6])], { shape: [3, 2] }, 1).dims).toEqual([3, 2]);
  });
  it('works on strings and rejects element-count mismatches', () => {
    expect(plain(run1('Reshape', [str([4], ['a', 'b', 'c', 'd']), i64([2], [2, 2])])).data).toEqual(['a', 'b', 'c', 'd']);
    expect(() => run1('Reshape', [iota([6]), i64([2], [4, 2])])).toThrow(/Reshape: cannot reshape/);
    expect(() => run1('Reshape', [iota([6]), i64([2], [-1, -1])])).toThrow(LatheError);
  });
});

describe('Flatten / Squeeze / Unsqueeze', () => {
  it('Flatten splits at axis, negative axes count from the back', () => {
    expect(run1('Flatten', [iota([2, 3, 4, 5])], { axis: 0 }).dims).toEqual([1, 120]);
    expect(run1('Flatten', [iota([2, 3, 4, 5])], { axis: -1 }).dims).toEqual([24, 5]);
    expect(run1('Flatten', [iota([2, 3, 4, 5])]).dims).toEqual([2, 60]);
    expect(() => run1('Flatten', [iota([2, 3])], { axis: 3 })).toThrow(/Flatten/);
  });
  it('Squeeze drops given or all unit axes; rejects non-unit ones', () => {
    expect(run1('Squeeze', [iota([1, 3, 1, 5]), i64([1], [-2])]).dims).toEqual([1, 3, 5]);
    expect(run1('Squeeze', [iota([1, 3, 1, 5])]).dims).toEqual([3, 5]);
    expect(run1('Squeeze', [iota([1, 3, 1, 5]), i64([0], [])]).dims).toEqual([3, 5]);
    expect(run1('Squeeze', [iota([1, 3, 1])], { axes: [0] }, 11).dims).toEqual([3, 1]);
    expect(() => run1('Squeeze', [iota([1, 3]), i64([1], [1])])).toThrow(/Squeeze: cannot squeeze axis 1/);
  });
  it('Unsqueeze inserts at output positions, any order', () => {
    expect(run1('Unsqueeze', [iota([3, 4, 5]), i64([2], [4, 3])]).dims).toEqual([3, 4, 5, 1, 1]);
    expect(run1('Unsqueeze', [iota([3, 4]), i64([2], [-1, 0])]).dims).toEqual([1, 3, 4, 1]);
    expect(run1('Unsqueeze', [iota([3])], { axes: [1] }, 11).dims).toEqual([3, 1]);
    expect(() => run1('Unsqueeze', [iota([3]), i64([2], [0, 0])])).toThrow(/Unsqueeze/);
  });
});

describe('Transpose', () => {
  it('defaults to reversing axes', () => {
    const y = run1('Transpose', [iota([2, 3])]);
    expect(plain(y)).toEqual({ dims: [3, 2], data: [0, 3, 1, 4, 2, 5] });
  });
  it('moves complex pairs and int64 as whole elements', () => {
    expect(plain(run1('Transpose', [c64([2, 1], [1, 2, 3, 4])])).data).toEqual([1, 2, 3, 4]);
    expect(plain(run1('Transpose', [c64([1, 2], [1, 2, 3, 4])], { perm: [1, 0] })).dims).toEqual([2, 1]);
    const big = run1('Transpose', [i64([2, 2], [2n ** 62n, 1n, 2n, -(2n ** 62n)])]);
    expect(Array.from(big.data as BigInt64Array)).toEqual([2n ** 62n, 2n, 1n, -(2n ** 62n)]);
  });
  it('transposes float32 matrices whose sides are not multiples of the 8-row band', () => {
    for (const [m, n] of [[19, 11], [8, 3], [1, 9], [17, 1]]) {
      const y = plain(run1('Transpose', [iota([m, n])]));
      expect(y.dims).toEqual([n, m]);
      expect(y.data).toEqual(Array.from({ length: m * n }, (_, k) => (k % m) * n + Math.floor(k / m)));
    }
  });
  it('places element x[c] at y[c permuted] for random shapes and perms', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }).chain((dims) =>
        fc.tuple(fc.constant(dims), fc.shuffledSubarray(dims.map((_, i) => i), { minLength: dims.length }))),
      ([dims, perm]) => {
        const x = iota(dims);
        const y = run1('Transpose', [x], { perm });
        const back = run1('Transpose', [y], { perm: perm.map((_, i) => perm.indexOf(i)) });
        expect(plain(back)).toEqual(plain(x));
        expect(y.dims).toEqual(perm.map((a) => dims[a]));
      },
    ), { seed: 42, numRuns: 100 });
  });
});

describe('Expand / Tile', () => {
  it('Expand broadcasts both ways', () => {
    const y = run1('Expand', [f32([3, 1], [1, 2, 3]), i64([3], [2, 1, 4])]);
    expect(y.dims).toEqual([2, 3, 4]);
    expect(plain(y).data.slice(0, 12)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3]);
    expect(run1('Expand', [f32([3, 1], [1, 2, 3]), i64([1], [1])]).dims).toEqual([3, 1]);
    expect(() => run1('Expand', [f32([3], [1, 2, 3]), i64([1], [2])])).toThrow(/Expand/);
  });
  it('Expand refuses outputs beyond the size limit', () => {
    expect(() => run1('Expand', [f32([1], [1]), i64([3], [100000, 100000, 100000])])).toThrow(/Expand: output of/);
  });
  it('Tile repeats each axis', () => {
    const y = run1('Tile', [f32([2, 2], [1, 2, 3, 4]), i64([2], [2, 1])]);
    expect(plain(y)).toEqual({ dims: [4, 2], data: [1, 2, 3, 4, 1, 2, 3, 4] });
    expect(plain(run1('Tile', [str([2], ['a', 'b']), i64([1], [2])])).data).toEqual(['a', 'b', 'a', 'b']);
    expect(() => run1('Tile', [iota([2]), i64([2], [1, 1])])).toThrow(/Tile: repeats/);
  });
});

describe('EyeLike / Range', () => {
  it('EyeLike places ones on diagonal k, in the requested dtype', () => {
    const y = run1('EyeLike', [f32([3, 4], new Array(12).fill(7))], { k: 1, dtype: D.INT64 });
    expect(y.dtype).toBe(D.INT64);
    expect(plain(y).data).toEqual([0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(plain(run1('EyeLike', [i32([2, 2], [5, 5, 5, 5])], { k: -1 })).data).toEqual([0, 0, 1, 0]);
  });
  it('Range counts ceil((limit-start)/delta) elements', () => {
    expect(plain(run1('Range', [f32([], [3]), f32([], [9]), f32([], [3])])).data).toEqual([3, 6]);
    expect(plain(run1('Range', [i32([], [10]), i32([], [4]), i32([], [-2])])).data).toEqual([10, 8, 6]);
    expect(plain(run1('Range', [i64([], [5]), i64([], [1]), i64([], [1])])).data).toEqual([]);
    const big = run1('Range', [i64([], [2n ** 60n]), i64([], [2n ** 60n + 7n]), i64([], [3])]);
    expect(Array.from(big.data as BigInt64Array)).toEqual([2n ** 60n, 2n ** 60n + 3n, 2n ** 60n + 6n]);
    expect(() => run1('Range', [f32([], [0]), f32([], [1]), f32([], [0])])).toThrow(/Range: delta/);
    expect(() => run1('Range', [f32([], [0]), f32([], [1e12]), f32([], [1])])).toThrow(/Range: output/);
  });
});
