import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../dtype.js';
import { broadcastShape } from '../../ops/util.js';
import { dimAdd, dimMul } from '../dims.js';
import { dtypeOfK, f32, i64, infer1, shapeOfK, t, valueOf } from './test-util.js';

const F = D.FLOAT;

describe('broadcasting with symbolic dims', () => {
  const add = (a?: (number | string | null)[], b?: (number | string | null)[]) => shapeOfK(infer1('Add', [t(F, a), t(F, b)]));

  it('aligns trailing dims and broadcasts 1', () => {
    expect(add(['batch', 'seq', 768], [768])).toEqual(['batch', 'seq', 768]);
    expect(add(['batch', 1], [1, 'seq'])).toEqual(['batch', 'seq']);
  });
  it('equal symbols broadcast; different symbols are unknown', () => {
    expect(add(['batch'], ['batch'])).toEqual(['batch']);
    expect(add(['a'], ['b'])).toEqual([null]);
  });
  it('a number other than 1 beats a symbol or an unknown dim', () => {
    expect(add(['batch'], [3])).toEqual([3]);
    expect(add([null], [3])).toEqual([3]);
    expect(add([null], [1])).toEqual([null]);
    expect(add(['s'], [null])).toEqual([null]);
  });
  it('unknown rank gives unknown shape, dtype still known', () => {
    const r = infer1('Mul', [t(F, ['batch']), t(F)]);
    expect(shapeOfK(r)).toBeUndefined();
    expect(dtypeOfK(r)).toBe(F);
  });
  it('agrees with the kernel broadcast on numeric shapes', () => {
    const shape = fc.array(fc.constantFrom(1, 2, 3), { maxLength: 4 });
    fc.assert(fc.property(shape, shape, (a, b) => {
      let expected: number[] | undefined;
      try { expected = broadcastShape([a, b]); } catch { expected = undefined; }
      const got = add(a, b);
      if (expected) expect(got).toEqual(expected);
      else expect(got!.some((d) => d === null)).toBe(true);
    }), { seed: 42, numRuns: 200 });
  });
  it('before opset 7 the output has A\'s shape', () => {
    expect(shapeOfK(infer1('Add', [t(F, [2, 3]), t(F, [3])], { broadcast: 1 }, 6))).toEqual([2, 3]);
    // An unknown dim of A is B's where B has a dim other than 1 there; where B (or its padding) is 1 it stays unknown.
    expect(shapeOfK(infer1('Add', [t(F, [null, null, null]), t(F, [4, 1])], { broadcast: 1, axis: 1 }, 6))).toEqual([null, 4, null]);
    expect(shapeOfK(infer1('Mul', [t(F, [null, 5]), t(F, [1])], { broadcast: 1 }, 6))).toEqual([null, 5]);
  });
  it('variadic Max broadcasts all inputs', () => {
    expect(shapeOfK(infer1('Max', [t(F, [2, 1]), t(F, [1, 'n']), t(F, [1])]))).toEqual([2, 'n']);
  });
});

describe('dtypes', () => {
  it('comparisons and logic give bool', () => {
    expect(dtypeOfK(infer1('Less', [t(F, ['b', 2]), t(F, [2])]))).toBe(D.BOOL);
    expect(shapeOfK(infer1('Equal', [t(D.INT64, ['b', 2]), t(D.INT64, [2])]))).toEqual(['b', 2]);
    expect(dtypeOfK(infer1('IsNaN', [t(F, ['b'])]))).toBe(D.BOOL);
  });
  it('unary and activation ops keep type', () => {
    for (const op of ['Relu', 'Sqrt', 'Gelu', 'Clip', 'PRelu', 'Neg']) {
      const r = infer1(op, [t(D.FLOAT16, ['batch', 4]), t(D.FLOAT16, [4])]);
      expect([op, dtypeOfK(r), shapeOfK(r)]).toEqual([op, D.FLOAT16, ['batch', 4]]);
    }
  });
  it('Where takes X\'s dtype and broadcasts three inputs', () => {
    const r = infer1('Where', [t(D.BOOL, ['s', 1]), t(D.INT32, [1, 5]), t(D.INT32, [5])]);
    expect([dtypeOfK(r), shapeOfK(r)]).toEqual([D.INT32, ['s', 5]]);
  });
  it('Cast sets the target dtype (enum, and the opset-1 string form)', () => {
    expect(dtypeOfK(infer1('Cast', [t(F, [2])], { to: D.INT8 }))).toBe(D.INT8);
    expect(dtypeOfK(infer1('Cast', [t(F, [2])], { to: 'DOUBLE' }, 1))).toBe(D.DOUBLE);
    expect(dtypeOfK(infer1('CastLike', [t(F, [2]), t(D.INT32, [])]))).toBe(D.INT32);
  });
});

