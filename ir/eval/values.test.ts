/**
 * The evaluator's sparse initializers: ONNX SparseTensorProto holds NNZ values and their indices,
 * either [NNZ] linear (row-major) positions or [NNZ, rank] coordinates; every other element is 0.
 * A model reading one must see that dense tensor, so a slip in the coordinate arithmetic would
 * silently give wrong reference results.
 */
import { describe, expect, test } from 'vitest';
import { DataType as D } from '../dtype.js';
import { parseModel } from '../text/parse.js';
import type { SparseTensor } from '../types.js';
import { evaluate } from './run.js';
import { checkStorage, denseValue, describeValue } from './values.js';
import type { TensorValue } from '../ops/types.js';

const model = (sparse: string, shape: string) =>
  parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g () => (float${shape} y) <float${shape} s = ${sparse}> { y = Identity(s) }`);

const run = (sparse: string, shape: string) => {
  const y = evaluate(model(sparse, shape), {}).get('y') as TensorValue;
  return { dims: y.dims, data: Array.from(y.data as Float32Array) };
};

describe('sparse initializers evaluate as their dense tensor', () => {
  test('[NNZ, rank] coordinates are row-major: (0,2) is element 2 and (1,0) element 3 of a 2x3', () => {
    expect(run('sparse[2,3](float[2] {1.5, -2}, int64[2,2] {0, 2, 1, 0})', '[2,3]')).toEqual({ dims: [2, 3], data: [0, 0, 1.5, -2, 0, 0] });
  });
  test('coordinates on a 3x2 use the dim of each axis as its stride (1,1) is element 3, (2,0) element 4', () => {
    expect(run('sparse[3,2](float[2] {7, 8}, int64[2,2] {1, 1, 2, 0})', '[3,2]')).toEqual({ dims: [3, 2], data: [0, 0, 0, 7, 8, 0] });
  });
  test('[NNZ] indices are linear positions', () => {
    expect(run('sparse[2,3](float[2] {4, 5}, int64[2] {5, 1})', '[2,3]')).toEqual({ dims: [2, 3], data: [0, 5, 0, 0, 0, 4] });
  });
  test('rank-1 with [NNZ, 1] coordinates: the last element is reachable, the first too', () => {
    expect(run('sparse[4](float[2] {3, 9}, int64[2,1] {3, 0})', '[4]')).toEqual({ dims: [4], data: [9, 0, 0, 3] });
  });
  test('no values: an all-zero tensor', () => {
    expect(run('sparse[3](float[0] {}, int64[0] {})', '[3]')).toEqual({ dims: [3], data: [0, 0, 0] });
  });
  test('a coordinate out of its axis range is refused, even when its linear position would fit', () => {
    // (0,3) on a 2x3 is linear 3, a valid position, but column 3 does not exist.
    expect(() => run('sparse[2,3](float[1] {1}, int64[1,2] {0, 3})', '[2,3]')).toThrow(/sparse index 3 out of range on axis 1/);
    expect(() => run('sparse[2,3](float[1] {1}, int64[1,2] {-1, 0})', '[2,3]')).toThrow(/sparse index -1 out of range on axis 0/);
  });
  test('a linear index out of range is refused, at both ends', () => {
    expect(() => run('sparse[2,3](float[1] {1}, int64[1] {6})', '[2,3]')).toThrow(/sparse index 6 out of range/);
    expect(() => run('sparse[2,3](float[1] {1}, int64[1] {-1})', '[2,3]')).toThrow(/sparse index -1 out of range/);
  });
  test('coordinates with a column count other than the rank are refused', () => {
    expect(() => run('sparse[2,3](float[1] {1}, int64[1,3] {0, 0, 0})', '[2,3]')).toThrow(/3 columns for rank 2/);
  });
  test('denseValue keeps the dtype of the values (int32 here)', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g () => (int32[3] y) <int32[3] s = sparse[3](int32[1] {-4}, int64[1] {1})> { y = Identity(s) }`);
    const sp = m.graph.values[m.graph.sparseInitializers[0]].sparse as SparseTensor;
    const v = denseValue(sp, 's');
    expect(v.dtype).toBe(D.INT32);
    expect(Array.from(v.data as Int32Array)).toEqual([0, -4, 0]);
  });
});

describe('checkStorage refuses a kernel result stored wrongly', () => {
  const ok: TensorValue = { kind: 'tensor', dtype: D.FLOAT, dims: [2], data: new Float32Array(2) };
  test('a well-formed tensor passes', () => expect(() => checkStorage(ok, 'k')).not.toThrow());
  test('a float tensor in a Float64Array, or in a string array', () => {
    expect(() => checkStorage({ ...ok, data: new Float64Array(2) }, 'k')).toThrow(/float tensor stored in Float64Array/);
    expect(() => checkStorage({ ...ok, data: ['a', 'b'] }, 'k')).toThrow(/float tensor stored in string\[\]/);
  });
  test('a string tensor with numbers', () => {
    expect(() => checkStorage({ kind: 'tensor', dtype: D.STRING, dims: [1], data: new Float32Array(1) }, 'k')).toThrow(/string tensor stored in Float32Array/);
  });
  test('negative or fractional dims', () => {
    expect(() => checkStorage({ ...ok, dims: [-2] }, 'k')).toThrow(/are not sizes/);
    expect(() => checkStorage({ ...ok, dims: [1.5] }, 'k')).toThrow(/are not sizes/);
  });
  test('complex64 holds two floats per element', () => {
    expect(() => checkStorage({ kind: 'tensor', dtype: D.COMPLEX64, dims: [2], data: new Float32Array(4) }, 'k')).not.toThrow();
    expect(() => checkStorage({ kind: 'tensor', dtype: D.COMPLEX64, dims: [2], data: new Float32Array(2) }, 'k')).toThrow(/need 4 elements/);
  });
});

describe('describeValue names optionals and maps', () => {
  test('optional and map', () => {
    expect(describeValue({ kind: 'optional', value: null })).toBe('optional(none)');
    expect(describeValue({ kind: 'optional', value: { kind: 'tensor', dtype: D.INT64, dims: [2], data: new BigInt64Array(2) } })).toBe('optional(int64[2])');
    expect(describeValue({ kind: 'map', keyDtype: D.STRING, keys: ['a', 'b'], values: { kind: 'sequence', items: [] } } as never)).toBe('map(string, 2 keys)');
  });
});

describe('a float8e5m2 infinity survives storage (onnxruntime keeps it)', () => {
  // 0x7c / 0xfc are +inf / -inf in e5m2, 0x7b its largest finite 57344.
  const e5m2 = (body: string) => parseModel(`<ir_version: 9, opset_import: ["" : 19]>
g () => (float[3] y) <float8e5m2[3] s = {124, 252, 123}, float[3] f = {1e6, -inf, 3}> { ${body}\n y = Cast <to = 1> (z) }`);
  const out = (body: string) => Array.from((evaluate(e5m2(body), {}).get('y') as TensorValue).data as Float32Array);
  test('moved by Identity', () => {
    expect(out('z = Identity (s)')).toEqual([Infinity, -Infinity, 57344]);
  });
  test('made by Cast with saturate = 0 (overflow and inf are ±inf, not ±max)', () => {
    expect(out('z = Cast <to = 19, saturate = 0> (f)')).toEqual([Infinity, -Infinity, 3]);
    expect(out('z = Cast <to = 19> (f)')).toEqual([57344, -57344, 3]);
  });
});
