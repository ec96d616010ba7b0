import { readdirSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Blob } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import { scaledBlob } from '../ir/scaled-blob.js';
import { transposedBlob } from '../ir/transposed-blob.js';
import { scratch } from '../test/support/scratch.js';
import { setCopyThreads } from './copy-pool.js';
import { createAtomicFileSink } from './file-sink.js';
import { openFileSource } from './file-source.js';

const { freshDir } = scratch('lathe-copy-pool-');

/** Whether a sink hands a plain (not lazy) file payload to the workers. */
function plainCopyHanded(dir: string, blob: Blob): boolean {
  setCopyThreads(2);
  const sink = createAtomicFileSink(join(dir, 'plain.bin'));
  const handed = sink.writeBlob(blob);
  sink.abort();
  return handed;
}

/** A rows × cols float32 matrix of distinct values in a file at offset 40, its values, its transpose's and its transpose's bytes. */
function matrixFile(dir: string, rows: number, cols: number): { path: string; data: Float32Array; transposed: Float32Array; want: Uint8Array } {
  const data = Float32Array.from({ length: rows * cols }, (_, i) => i * 0.5 - 3);
  const file = new Uint8Array(40 + data.byteLength + 8);
  file.set(new Uint8Array(data.buffer), 40);
  const path = join(dir, 'weights.bin');
  writeFileSync(path, file);
  const t = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = data[i * cols + j];
  return { path, data, transposed: t, want: new Uint8Array(t.buffer) };
}

/** Header bytes, the transposed payload (handed to workers when they run), trailer bytes: what the encoder does. */
function save(dir: string, lazy: Blob, name: string): Uint8Array {
  const sink = createAtomicFileSink(join(dir, name));
  sink.write(Uint8Array.of(1, 2, 3));
  if (!sink.writeBlob(lazy)) lazy.forEachChunk((c) => sink.write(c));
  sink.write(Uint8Array.of(4, 5));
  expect(sink.position).toBe(5 + lazy.length);
  sink.commit();
  return readFileSync(join(dir, name));
}

describe('copy pool', () => {
  afterAll(() => setCopyThreads(2));

  test.each(['transposed', 'scaled', 'transposed and scaled'])('workers write lazily %s weights at their place, byte for byte as the kernels compute them', (kind) => {
    const dir = freshDir();
    const rows = 515;
    const cols = 700; // 1.4 MB: above the size handed to workers; rows not a multiple of 8
    const { path, data, transposed } = matrixFile(dir, rows, cols);
    const factor = 0.3; // not a power of two: every element rounds
    const source = openFileSource(path);
    try {
      const stored = new Blob(source, 40, rows * cols * 4);
      const lazy = kind === 'transposed' ? transposedBlob(stored, rows, cols)! : kind === 'scaled' ? scaledBlob(stored, Math.fround(factor))! : scaledBlob(transposedBlob(stored, rows, cols)!, Math.fround(factor))!;
      const base = kind === 'scaled' ? data : transposed;
      const want = kind === 'transposed' ? base : Float32Array.from(base, (x) => x * Math.fround(factor));
      const wantBytes = new Uint8Array(want.buffer);
      const outputs = [2, 1, 0].map((n) => {
        setCopyThreads(n);
        const sink = createAtomicFileSink(join(dir, `probe-${n}.bin`));
        const handed = sink.writeBlob(lazy);
        sink.abort();
        expect(handed).toBe(n > 0); // with no workers, the encoder streams the payload itself
        return save(dir, lazy, `out-${n}.bin`);
      });
      for (const out of outputs) {
        expect([...out.subarray(0, 3)]).toEqual([1, 2, 3]);
        expect(Buffer.compare(out.subarray(3, 3 + wantBytes.length), wantBytes)).toBe(0);
        expect([...out.subarray(3 + wantBytes.length)]).toEqual([4, 5]);
      }
    } finally {
      source.close();
    }
  });

  test('plain copies go to the workers in pieces, at their place, byte for byte, with 0, 1 or 2 workers', () => {
    const dir = freshDir();
    const n = (17 << 20) + 12; // three pieces, the last one short
    const file = new Uint8Array(40 + n + 8);
    for (let i = 0; i < file.length; i++) file[i] = (i * 2654435761) >>> 27;
    const path = join(dir, 'plain.bin');
    writeFileSync(path, file);
    const source = openFileSource(path);
    try {
      const stored = new Blob(source, 40, n);
      expect(plainCopyHanded(dir, stored)).toBe(true);
      const want = file.subarray(40, 40 + n);
      for (const threads of [2, 1, 0]) {
        setCopyThreads(threads);
        const out = save(dir, stored, `plain-${threads}.bin`);
        expect(out.length).toBe(3 + n + 2);
        expect(Buffer.compare(out.subarray(3, 3 + n), want)).toBe(0);
        expect([...out.subarray(3 + n)]).toEqual([4, 5]);
      }
      // Workers gone before their pieces are done: this thread redoes each piece at its own place.
      setCopyThreads(2);
      const sink = createAtomicFileSink(join(dir, 'redo.bin'));
      sink.write(Uint8Array.of(1, 2, 3));
      expect(sink.writeBlob(stored)).toBe(true);
      setCopyThreads(0);
      sink.write(Uint8Array.of(4, 5));
      sink.commit();
      const out = readFileSync(join(dir, 'redo.bin'));
      expect(Buffer.compare(out.subarray(3, 3 + n), want)).toBe(0);
    } finally {
      source.close();
    }
  });

  test('a worker that cannot read (the input shrank) leaves the job to this thread, which reports it; nothing is left behind', () => {
    const dir = freshDir();
    const { path } = matrixFile(dir, 600, 600);
    const source = openFileSource(path);
    try {
      setCopyThreads(2);
      const lazy = transposedBlob(new Blob(source, 40, 600 * 600 * 4), 600, 600)!;
      truncateSync(path, 1000);
      expect(() => save(dir, lazy, 'out.bin')).toThrow(LatheError);
      expect(() => save(dir, lazy, 'out.bin')).toThrow(/shrank/);
      expect(readdirSync(dir)).toEqual(['weights.bin']);
    } finally {
      source.close();
    }
  });

  test('abort waits for the workers before the descriptor closes', () => {
    const dir = freshDir();
    const { path } = matrixFile(dir, 700, 700);
    const source = openFileSource(path);
    try {
      setCopyThreads(2);
      const lazy = transposedBlob(new Blob(source, 40, 700 * 700 * 4), 700, 700)!;
      for (let i = 0; i < 3; i++) {
        const sink = createAtomicFileSink(join(dir, 'out.bin'));
        expect(sink.writeBlob(lazy)).toBe(true);
        sink.abort();
      }
      expect(readdirSync(dir)).toEqual(['weights.bin']);
    } finally {
      source.close();
    }
  });
});
