import { Buffer } from 'node:buffer';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { Blob, memorySource } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import { streamKey } from '../ir/random.js';
import type { Tensor } from '../ir/types.js';
import { bf16ToFloat, floatToBf16, floatToHalf, forEachFloatChunk, generatedSource, halfToFloat } from './tensor-values.js';

function collect(t: Tensor): number[] | false {
  const out: number[] = [];
  const ok = forEachFloatChunk(t, 't', (v, n) => {
    for (let i = 0; i < n; i++) out.push(v[i]);
  });
  return ok && out;
}

describe('float16 / bfloat16 codecs', () => {
  test('every non-NaN half and bfloat16 round-trips exactly', () => {
    let bad = 0;
    for (let h = 0; h < 65536; h++) {
      const f = halfToFloat(h);
      if (!Number.isNaN(f) && floatToHalf(f) !== h) bad++;
      const b = bf16ToFloat(h);
      if (!Number.isNaN(b) && floatToBf16(b) !== h) bad++;
    }
    expect(bad).toBe(0);
  });

  test('rounding is to nearest, ties to even; overflow to infinity', () => {
    expect(floatToHalf(1 + 2 ** -11)).toBe(0x3c00); // tie → even (down)
    expect(floatToHalf(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie → even (up)
    expect(floatToHalf(65504)).toBe(0x7bff);
    expect(floatToHalf(65519)).toBe(0x7bff);
    expect(floatToHalf(65520)).toBe(0x7c00);
    expect(floatToHalf(-1e9)).toBe(0xfc00);
    expect(floatToHalf(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal → 0
    expect(floatToHalf(2 ** -25 * 1.5)).toBe(1);
    expect(floatToHalf(2 ** -24)).toBe(1);
    expect(Number.isNaN(halfToFloat(floatToHalf(NaN)))).toBe(true);
    expect(floatToBf16(1 + 2 ** -8)).toBe(0x3f80);
    expect(floatToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(Number.isNaN(bf16ToFloat(floatToBf16(NaN)))).toBe(true);
  });
});

describe('forEachFloatChunk', () => {
  const values = [1.5, -2.25, 0, 3e-3, 1e30];
  test('decodes raw, blob (unaligned) and typed fields of each float dtype', () => {
    const f32 = new Float32Array(values);
    const raw = new Uint8Array(f32.buffer);
    const unaligned = new Uint8Array(raw.length + 1);
    unaligned.set(raw, 1);
    const src = { size: unaligned.length, label: 'm', read: (o: number, l: number, into?: Uint8Array) => {
      const v = unaligned.subarray(o, o + l);
      if (into) { into.set(v); return into.subarray(0, l); }
      return v;
    } };
    const expected = [...f32];
    expect(collect({ dtype: 1, dims: [5], data: { kind: 'raw', bytes: unaligned.subarray(1) } })).toEqual(expected);
    expect(collect({ dtype: 1, dims: [5], data: { kind: 'blob', blob: new Blob(src, 1, 20) } })).toEqual(expected);
    expect(collect({ dtype: 1, dims: [5], data: { kind: 'field', field: 'float_data', values: f32 } })).toEqual(expected);
    expect(collect({ dtype: 11, dims: [5], data: { kind: 'field', field: 'double_data', values: new Float64Array(values) } })).toEqual(values);
    const halves = Int32Array.from(values.slice(0, 4), (v) => floatToHalf(v));
    expect(collect({ dtype: 10, dims: [4], data: { kind: 'field', field: 'int32_data', values: halves } })).toEqual(
      [...halves].map(halfToFloat),
    );
    // a lazy packed int32_data (varints) of float16 bits
    const varints = [...halves].flatMap((h) => (h < 0x80 ? [h] : h < 0x4000 ? [(h & 0x7f) | 0x80, h >> 7] : [(h & 0x7f) | 0x80, ((h >> 7) & 0x7f) | 0x80, h >> 14]));
    const packed = new Blob(memorySource(new Uint8Array(varints)), 0, varints.length);
    expect(collect({ dtype: 10, dims: [4], data: { kind: 'field', field: 'int32_data', values: packed } })).toEqual([...halves].map(halfToFloat));
    const bf = new Uint16Array(values.map(floatToBf16));
    expect(collect({ dtype: 16, dims: [5], data: { kind: 'raw', bytes: new Uint8Array(bf.buffer) } })).toEqual([...bf].map(bf16ToFloat));
  });

  test('refuses what it cannot decode, and size mismatches are LatheErrors', () => {
    expect(collect({ dtype: 7, dims: [2], data: { kind: 'raw', bytes: new Uint8Array(16) } })).toBe(false);
    expect(collect({ dtype: 1, dims: [2], data: { kind: 'none' } })).toBe(false);
    expect(() => collect({ dtype: 1, dims: [3], data: { kind: 'raw', bytes: new Uint8Array(8) } })).toThrow(LatheError);
    expect(() => collect({ dtype: 1, dims: [3], data: { kind: 'field', field: 'float_data', values: new Float32Array(2) } })).toThrow(
      /float_data holds 2 values/,
    );
    expect(() => collect({ dtype: 10, dims: [2], data: { kind: 'field', field: 'float_data', values: new Float32Array(2) } })).toThrow(LatheError);
  });
});

describe('generatedSource', () => {
  const spec = { dtype: 1, count: 100_000, mean: 0.25, std: 0.5, min: -0.5, max: 1 };
  test('any byte range equals the same slice of the whole (random access, unaligned)', () => {
    for (const dtype of [1, 10, 11, 16]) {
      const src = generatedSource({ ...spec, dtype }, streamKey(5, 'g'), 'g');
      const whole = src.read(0, src.size);
      fc.assert(
        fc.property(fc.nat(src.size), fc.nat(3000), (offset, len) => {
          const length = Math.min(len, src.size - offset);
          const into = new Uint8Array(length + 7);
          const want = Buffer.from(whole.subarray(offset, offset + length));
          expect(Buffer.from(src.read(offset, length, into)).equals(want)).toBe(true);
          expect(Buffer.from(src.read(offset, length)).equals(want)).toBe(true);
        }),
        { seed: 42, numRuns: 100 },
      );
      expect(() => src.read(src.size - 1, 2)).toThrow(LatheError);
    }
  });

  test('values stay in [min, max]; std 0 gives a constant', () => {
    const src = generatedSource(spec, streamKey(0, 'x'), 'x');
    const v = new Float32Array(src.read(0, src.size).slice().buffer);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-0.5);
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    const c = generatedSource({ ...spec, std: 0 }, streamKey(0, 'x'), 'x');
    expect(new Set(new Float32Array(c.read(0, c.size).slice().buffer)).size).toBe(1);
  });
});
