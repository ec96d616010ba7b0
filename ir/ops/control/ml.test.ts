import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import { toTensor } from '../tensor-value.js';
import type { TensorValue } from '../types.js';
import { mlOps } from './ml.js';
import { ctxOf, f32, f64, find, i64, plain, str } from './test-util.js';

const ML = 'ai.onnx.ml';
const op = (name: string) => find(mlOps, name, ML);
const T = (v: TensorValue) => ({ kind: 'tensor' as const, value: toTensor(v) });
const u8 = (v: number[]): TensorValue => ({ kind: 'tensor', dtype: D.UINT8, dims: [v.length], data: Uint8Array.from(v) });
const i16 = (v: number[]): TensorValue => ({ kind: 'tensor', dtype: D.INT16, dims: [v.length], data: Int16Array.from(v) });

describe('LabelEncoder', () => {
  const x = str([5], ['a', 'b', 'd', 'c', 'g']);
  const enc = (attrs: Record<string, unknown>, input = x, opset = 4) => plain(op('LabelEncoder').kernel([input], ctxOf('LabelEncoder', attrs as never, { opset }))[0]);
  it('maps strings to int64 with a default', () => {
    expect(enc({ keys_strings: ['a', 'b', 'c'], values_int64s: [0n, 1n, 2n], default_int64: 42n }))
      .toEqual({ dtype: D.INT64, dims: [5], data: [0, 1, 42, 2, 42] });
    expect(enc({ keys_strings: ['a', 'b', 'c'], values_int64s: [0n, 1n, 2n] }).data).toEqual([0, 1, -1, 2, -1]);
  });
  it('maps through tensor attributes (opset 4)', () => {
    const r = enc({ keys_tensor: T(str([3], ['a', 'b', 'c'])), values_tensor: T(i16([0, 1, 2])), default_tensor: T(i16([42])) });
    expect(r).toEqual({ dtype: D.INT16, dims: [5], data: [0, 1, 42, 2, 42] });
    expect(enc({ keys_strings: ['a', 'b', 'c'], values_tensor: T(i16([0, 1, 2])), default_tensor: T(i16([42])) }).data).toEqual([0, 1, 42, 2, 42]);
  });
  it('maps numbers to strings; NaN keys match NaN; the last repeated key wins', () => {
    const r = enc({ keys_floats: [1.5, Number.NaN, 1.5], values_strings: ['x', 'nan', 'y'] }, f32([3], [1.5, Number.NaN, 0]));
    expect(r).toEqual({ dtype: D.STRING, dims: [3], data: ['y', 'nan', '_Unused'] });
    expect(enc({ keys_int64s: [3n], values_floats: [0.5] }, i64([2], [3, 4])).data).toEqual([0.5, -0]);
  });
  it('opset 1 maps through classes_strings', () => {
    expect(enc({ classes_strings: ['a', 'b'] }, str([2], ['b', 'z']), 1)).toEqual({ dtype: D.INT64, dims: [2], data: [1, -1] });
    expect(enc({ classes_strings: ['a', 'b'], default_string: '?' }, i64([2], [1, 5]), 1).data).toEqual(['b', '?']);
  });
  it('rejects zero or several key sets', () => {
    expect(() => enc({ values_int64s: [1n] })).toThrow(/keys_/);
    expect(() => enc({ keys_strings: ['a'], keys_int64s: [1n], values_int64s: [1n] })).toThrow(LatheError);
  });
});

