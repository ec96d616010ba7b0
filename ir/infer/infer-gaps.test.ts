/**
 * Branches of the inference driver (ir/infer/infer.ts) and of the dim algebra that no other test
 * ran (coverage gaps): merging declared sequence/optional types, conflicts across kinds, sparse
 * initializers, fresh symbols that must avoid the ones inside sequence/optional/map types and
 * type attributes, and number edge cases of dims.ts.
 */
import { describe, expect, it } from 'vitest';
import { DataType as D } from '../dtype.js';
import { parseModel } from '../text/parse.js';
import type { Model, Type, ValueId } from '../types.js';
import { dimAdd, dimFloorDiv, dimNonNegative, dimParse, dimPrint, dimSub, dimZeroImplies } from './dims.js';
import { inferTypes, mergeTypes, typeConflict } from './infer.js';
import type { InferRule } from './types.js';
import { tableOf } from './test-util.js';

const ten = (dtype: number, shape?: (number | string | null)[]): Type => (shape ? { kind: 'tensor', dtype, shape } : { kind: 'tensor', dtype });
const seq = (elem?: Type): Type => (elem ? { kind: 'sequence', elem } : { kind: 'sequence' });
const opt = (elem?: Type): Type => (elem ? { kind: 'optional', elem } : { kind: 'optional' });

describe('typeConflict across kinds', () => {
  it('a sequence whose element dtype contradicts the declared one conflicts', () => {
    expect(typeConflict(seq(ten(D.FLOAT, [2])), seq(ten(D.INT64, [2])))).toMatch(/dtype/);
    expect(typeConflict(opt(ten(D.FLOAT, [2])), opt(ten(D.FLOAT, [3])))).toMatch(/dim 0 = 3 but is declared 2/);
    // An element type unknown on either side is no conflict.
    expect(typeConflict(seq(ten(D.FLOAT, [2])), seq())).toBeUndefined();
  });
  it('a tensor inferred where a sequence is declared conflicts; sparse against tensor does not', () => {
    expect(typeConflict(seq(ten(D.FLOAT)), ten(D.FLOAT, [2]))).toBe('is a tensor but declared a sequence');
    expect(typeConflict({ kind: 'sparse', dtype: D.FLOAT, shape: [4] }, ten(D.FLOAT, [4]))).toBeUndefined();
    expect(typeConflict(ten(D.FLOAT, [4]), { kind: 'sparse', dtype: D.FLOAT, shape: [4] })).toBeUndefined();
    expect(typeConflict({ kind: 'none' }, ten(D.FLOAT))).toBeUndefined();
  });
});

describe('mergeTypes of sequences and optionals', () => {
  it('fills the declared element\'s unknown dims from the inferred element', () => {
    expect(mergeTypes(seq(ten(D.FLOAT, [null, 3])), seq(ten(D.FLOAT, [2, 3])))).toEqual(seq(ten(D.FLOAT, [2, 3])));
    expect(mergeTypes(opt(ten(D.FLOAT, [null, 3])), opt(ten(D.FLOAT, [2, 3])))).toEqual(opt(ten(D.FLOAT, [2, 3])));
    expect(mergeTypes(opt(), opt(ten(D.INT64, [1])))).toEqual(opt(ten(D.INT64, [1])));
  });
  it('returns the declared object itself when nothing is learned, and keeps it across kinds', () => {
    const o = opt(ten(D.FLOAT, [2]));
    expect(mergeTypes(o, opt(ten(D.FLOAT, [2])))).toBe(o);
    const s = seq(ten(D.FLOAT, [2]));
    expect(mergeTypes(s, ten(D.FLOAT, [2]))).toBe(s);
  });
});

function typeByName(m: Model, name: string, types: Map<ValueId, Type>): Type | undefined {
  for (const v of Object.values(m.graph.values)) if (v.name === name) return types.get(v.id);
  return undefined;
}

describe('inferTypes: sparse initializers and fresh symbols', () => {
  it('a sparse initializer is known as a sparse tensor of its dense dims', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g () => (s) <s = sparse[4, 5](float[2] {1.0, 2.0}, int64[2] {0, 7})> {
}`);
    const { types } = inferTypes(m);
    expect(typeByName(m, 's', types)).toEqual({ kind: 'sparse', dtype: D.FLOAT, shape: [4, 5] });
  });

  const fresh: InferRule = { domain: '', name: 'NonZero', infer: (_ins, ctx) => [{ type: { kind: 'tensor', dtype: D.INT64, shape: [1, ctx.freshDim()] } }] };
  it('never hands out a symbol used inside a sequence, optional or map type', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (seq(float[unk__0]) s, optional(float[unk__1]) o, map(int64, seq(float[unk__2])) mp, float[3] x) => (int64[?,?] z) {
  z = NonZero (x)
}`);
    const { types } = inferTypes(m, { ops: tableOf([fresh]) });
    expect(typeByName(m, 'z', types)).toEqual({ kind: 'tensor', dtype: D.INT64, shape: [1, 'unk__3'] });
  });
  it('never hands out a symbol used in a type attribute', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] x) => (int64[?,?] z) {
  e = Optional <type = float[unk__0]> ()
  z = NonZero (x)
}`);
    const { types } = inferTypes(m, { ops: tableOf([fresh]) });
    expect(typeByName(m, 'z', types)).toEqual({ kind: 'tensor', dtype: D.INT64, shape: [1, 'unk__1'] });
  });
});

describe('dims.ts number edge cases', () => {
  it('dimNonNegative of a number: 0 and up are, negatives are not', () => {
    expect([dimNonNegative(0), dimNonNegative(7), dimNonNegative(-1)]).toEqual([true, true, false]);
  });
  it('dimZeroImplies with a number a: a ≠ 0 never is 0; a = 0 implies b = 0 only when b is 0', () => {
    expect(dimZeroImplies(3, 'N')).toBe(true);
    expect(dimZeroImplies(0, 0)).toBe(true);
    expect(dimZeroImplies(0, 'N')).toBe(false);
    expect(dimZeroImplies(0, 5)).toBe(false);
  });
  it('number arithmetic past 2^53 is unknown, not a rounded size', () => {
    expect(dimAdd(Number.MAX_SAFE_INTEGER, 1)).toBeNull();
    expect(dimSub(-Number.MAX_SAFE_INTEGER, 1)).toBeNull();
    expect(dimFloorDiv(2 ** 60, 2)).toBeNull();
    expect(dimFloorDiv(7, 2)).toBe(3);
  });
  it('a leading + is read as a plus sign; terms print in one canonical order', () => {
    expect(dimParse('+N')).toBe('N');
    expect(dimParse('+N-2')).toBe('N-2');
    expect(dimAdd('B', 'A')).toBe('A+B');
    expect(dimAdd('A', 'B')).toBe('A+B');
    expect(dimParse('b*c+a*c')).toBe('a*c+b*c');
  });
  it('dimPrint writes numbers in decimal and unknown as ?', () => {
    expect([dimPrint(12), dimPrint(0), dimPrint('N'), dimPrint(null)]).toEqual(['12', '0', 'N', '?']);
  });
});
