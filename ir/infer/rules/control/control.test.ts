import { describe, expect, it } from 'vitest';
import { DataType as DT } from '../../../dtype.js';
import type { Graph } from '../../../types.js';
import type { Known } from '../../types.js';
import { rules } from '../control.js';
import { constI64, fakeGraph, inferOp, out, T } from '../nn/test-util.js';

const F = DT.FLOAT;
const inf = (op: string, ins: Parameters<typeof inferOp>[2], attrs: Parameters<typeof inferOp>[3] = {}, o: Parameters<typeof inferOp>[4] = {}) =>
  inferOp(rules, op, ins, attrs, o);

describe('If', () => {
  it('merges branches: equal dims kept, differing dims null, differing rank unknown', () => {
    const then = fakeGraph('then'), els = fakeGraph('else');
    const bodies = new Map<Graph, Known[]>([
      [then, [T(F, ['batch', 3, 4]), T(F, [1, 2]), T(DT.INT64, [5])]],
      [els, [T(F, ['batch', 3, 5]), T(F, [1, 2, 3]), T(DT.INT64, [5])]],
    ]);
    const r = inf('If', [T(DT.BOOL, [])], { then_branch: then, else_branch: els }, { outputs: 3, inferGraph: (g, ins) => { expect(ins).toEqual([]); return bodies.get(g)!; } });
    expect(r.map((k) => k?.type)).toEqual([
      { kind: 'tensor', dtype: F, shape: ['batch', 3, null] }, { kind: 'tensor', dtype: F }, { kind: 'tensor', dtype: DT.INT64, shape: [5] }]);
  });
});

describe('Loop', () => {
  const body = fakeGraph('body');
  it('scan outputs get the constant trip count; unchanged state keeps its shape', () => {
    const seen: (Known | null)[][] = [];
    const r = inf('Loop', [constI64([7]), null, T(F, ['batch', 4])], { body }, {
      outputs: 2,
      inferGraph: (_g, ins) => { seen.push([...ins]); return [T(DT.BOOL, []), ins[2]!, T(F, ['batch'])]; },
    });
    expect(seen[0]!.slice(0, 2)).toEqual([T(DT.INT64, []), T(DT.BOOL, [])]);
    expect(r.map((k) => k?.type)).toEqual([{ kind: 'tensor', dtype: F, shape: ['batch', 4] }, { kind: 'tensor', dtype: F, shape: [7, 'batch'] }]);
  });
  it('a growing state is loosened and the body re-inferred; a condition makes the trip count unknown', () => {
    const seen: (Known | null)[][] = [];
    const r = inf('Loop', [constI64([7]), T(DT.BOOL, []), T(F, ['batch', 4])], { body }, {
      outputs: 2,
      inferGraph: (_g, ins) => {
        seen.push([...ins]);
        const st = ins[2]?.type;
        const d = st?.kind === 'tensor' && st.shape ? st.shape[1] : undefined;
        const next = typeof d === 'number' ? d + 1 : null;
        return [T(DT.BOOL, []), T(F, st?.kind === 'tensor' && st.shape ? ['batch', next] : undefined), T(F, [2])];
      },
    });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[1]![2]).toEqual(T(F, ['batch', null]));
    expect(r.map((k) => k?.type)).toEqual([{ kind: 'tensor', dtype: F, shape: ['batch', null] }, { kind: 'tensor', dtype: F, shape: [null, 2] }]);
  });
});

describe('Scan', () => {
  it('strips the scan axis for the body and stacks outputs on scan_output_axes', () => {
    const body = fakeGraph('body');
    const r = inf('Scan', [T(F, ['batch', 2]), T(F, ['batch', 'seq', 2])], { body, num_scan_inputs: 1n, scan_input_axes: [1n], scan_output_axes: [-1n] }, {
      opset: 16, outputs: 2,
      inferGraph: (_g, ins) => {
        expect(ins[1]).toEqual(T(F, ['batch', 2]));
        return [ins[0]!, T(F, ['batch', 2])];
      },
    });
    expect(r.map((k) => k?.type)).toEqual([{ kind: 'tensor', dtype: F, shape: ['batch', 2] }, { kind: 'tensor', dtype: F, shape: ['batch', 2, 'seq'] }]);
  });
});

describe('Scan inputs of differing lengths', () => {
  it('give scan outputs of unknown length, not the first input\'s', () => {
    // 4 and 6 steps: the kernel refuses such a model; the output length must not read as 4.
    const body = fakeGraph('body');
    const r = inf('Scan', [T(F, [4, 2]), T(F, [6, 2])], { body, num_scan_inputs: 2n }, {
      opset: 16, outputs: 1, inferGraph: () => [T(F, [2])],
    });
    expect(r.map((k) => k?.type)).toEqual([{ kind: 'tensor', dtype: F, shape: [null, 2] }]);
  });
});