describe('TreeEnsemble', () => {
  const single = {
    aggregate_function: 1n, leaf_targetids: [0n, 1n, 0n, 1n], n_targets: 2n,
    leaf_weights: T(f64([4], [5.23, 12.12, -12.23, 7.21])),
    nodes_falseleafs: [0n, 1n, 1n], nodes_falsenodeids: [2n, 2n, 3n], nodes_featureids: [0n, 0n, 0n],
    nodes_modes: T(u8([0, 0, 0])), nodes_splits: T(f64([3], [3.14, 1.2, 4.2])),
    nodes_trueleafs: [0n, 1n, 1n], nodes_truenodeids: [1n, 0n, 1n], post_transform: 0n, tree_roots: [0n],
  };
  const run = (attrs: Record<string, unknown>, x: TensorValue) => plain(op('TreeEnsemble').kernel([x], ctxOf('TreeEnsemble', attrs as never))[0]);
  it('walks a single tree (LEQ splits)', () => {
    // x0=1.2 → ≤3.14 → ≤1.2 → leaf0 (5.23, t0); -0.12 → leaf0; 4.14 → >3.14 → ≤4.2 → leaf1 (12.12, t1).
    expect(run(single, f64([3, 2], [1.2, 3.4, -0.12, 1.66, 4.14, 1.77]))).toEqual({ dtype: D.DOUBLE, dims: [3, 2], data: [5.23, 0, 5.23, 0, 0, 12.12] });
  });
  it('tests set membership and sends NaN down the false branch', () => {
    const attrs = {
      aggregate_function: 1n, leaf_targetids: [0n, 1n, 2n, 3n], n_targets: 4n,
      leaf_weights: T(f32([4], [1, 10, 1000, 100])),
      membership_values: T(f32([8], [1.2, 3.7, 8, 9, Number.NaN, 12, 7, Number.NaN])),
      nodes_falseleafs: [1n, 0n, 1n], nodes_falsenodeids: [2n, 2n, 3n], nodes_featureids: [0n, 0n, 0n],
      nodes_modes: T(u8([0, 6, 6])), nodes_splits: T(f32([3], [11, 232344, Number.NaN])),
      nodes_trueleafs: [0n, 1n, 1n], nodes_truenodeids: [1n, 0n, 1n], tree_roots: [0n],
    };
    const r = run(attrs, f32([6, 1], [1.2, 3.4, -0.12, Number.NaN, 12, 7]));
    expect(r.data).toEqual([1, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 100, 0, 0, 1000, 0, 0, 0, 1000, 0, 0, 10, 0, 0]);
    // With missing values tracking true, NaN takes node 0's true branch instead.
    const r2 = run({ ...attrs, nodes_missing_value_tracks_true: [1n, 0n, 0n] }, f32([1, 1], [Number.NaN]));
    expect(r2.data).toEqual([0, 0, 0, 100]);
  });
  it('aggregates over trees (AVERAGE, MAX) and applies LOGISTIC', () => {
    const two = { ...single, tree_roots: [0n, 0n] };
    const x = f64([1, 2], [1.2, 0]);
    expect(run({ ...two, aggregate_function: 0n }, x).data).toEqual([5.23, 0]);
    expect(run({ ...two, aggregate_function: 3n }, x).data).toEqual([5.23, 0]);
    expect(run({ ...single, post_transform: 2n }, x).data[0]).toBeCloseTo(1 / (1 + Math.exp(-5.23)), 12);
  });
  it('rejects cyclic node ids and bad feature ids', () => {
    const cyc = { ...single, nodes_truenodeids: [0n, 0n, 1n], nodes_trueleafs: [0n, 1n, 1n] };
    expect(() => run(cyc, f64([1, 1], [0]))).toThrow(/tree/);
    expect(() => run({ ...single, nodes_featureids: [5n, 0n, 0n] }, f64([1, 1], [0]))).toThrow(/feature/);
    expect(() => run({ ...single, n_targets: 1n << 40n }, f64([1, 1], [0]))).toThrow(/limit/);
  });
});

describe('ArrayFeatureExtractor and Binarizer', () => {
  it('selects along the last axis', () => {
    const x = f32([3, 4], Array.from({ length: 12 }, (_, i) => i));
    const r = op('ArrayFeatureExtractor').kernel([x, i64([2], [0, 1])], ctxOf('ArrayFeatureExtractor', {}, { inputs: 2 }))[0];
    expect(plain(r)).toEqual({ dtype: D.FLOAT, dims: [3, 2], data: [0, 1, 4, 5, 8, 9] });
    const v = op('ArrayFeatureExtractor').kernel([str([3], ['a', 'b', 'c']), i64([1], [2])], ctxOf('ArrayFeatureExtractor', {}, { inputs: 2 }))[0];
    expect(plain(v)).toEqual({ dtype: D.STRING, dims: [1, 1], data: ['c'] });
    expect(() => op('ArrayFeatureExtractor').kernel([x, i64([1], [4])], ctxOf('ArrayFeatureExtractor', {}, { inputs: 2 }))).toThrow(/range/);
  });
  it('thresholds strictly', () => {
    const r = op('Binarizer').kernel([f32([4], [0.5, 1, 1.5, Number.NaN])], ctxOf('Binarizer', { threshold: 1 }))[0];
    expect(plain(r)).toEqual({ dtype: D.FLOAT, dims: [4], data: [0, 0, 1, 0] });
    expect(plain(op('Binarizer').kernel([i64([2], [0, 3])], ctxOf('Binarizer', {}))[0]).data).toEqual([0, 1]);
  });
});
