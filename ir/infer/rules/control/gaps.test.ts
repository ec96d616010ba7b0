/**
 * Branches of the control-family inference rules that no other test ran (coverage gaps):
 * SplitToSequence without `split` (keepdims default), sequence ops on elements of unknown shape,
 * a Loop state that keeps changing (loosened to dtype only), LabelEncoder's output dtypes.
 */
import { describe, expect, it } from 'vitest';
import { DataType as DT } from '../../../dtype.js';
import { attrReader } from '../../../ops/attrs.js';
import type { Attr, Node, NodeId, Type, ValueId } from '../../../types.js';
import type { Known } from '../../types.js';
import { rules } from '../control.js';
import { fakeGraph, inferOp, out, T } from '../nn/test-util.js';

const F = DT.FLOAT;
const inf = (op: string, ins: Parameters<typeof inferOp>[2], attrs: Parameters<typeof inferOp>[3] = {}, o: Parameters<typeof inferOp>[4] = {}) =>
  inferOp(rules, op, ins, attrs, o);

describe('SplitToSequence without split', () => {
  it('pieces of length 1 along the axis, kept as a dim of 1 by default (keepdims = 1)', () => {
    expect(out(inf('SplitToSequence', [T(F, ['batch', 6])], { axis: 1n }))).toEqual({ kind: 'sequence', elem: { kind: 'tensor', dtype: F, shape: ['batch', 1] } });
    expect(out(inf('SplitToSequence', [T(F, [4, 'n'])], {}))).toEqual({ kind: 'sequence', elem: { kind: 'tensor', dtype: F, shape: [1, 'n'] } });
  });
  it('an input of unknown shape gives elements of its dtype only; of unknown type, no element type', () => {
    expect(out(inf('SplitToSequence', [T(F)], { axis: 1n }))).toEqual({ kind: 'sequence', elem: { kind: 'tensor', dtype: F } });
    expect(out(inf('SplitToSequence', [{}], { axis: 1n }))).toEqual({ kind: 'sequence' });
  });
});

describe('sequence ops keep or lose element shapes as ONNX says', () => {
  const s: Known = { type: { kind: 'sequence', elem: { kind: 'tensor', dtype: F, shape: ['batch', 3] } } };
  it('SequenceErase keeps the element type', () => {
    expect(out(inf('SequenceErase', [s, T(DT.INT64, [])]))).toEqual(s.type);
  });
  it('ConcatFromSequence of elements of unknown rank has their dtype only', () => {
    const u: Known = { type: { kind: 'sequence', elem: { kind: 'tensor', dtype: F } } };
    expect(out(inf('ConcatFromSequence', [u], { axis: 0n }))).toEqual({ kind: 'tensor', dtype: F });
  });
});

describe('Loop state that changes on every pass', () => {
  it('is loosened to its dtype after the second change, and the body sees that on the last pass', () => {
    // State A grows by one each iteration; state B copies A's length, so B only changes once A
    // has been loosened: pass 0 loosens A, pass 1 loosens B, then both are dtype only.
    const body = fakeGraph('body');
    const seen: (Known | null)[][] = [];
    const len = (k: Known | null | undefined): number | string | null | undefined => {
      const t = k?.type;
      return t?.kind === 'tensor' && t.shape ? t.shape[0] : undefined;
    };
    const r = inf('Loop', [null, T(DT.BOOL, []), T(F, [2]), T(F, [2])], { body }, {
      outputs: 2,
      inferGraph: (_g, ins) => {
        seen.push([...ins]);
        const a = len(ins[2]);
        const aOut = a === undefined ? T(F) : T(F, [typeof a === 'number' ? a + 1 : null]);
        const bOut = a === undefined ? T(F) : T(F, [a]);
        return [T(DT.BOOL, []), aOut, bOut];
      },
    });
    expect(seen.map((ins) => [ins[2]?.type, ins[3]?.type])).toEqual([
      [{ kind: 'tensor', dtype: F, shape: [2] }, { kind: 'tensor', dtype: F, shape: [2] }],
      [{ kind: 'tensor', dtype: F, shape: [null] }, { kind: 'tensor', dtype: F, shape: [2] }],
      [{ kind: 'tensor', dtype: F }, { kind: 'tensor', dtype: F }],
    ]);
    expect(r.map((k) => k?.type)).toEqual([{ kind: 'tensor', dtype: F }, { kind: 'tensor', dtype: F }]);
  });
});

