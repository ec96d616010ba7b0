import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { RtValue, SequenceValue, TensorValue } from '../types.js';
import { sequenceOps } from './sequence.js';
import { ctxOf, f32, fakeGraph, find, i32, i64, plain, str } from './test-util.js';

const op = (name: string) => find(sequenceOps, name);
const items = (v: RtValue | null) => (v as SequenceValue).items.map((t) => plain(t));
const seqOf = (...ts: TensorValue[]): SequenceValue => ({ kind: 'sequence', elemDtype: ts[0]?.dtype ?? D.FLOAT, items: ts });

describe('sequence construction and access', () => {
  const a = i64([3], [1, 2, 3]);
  const b = i64([1], [4]);
  it('SequenceEmpty has the requested dtype', () => {
    const s = op('SequenceEmpty').kernel([], ctxOf('SequenceEmpty', { dtype: 7n }))[0] as SequenceValue;
    expect(s).toEqual({ kind: 'sequence', elemDtype: D.INT64, items: [] });
    expect((op('SequenceEmpty').kernel([], ctxOf('SequenceEmpty'))[0] as SequenceValue).elemDtype).toBe(D.FLOAT);
  });
  it('SequenceConstruct / Insert / Erase / At / Length', () => {
    const s = op('SequenceConstruct').kernel([a, b], ctxOf('SequenceConstruct', {}, { inputs: 2 }))[0];
    expect(items(s).map((t) => t.data)).toEqual([[1, 2, 3], [4]]);
    const front = op('SequenceInsert').kernel([s, i64([2], [9, 9]), i64([], [0])], ctxOf('SequenceInsert', {}, { inputs: 3 }))[0];
    expect(items(front).map((t) => t.data)).toEqual([[9, 9], [1, 2, 3], [4]]);
    const back = op('SequenceInsert').kernel([s, i64([1], [7])], ctxOf('SequenceInsert', {}, { inputs: 2 }))[0];
    expect(items(back).map((t) => t.data)).toEqual([[1, 2, 3], [4], [7]]);
    const erased = op('SequenceErase').kernel([front, i64([], [-2])], ctxOf('SequenceErase', {}, { inputs: 2 }))[0];
    expect(items(erased).map((t) => t.data)).toEqual([[9, 9], [4]]);
    const last = op('SequenceErase').kernel([front], ctxOf('SequenceErase'))[0];
    expect(items(last).length).toBe(2);
    expect(plain(op('SequenceAt').kernel([front, i32([], [-1])], ctxOf('SequenceAt', {}, { inputs: 2 }))[0]).data).toEqual([4]);
    expect(plain(op('SequenceLength').kernel([front], ctxOf('SequenceLength'))[0])).toEqual({ dtype: D.INT64, dims: [], data: [3] });
    // The input sequence is not modified.
    expect(items(s).length).toBe(2);
  });
  it('rejects out-of-range positions, mixed dtypes and erasing from an empty sequence', () => {
    const s = seqOf(a);
    expect(() => op('SequenceAt').kernel([s, i64([], [1])], ctxOf('SequenceAt', {}, { inputs: 2 }))).toThrow(LatheError);
    expect(() => op('SequenceInsert').kernel([s, i64([], [0]), i64([], [3])], ctxOf('SequenceInsert', {}, { inputs: 3 }))).toThrow(/position/);
    expect(() => op('SequenceInsert').kernel([s, f32([1], [0])], ctxOf('SequenceInsert', {}, { inputs: 2 }))).toThrow(/dtype/);
    expect(() => op('SequenceConstruct').kernel([a, f32([1], [0])], ctxOf('SequenceConstruct', {}, { inputs: 2 }))).toThrow(LatheError);
    expect(() => op('SequenceErase').kernel([seqOf()], ctxOf('SequenceErase'))).toThrow(/empty/);
  });
});

