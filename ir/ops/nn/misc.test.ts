import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { TensorValue } from '../types.js';
import { f32, i64, maxAbsDiff, randF32, run, runT } from './test-util.js';

const arr = (t: TensorValue): number[] => Array.from(t.data as ArrayLike<number>);

describe('pooling', () => {
  it('MaxPool returns values and flat indices (row- and column-major)', () => {
    const X = f32([1, 1, 2, 3], [1, 5, 2, 4, 3, 6]);
    const [y, idx] = run('MaxPool', [X], { kernel_shape: [2n, 2n] }, 22, 2) as TensorValue[];
    expect(arr(y)).toEqual([5, 6]);
    expect(Array.from(idx.data as BigInt64Array)).toEqual([1n, 5n]);
    const [, cm] = run('MaxPool', [X], { kernel_shape: [2n, 2n], storage_order: 1n }, 22, 2) as TensorValue[];
    expect(Array.from(cm.data as BigInt64Array)).toEqual([2n, 5n]);
  });

  it('AveragePool divides by real elements unless count_include_pad', () => {
    const X = f32([1, 1, 1, 2], [2, 4]);
    expect(arr(runT('AveragePool', [X], { kernel_shape: [1n, 2n], pads: [0n, 1n, 0n, 0n] }))).toEqual([2, 3]);
    expect(arr(runT('AveragePool', [X], { kernel_shape: [1n, 2n], pads: [0n, 1n, 0n, 0n], count_include_pad: 1n }))).toEqual([1, 3]);
  });

  it('ceil_mode adds a last window only when it starts inside the input', () => {
    const X = f32([1, 1, 5], [1, 2, 3, 4, 5]);
    expect(runT('MaxPool', [X], { kernel_shape: [2n], strides: [2n], ceil_mode: 1n }).dims).toEqual([1, 1, 3]);
    expect(runT('MaxPool', [X], { kernel_shape: [2n], strides: [2n] }).dims).toEqual([1, 1, 2]);
  });

  it('global pools reduce every spatial axis', () => {
    const X = randF32([2, 3, 4, 5], 1);
    const g = runT('GlobalAveragePool', [X]);
    expect(g.dims).toEqual([2, 3, 1, 1]);
    const x = X.data as Float32Array;
    let s = 0;
    for (let i = 0; i < 20; i++) s += x[i];
    expect(Math.abs((g.data as Float32Array)[0] - s / 20)).toBeLessThan(1e-6);
  });
});