describe('constants and data propagation', () => {
  const x = t(F, ['batch', 'seq', 768]);

  it('Shape gives the dims, with start/end from opset 15', () => {
    const s = infer1('Shape', [x]);
    expect([dtypeOfK(s), shapeOfK(s), s?.dims]).toEqual([D.INT64, [3], ['batch', 'seq', 768]]);
    expect(infer1('Shape', [x], { start: -2 })?.dims).toEqual(['seq', 768]);
    expect(infer1('Shape', [x], { start: 1, end: -1 })?.dims).toEqual(['seq']);
    // start/end are ignored before opset 15, and read from opset 15 itself on
    expect(infer1('Shape', [x], { start: 1 }, 13)?.dims).toEqual(['batch', 'seq', 768]);
    expect(infer1('Shape', [x], { start: 1 }, 15)?.dims).toEqual(['seq', 768]);
    expect(shapeOfK(infer1('Shape', [t(F)]))).toEqual([null]);
  });
  it('Shape of a fully known shape also gives the value', () => {
    expect(valueOf(infer1('Shape', [t(F, [2, 3])]))).toEqual([2, 3]);
  });
  it('Size is the product of dims', () => {
    const s = infer1('Size', [x]);
    expect([shapeOfK(s), s?.dims]).toEqual([[], [dimMul(dimMul('batch', 'seq'), 768)]]);
    expect(valueOf(infer1('Size', [t(F, [2, 3])]))).toEqual([6]);
  });
  it('integer arithmetic on dims vectors', () => {
    const s = infer1('Shape', [x])!;
    expect(infer1('Mul', [s, i64([2], true)])?.dims).toEqual([dimMul('batch', 2), dimMul('seq', 2), 1536]);
    expect(infer1('Add', [i64([3]), i64([4])])?.dims).toEqual([7]);
    const half = infer1('Div', [{ ...t(D.INT64, [2]), dims: [dimMul('batch', 2), 7] }, i64([2], true)]);
    expect(half?.dims).toEqual(['batch', 3]);
    // Truncation is floor division only for a dividend provably ≥ 0.
    expect(infer1('Div', [{ ...t(D.INT64, [3]), dims: ['batch', 'batch-3', '(H+1)//2+1'] }, i64([2])])?.dims).toEqual(['(batch)//2', null, '(H+3)//4']);
    expect(infer1('Div', [{ ...t(D.INT64, [1]), dims: ['batch'] }, i64([-2])])?.dims).toEqual([null]);
    // Integer Div truncates toward zero (as the kernel does), never floors: -7 / 2 is -3.
    const q = infer1('Div', [i64([-7, 7, 5]), i64([2, -2, -5])]);
    expect([q?.dims, valueOf(q)]).toEqual([[-3, -3, -1], [-3, -3, -1]]);
    const sub = infer1('Sub', [i64([10, 20]), i64([1, 2])]);
    expect([valueOf(sub), shapeOfK(sub)]).toEqual([[9, 18], [2]]);
  });
  it('int32 dims wrap as the int32 arithmetic does (onnxruntime gives 1215752192 for 100000·1000000)', () => {
    const x: Parameters<typeof infer1>[1][number] = { ...t(D.INT32, [2]), dims: [100000, 2147483647] };
    const k = { kind: 'tensor' as const, dtype: D.INT32, dims: [], data: Int32Array.from([1000000]) };
    const m = infer1('Mul', [x, { type: { kind: 'tensor', dtype: D.INT32, shape: [] }, value: k }]);
    expect([m?.dims, valueOf(m)]).toEqual([[1215752192, -1000000], [1215752192, -1000000]]);
    const one = { kind: 'tensor' as const, dtype: D.INT32, dims: [], data: Int32Array.from([1]) };
    expect(infer1('Add', [x, { type: { kind: 'tensor', dtype: D.INT32, shape: [] }, value: one }])?.dims).toEqual([100001, -2147483648]);
  });
  it('float arithmetic carries no dims', () => {
    expect(infer1('Mul', [f32([2, 3]), f32([2], true)])?.dims).toBeUndefined();
  });
  it('Cast between int types keeps dims; to float drops them', () => {
    const s = infer1('Shape', [x])!;
    const c = infer1('Cast', [s], { to: D.INT32 });
    expect([dtypeOfK(c), c?.dims]).toEqual([D.INT32, ['batch', 'seq', 768]]);
    expect(infer1('Cast', [s], { to: D.FLOAT })?.dims).toBeUndefined();
  });
  it('Constant yields type and value', () => {
    const c = infer1('Constant', [], { value_ints: [4, 5, 6] });
    expect([dtypeOfK(c), shapeOfK(c), valueOf(c)]).toEqual([D.INT64, [3], [4, 5, 6]]);
    const f = infer1('Constant', [], { value_float: { float: 1.5 } });
    expect([dtypeOfK(f), shapeOfK(f)]).toEqual([F, []]);
  });
  it('a Constant whose payload was stripped still has its type', () => {
    const c = infer1('Constant', [], { value: { stripped: { dtype: F, dims: [768, 3] } } });
    expect([dtypeOfK(c), shapeOfK(c), c?.value]).toEqual([F, [768, 3], undefined]);
  });
  it('ConstantOfShape uses the dims of its input', () => {
    const c = infer1('ConstantOfShape', [{ ...t(D.INT64, [2]), dims: ['batch', 4] }]);
    expect([dtypeOfK(c), shapeOfK(c)]).toEqual([F, ['batch', 4]]);
    const v = { kind: 'tensor' as const, dtype: D.INT64, dims: [1], data: BigInt64Array.of(7n) };
    const c2 = infer1('ConstantOfShape', [t(D.INT64, [3])], { value: { tensor: v } });
    // Entries computed from data: each a distinct fresh symbol (one unknown value each).
    expect([dtypeOfK(c2), shapeOfK(c2)]).toEqual([D.INT64, ['unk__0', 'unk__1', 'unk__2']]);
    const c3 = infer1('ConstantOfShape', [{ ...t(D.INT64, [2]), dims: [null, 'b'] }]);
    expect(shapeOfK(c3)).toEqual(['unk__0', 'b']);
  });
  it('Identity passes everything through', () => {
    const s = infer1('Shape', [x])!;
    expect(infer1('Identity', [s])).toBe(s);
  });
});

