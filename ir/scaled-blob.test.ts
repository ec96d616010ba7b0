import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Blob, memorySource } from './blob.js';
import { DataType as D } from './dtype.js';
import { evalOpTensor } from './eval/op.js';
import { scaledBlob, scaledOrigin } from './scaled-blob.js';
import { transposedBlob } from './transposed-blob.js';

const bytesOf = (a: Float32Array) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/** `data` at offset `pad` of a memory source, and the bytes of the Mul kernel's `data × factor`. */
function weight(data: Float32Array, factor: number, pad = 8): { blob: Blob; want: Uint8Array } {
  const bytes = new Uint8Array(pad + data.byteLength);
  bytes.set(bytesOf(data), pad);
  const out = evalOpTensor('Mul', [
    { kind: 'tensor', dtype: D.FLOAT, dims: [data.length], data },
    { kind: 'tensor', dtype: D.FLOAT, dims: [], data: Float32Array.of(factor) },
  ]);
  return { blob: new Blob(memorySource(bytes), pad, data.byteLength), want: bytesOf(out.data as Float32Array) };
}

describe('scaledBlob', () => {
  it('reads the bytes of the Mul kernel whole, in chunks of any size and in unaligned windows, and leaves its source as it was', () => {
    const f32 = fc.float({ noDefaultInfinity: false });
    fc.assert(fc.property(fc.array(f32, { minLength: 1, maxLength: 300 }), fc.float({ noDefaultInfinity: false, noNaN: true }), fc.integer({ min: 1, max: 500 }), (values, factor, chunk) => {
      const data = Float32Array.from(values);
      const { blob, want } = weight(data, factor);
      const before = blob.bytes().slice();
      const lazy = scaledBlob(blob, factor)!;
      expect(lazy.bytes()).toEqual(want);
      const parts: number[] = [];
      lazy.forEachChunk((c) => parts.push(...c), chunk, new Uint8Array(chunk + 3).subarray(1));
      expect(Uint8Array.from(parts)).toEqual(want);
      for (const [at, n] of [[1, 6], [3, 1], [want.length - 5, 5], [0, want.length]] as const) {
        if (at >= 0 && at + n <= want.length) expect(lazy.source.read(at, n)).toEqual(want.subarray(at, at + n));
      }
      expect(blob.bytes()).toEqual(before);
      expect(scaledOrigin(lazy)).toEqual({ src: blob, factor });
    }));
  });

  it('scales a lazily transposed matrix as the kernels would, one after the other', () => {
    const rows = 37;
    const cols = 21;
    const data = Float32Array.from({ length: rows * cols }, (_, i) => (i - 300) / 7);
    const src = new Blob(memorySource(bytesOf(data)), 0, data.byteLength);
    const t = evalOpTensor('Transpose', [{ kind: 'tensor', dtype: D.FLOAT, dims: [rows, cols], data }], { perm: [1n, 0n] });
    const { want } = weight(t.data as Float32Array, 0.125);
    expect(scaledBlob(transposedBlob(src, rows, cols)!, 0.125)!.bytes()).toEqual(want);
  });

  it('declines a factor that is not a float32 value, and payloads that are not whole float32 elements', () => {
    const { blob } = weight(Float32Array.of(1, 2), 2);
    expect(scaledBlob(blob, 0.1)).toBeUndefined();
    expect(scaledBlob(blob, Number.NaN)).toBeUndefined();
    expect(scaledBlob(new Blob(blob.source, 0, 6), 2)).toBeUndefined();
    expect(scaledOrigin(blob)).toBeUndefined();
  });
});
