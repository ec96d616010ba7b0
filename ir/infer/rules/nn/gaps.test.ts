/**
 * Branches of the nn inference rules that no other test ran (coverage gaps): each case pins the
 * ONNX-specified output shape so a flipped guard or a wrong axis on that branch fails here.
 */
import { describe, expect, it } from 'vitest';
import { DataType as DT } from '../../../dtype.js';
import { rules } from '../nn.js';
import type { Known } from '../../types.js';
import { constF32, constI64, inferOp, out, T } from './test-util.js';

const F = DT.FLOAT;
/** A constant int64 scalar. */
const scalarI64 = (v: bigint): Known => ({ type: { kind: 'tensor', dtype: DT.INT64, shape: [] }, value: { kind: 'tensor', dtype: DT.INT64, dims: [], data: BigInt64Array.from([v]) } });
const inf = (op: string, ins: Parameters<typeof inferOp>[2], attrs: Parameters<typeof inferOp>[3] = {}, o: Parameters<typeof inferOp>[4] = {}) =>
  inferOp(rules, op, ins, attrs, o);

describe('ConvTranspose output_shape', () => {
  // W is [C_in, C_out/group, kH, kW]: 2 per group × 2 groups = 4 output channels.
  const x = T(F, [1, 4, 5, 6]), w = T(F, [4, 2, 3, 3]);
  it('a spatial-only output_shape gives the spatial dims', () => {
    expect(out(inf('ConvTranspose', [x, w], { group: 2n, output_shape: [10n, 12n] }))).toEqual({ kind: 'tensor', dtype: F, shape: [1, 4, 10, 12] });
  });
  it('a full-rank output_shape (N, C, spatial…) gives its spatial tail, not its N and C', () => {
    expect(out(inf('ConvTranspose', [x, w], { group: 2n, output_shape: [1n, 4n, 10n, 12n] }))).toEqual({ kind: 'tensor', dtype: F, shape: [1, 4, 10, 12] });
  });
});

describe('MaxUnpool default output size', () => {
  it('is (in − 1)·stride + kernel − pads, symbolically too', () => {
    // H: (H−1)·2 + 2 = 2H; W = 4: 3·2 + 2 = 8.
    const r = inf('MaxUnpool', [T(F, [1, 3, 'H', 4]), T(DT.INT64, [1, 3, 'H', 4])], { kernel_shape: [2n, 2n], strides: [2n, 2n] });
    expect(out(r)).toEqual({ kind: 'tensor', dtype: F, shape: [1, 3, '2*H', 8] });
    // With pads 1+1 on H: 2H − 2.
    const p = inf('MaxUnpool', [T(F, [1, 3, 'H', 4]), T(DT.INT64, [1, 3, 'H', 4])], { kernel_shape: [2n, 2n], strides: [2n, 2n], pads: [1n, 0n, 1n, 0n] });
    expect(out(p)).toEqual({ kind: 'tensor', dtype: F, shape: [1, 3, '2*H-2', 8] });
  });
});

describe('GlobalLpPool', () => {
  it('keeps N and C and makes every spatial dim 1', () => {
    expect(out(inf('GlobalLpPool', [T(F, [2, 3, 5, 7])]))).toEqual({ kind: 'tensor', dtype: F, shape: [2, 3, 1, 1] });
  });
});

describe('Upsample and old Resize read their scales where their opset puts them', () => {
  it('Upsample before opset 9 takes the scales attribute', () => {
    const r = inf('Upsample', [T(F, [1, 3, 4, 5])], { scales: [1, 1, 2, 2] }, { opset: 7 });
    expect(out(r)).toEqual({ kind: 'tensor', dtype: F, shape: [1, 3, 8, 10] });
  });
  it('Resize-10 takes scales from input 1 (there is no roi before opset 11)', () => {
    const r = inf('Resize', [T(F, [1, 3, 4, 5]), constF32([1, 1, 2, 3])], {}, { opset: 10 });
    expect(out(r)).toEqual({ kind: 'tensor', dtype: F, shape: [1, 3, 8, 15] });
  });
});