describe('sequences and optionals', () => {
  it('SequenceConstruct merges element types; SequenceAt returns them', () => {
    const s = inf('SequenceConstruct', [T(F, ['batch', 3]), T(F, ['batch', 4])]);
    expect(out(s)).toEqual({ kind: 'sequence', elem: { kind: 'tensor', dtype: F, shape: ['batch', null] } });
    expect(out(inf('SequenceAt', [s[0]!, T(DT.INT64, [])]))).toEqual({ kind: 'tensor', dtype: F, shape: ['batch', null] });
    expect(out(inf('SequenceLength', [s[0]!]))).toEqual({ kind: 'tensor', dtype: DT.INT64, shape: [] });
  });
  it('SequenceEmpty / SequenceInsert', () => {
    const e = inf('SequenceEmpty', [], { dtype: BigInt(DT.INT32) });
    expect(out(e)).toEqual({ kind: 'sequence', elem: { kind: 'tensor', dtype: DT.INT32 } });
    expect(out(inf('SequenceInsert', [e[0]!, T(DT.INT32, [3])]))).toEqual({ kind: 'sequence', elem: { kind: 'tensor', dtype: DT.INT32 } });
  });
  it('SplitToSequence and ConcatFromSequence', () => {
    expect(out(inf('SplitToSequence', [T(F, ['batch', 6])], { axis: 1n, keepdims: 0n }))).toEqual({ kind: 'sequence', elem: { kind: 'tensor', dtype: F, shape: ['batch'] } });
    expect(out(inf('SplitToSequence', [T(F, ['batch', 6]), constI64([2])], { axis: 1n }))).toEqual({ kind: 'sequence', elem: { kind: 'tensor', dtype: F, shape: ['batch', 2] } });
    expect(out(inf('SplitToSequence', [T(F, ['batch', 7]), constI64([2])], { axis: 1n }))).toEqual({ kind: 'sequence', elem: { kind: 'tensor', dtype: F, shape: ['batch', null] } });
    const seq: Known = { type: { kind: 'sequence', elem: { kind: 'tensor', dtype: F, shape: ['batch', 3] } } };
    expect(out(inf('ConcatFromSequence', [seq], { axis: 1n, new_axis: 1n }))).toEqual({ kind: 'tensor', dtype: F, shape: ['batch', null, 3] });
    expect(out(inf('ConcatFromSequence', [seq], { axis: 0n }))).toEqual({ kind: 'tensor', dtype: F, shape: [null, 3] });
    // With new_axis a negative axis counts in the output's rank (one more): -1 is a new last axis.
    expect(out(inf('ConcatFromSequence', [seq], { axis: -1n, new_axis: 1n }))).toEqual({ kind: 'tensor', dtype: F, shape: ['batch', 3, null] });
    expect(out(inf('ConcatFromSequence', [seq], { axis: 2n, new_axis: 1n }))).toEqual({ kind: 'tensor', dtype: F, shape: ['batch', 3, null] });
  });
  it('Optional and its accessors', () => {
    const o = inf('Optional', [T(F, ['batch'])]);
    expect(out(o)).toEqual({ kind: 'optional', elem: { kind: 'tensor', dtype: F, shape: ['batch'] } });
    expect(out(inf('OptionalGetElement', [o[0]!]))).toEqual({ kind: 'tensor', dtype: F, shape: ['batch'] });
    expect(out(inf('OptionalHasElement', [o[0]!]))).toEqual({ kind: 'tensor', dtype: DT.BOOL, shape: [] });
    const empty = inf('Optional', [], [{ name: 'type', kind: 'type', value: { kind: 'tensor', dtype: DT.INT32 } }]);
    expect(out(empty)).toEqual({ kind: 'optional', elem: { kind: 'tensor', dtype: DT.INT32 } });
  });
});

describe('strings and random', () => {
  it('string ops', () => {
    expect(out(inf('StringConcat', [T(DT.STRING, ['n', 1]), T(DT.STRING, [3])]))).toEqual({ kind: 'tensor', dtype: DT.STRING, shape: ['n', 3] });
    const sp = inf('StringSplit', [T(DT.STRING, ['n'])], {}, { outputs: 2 });
    expect(sp.map((k) => k?.type)).toEqual([{ kind: 'tensor', dtype: DT.STRING, shape: ['n', 'unk__0'] }, { kind: 'tensor', dtype: DT.INT64, shape: ['n'] }]);
    expect(out(inf('StringNormalizer', [T(DT.STRING, [1, 'n'])]))).toEqual({ kind: 'tensor', dtype: DT.STRING, shape: [1, null] });
    expect(out(inf('RegexFullMatch', [T(DT.STRING, ['n'])]))).toEqual({ kind: 'tensor', dtype: DT.BOOL, shape: ['n'] });
  });
  it('random ops', () => {
    expect(out(inf('RandomNormal', [], { shape: [2n, 3n], dtype: BigInt(DT.DOUBLE) }))).toEqual({ kind: 'tensor', dtype: DT.DOUBLE, shape: [2, 3] });
    expect(out(inf('RandomUniformLike', [T(DT.FLOAT16, ['batch'])]))).toEqual({ kind: 'tensor', dtype: DT.FLOAT16, shape: ['batch'] });
    expect(out(inf('Bernoulli', [T(F, ['batch'])], { dtype: BigInt(DT.BOOL) }))).toEqual({ kind: 'tensor', dtype: DT.BOOL, shape: ['batch'] });
    expect(out(inf('Multinomial', [T(F, ['batch', 5])], { sample_size: 4n }))).toEqual({ kind: 'tensor', dtype: DT.INT32, shape: ['batch', 4] });
  });
});

describe('Scan-8', () => {
  it('batch and sequence axes are stripped for the body and restored on the outputs', () => {
    const body = fakeGraph('body');
    const r = inf('Scan', [null, T(F, [1, 2]), T(F, [1, 'seq', 2])], { body, num_scan_inputs: 1n }, {
      opset: 8, outputs: 2,
      inferGraph: (_g, ins) => {
        expect(ins).toEqual([T(F, [2]), T(F, [2])]);
        return [T(F, [2]), T(F, [2])];
      },
    });
    expect(r.map((k) => k?.type)).toEqual([{ kind: 'tensor', dtype: F, shape: [1, 2] }, { kind: 'tensor', dtype: F, shape: [1, 'seq', 2] }]);
  });
});
