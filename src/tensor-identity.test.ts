/**
 * sameTensor is what keeps dedupe-initializers and CSE from merging two different constants that
 * share a hash key: each way two tensors can differ must make it answer false. Coverage showed no
 * test ever reached its "different" answers.
 */
import { describe, expect, test } from 'vitest';
import { Blob, memorySource } from '../ir/blob.js';
import { DataType as D } from '../ir/dtype.js';
import type { Tensor } from '../ir/types.js';
import { sameTensor, tensorKey, tensorSampleKey } from './tensor-identity.js';

const f32 = (dims: number[], xs: number[]): Tensor => ({ dtype: D.FLOAT, dims, data: { kind: 'raw', bytes: new Uint8Array(Float32Array.from(xs).buffer) } });
const enc = (s: string) => new TextEncoder().encode(s);
const strs = (xs: string[]): Tensor => ({ dtype: D.STRING, dims: [xs.length], data: { kind: 'strings', values: xs.map(enc) } });
const blob = (dims: number[], xs: number[]): Tensor => {
  const bytes = new Uint8Array(Float32Array.from(xs).buffer);
  return { dtype: D.FLOAT, dims, data: { kind: 'blob', blob: new Blob(memorySource(bytes), 0, bytes.length) } };
};

describe('sameTensor', () => {
  test('equal content in different objects (and in a raw payload vs a blob) is the same', () => {
    expect(sameTensor(f32([2], [1, 2]), f32([2], [1, 2]))).toBe(true);
    expect(sameTensor(f32([2], [1, 2]), blob([2], [1, 2]))).toBe(true);
    expect(sameTensor(strs(['a', 'bc']), strs(['a', 'bc']))).toBe(true);
  });
  test('another dtype with the same bytes differs (float 1.0 vs int32 0x3f800000)', () => {
    const asInt: Tensor = { ...f32([1], [1]), dtype: D.INT32 };
    expect(sameTensor(f32([1], [1]), asInt)).toBe(false);
  });
  test('the same bytes under other dims differ ([2,3] vs [3,2], [6] vs [1,6], [2] vs [2,1])', () => {
    // [2] against [2,1]: every dim of the first agrees with the second; only the rank differs.
    expect(sameTensor(f32([2], [1, 2]), f32([2, 1], [1, 2]))).toBe(false);
    const xs = [1, 2, 3, 4, 5, 6];
    expect(sameTensor(f32([2, 3], xs), f32([3, 2], xs))).toBe(false);
    expect(sameTensor(f32([6], xs), f32([1, 6], xs))).toBe(false);
    expect(sameTensor(f32([1, 6], xs), f32([6], xs))).toBe(false);
  });
  test('one differing element differs, first or last', () => {
    expect(sameTensor(f32([3], [1, 2, 3]), f32([3], [1, 2, 4]))).toBe(false);
    expect(sameTensor(f32([3], [0, 2, 3]), f32([3], [1, 2, 3]))).toBe(false);
    // -0 and +0 are different bytes: merging them would change 1/x.
    expect(sameTensor(f32([1], [0]), f32([1], [-0]))).toBe(false);
  });
  test('string tensors: a split in another place differs (["ab","c"] vs ["a","bc"]), as does a payload of another length', () => {
    expect(sameTensor(strs(['ab', 'c']), strs(['a', 'bc']))).toBe(false);
    expect(sameTensor(strs(['a', 'b']), strs(['a', 'bb']))).toBe(false);
  });
  test('a payload of the wrong length for its dims differs from a right one (lengths compared first)', () => {
    const short: Tensor = { dtype: D.FLOAT, dims: [2], data: { kind: 'raw', bytes: new Uint8Array(Float32Array.of(1).buffer) } };
    expect(sameTensor(short, f32([2], [1, 0]))).toBe(false);
  });
  test('a stripped tensor (no payload) is the same as nothing but itself; an empty one has an empty payload', () => {
    const stripped: Tensor = { dtype: D.FLOAT, dims: [2], data: { kind: 'none' } };
    expect(sameTensor(stripped, { ...stripped })).toBe(false);
    expect(sameTensor(stripped, stripped)).toBe(true);
    expect(tensorKey(stripped)).toBeUndefined();
    const empty: Tensor = { dtype: D.FLOAT, dims: [0, 3], data: { kind: 'none' } };
    expect(sameTensor(empty, f32([0, 3], []))).toBe(true);
    expect(tensorKey(empty)).toBe(tensorKey(f32([0, 3], [])));
  });
});

describe('keys', () => {
  test('equal tensors share keys; differing ones (dims, one element) do not', () => {
    expect(tensorKey(f32([2], [1, 2]))).toBe(tensorKey(blob([2], [1, 2])));
    expect(tensorKey(f32([2], [1, 2]))).not.toBe(tensorKey(f32([1, 2], [1, 2])));
    expect(tensorKey(f32([2], [1, 2]))).not.toBe(tensorKey(f32([2], [1, 3])));
    expect(tensorSampleKey(f32([2], [1, 2]))).toBe(tensorSampleKey(f32([2], [1, 2])));
    expect(tensorSampleKey(f32([2], [1, 2]))).not.toBe(tensorSampleKey(f32([2], [2, 1])));
  });
});
