import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../dtype.js';
import type { TensorValue } from '../types.js';
import { f32, f64, i32, i64, iota, plain, run, run1, str } from './test-util.js';

describe('TopK', () => {
  it('largest/smallest with ties broken by lower index', () => {
    const x = f32([1, 5], [3, 1, 3, 2, 1]);
    const [v, i] = run('TopK', [x, i64([1], [3])], { axis: 1 }, { outputs: 2 });
    expect(plain(v).data).toEqual([3, 3, 2]);
    expect(plain(i).data).toEqual([0, 2, 3]);
    const [v2, i2] = run('TopK', [x, i64([1], [2])], { axis: -1, largest: 0 }, { outputs: 2 });
    expect(plain(v2).data).toEqual([1, 1]);
    expect(plain(i2).data).toEqual([1, 4]);
  });
  it('works along axis 0, on uint64, with k as attribute before opset 10', () => {
    const [v, i] = run('TopK', [iota([3, 2]), i64([1], [1])], { axis: 0 }, { outputs: 2 });
    expect(plain(v)).toEqual({ dims: [1, 2], data: [4, 5] });
    expect(plain(i).data).toEqual([2, 2]);
    const u: TensorValue = { kind: 'tensor', dtype: D.UINT64, dims: [3], data: BigUint64Array.of(2n ** 64n - 1n, 5n, 2n ** 63n) };
    const [uv] = run('TopK', [u, i64([1], [2])], {}, { outputs: 2 });
    expect(Array.from(uv?.kind === 'tensor' ? (uv.data as BigUint64Array) : [])).toEqual([2n ** 64n - 1n, 2n ** 63n]);
    expect(plain(run('TopK', [f32([3], [1, 9, 5])], { k: 1 }, { outputs: 2, opset: 1 })[0]).data).toEqual([9]);
    expect(() => run('TopK', [f32([2], [1, 2]), i64([1], [3])], {}, { outputs: 2 })).toThrow(/TopK: k = 3/);
  });
});

describe('Unique', () => {
  it('sorted and unsorted over the flattened input', () => {
    const x = f32([6], [2, 1, 1, 3, 4, 3]);
    const [y, idx, inv, cnt] = run('Unique', [x], { sorted: 0 }, { outputs: 4 }).map((t) => plain(t).data);
    expect([y, idx, inv, cnt]).toEqual([[2, 1, 3, 4], [0, 1, 3, 4], [0, 1, 1, 2, 3, 2], [1, 2, 2, 1]]);
    const [ys, idxs, invs, cnts] = run('Unique', [x], {}, { outputs: 4 }).map((t) => plain(t).data);
    expect([ys, idxs, invs, cnts]).toEqual([[1, 2, 3, 4], [1, 0, 3, 4], [1, 0, 0, 2, 3, 2], [2, 1, 2, 1]]);
  });
  it('unique subtensors along an axis, sorted lexicographically; strings too', () => {
    const x = f32([3, 3], [1, 0, 0, 1, 0, 0, 2, 3, 4]);
    const [y, idx, inv, cnt] = run('Unique', [x], { axis: 0 }, { outputs: 4 }).map((t) => plain(t));
    expect(y).toEqual({ dims: [2, 3], data: [1, 0, 0, 2, 3, 4] });
    expect([idx.data, inv.data, cnt.data]).toEqual([[0, 2], [0, 0, 1], [2, 1]]);
    const cols = run('Unique', [f32([2, 3], [1, 0, 1, 2, 5, 2])], { axis: -1 }, { outputs: 4 }).map((t) => plain(t));
    expect(cols[0]).toEqual({ dims: [2, 2], data: [0, 1, 5, 2] });
    expect([cols[1].data, cols[2].data, cols[3].data]).toEqual([[1, 0], [1, 0, 1], [1, 2]]);
    expect(plain(run('Unique', [str([3], ['b', 'a', 'b'])], {}, { outputs: 4 })[0]).data).toEqual(['a', 'b']);
  });
});

