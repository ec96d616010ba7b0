import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { LatheError } from '../ir/error.js';
import { openFileSource } from './file-source.js';

const tmp = mkdtempSync(join(tmpdir(), 'lathe-file-source-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('openFileSource', () => {
  const data = Uint8Array.from({ length: 10_000 }, (_, i) => (i * 13) & 255);
  const path = join(tmp, 'data.bin');
  writeFileSync(path, data);

  test('positioned reads return exactly the asked range, into a caller buffer when given', () => {
    const src = openFileSource(path);
    try {
      expect(src.size).toBe(10_000);
      expect(src.label).toBe(path);
      expect([...src.read(9_990, 10)]).toEqual([...data.subarray(9_990)]);
      expect([...src.read(5, 3)]).toEqual([...data.subarray(5, 8)]); // independent of earlier reads
      const into = new Uint8Array(100);
      const view = src.read(100, 50, into);
      expect(view.buffer).toBe(into.buffer);
      expect(view.length).toBe(50);
      expect([...view]).toEqual([...data.subarray(100, 150)]);
      // a buffer too small is not used
      const fresh = src.read(0, 20, new Uint8Array(4));
      expect([...fresh]).toEqual([...data.subarray(0, 20)]);
      expect(src.read(10_000, 0).length).toBe(0);
    } finally {
      src.close();
    }
  });

  test('reads past the end or with bad ranges are LatheErrors', () => {
    const src = openFileSource(path);
    try {
      expect(() => src.read(9_999, 2)).toThrow(LatheError);
      expect(() => src.read(-1, 1)).toThrow(LatheError);
      expect(() => src.read(0, -1)).toThrow(LatheError);
      expect(() => src.read(0.5, 1)).toThrow(LatheError);
      expect(() => src.read(2 ** 60, 1)).toThrow(/passes the end/);
    } finally {
      src.close();
    }
  });

  test('close is idempotent; reading after close is a LatheError', () => {
    const src = openFileSource(path);
    src.close();
    src.close();
    expect(() => src.read(0, 1)).toThrow(/after it was closed/);
  });

  test('directories and missing files are refused with LatheError', () => {
    const dir = join(tmp, 'a-dir');
    mkdirSync(dir);
    expect(() => openFileSource(dir)).toThrow(/not a regular file \(a directory\)/);
    expect(() => openFileSource(join(tmp, 'missing.onnx'))).toThrow(/cannot open .*ENOENT/);
  });

  test('an empty file is a source of size 0', () => {
    const empty = join(tmp, 'empty.bin');
    writeFileSync(empty, new Uint8Array(0));
    const src = openFileSource(empty);
    expect(src.size).toBe(0);
    src.close();
  });
});