describe('constant folding and shape-vector logic', () => {
  it('folds through the kernel when every input is a constant', () => {
    const c = infer1('ConstantOfShape', [i64([4])], { value: { tensor: { kind: 'tensor', dtype: D.INT64, dims: [1], data: BigInt64Array.of(1n) } } });
    expect(valueOf(c)).toEqual([1, 1, 1, 1]);
    const m = infer1('Mul', [c!, i64([-1], true)]);
    expect(valueOf(m)).toEqual([-1, -1, -1, -1]);
    expect(valueOf(infer1('Neg', [f32([1.5, -2])]))).toEqual([-1.5, 2]);
  });
  it('CastLike converts a constant even when the like-input is not constant', () => {
    const r = infer1('CastLike', [f32([1], true), t(D.INT64, ['n'])]);
    expect([dtypeOfK(r), shapeOfK(r), valueOf(r)]).toEqual([D.INT64, [], [1]]);
    expect(r?.value?.dtype).toBe(D.INT64);
  });
  it('does not fold widened floats (the evaluator rounds those)', () => {
    const h = { type: { kind: 'tensor' as const, dtype: D.FLOAT16, shape: [1] }, value: { kind: 'tensor' as const, dtype: D.FLOAT16, dims: [1], data: Float32Array.of(1) } };
    const r = infer1('Add', [h, h]);
    expect([dtypeOfK(r), shapeOfK(r), r?.value]).toEqual([D.FLOAT16, [1], undefined]);
  });
  it('Equal on dims decides symbols against negative constants', () => {
    const shape = { ...t(D.INT64, [4]), dims: ['batch', -1, 'seq', 64] };
    const eq = infer1('Equal', [shape, i64([-1, -1, -1, -1])]);
    expect(valueOf(eq)).toEqual([0, 1, 0, 0]);
    expect(dtypeOfK(eq)).toBe(D.BOOL);
    // seq+1 vs seq is decided false; seq vs batch is not decided
    expect(valueOf(infer1('Equal', [{ ...t(D.INT64, [1]), dims: [dimAdd('seq', 1)] }, { ...t(D.INT64, [1]), dims: ['seq'] }]))).toEqual([0]);
    expect(infer1('Equal', [{ ...t(D.INT64, [1]), dims: ['batch'] }, { ...t(D.INT64, [1]), dims: ['seq'] }])?.value).toBeUndefined();
    // A size may be 0: Equal(seq, 0) is not decided (the Reshape-0 idiom), on either side.
    expect(infer1('Equal', [{ ...t(D.INT64, [1]), dims: ['seq'] }, i64([0])])?.value).toBeUndefined();
    expect(infer1('Equal', [i64([0]), { ...t(D.INT64, [1]), dims: ['seq'] }])?.value).toBeUndefined();
  });
  it('Where picks dims by a constant condition (the Expand-shape idiom)', () => {
    const shape = { ...t(D.INT64, [4]), dims: ['batch', -1, 'seq', 64] };
    const eq = infer1('Equal', [shape, i64([-1, -1, -1, -1])])!;
    const w = infer1('Where', [eq, i64([1, 1, 1, 1]), shape]);
    expect(w?.dims).toEqual(['batch', 1, 'seq', 64]);
  });
});
