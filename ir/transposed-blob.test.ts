import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Blob, memorySource } from './blob.js';
import { DataType as D } from './dtype.js';
import { transpose } from './ops/tensor/shape.js';
import { transposedBlob } from './transposed-blob.js';

/** A rows × cols matrix of distinct float32 values at offset `pad` of a memory source, and its transpose's bytes by the kernel. */
function matrix(rows: number, cols: number, pad = 12): { blob: Blob; want: Uint8Array } {
  const data = Float32Array.from({ length: rows * cols }, (_, i) => i * 1.5 - 7);
  const bytes = new Uint8Array(pad + data.byteLength);
  bytes.set(new Uint8Array(data.buffer), pad);
  const t = transpose('Transpose', { kind: 'tensor', dtype: D.FLOAT, dims: [rows, cols], data }, [1, 0]);
  const out = t.data as Float32Array;
  return { blob: new Blob(memorySource(bytes), pad, data.byteLength), want: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) };
}

describe('transposedBlob', () => {
  it('reads the bytes of the Transpose kernel whole, in chunks of any size and in small windows', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2000 }), (rows, cols, chunk) => {
      const { blob, want } = matrix(rows, cols);
      const lazy = transposedBlob(blob, rows, cols)!;
      expect(lazy.length).toBe(want.length);
      expect(lazy.bytes()).toEqual(want);
      const parts: number[] = [];
      lazy.forEachChunk((c) => parts.push(...c), chunk);
      expect(Uint8Array.from(parts)).toEqual(want);
      for (const [at, n] of [[0, 3], [5, 7], [want.length - 9, 9], [1, 1]] as const) {
        if (at >= 0 && at + n <= want.length) expect(lazy.source.read(at, n)).toEqual(want.subarray(at, at + n));
      }
    }));
  });
  it('transposes from the whole matrix for large reads, also after reading another matrix', () => {
    const a = matrix(300, 7);
    const b = matrix(64, 129, 4);
    const la = transposedBlob(a.blob, 300, 7)!;
    const lb = transposedBlob(b.blob, 64, 129)!;
    const into = new Uint8Array(4000);
    expect(la.source.read(400, 3000, into)).toEqual(a.want.subarray(400, 3400));
    expect(lb.source.read(1002, 2999)).toEqual(b.want.subarray(1002, 4001));
    expect(la.source.read(8, 4096)).toEqual(a.want.subarray(8, 4104));
  });
  it('declines sizes that do not match and refuses reads past the end', () => {
    const { blob } = matrix(3, 4);
    expect(transposedBlob(blob, 4, 4)).toBeUndefined();
    expect(transposedBlob(blob, 0, 12)).toBeUndefined();
    expect(() => transposedBlob(blob, 3, 4)!.source.read(40, 16)).toThrow(/passes the end/);
  });
});
