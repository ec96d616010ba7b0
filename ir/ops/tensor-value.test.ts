import { describe, expect, test } from 'vitest';
import { Blob, memorySource } from '../blob.js';
import { LatheError } from '../error.js';
import { allDTypes, DataType as D, dtypeName } from '../dtype.js';
import type { Tensor } from '../types.js';
import { encodeNarrow } from './float-formats.js';
import { encodeRaw, tensorValue, toTensor } from './tensor-value.js';
import type { TensorValue } from './types.js';
import { allocate } from './util.js';

/** A few representable values of each dtype, as its storage holds them. */
function sample(dtype: number): TensorValue {
  const dims = [5];
  const data = allocate(dtype, dtype === D.COMPLEX64 || dtype === D.COMPLEX128 ? 5 : 5);
  const vals: Record<number, unknown[]> = {
    [D.INT4]: [-8, 7, 0, -1, 3], [D.UINT4]: [0, 15, 1, 8, 7], [D.INT2]: [-2, 1, 0, -1, 1], [D.UINT2]: [0, 3, 1, 2, 3],
    [D.BOOL]: [1, 0, 1, 1, 0], [D.INT64]: [-(2n ** 63n), 2n ** 62n, 0n, -1n, 5n], [D.UINT64]: [2n ** 64n - 1n, 0n, 1n, 2n, 3n],
    [D.FLOAT4E2M1]: [6, -0.5, 0, 1.5, -4], [D.FLOAT8E8M0]: [1, 2 ** -127, 2 ** 127, 0.5, 4],
    [D.STRING]: ['', 'héllo', '日本', 'a\u0000b', 'x'],
  };
  const v = vals[dtype] ?? [1, -2.5, 0, 0.375, -7];
  if (Array.isArray(data)) v.forEach((x, i) => (data[i] = x as string));
  else for (let i = 0; i < data.length; i++) (data as unknown as unknown[])[i] = v[i % v.length] === undefined ? 0 : v[i % v.length];
  return { kind: 'tensor', dtype, dims, data };
}

describe('toTensor ∘ tensorValue is the identity on every dtype', () => {
  for (const info of allDTypes) {
    test(info.name, () => {
      const v = sample(info.code);
      const back = tensorValue(toTensor(v), 't');
      expect(back.dtype).toBe(v.dtype);
      expect(back.dims).toEqual(v.dims);
      expect(back.data).toEqual(v.data);
      expect(back.data.constructor).toBe(v.data.constructor);
    });
  }
});

const raw = (dtype: number, dims: number[], bytes: number[]): Tensor => ({ dtype, dims, data: { kind: 'raw', bytes: Uint8Array.from(bytes) } });