describe('DepthToSpace / SpaceToDepth', () => {
  it('are inverse in both modes', () => {
    for (const mode of ['DCR', 'CRD']) {
      const x = iota([2, 8, 3, 2]);
      const y = run1('DepthToSpace', [x], { blocksize: 2, mode });
      expect(y.dims).toEqual([2, 2, 6, 4]);
      expect(plain(run1('SpaceToDepth', [y], { blocksize: 2, mode }))).toEqual(plain(x));
    }
  });
  it('DCR takes the block offset from the high channel bits (spec example)', () => {
    const y = run1('DepthToSpace', [iota([1, 4, 1, 1])], { blocksize: 2 });
    expect(plain(y)).toEqual({ dims: [1, 1, 2, 2], data: [0, 1, 2, 3] });
    expect(() => run1('DepthToSpace', [iota([1, 3, 1, 1])], { blocksize: 2 })).toThrow(/DepthToSpace/);
  });
});

describe('ReverseSequence / Trilu', () => {
  it('reverses the first len steps of each batch entry', () => {
    const x = iota([4, 2]); // [time, batch]
    const y = run1('ReverseSequence', [x, i64([2], [3, 1])], { batch_axis: 1, time_axis: 0 });
    expect(plain(y).data).toEqual([4, 1, 2, 3, 0, 5, 6, 7]);
    const z = run1('ReverseSequence', [str([2, 2], ['a', 'b', 'c', 'd']), i64([2], [2, 0])], { batch_axis: 0, time_axis: 1 });
    expect(plain(z).data).toEqual(['b', 'a', 'c', 'd']);
  });
  it('Trilu keeps the upper or lower triangle relative to diagonal k', () => {
    const x = f32([2, 3], [1, 2, 3, 4, 5, 6]);
    expect(plain(run1('Trilu', [x])).data).toEqual([1, 2, 3, 0, 5, 6]);
    expect(plain(run1('Trilu', [x, i64([], [1])], { upper: 0 })).data).toEqual([1, 2, 0, 4, 5, 6]);
    expect(plain(run1('Trilu', [i64([1, 2, 2], [1, 2, 3, 4]), i64([], [-1])])).data).toEqual([1, 2, 3, 4]);
  });
});

describe('Det / Col2Im', () => {
  it('Det of batched matrices, pivoting and singular cases', () => {
    const y = run1('Det', [f64([3, 2, 2], [1, 2, 3, 4, 0, 1, 1, 0, 1, 2, 2, 4])]);
    expect(plain(y).data).toEqual([-2, -1, 0]);
    const m = run1('Det', [f32([3, 3], [2, 0, 1, 1, 3, 2, 1, 1, 2])]);
    expect(plain(m).data[0]).toBeCloseTo(6, 5);
  });
  it('Col2Im sums overlapping patches (adjoint of im2col)', () => {
    // 1 channel, 3x3 image, 2x2 blocks, stride 1 → 4 blocks of 4 values, all ones
    const y = run1('Col2Im', [f32([1, 4, 4], new Array(16).fill(1)), i64([2], [3, 3]), i64([2], [2, 2])]);
    expect(plain(y)).toEqual({ dims: [1, 1, 3, 3], data: [1, 2, 1, 2, 4, 2, 1, 2, 1] });
    const yi = run1('Col2Im', [i32([1, 4, 4], new Array(16).fill(2)), i64([2], [3, 3]), i64([2], [2, 2])]);
    expect(plain(yi).data).toEqual([2, 4, 2, 4, 8, 4, 2, 4, 2]);
    expect(() => run1('Col2Im', [f32([1, 4, 5], new Array(20).fill(1)), i64([2], [3, 3]), i64([2], [2, 2])])).toThrow(/Col2Im/);
  });
});

/** Naive einsum reference for two operands over explicit labels (no ellipsis). */
function refEinsum2(eq: string, a: TensorValue, b: TensorValue): number[] {
  const [lhs, rhs] = eq.split('->');
  const [ta, tb] = lhs.split(',');
  const labels = [...new Set([...ta, ...tb])];
  const size = new Map<string, number>();
  [...ta].forEach((l, i) => size.set(l, a.dims[i]));
  [...tb].forEach((l, i) => size.set(l, b.dims[i]));
  const outN = [...rhs].reduce((p, l) => p * (size.get(l) as number), 1);
  const out = new Array<number>(outN).fill(0);
  const total = labels.reduce((p, l) => p * (size.get(l) as number), 1);
  const flat = (t: string, dims: readonly number[], v: Map<string, number>) => [...t].reduce((o, l, i) => o * dims[i] + (v.get(l) as number), 0);
  for (let k = 0; k < total; k++) {
    const v = new Map<string, number>();
    let rem = k;
    for (let i = labels.length - 1; i >= 0; i--) {
      const s = size.get(labels[i]) as number;
      v.set(labels[i], rem % s);
      rem = Math.floor(rem / s);
    }
    const o = [...rhs].reduce((acc, l) => acc * (size.get(l) as number) + (v.get(l) as number), 0);
    out[o] += (a.data as Float64Array)[flat(ta, a.dims, v)] * (b.data as Float64Array)[flat(tb, b.dims, v)];
  }
  return out;
}

