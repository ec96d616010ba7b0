/**
 * Branches of the tensor and elementwise inference rules that no other test ran (coverage gaps):
 * each case pins what ONNX specifies, so a flipped guard, a dropped axis mapping or a wrong
 * comparison on that branch fails here.
 */
import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../dtype.js';
import type { Attr, Dim } from '../../types.js';
import type { Known } from '../types.js';
import { broadcastDim, intsOf, normAxes } from './common.js';
import { rules as elementwiseRules } from './elementwise.js';
import { inferOp } from './nn/test-util.js';
import { i64, infer1, shapeOfK, t, valueOf } from './test-util.js';

const F = D.FLOAT;
/** An int64 1-D vector known only as dims (no constant value): a propagated Shape slice. */
const dimsK = (dims: Dim[]): Known => ({ type: { kind: 'tensor', dtype: D.INT64, shape: [dims.length] }, dims });

describe('Slice with propagated, partly symbolic ends', () => {
  it('maps each end to its axis through the axes input (here reversed)', () => {
    // x[0:N, 0:5] written with axes [1, 0]: ends [5, N].
    const r = infer1('Slice', [t(F, ['N', 10]), i64([0, 0]), dimsK([5, 'N']), i64([1, 0])]);
    expect(shapeOfK(r)).toEqual(['N', 5]);
  });
  it('a number end on a symbolic axis to the end keeps the symbol minus the start', () => {
    // x[2:INT32_MAX, 0:N] on [N, 10] over axes [0, 1]: N − 2 rows; N on a dim 10 is min(N,10).
    const r = infer1('Slice', [t(F, ['N', 10]), i64([2, 0]), dimsK([2 ** 31 - 1, 'N']), i64([0, 1])]);
    expect(shapeOfK(r)).toEqual(['N-2', 'min(N,10)']);
  });
});

describe('Einsum with an operand of unknown shape', () => {
  it('its labels are unknown and the others still give their dims', () => {
    expect(shapeOfK(infer1('Einsum', [t(F), t(F, [3, 4])], { equation: 'ij,jk->ik' }))).toEqual([null, 4]);
  });
  it('with an ellipsis the broadcast batch rank is unknown, so the output rank is too', () => {
    const r = infer1('Einsum', [t(F), t(F, [3, 4])], { equation: '...ij,jk->...ik' });
    expect(r?.type).toEqual({ kind: 'tensor', dtype: F });
  });
});

describe('Tile-1 (before opset 6: tiles and axis inputs)', () => {
  it('multiplies only the given axis by tiles', () => {
    expect(shapeOfK(infer1('Tile', [t(F, [2, 3]), i64([3], true), i64([1], true)], {}, 5))).toEqual([2, 9]);
    expect(shapeOfK(infer1('Tile', [t(F, [2, 3]), i64([3], true), i64([0], true)], {}, 5))).toEqual([6, 3]);
  });
  it('an axis not known leaves every dim unknown (any one may be tiled)', () => {
    expect(shapeOfK(infer1('Tile', [t(F, [2, 3]), i64([3], true), t(D.INT64, [])], {}, 5))).toEqual([null, null]);
  });
});

describe('ops whose output rank is fixed even when the input shape is unknown', () => {
  it('Flatten is always 2-D', () => {
    expect(shapeOfK(infer1('Flatten', [t(F)], { axis: 1 }))).toEqual([null, null]);
  });
  it('DepthToSpace/SpaceToDepth are always 4-D', () => {
    expect(shapeOfK(infer1('DepthToSpace', [t(F)], { blocksize: 2 }))).toEqual([null, null, null, null]);
    expect(shapeOfK(infer1('SpaceToDepth', [t(F)], { blocksize: 2 }))).toEqual([null, null, null, null]);
  });
});

describe('Range takes its dtype from limit when start has none', () => {
  it('int64 limit, start unknown: an int64 vector of unknown length', () => {
    const r = infer1('Range', [{}, t(D.INT64, []), i64([1], true)]);
    expect(r?.type).toMatchObject({ kind: 'tensor', dtype: D.INT64 });
    expect(shapeOfK(r)).toHaveLength(1);
  });
});

describe('Add before opset 7 (legacy broadcast) with A of unknown shape', () => {
  it('without broadcast A and B have one shape: the output is B\'s', () => {
    expect(shapeOfK(infer1('Add', [t(F), t(F, [2, 3])], {}, 6))).toEqual([2, 3]);
  });
  it('with broadcast = 1, B may be smaller than A: the output shape is not B\'s', () => {
    expect(shapeOfK(infer1('Add', [t(F), t(F, [3])], { broadcast: 1 }, 6))).toBeUndefined();
  });
});

describe('comparisons of dims vectors (no constant value, so no kernel folding)', () => {
  const a = dimsK([2, 3]), b = dimsK([3, 3]);
  it.each([
    ['Less', [1, 0]], ['LessOrEqual', [1, 1]], ['Greater', [0, 0]], ['GreaterOrEqual', [0, 1]], ['Equal', [0, 1]],
  ])('%s of [2,3] and [3,3]', (op, want) => {
    const r = infer1(op, [a, b]);
    expect(r?.type).toEqual({ kind: 'tensor', dtype: D.BOOL, shape: [2] });
    expect(valueOf(r)).toEqual(want);
  });
  it('Equal of a negative number and a symbol (a size, ≥ 0) is false on either side', () => {
    expect(valueOf(infer1('Equal', [dimsK([-1]), dimsK(['N'])]))).toEqual([0]);
    expect(valueOf(infer1('Equal', [dimsK(['N']), dimsK([-1])]))).toEqual([0]);
  });
});

describe('common helpers on branches no rule test reached', () => {
  it('broadcastDim(min(E,D), E) is E whichever side min(E,D) is on', () => {
    expect(broadcastDim('seq', 'min(seq,512)')).toBe('seq');
    expect(broadcastDim('min(seq,512)', 'seq')).toBe('seq');
    // min(E,0) is 0, which broadcasts against E = 1 to 0, not E: only D >= 1 makes E the answer.
    expect(broadcastDim('seq', 'min(seq,0)')).toBeNull();
    expect(broadcastDim('min(seq,0)', 'seq')).toBeNull();
  });
  it('normAxes refuses an axis repeated after normalizing (-2 is 0 at rank 2)', () => {
    expect(normAxes([0, -2], 2)).toBeUndefined();
    expect(normAxes([0, -1], 2)).toEqual([0, 1]);
  });
});

describe('Constant whose sparse_value payload cannot be read (a stripped skeleton)', () => {
  it('is typed from the sparse attribute: the values\' dtype and the dense dims', () => {
    const none = { kind: 'none' } as const;
    const attrs: Attr[] = [{
      name: 'sparse_value', kind: 'sparse_tensor',
      value: { values: { dtype: D.FLOAT, dims: [2], data: none }, indices: { dtype: D.INT64, dims: [2], data: none }, dims: [2, 3] },
    }];
    const r = inferOp(elementwiseRules, 'Constant', [], attrs);
    expect(r[0]?.type).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: [2, 3] });
  });
});

describe('intsOf on a dims vector with no constant value', () => {
  it('reads it only when every dim is a number', () => {
    expect(intsOf(dimsK([2, 3]))).toEqual([2, 3]);
    expect(intsOf(dimsK([2, 'N']))).toBeUndefined();
  });
  it('so Unsqueeze with such axes places the new dims', () => {
    expect(shapeOfK(infer1('Unsqueeze', [t(F, [3, 4]), dimsK([0, 3])]))).toEqual([1, 3, 4, 1]);
  });
});
