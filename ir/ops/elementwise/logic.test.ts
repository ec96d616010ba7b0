import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../dtype.js';
import { f32, run, t, vals } from './test-util.js';

describe('comparisons and logic', () => {
  const cases: { op: string; a: ReturnType<typeof t>; b: ReturnType<typeof t>; want: number[]; dims?: number[]; attrs?: Record<string, any> }[] = [
    { op: 'Equal', a: f32([3], [1, NaN, 0]), b: f32([3], [1, NaN, -0]), want: [1, 0, 1] },
    { op: 'Equal', a: t(D.STRING, [2], ['a', 'b']), b: t(D.STRING, [], ['b']), want: [0, 1] },
    { op: 'Equal', a: t(D.BOOL, [2], [1, 0]), b: t(D.BOOL, [2], [1, 1]), want: [1, 0] },
    { op: 'Equal', a: t(D.UINT64, [2], [2n ** 64n - 1n, 3]), b: t(D.UINT64, [2], [2n ** 64n - 1n, 4]), want: [1, 0] },
    { op: 'Less', a: t(D.INT8, [3], [-1, 0, 1]), b: t(D.INT8, [1], [0]), want: [1, 0, 0] },
    { op: 'LessOrEqual', a: t(D.INT64, [3], [-1, 0, 1]), b: t(D.INT64, [1], [0]), want: [1, 1, 0] },
    { op: 'Greater', a: t(D.UINT32, [2], [0xffffffff, 1]), b: t(D.UINT32, [2], [1, 1]), want: [1, 0] },
    { op: 'GreaterOrEqual', a: f32([3], [1, 2, NaN]), b: f32([3], [2, 2, 1]), want: [0, 1, 0] },
    { op: 'And', a: t(D.BOOL, [4], [0, 0, 1, 1]), b: t(D.BOOL, [4], [0, 1, 0, 1]), want: [0, 0, 0, 1] },
    { op: 'Or', a: t(D.BOOL, [4], [0, 0, 1, 1]), b: t(D.BOOL, [4], [0, 1, 0, 1]), want: [0, 1, 1, 1] },
    { op: 'Xor', a: t(D.BOOL, [4], [0, 0, 1, 1]), b: t(D.BOOL, [4], [0, 1, 0, 1]), want: [0, 1, 1, 0] },
    { op: 'And', a: t(D.BOOL, [2, 1], [1, 0]), b: t(D.BOOL, [2], [1, 1]), want: [1, 1, 0, 0], dims: [2, 2] },
  ];
  for (const c of cases) {
    it(`${c.op} on dtype ${c.a.dtype}`, () => {
      const out = run(c.op, [c.a, c.b], c.attrs ?? {});
      expect(out.dtype).toBe(D.BOOL);
      expect(out.data).toBeInstanceOf(Uint8Array);
      if (c.dims) expect(out.dims).toEqual(c.dims);
      expect(vals(out)).toEqual(c.want);
    });
  }
  it('Not, and bool ops reject non-bool', () => {
    expect(vals(run('Not', [t(D.BOOL, [2], [1, 0])]))).toEqual([0, 1]);
    expect(() => run('And', [t(D.INT32, [1], [1]), t(D.INT32, [1], [1])])).toThrow(/And.*int32/);
    expect(() => run('Less', [t(D.STRING, [1], ['a']), t(D.STRING, [1], ['b'])])).toThrow(/Less/);
  });
  it('Where broadcasts condition, X and Y, any dtype', () => {
    const c = t(D.BOOL, [2, 1], [1, 0]);
    const out = run('Where', [c, f32([3], [1, 2, 3]), f32([], [-1])]);
    expect(out.dims).toEqual([2, 3]);
    expect(vals(out)).toEqual([1, 2, 3, -1, -1, -1]);
    const s = run('Where', [t(D.BOOL, [2], [0, 1]), t(D.STRING, [2], ['a', 'b']), t(D.STRING, [2], ['x', 'y'])]);
    expect(vals(s)).toEqual(['x', 'b']);
    const big = run('Where', [t(D.BOOL, [1], [1]), t(D.INT64, [2], [2n ** 60n, 1]), t(D.INT64, [2], [0, 0])]);
    expect(big.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(big.data as BigInt64Array)).toEqual([2n ** 60n, 1n]);
    expect(() => run('Where', [t(D.INT32, [1], [1]), f32([1], [1]), f32([1], [2])])).toThrow(/condition must be bool/);
  });
});