describe('Einsum', () => {
  it('matmul-like equations agree with a naive reference', () => {
    const cases: [string, number[], number[]][] = [
      ['bij,bjk->bik', [2, 3, 4], [2, 4, 5]],
      ['ij,jk->ki', [3, 4], [4, 2]],
      ['ik,jk->ij', [2, 3], [4, 3]],
      ['abc,cd->dab', [2, 2, 3], [3, 2]],
      ['ij,kl->ijkl', [2, 2], [2, 3]],
      ['ij,j->', [3, 4], [4]],
    ];
    fc.assert(fc.property(fc.integer({ min: 0, max: cases.length - 1 }), fc.integer({ min: 1, max: 1000 }), (ci, seed) => {
      const [eq, da, db] = cases[ci];
      const rnd = (n: number) => Array.from({ length: n }, (_, i) => ((i * 7919 + seed) % 13) - 6);
      const a = f64(da, rnd(da.reduce((p, d) => p * d, 1)));
      const b = f64(db, rnd(db.reduce((p, d) => p * d, 1)));
      expect(plain(run1('Einsum', [a, b], { equation: eq })).data).toEqual(refEinsum2(eq, a, b));
    }), { seed: 42, numRuns: 40 });
  });
  it('implicit output, ellipsis, diagonals, broadcasting and scalars', () => {
    const x = iota([2, 3]);
    expect(plain(run1('Einsum', [x], { equation: 'ij' }))).toEqual({ dims: [2, 3], data: [0, 1, 2, 3, 4, 5] });
    expect(plain(run1('Einsum', [x], { equation: 'ji' }))).toEqual({ dims: [3, 2], data: [0, 3, 1, 4, 2, 5] });
    expect(plain(run1('Einsum', [x], { equation: 'ij->i' })).data).toEqual([3, 12]);
    expect(plain(run1('Einsum', [iota([2, 3, 3])], { equation: '...ii ->...i' }))).toEqual({ dims: [2, 3], data: [0, 4, 8, 9, 13, 17] });
    expect(plain(run1('Einsum', [iota([3, 3])], { equation: 'ii' })).data).toEqual([12]);
    expect(plain(run1('Einsum', [f32([], [5])], { equation: '->' }))).toEqual({ dims: [], data: [5] });
    expect(plain(run1('Einsum', [f32([3], [1, 2, 3]), f32([3], [4, 5, 6])], { equation: 'i,i' })).data).toEqual([32]);
    const bc = run1('Einsum', [iota([1, 2, 2]), iota([3, 2, 2])], { equation: '...ij,...jk->...ik' });
    expect(bc.dims).toEqual([3, 2, 2]);
    expect(plain(bc).data.slice(0, 4)).toEqual([2, 3, 6, 11]);
    expect(plain(run1('Einsum', [i32([2, 2], [1, 2, 3, 4]), i32([2], [1, 1])], { equation: 'ij,j->i' })).data).toEqual([3, 7]);
    expect(plain(run1('Einsum', [i64([2], [2n ** 31n, 1]), i64([2], [2n ** 31n, 1])], { equation: 'i,i->' })).data).toEqual([2 ** 62 + 1]);
  });
  it('rejects malformed equations', () => {
    expect(() => run1('Einsum', [iota([2])], { equation: 'ij->i' })).toThrow(/Einsum/);
    expect(() => run1('Einsum', [iota([2])], { equation: 'i->j' })).toThrow(/Einsum/);
    expect(() => run1('Einsum', [iota([2]), iota([3])], { equation: 'i,i->i' })).toThrow(/Einsum/);
    expect(() => run1('Einsum', [iota([2])], { equation: 'i1' })).toThrow(/Einsum/);
  });
});