/** Runs the ai.onnx.ml LabelEncoder rule (inferOp only looks in the default domain). */
function labelEncoder(x: Known, attrs: Attr[], opset: number): Type | undefined {
  const rule = rules.find((r) => r.name === 'LabelEncoder' && r.domain === 'ai.onnx.ml')!;
  const node: Node = { id: 'n0' as NodeId, op: 'LabelEncoder', domain: 'ai.onnx.ml', inputs: ['x' as ValueId], outputs: ['y' as ValueId], attrs };
  const res = rule.infer([x], {
    node, opset, attrs: attrReader(node),
    inferGraph: () => { throw new Error('no subgraphs'); }, freshDim: () => 'unk__0',
  });
  return res[0]?.type;
}

describe('LabelEncoder output dtype', () => {
  const strs = (name: string): Attr => ({ name, kind: 'strings', value: ['a', 'b'] } as unknown as Attr);
  const flts = (name: string): Attr => ({ name, kind: 'floats', value: [1, 2] });
  const ints = (name: string): Attr => ({ name, kind: 'ints', value: [1n, 2n] });
  it('opset 2+: the dtype of the one values_* attribute', () => {
    expect(labelEncoder(T(DT.INT64, [3]), [ints('keys_int64s'), strs('values_strings')], 2)).toEqual({ kind: 'tensor', dtype: DT.STRING, shape: [3] });
    expect(labelEncoder(T(DT.STRING, [3]), [strs('keys_strings'), flts('values_floats')], 2)).toEqual({ kind: 'tensor', dtype: F, shape: [3] });
    expect(labelEncoder(T(DT.STRING, [3]), [strs('keys_strings'), ints('values_int64s')], 2)).toEqual({ kind: 'tensor', dtype: DT.INT64, shape: [3] });
    // Two values_* attributes: an invalid node, the dtype is not guessed.
    expect(labelEncoder(T(DT.STRING, [3]), [flts('values_floats'), ints('values_int64s')], 2)).toEqual({ kind: 'tensor', dtype: 0, shape: [3] });
  });
  it('opset 1: strings map to int64 and int64 to strings', () => {
    expect(labelEncoder(T(DT.STRING, [3]), [], 1)).toEqual({ kind: 'tensor', dtype: DT.INT64, shape: [3] });
    expect(labelEncoder(T(DT.INT64, [3]), [], 1)).toEqual({ kind: 'tensor', dtype: DT.STRING, shape: [3] });
    expect(labelEncoder(T(0, [3]), [], 1)).toEqual({ kind: 'tensor', dtype: 0, shape: [3] });
  });
});

describe('SequenceMap', () => {
  it('the body gets each sequence input\'s element and each tensor input as is; outputs are sequences', () => {
    const body = fakeGraph('body');
    const s: Known = { type: { kind: 'sequence', elem: { kind: 'tensor', dtype: F, shape: ['batch', 3] } } };
    let seen: (Known | null)[] = [];
    const r = inf('SequenceMap', [s, T(DT.INT64, [2])], { body }, {
      inferGraph: (_g, ins) => { seen = [...ins]; return [T(F, ['batch'])]; },
    });
    expect(seen).toEqual([T(F, ['batch', 3]), T(DT.INT64, [2])]);
    expect(out(r)).toEqual({ kind: 'sequence', elem: { kind: 'tensor', dtype: F, shape: ['batch'] } });
  });
});

describe('string and image ops', () => {
  it('TfIdfVectorizer: [C] → [max(ngram_indexes)+1], [N, C] → [N, max(ngram_indexes)+1]', () => {
    const attrs = { ngram_indexes: [0n, 1n, 5n, 2n] };
    expect(out(inf('TfIdfVectorizer', [T(DT.INT64, ['n', 10])], attrs))).toEqual({ kind: 'tensor', dtype: F, shape: ['n', 6] });
    expect(out(inf('TfIdfVectorizer', [T(DT.INT64, [10])], attrs))).toEqual({ kind: 'tensor', dtype: F, shape: [6] });
  });
  it('ImageDecoder: 3 channels for RGB and BGR, 1 for Grayscale', () => {
    const fmt = (f: string): Attr[] => [{ name: 'pixel_format', kind: 'string', value: f } as Attr];
    expect(out(inf('ImageDecoder', [T(DT.UINT8, [100])], fmt('BGR')))).toEqual({ kind: 'tensor', dtype: DT.UINT8, shape: [null, null, 3] });
    expect(out(inf('ImageDecoder', [T(DT.UINT8, [100])], fmt('Grayscale')))).toEqual({ kind: 'tensor', dtype: DT.UINT8, shape: [null, null, 1] });
    expect(out(inf('ImageDecoder', [T(DT.UINT8, [100])]))).toEqual({ kind: 'tensor', dtype: DT.UINT8, shape: [null, null, 3] });
  });
});
