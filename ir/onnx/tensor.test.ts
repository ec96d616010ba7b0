import { describe, expect, test } from 'vitest';
import { Blob, memorySource } from '../blob.js';
import { LatheError } from '../error.js';
import type { Tensor, TensorData } from '../types.js';
import { checkedElementCount, checkRawLength, rawPayload, rawPayloadLength } from './tensor.js';

const t = (dtype: number, dims: number[], data: TensorData): Tensor => ({ dtype, dims, data });
const raw = (x: Tensor) => Array.from(rawPayload(x, 't') as Uint8Array);

describe('rawPayload: typed fields as raw little-endian bytes', () => {
  test('float16 in int32_data takes 2 bytes per element', () => {
    expect(raw(t(10, [2], { kind: 'field', field: 'int32_data', values: new Int32Array([0x3c00, 0xc000]) }))).toEqual([0x00, 0x3c, 0x00, 0xc0]);
  });
  test('int8/bool in int32_data take 1 byte, int4 entries are packed bytes', () => {
    expect(raw(t(3, [2], { kind: 'field', field: 'int32_data', values: new Int32Array([-1, 5]) }))).toEqual([0xff, 5]);
    expect(raw(t(22, [3], { kind: 'field', field: 'int32_data', values: new Int32Array([0x21, 0x03]) }))).toEqual([0x21, 0x03]);
  });
  test('uint32 in uint64_data takes 4 bytes, int64 8, complex64 pairs of floats', () => {
    expect(raw(t(12, [1], { kind: 'field', field: 'uint64_data', values: new BigUint64Array([0xdeadbeefn]) }))).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(raw(t(7, [1], { kind: 'field', field: 'int64_data', values: new BigInt64Array([-2n]) }))).toEqual([0xfe, 255, 255, 255, 255, 255, 255, 255]);
    const c = t(14, [1], { kind: 'field', field: 'float_data', values: new Float32Array([1, 2]) });
    expect(raw(c)).toEqual(Array.from(new Uint8Array(new Float32Array([1, 2]).buffer)));
    expect(rawPayloadLength(c)).toBe(8);
  });
  test('varint fields held as a Blob are decoded; float fields as a Blob stay a blob', () => {
    const varints = new Uint8Array([0x96, 0x01, 0x7f]); // 150, 127
    const b = new Blob(memorySource(varints), 0, 3);
    const x = t(6, [2], { kind: 'field', field: 'int32_data', values: b });
    expect(rawPayloadLength(x)).toBe(8);
    expect(raw(x)).toEqual([150, 0, 0, 0, 127, 0, 0, 0]);
    const fb = new Blob(memorySource(new Uint8Array(8)), 0, 8);
    expect(rawPayload(t(1, [2], { kind: 'field', field: 'float_data', values: fb }), 't')).toBe(fb);
  });
  test('a field that cannot hold the dtype is an error', () => {
    expect(() => rawPayload(t(1, [1], { kind: 'field', field: 'int64_data', values: new BigInt64Array(1) }), 'w')).toThrow(/int64_data cannot hold float/);
  });
  test('raw and blob are returned as they are; strings and none have no raw form', () => {
    const bytes = new Uint8Array(4);
    expect(rawPayload(t(1, [1], { kind: 'raw', bytes }), 't')).toBe(bytes);
    expect(rawPayload(t(8, [1], { kind: 'strings', values: [bytes] }), 't')).toBeUndefined();
    expect(rawPayloadLength(t(1, [1], { kind: 'none' }))).toBeUndefined();
  });
});

describe('length checks', () => {
  test('element counts', () => {
    expect(checkedElementCount([2, 3], 't')).toBe(6);
    expect(checkedElementCount([], 't')).toBe(1);
    expect(() => checkedElementCount([2 ** 27, 2 ** 27], 't')).toThrow(/passes 2\^53/);
    expect(() => checkedElementCount([-1], 't')).toThrow(LatheError);
  });
  test('raw lengths: sub-byte types round up', () => {
    expect(() => checkRawLength(22, 3, 2, 't')).not.toThrow();
    expect(() => checkRawLength(26, 5, 2, 't')).not.toThrow();
    expect(() => checkRawLength(26, 5, 1, 't')).toThrow(/needs 2/);
    expect(() => checkRawLength(1, 2, 7, 'tensor x')).toThrow(/tensor x: payload is 7 bytes/);
    expect(() => checkRawLength(99, 2, 7, 't')).not.toThrow(); // unknown dtypes are carried
  });
});