describe('Resize keep_aspect_ratio_policy (opset 18)', () => {
  // sizes [5, 5] over axes [2, 3] of a 10×20 image: ratios 0.5 and 0.25.
  const x = T(F, [1, 3, 10, 20]);
  const run = (policy: string) => inf('Resize', [x, null, null, constI64([5, 5])], { axes: [2n, 3n], keep_aspect_ratio_policy: { kind: 'string', value: policy } as never }, { opset: 18 });
  it('not_smaller scales by the largest ratio: round(0.5·10), round(0.5·20)', () => {
    expect(out(run('not_smaller'))).toEqual({ kind: 'tensor', dtype: F, shape: [1, 3, 5, 10] });
  });
  it('not_larger scales by the smallest ratio: round(0.25·10), round(0.25·20)', () => {
    expect(out(run('not_larger'))).toEqual({ kind: 'tensor', dtype: F, shape: [1, 3, 3, 5] });
  });
  it('an unknown policy leaves the resized axes unknown', () => {
    expect(out(run('bogus'))).toEqual({ kind: 'tensor', dtype: F, shape: [1, 3, null, null] });
  });
});

describe('Attention without known ranks', () => {
  it('asserts no rank for any output (3-D and 4-D forms differ)', () => {
    const r = inf('Attention', [T(F), T(F), T(F)], {}, { opset: 23, outputs: 4 });
    expect(r.map((k) => k?.type)).toEqual([
      { kind: 'tensor', dtype: F }, { kind: 'tensor', dtype: F }, { kind: 'tensor', dtype: F }, { kind: 'tensor', dtype: F }]);
  });
});

describe('rank from another input when X has no shape', () => {
  it('GridSample: Y is (N, C, H_out, W_out) with N, H_out, W_out from grid (N, H_out, W_out, 2)', () => {
    expect(out(inf('GridSample', [T(F), T(F, ['n', 7, 9, 2])]))).toEqual({ kind: 'tensor', dtype: F, shape: ['n', null, 7, 9] });
  });
  it('DeformConv: M from W, N and the output spatial dims from offset', () => {
    const r = inf('DeformConv', [T(F), T(F, [8, 3, 3, 3]), T(F, ['n', 18, 6, 7])]);
    expect(out(r)).toEqual({ kind: 'tensor', dtype: F, shape: ['n', 8, 6, 7] });
  });
  it('RoiAlign: num_rois from batch_indices when rois has no shape', () => {
    const r = inf('RoiAlign', [T(F, [1, 256, 50, 50]), T(F), T(DT.INT64, [5])], { output_height: 7n, output_width: 6n });
    expect(out(r)).toEqual({ kind: 'tensor', dtype: F, shape: [5, 256, 7, 6] });
  });
});

describe('BatchNormalization with X of unknown shape', () => {
  it('C for the running mean/var outputs comes from scale\'s [C]', () => {
    const r = inf('BatchNormalization', [T(F), T(F, [64]), T(F, [64]), T(F, [64]), T(F, [64])], {}, { opset: 15, outputs: 3 });
    expect(r.slice(1, 3).map((k) => k?.type)).toEqual([{ kind: 'tensor', dtype: F, shape: [64] }, { kind: 'tensor', dtype: F, shape: [64] }]);
  });
});

describe('DFT-20: axis is input 2, default −2', () => {
  // A real signal [2, 8, 4, 1]; one-sided output along the axis: floor(n/2) + 1.
  const x = T(F, [2, 8, 4, 1]);
  it('without an axis input the transformed axis is −2 (here 2: 4 → 3)', () => {
    expect(out(inf('DFT', [x], { onesided: 1n }, { opset: 20 }))).toEqual({ kind: 'tensor', dtype: F, shape: [2, 8, 3, 2] });
  });
  it('a constant axis input picks its axis (1: 8 → 5)', () => {
    expect(out(inf('DFT', [x, null, scalarI64(1n)], { onesided: 1n }, { opset: 20 }))).toEqual({ kind: 'tensor', dtype: F, shape: [2, 5, 4, 2] });
  });
});

describe('STFT without a frame_length input', () => {
  it('takes the frame length from the window: frames = ⌊(L − fl)/step⌋ + 1, bins = ⌊fl/2⌋ + 1', () => {
    // L = 128, fl = 16, step 8: (128 − 16)/8 + 1 = 15 frames; one-sided (default): 9 bins.
    expect(out(inf('STFT', [T(F, [1, 128, 1]), scalarI64(8n), T(F, [16])], {}, { opset: 17 }))).toEqual({ kind: 'tensor', dtype: F, shape: [1, 15, 9, 2] });
  });
});