describe('SplitToSequence / ConcatFromSequence', () => {
  const x = f32([3, 6], Array.from({ length: 18 }, (_, i) => i));
  it('splits by a scalar chunk size (last chunk smaller)', () => {
    const r = op('SplitToSequence').kernel([x, i64([], [4])], ctxOf('SplitToSequence', { axis: 1n }, { inputs: 2 }))[0];
    expect(items(r).map((t) => t.dims)).toEqual([[3, 4], [3, 2]]);
    expect(items(r)[1].data).toEqual([4, 5, 10, 11, 16, 17]);
  });
  it('splits by explicit lengths', () => {
    const r = op('SplitToSequence').kernel([x, i64([2], [1, 2])], ctxOf('SplitToSequence', { axis: 0n }, { inputs: 2 }))[0];
    expect(items(r).map((t) => t.dims)).toEqual([[1, 6], [2, 6]]);
    expect(() => op('SplitToSequence').kernel([x, i64([2], [1, 1])], ctxOf('SplitToSequence', {}, { inputs: 2 }))).toThrow(/sums/);
  });
  it('splits into ones, dropping the axis with keepdims=0', () => {
    const r = op('SplitToSequence').kernel([x], ctxOf('SplitToSequence', { axis: 1n, keepdims: 0n }))[0];
    expect(items(r).length).toBe(6);
    expect(items(r)[2]).toEqual({ dtype: D.FLOAT, dims: [3], data: [2, 8, 14] });
  });
  it('concatenates and stacks back', () => {
    const parts = op('SplitToSequence').kernel([x, i64([], [2])], ctxOf('SplitToSequence', { axis: 1n }, { inputs: 2 }))[0];
    expect(plain(op('ConcatFromSequence').kernel([parts], ctxOf('ConcatFromSequence', { axis: 1n }))[0])).toEqual(plain(x));
    const stacked = plain(op('ConcatFromSequence').kernel([parts], ctxOf('ConcatFromSequence', { axis: -1n, new_axis: 1n }))[0]);
    expect(stacked.dims).toEqual([3, 2, 3]);
    expect(stacked.data.slice(0, 6)).toEqual([0, 2, 4, 1, 3, 5]);
    const strs = seqOf(str([1], ['a']), str([2], ['b', 'c']));
    expect(plain(op('ConcatFromSequence').kernel([strs], ctxOf('ConcatFromSequence', { axis: 0n }))[0]).data).toEqual(['a', 'b', 'c']);
  });
});

describe('SequenceMap', () => {
  it('maps a body over sequences, broadcasting tensor inputs', () => {
    const ctx = ctxOf('SequenceMap', { body: fakeGraph('b') }, {
      inputs: 2, outputs: 2,
      runGraph: (_g, ins) => {
        const a = ins[0] as TensorValue, b = ins[1] as TensorValue;
        return [f32(a.dims.slice(), Array.from(a.data as Float32Array, (v, i) => v + (b.data as Float32Array)[i])), i64([1], [a.dims[0]])];
      },
    });
    const [sums, lens] = op('SequenceMap').kernel([seqOf(f32([2], [1, 2]), f32([2], [3, 4])), f32([2], [10, 20])], ctx);
    expect(items(sums).map((t) => t.data)).toEqual([[11, 22], [13, 24]]);
    expect((lens as SequenceValue).elemDtype).toBe(D.INT64);
    expect(() => op('SequenceMap').kernel([seqOf(f32([1], [1])), seqOf()], ctx)).toThrow(/lengths/);
  });
});

describe('Optional', () => {
  const has = (v: RtValue | null, opset = 18) => plain(op('OptionalHasElement').kernel([v], ctxOf('OptionalHasElement', {}, { opset }))[0]).data[0];
  it('wraps, tests and unwraps', () => {
    const t = f32([1], [5]);
    const o = op('Optional').kernel([t], ctxOf('Optional'))[0];
    expect(o).toMatchObject({ kind: 'optional', value: t });
    expect(has(o)).toBe(1);
    expect(op('OptionalGetElement').kernel([o], ctxOf('OptionalGetElement'))[0]).toBe(t);
  });
  it('builds an empty optional from the type attribute', () => {
    const ctx = ctxOf('Optional', { type: { kind: 'type', value: { kind: 'sequence', elem: { kind: 'tensor', dtype: D.FLOAT, shape: [5] } } } }, { inputs: 0 });
    const o = op('Optional').kernel([], ctx)[0];
    expect(o).toEqual({ kind: 'optional', elemDtype: D.FLOAT, value: null });
    expect(has(o)).toBe(0);
    expect(() => op('OptionalGetElement').kernel([o], ctxOf('OptionalGetElement'))).toThrow(/empty/);
    expect(() => op('Optional').kernel([], ctxOf('Optional', {}, { inputs: 0 }))).toThrow(/type/);
  });
  it('opset 18 accepts plain tensors and a missing input', () => {
    const t = f32([1], [5]);
    expect(has(t)).toBe(1);
    expect(has(null)).toBe(0);
    expect(op('OptionalGetElement').kernel([t], ctxOf('OptionalGetElement', {}, { opset: 18 }))[0]).toBe(t);
    expect(() => op('OptionalGetElement').kernel([t], ctxOf('OptionalGetElement', {}, { opset: 15 }))).toThrow(/optional/);
  });
});
