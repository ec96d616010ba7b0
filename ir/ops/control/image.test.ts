import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { TensorValue } from '../types.js';
import { imageOps } from './image.js';
import { ctxOf, find, plain } from './test-util.js';

const Dec = find(imageOps, 'ImageDecoder');
const bytes = (b: number[] | Uint8Array): TensorValue => ({ kind: 'tensor', dtype: D.UINT8, dims: [b.length], data: Uint8Array.from(b) });
const decode = (b: number[] | Uint8Array, pixel_format = 'RGB') => plain(Dec.kernel([bytes(b)], ctxOf('ImageDecoder', { pixel_format }))[0]);

// 2×2 image, rows top to bottom: red green / blue white.
const RGB = [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255];

function bmp24(): Uint8Array {
  const stride = 8; // 2 px × 3 bytes, padded to 4
  const b = new Uint8Array(54 + stride * 2);
  const dv = new DataView(b.buffer);
  b[0] = 0x42; b[1] = 0x4d;
  dv.setUint32(2, b.length, true); dv.setUint32(10, 54, true); dv.setUint32(14, 40, true);
  dv.setInt32(18, 2, true); dv.setInt32(22, 2, true); dv.setUint16(26, 1, true); dv.setUint16(28, 24, true);
  // Bottom-up rows in BGR order: first the bottom row (blue, white), then the top (red, green).
  b.set([255, 0, 0, 255, 255, 255], 54);
  b.set([0, 0, 255, 0, 255, 0], 54 + stride);
  return b;
}

function tiff(): Uint8Array {
  const entries: [number, number, number, number][] = [
    [256, 3, 1, 2], [257, 3, 1, 2], [258, 3, 1, 8], [259, 3, 1, 1], [262, 3, 1, 2],
    [273, 4, 1, 0], [277, 3, 1, 3], [278, 3, 1, 2], [279, 4, 1, 12],
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  const dataAt = 8 + ifdSize;
  entries[5][3] = dataAt;
  const b = new Uint8Array(dataAt + 12);
  const dv = new DataView(b.buffer);
  b.set([0x49, 0x49, 42, 0]); dv.setUint32(4, 8, true); dv.setUint16(8, entries.length, true);
  entries.forEach(([tag, type, count, value], k) => {
    const e = 10 + k * 12;
    dv.setUint16(e, tag, true); dv.setUint16(e + 2, type, true); dv.setUint32(e + 4, count, true);
    if (type === 3) dv.setUint16(e + 8, value, true); else dv.setUint32(e + 8, value, true);
  });
  b.set(RGB, dataAt);
  return b;
}

describe('ImageDecoder', () => {
  it('decodes a bottom-up 24-bit BMP', () => {
    expect(decode(bmp24())).toEqual({ dtype: D.UINT8, dims: [2, 2, 3], data: RGB });
  });
  it('decodes binary and ASCII PNM, scaling maxval', () => {
    const p6 = [...new TextEncoder().encode('P6\n# c\n2 2\n255\n'), ...RGB];
    expect(decode(p6).data).toEqual(RGB);
    expect(decode(new TextEncoder().encode('P2 1 2 15 0 15')).data).toEqual([0, 0, 0, 255, 255, 255]);
  });
  it('decodes an uncompressed TIFF', () => {
    expect(decode(tiff()).data).toEqual(RGB);
  });
  it('gives BGR and Grayscale', () => {
    expect(decode(bmp24(), 'BGR').data.slice(0, 3)).toEqual([0, 0, 255]);
    expect(decode(bmp24(), 'Grayscale')).toEqual({ dtype: D.UINT8, dims: [2, 2, 1], data: [76, 150, 29, 255] });
  });
  it('refuses codecs it lacks and truncated files', () => {
    expect(() => decode([0x89, 0x50, 0x4e, 0x47, 13, 10, 26, 10])).toThrow(/PNG/);
    expect(() => decode(bmp24().subarray(0, 60))).toThrow(LatheError);
    expect(() => decode(new TextEncoder().encode('P6 1000 1000 255\n'))).toThrow(/truncated/);
  });
});