describe('bit ops', () => {
  const cases: { dir: string; dtype: number; x: (number | bigint)[]; s: (number | bigint)[]; want: (number | bigint)[] }[] = [
    { dir: 'LEFT', dtype: D.UINT8, x: [16, 4, 1], s: [1, 2, 3], want: [32, 16, 8] },
    { dir: 'RIGHT', dtype: D.UINT8, x: [16, 4, 1], s: [1, 2, 3], want: [8, 1, 0] },
    { dir: 'LEFT', dtype: D.UINT8, x: [255], s: [1], want: [254] },
    { dir: 'LEFT', dtype: D.UINT32, x: [0xffffffff, 1], s: [4, 31], want: [0xfffffff0, 2 ** 31] },
    { dir: 'LEFT', dtype: D.UINT64, x: [16, 1n << 63n], s: [1, 1], want: [32n, 0n] },
    { dir: 'RIGHT', dtype: D.UINT64, x: [2n ** 64n - 1n], s: [60], want: [15n] },
    { dir: 'LEFT', dtype: D.INT32, x: [2 ** 30, 1, -(2 ** 30)], s: [1, 31, 1], want: [-(2 ** 31), -(2 ** 31), -(2 ** 31)] },
    { dir: 'LEFT', dtype: D.INT8, x: [-8, 4, -1], s: [8, 9, 127], want: [0, 0, 0] },
    { dir: 'LEFT', dtype: D.INT32, x: [-8, 4, -1], s: [-1, -32, -64], want: [0, 0, 0] },
    { dir: 'RIGHT', dtype: D.INT8, x: [-8, -1, -128], s: [1, 1, 1], want: [-4, -1, -64] },
    { dir: 'RIGHT', dtype: D.INT32, x: [-8, 4, -1], s: [-1, -32, -64], want: [-1, 0, -1] },
    { dir: 'RIGHT', dtype: D.INT8, x: [-8, 4, -1], s: [8, 9, 127], want: [-1, 0, -1] },
    { dir: 'RIGHT', dtype: D.INT64, x: [-8n, 1n << 62n], s: [1, 64], want: [-4n, 0n] },
  ];
  for (const c of cases) {
    it(`BitShift ${c.dir} dtype ${c.dtype} ${c.x}`, () => {
      const out = run('BitShift', [t(c.dtype, [c.x.length], c.x), t(c.dtype, [c.s.length], c.s)], { direction: c.dir });
      expect(Array.from(out.data as ArrayLike<number | bigint>)).toEqual(c.want.map((v) => (c.dtype === D.INT64 || c.dtype === D.UINT64 ? BigInt(v) : v)));
    });
  }
  it('BitShift needs a valid direction', () => {
    expect(() => run('BitShift', [t(D.UINT8, [1], [1]), t(D.UINT8, [1], [1])], { direction: 'UP' })).toThrow(/direction/);
    expect(() => run('BitShift', [f32([1], [1]), f32([1], [1])], { direction: 'LEFT' })).toThrow(/float/);
  });
  it('Bitwise And/Or/Xor/Not over number and bigint storage', () => {
    const a = t(D.UINT8, [2], [0b1100, 0xff]);
    const b = t(D.UINT8, [1], [0b1010]);
    expect(vals(run('BitwiseAnd', [a, b]))).toEqual([0b1000, 0b1010]);
    expect(vals(run('BitwiseOr', [a, b]))).toEqual([0b1110, 0xff]);
    expect(vals(run('BitwiseXor', [a, b]))).toEqual([0b0110, 0xf5]);
    expect(vals(run('BitwiseNot', [a]))).toEqual([0xf3, 0]);
    expect(vals(run('BitwiseNot', [t(D.INT16, [2], [0, -1])]))).toEqual([-1, 0]);
    expect(vals(run('BitwiseAnd', [t(D.UINT32, [1], [0xffffffff]), t(D.UINT32, [1], [0xf0f0f0f0])]))).toEqual([0xf0f0f0f0]);
    const u = run('BitwiseNot', [t(D.UINT64, [1], [0])]);
    expect(Array.from(u.data as BigUint64Array)).toEqual([2n ** 64n - 1n]);
    expect(() => run('BitwiseAnd', [f32([1], [1]), f32([1], [1])])).toThrow(/BitwiseAnd/);
  });
});