describe('normalizations and softmax', () => {
  it('Softmax rows sum to 1 and LogSoftmax is its log, for any axis', () => {
    fc.assert(fc.property(fc.integer({ min: -3, max: 2 }), (axis) => {
      const X = randF32([2, 3, 4], 5 + axis);
      const s = runT('Softmax', [X], { axis: BigInt(axis) }, 13), l = runT('LogSoftmax', [X], { axis: BigInt(axis) }, 13);
      expect(maxAbsDiff(arr(s).map(Math.log), arr(l))).toBeLessThan(1e-5);
      const a = (axis + 3) % 3, dims = [2, 3, 4];
      const st = [12, 4, 1];
      for (let i = 0; i < 24; i++) {
        if (Math.floor(i / st[a]) % dims[a] !== 0) continue;
        let sum = 0;
        for (let k = 0; k < dims[a]; k++) sum += (s.data as Float32Array)[i + k * st[a]];
        expect(Math.abs(sum - 1)).toBeLessThan(1e-5);
      }
    }), { seed: 42, numRuns: 20 });
  });

  it('Softmax before opset 13 coerces to 2-D at axis', () => {
    const X = randF32([2, 3], 3);
    const y = runT('Softmax', [X], { axis: 0n }, 11);
    expect(Math.abs(arr(y).reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-6);
  });

  it('LayerNormalization yields zero mean, unit variance rows and stash outputs', () => {
    const X = randF32([3, 8], 9);
    const [y, mean, inv] = run('LayerNormalization', [X, f32([8], new Array(8).fill(1))], {}, 17, 3) as TensorValue[];
    expect(mean.dims).toEqual([3, 1]);
    expect(inv.dims).toEqual([3, 1]);
    const yd = arr(y);
    for (let r = 0; r < 3; r++) {
      const row = yd.slice(r * 8, r * 8 + 8);
      const mu = row.reduce((a, b) => a + b, 0) / 8;
      expect(Math.abs(mu)).toBeLessThan(1e-6);
      expect(Math.abs(row.reduce((a, b) => a + b * b, 0) / 8 - 1)).toBeLessThan(1e-3);
    }
  });

  it('BatchNormalization inference uses the running statistics', () => {
    const X = f32([1, 2, 1, 1], [3, 5]);
    const y = runT('BatchNormalization', [X, f32([2], [1, 2]), f32([2], [0, 1]), f32([2], [1, 1]), f32([2], [4, 16])], { epsilon: 0 }, 15);
    expect(arr(y)).toEqual([1, 3]); // (3−1)/2·1+0, (5−1)/4·2+1
  });
});

describe('quantization', () => {
  it('DequantizeLinear(QuantizeLinear(x)) is within half a step, per axis', () => {
    const X = randF32([2, 3, 4], 21);
    const scale = f32([3], [0.01, 0.02, 0.05]);
    const zp: TensorValue = { kind: 'tensor', dtype: D.UINT8, dims: [3], data: Uint8Array.from([128, 100, 90]) };
    const q = runT('QuantizeLinear', [X, scale, zp], { axis: 1n }, 21);
    expect(q.dtype).toBe(D.UINT8);
    const back = runT('DequantizeLinear', [q, scale, zp], { axis: 1n }, 21);
    const x = arr(X), b = arr(back);
    for (let i = 0; i < x.length; i++) {
      const s = [0.01, 0.02, 0.05][Math.floor(i / 4) % 3];
      expect(Math.abs(x[i] - b[i])).toBeLessThanOrEqual(s / 2 + 1e-7);
    }
  });

  it('QuantizeLinear rounds half to even and saturates', () => {
    const q = runT('QuantizeLinear', [f32([4], [0.5, 1.5, 2.5, 1000]), f32([], [1]), { kind: 'tensor', dtype: D.INT8, dims: [], data: Int8Array.from([0]) }], {}, 13);
    expect(arr(q)).toEqual([0, 2, 2, 127]);
  });
});

describe('Resize', () => {
  it("coordinate_transformation_mode 'tf_half_pixel_for_nn' (Resize-11) samples at (o + 0.5) / scale", () => {
    // onnx's test_resize_downsample_sizes_nearest_tf_half_pixel_for_nn: rows 0.67, 2, 3.33 → 1, 2, 3; columns 1, 3
    const X = f32([1, 1, 4, 4], Array.from({ length: 16 }, (_, i) => i + 1));
    const y = runT('Resize', [X, f32([0], []), f32([0], []), i64([4], [1, 1, 3, 2])], { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, 11);
    expect(y.dims).toEqual([1, 1, 3, 2]);
    expect(arr(y)).toEqual([6, 8, 10, 12, 14, 16]);
  });
  it('is the identity at scale 1 for every mode', () => {
    for (const mode of ['nearest', 'linear', 'cubic']) {
      const X = randF32([1, 2, 3, 4], 4);
      const y = runT('Resize', [X, null, f32([4], [1, 1, 1, 1])], { mode }, 19);
      expect(maxAbsDiff(arr(y), arr(X))).toBeLessThan(1e-6);
    }
  });

  it('nearest upsampling by 2 repeats elements (asymmetric/floor)', () => {
    const y = runT('Resize', [f32([1, 1, 1, 2], [1, 2]), null, f32([4], [1, 1, 1, 2])], { coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, 19);
    expect(arr(y)).toEqual([1, 1, 2, 2]);
  });

  it("pytorch_half_pixel samples coordinate 0 for a single output (spec and onnxruntime; not the reference's -0.5)", () => {
    const X = f32([1, 1, 3, 4], Array.from({ length: 12 }, (_, i) => (i + 1) ** 2));
    for (const mode of ['cubic', 'linear', 'nearest']) {
      const y = runT('Resize', [X, null, null, i64([4], [1, 1, 1, 1])], { mode, coordinate_transformation_mode: 'pytorch_half_pixel' }, 19);
      expect(arr(y), mode).toEqual([1]);
    }
  });

  it('integer results truncate toward zero, as onnxruntime and the reference do (uint8 63.75 is 63, int8 -28.4 is -28)', () => {
    // Linear x[1,1,1,2] to 4 with align_corners: 0, v/3, 2v/3, v. onnxruntime 1.30: uint8 0 85 170 255
    // from [0, 255] gives the same as rounding; [0, 191] gives 0 63 127 191 (63.67 and 127.33).
    const t = (dtype: number, data: number[]): TensorValue => ({ kind: 'tensor', dtype, dims: [1, 1, 1, 2], data: dtype === D.UINT8 ? Uint8Array.from(data) : Int8Array.from(data) });
    const up = (x: TensorValue) => arr(runT('Resize', [x, null, null, i64([4], [1, 1, 1, 4])], { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, 19));
    expect(up(t(D.UINT8, [0, 191]))).toEqual([0, 63, 127, 191]);
    expect(up(t(D.INT8, [0, -85]))).toEqual([0, -28, -56, -85]);
  });

  it('rejects both scales and sizes', () => {
    expect(() => runT('Resize', [f32([1, 1, 2, 2]), null, f32([4], [1, 1, 2, 2]), i64([4], [1, 1, 4, 4])], {}, 19)).toThrow(LatheError);
  });
});

describe('Attention', () => {
  it('a fully masked row gives zeros, not NaN', () => {
    const Q = randF32([1, 1, 2, 4], 1), K = randF32([1, 1, 3, 4], 2), V = randF32([1, 1, 3, 4], 3);
    const mask: TensorValue = { kind: 'tensor', dtype: D.BOOL, dims: [2, 3], data: Uint8Array.from([0, 0, 0, 1, 1, 0]) };
    const y = runT('Attention', [Q, K, V, mask], {}, 23);
    expect(arr(y).slice(0, 4)).toEqual([0, 0, 0, 0]);
    expect(arr(y).slice(4).every(Number.isFinite)).toBe(true);
  });

  it('GQA shares each KV head among its query heads', () => {
    const Q = randF32([1, 4, 2, 3], 4), K = randF32([1, 2, 5, 3], 5), V = randF32([1, 2, 5, 3], 6);
    const y = runT('Attention', [Q, K, V], {}, 23);
    // query head 1 uses kv head 0: equal to MHA on that head alone
    const q1 = f32([1, 1, 2, 3], (Q.data as Float32Array).slice(6, 12));
    const k0 = f32([1, 1, 5, 3], (K.data as Float32Array).slice(0, 15)), v0 = f32([1, 1, 5, 3], (V.data as Float32Array).slice(0, 15));
    const y1 = runT('Attention', [q1, k0, v0], {}, 23);
    expect(maxAbsDiff(arr(y).slice(6, 12), arr(y1))).toBeLessThan(1e-6);
  });
});

describe('recurrent', () => {
  it('an RNN with identity activation and zero R is a per-step linear map', () => {
    const X = f32([2, 1, 2], [1, 2, 3, 4]);
    const W = f32([1, 1, 2], [1, 1]), R = f32([1, 1, 1], [0]);
    const [y, h] = run('RNN', [X, W, R], { hidden_size: 1n, activations: ['Affine'], activation_alpha: [2], activation_beta: [1] }, 22, 2) as TensorValue[];
    expect(arr(y)).toEqual([7, 15]);
    expect(arr(h)).toEqual([15]);
  });
});
