import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../dtype.js';
import type { Tensor } from '../../types.js';
import { ops } from '../elementwise.js';
import { ctxOf, f32, run, t, vals } from './test-util.js';

const rawF32 = (dims: number[], v: number[]): Tensor => ({
  dtype: D.FLOAT, dims, data: { kind: 'raw', bytes: new Uint8Array(Float32Array.from(v).buffer) },
});
const rawI64 = (dims: number[], v: number[]): Tensor => ({
  dtype: D.INT64, dims, data: { kind: 'raw', bytes: new Uint8Array(BigInt64Array.from(v.map(BigInt)).buffer) },
});

describe('Constant', () => {
  it('reads every value attribute kind', () => {
    const v = run('Constant', [], { value: rawF32([2], [1.5, 2]) });
    expect([v.dtype, v.dims, vals(v)]).toEqual([D.FLOAT, [2], [1.5, 2]]);
    const vf = run('Constant', [], { value_float: 0.5 });
    expect([vf.dtype, vf.dims, vals(vf)]).toEqual([D.FLOAT, [], [0.5]]);
    const vfs = run('Constant', [], { value_floats: [1, 2, 3] });
    expect([vfs.dtype, vfs.dims, vals(vfs)]).toEqual([D.FLOAT, [3], [1, 2, 3]]);
    const vi = run('Constant', [], { value_int: 2n ** 60n + 1n });
    expect(vi.dtype).toBe(D.INT64);
    expect(vi.dims).toEqual([]);
    expect(Array.from(vi.data as BigInt64Array)).toEqual([2n ** 60n + 1n]);
    const vis = run('Constant', [], { value_ints: [1n, -2n] });
    expect([vis.dtype, vis.dims, vals(vis)]).toEqual([D.INT64, [2], [1, -2]]);
    const vs = run('Constant', [], { value_string: 'hi' });
    expect([vs.dtype, vs.dims, vals(vs)]).toEqual([D.STRING, [], ['hi']]);
    const vss = run('Constant', [], { value_strings: ['a', 'b'] });
    expect([vss.dtype, vss.dims, vals(vss)]).toEqual([D.STRING, [2], ['a', 'b']]);
  });
  it('densifies sparse_value with flat and coordinate indices', () => {
    const flat = run('Constant', [], {
      sparse_value: { kind: 'sparse_tensor', value: { values: rawF32([2], [5, 7]), indices: rawI64([2], [1, 4]), dims: [2, 3] } },
    });
    expect([flat.dims, vals(flat)]).toEqual([[2, 3], [0, 5, 0, 0, 7, 0]]);
    const coo = run('Constant', [], {
      sparse_value: { kind: 'sparse_tensor', value: { values: rawF32([2], [5, 7]), indices: rawI64([2, 2], [0, 2, 1, 0]), dims: [2, 3] } },
    });
    expect(vals(coo)).toEqual([0, 0, 5, 7, 0, 0]);
    expect(() => run('Constant', [], {
      sparse_value: { kind: 'sparse_tensor', value: { values: rawF32([1], [5]), indices: rawI64([1], [6]), dims: [2, 3] } },
    })).toThrow(/out of range/);
  });
  it('needs a value', () => {
    expect(() => run('Constant', [])).toThrow(/Constant: has no value attribute/);
  });
});

describe('Identity, Size, Shape, ConstantOfShape', () => {
  it('Identity passes any value through', () => {
    const x = f32([1], [3]);
    expect(run('Identity', [x])).toBe(x);
    const seq = { kind: 'sequence' as const, items: [x] };
    const identity = ops.find((d) => d.name === 'Identity')!;
    expect(identity.kernel([seq], ctxOf('Identity', {}, 16, 1))[0]).toBe(seq);
    expect(() => run('Identity', [null])).toThrow(/missing/);
  });
  it('Size counts elements as an int64 scalar', () => {
    const s = run('Size', [f32([2, 3, 0], [])]);
    expect([s.dtype, s.dims, vals(s)]).toEqual([D.INT64, [], [0]]);
    expect(vals(run('Size', [f32([2, 3], [1, 2, 3, 4, 5, 6])]))).toEqual([6]);
  });
  const x = f32([3, 4, 5], new Array(60).fill(0));
  const shapes: { attrs: Record<string, bigint>; want: number[]; opset?: number }[] = [
    { attrs: {}, want: [3, 4, 5] },
    { attrs: { start: 1n }, want: [4, 5] },
    { attrs: { end: 1n }, want: [3] },
    { attrs: { start: -1n }, want: [5] },
    { attrs: { end: -1n }, want: [3, 4] },
    { attrs: { start: 1n, end: 2n }, want: [4] },
    { attrs: { start: -10n }, want: [3, 4, 5] },
    { attrs: { end: 10n }, want: [3, 4, 5] },
    { attrs: { start: 2n, end: 1n }, want: [] },
    { attrs: { start: 1n }, want: [3, 4, 5], opset: 13 },
  ];
  for (const c of shapes) {
    it(`Shape ${JSON.stringify(c.attrs, (_k, v) => (typeof v === 'bigint' ? Number(v) : v))} opset ${c.opset ?? 100}`, () => {
      const s = run('Shape', [x], c.attrs, c.opset ?? 100);
      expect(s.dtype).toBe(D.INT64);
      expect(s.dims).toEqual([c.want.length]);
      expect(vals(s)).toEqual(c.want);
    });
  }
  it('ConstantOfShape fills with the value (default float 0)', () => {
    const z = run('ConstantOfShape', [t(D.INT64, [2], [2, 3])]);
    expect([z.dtype, z.dims, vals(z)]).toEqual([D.FLOAT, [2, 3], [0, 0, 0, 0, 0, 0]]);
    const o = run('ConstantOfShape', [t(D.INT64, [1], [2])], { value: rawI64([1], [7]) });
    expect(o.dtype).toBe(D.INT64);
    expect(Array.from(o.data as BigInt64Array)).toEqual([7n, 7n]);
    const e = run('ConstantOfShape', [t(D.INT64, [1], [0])], { value: rawF32([1], [1]) });
    expect(e.dims).toEqual([0]);
    const s = run('ConstantOfShape', [t(D.INT64, [0], [])]);
    expect([s.dims, vals(s)]).toEqual([[], [0]]);
  });
  it('ConstantOfShape rejects bad shapes and huge outputs', () => {
    expect(() => run('ConstantOfShape', [t(D.INT64, [1], [-1])])).toThrow(/negative/);
    expect(() => run('ConstantOfShape', [t(D.INT64, [2], [1 << 20, 1 << 20])])).toThrow(/exceeds/);
    expect(() => run('ConstantOfShape', [t(D.INT64, [1], [2])], { value: rawF32([2], [1, 2]) })).toThrow(/exactly one element/);
  });
});