describe('decoding', () => {
  test('int4 / uint4 / int2 unpack low bits first, sign-extended', () => {
    expect(Array.from(tensorValue(raw(D.INT4, [3], [0x8f, 0x07])).data as Int8Array)).toEqual([-1, -8, 7]);
    expect(Array.from(tensorValue(raw(D.UINT4, [3], [0x8f, 0x07])).data as Uint8Array)).toEqual([15, 8, 7]);
    expect(Array.from(tensorValue(raw(D.INT2, [5], [0b11100100, 0b10])).data as Int8Array)).toEqual([0, 1, -2, -1, -2]);
    expect(Array.from(tensorValue(raw(D.UINT2, [4], [0b11100100])).data as Uint8Array)).toEqual([0, 1, 2, 3]);
  });
  test('int4 packs back with a zero pad nibble', () => {
    const t = toTensor({ kind: 'tensor', dtype: D.INT4, dims: [3], data: Int8Array.from([-1, -8, 7]) });
    expect(t.data.kind === 'raw' && Array.from(t.data.bytes)).toEqual([0x8f, 0x07]);
  });
  test('narrow floats widen exactly', () => {
    expect(Array.from(tensorValue(raw(D.FLOAT16, [2], [0x00, 0x3c, 0x01, 0x00])).data as Float32Array)).toEqual([1, 2 ** -24]);
    expect(Array.from(tensorValue(raw(D.BFLOAT16, [1], [0x80, 0x3f])).data as Float32Array)).toEqual([1]);
    expect(Array.from(tensorValue(raw(D.FLOAT8E4M3FN, [2], [0x7e, 0x7f])).data as Float32Array)).toEqual([448, NaN]);
    expect(Array.from(tensorValue(raw(D.FLOAT4E2M1, [2], [0x71])).data as Float32Array)).toEqual([0.5, 6]);
  });
  test('bool reads any non-zero byte as true', () => {
    expect(Array.from(tensorValue(raw(D.BOOL, [3], [0, 2, 1])).data as Uint8Array)).toEqual([0, 1, 1]);
  });
  test('typed fields and blobs', () => {
    const f16: Tensor = { dtype: D.FLOAT16, dims: [2], data: { kind: 'field', field: 'int32_data', values: Int32Array.from([0x3c00, 0xc000]) } };
    expect(Array.from(tensorValue(f16).data as Float32Array)).toEqual([1, -2]);
    const i64: Tensor = { dtype: D.INT64, dims: [2], data: { kind: 'field', field: 'int64_data', values: BigInt64Array.from([-3n, 4n]) } };
    expect(Array.from(tensorValue(i64).data as BigInt64Array)).toEqual([-3n, 4n]);
    const bytes = new Uint8Array(new Float32Array([1.5, -2]).buffer);
    const blob: Tensor = { dtype: D.FLOAT, dims: [2], data: { kind: 'blob', blob: new Blob(memorySource(bytes), 0, 8) } };
    expect(Array.from(tensorValue(blob).data as Float32Array)).toEqual([1.5, -2]);
  });
  test('the decoded array never aliases the model bytes (even unaligned)', () => {
    const buf = new Uint8Array(9);
    buf.set(new Uint8Array(new Float32Array([1, 2]).buffer), 1);
    const t: Tensor = { dtype: D.FLOAT, dims: [2], data: { kind: 'raw', bytes: buf.subarray(1) } };
    const v = tensorValue(t);
    expect(Array.from(v.data as Float32Array)).toEqual([1, 2]);
    (v.data as Float32Array)[0] = 9;
    expect(buf[1 + 3]).toBe(0x3f); // still 1.0f's high byte
  });
  test('complex64 is interleaved', () => {
    const v = tensorValue(raw(D.COMPLEX64, [1], Array.from(new Uint8Array(new Float32Array([1, -1]).buffer))));
    expect(Array.from(v.data as Float32Array)).toEqual([1, -1]);
  });
  test('errors name the tensor', () => {
    expect(() => tensorValue({ dtype: D.FLOAT, dims: [2], data: { kind: 'none' } }, 'w')).toThrow(/w: tensor has no data/);
    expect(() => tensorValue(raw(D.FLOAT, [2], [0, 0, 0]), 'w')).toThrow(LatheError);
    expect(() => tensorValue({ dtype: D.STRING, dims: [2], data: { kind: 'strings', values: [new Uint8Array()] } }, 's')).toThrow(/s: 1 strings for 2/);
    expect(tensorValue({ dtype: D.FLOAT, dims: [0, 3], data: { kind: 'none' } }).data).toHaveLength(0);
  });
  test('encoding narrows widened floats with round-to-nearest-even', () => {
    const t = toTensor({ kind: 'tensor', dtype: D.FLOAT8E4M3FN, dims: [2], data: Float32Array.from([1, 1000]) });
    expect(t.data.kind === 'raw' && Array.from(t.data.bytes)).toEqual([encodeNarrow(D.FLOAT8E4M3FN, 1), 0x7e]);
    expect(dtypeName(t.dtype)).toBe('float8e4m3fn');
  });
  test('a storage array of the wrong size is an error', () => {
    expect(() => toTensor({ kind: 'tensor', dtype: D.INT64, dims: [2], data: new Float32Array(2) })).toThrow(LatheError);
  });
});

describe('writing narrow floats clamps only what the format cannot hold', () => {
  test('float8e5m2 keeps its infinities; e4m3fn (none) writes ±448 as before', () => {
    const v = (dtype: number): TensorValue => ({ kind: 'tensor', dtype, dims: [3], data: Float32Array.from([Infinity, -Infinity, 2]) });
    expect(Array.from(encodeRaw(v(D.FLOAT8E5M2)))).toEqual([0x7c, 0xfc, 0x40]);
    expect(Array.from(encodeRaw(v(D.FLOAT8E4M3FN)))).toEqual([0x7e, 0xfe, 0x40]);
  });
});
