import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LatheError } from '../ir/error.js';
import { scratch } from '../test/support/scratch.js';
import { createAtomicFileSink } from './file-sink.js';

const { freshDir } = scratch('lathe-file-sink-');

describe('createAtomicFileSink', () => {
  test('nothing appears at the target before commit; commit renames the temp file onto it', () => {
    const dir = freshDir();
    const target = join(dir, 'model.onnx');
    writeFileSync(target, 'old');
    const sink = createAtomicFileSink(target);
    const reused = new Uint8Array(3);
    for (const text of ['abc', 'def']) {
      reused.set(Buffer.from(text));
      sink.write(reused); // the caller reuses its buffer: the sink must have copied
    }
    expect(sink.position).toBe(6);
    expect(readFileSync(target, 'utf8')).toBe('old');
    const temps = readdirSync(dir).filter((f) => f !== 'model.onnx');
    expect(temps).toHaveLength(1);
    expect(temps[0]).toMatch(new RegExp(`^\\.model\\.onnx\\.${process.pid}\\.[0-9a-f]+\\.tmp$`));
    sink.commit();
    expect(readFileSync(target, 'utf8')).toBe('abcdef');
    expect(readdirSync(dir)).toEqual(['model.onnx']);
    expect(() => sink.write(new Uint8Array(1))).toThrow(LatheError);
  });

  test('large chunks bypass the buffer and keep their order', () => {
    const dir = freshDir();
    const target = join(dir, 'big.bin');
    const sink = createAtomicFileSink(target);
    const big = Uint8Array.from({ length: (1 << 20) + 7 }, (_, i) => i & 255);
    sink.write(Uint8Array.of(1, 2));
    sink.write(big);
    sink.write(Uint8Array.of(3));
    sink.commit();
    const back = readFileSync(target);
    expect(back.length).toBe(big.length + 3);
    expect([...back.subarray(0, 2)]).toEqual([1, 2]);
    expect(Buffer.compare(back.subarray(2, 2 + big.length), big)).toBe(0);
    expect(back[back.length - 1]).toBe(3);
  });

  test('abort leaves no file and is idempotent', () => {
    const dir = freshDir();
    const sink = createAtomicFileSink(join(dir, 'x.onnx'));
    sink.write(new Uint8Array(5000));
    sink.abort();
    sink.abort();
    expect(readdirSync(dir)).toEqual([]);
    expect(() => sink.commit()).toThrow(LatheError);
  });

  test('a throw mid-way, then abort, leaves the folder as it was', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'keep.txt'), 'k');
    writeFileSync(join(dir, 'out.onnx'), 'previous');
    const before = readdirSync(dir).sort();
    const sink = createAtomicFileSink(join(dir, 'out.onnx'));
    expect(() => {
      try {
        sink.write(new Uint8Array(2 << 20));
        throw new Error('encoder failed');
      } catch (e) {
        sink.abort();
        throw e;
      }
    }).toThrow('encoder failed');
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(readFileSync(join(dir, 'out.onnx'), 'utf8')).toBe('previous');
  });

  test('a directory target or a missing folder is refused with LatheError, creating nothing', () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'sub'));
    expect(() => createAtomicFileSink(join(dir, 'sub'))).toThrow(/not a regular file \(a directory\)/);
    expect(() => createAtomicFileSink(join(dir, 'no', 'such', 'x.onnx'))).toThrow(/cannot create/);
    expect(readdirSync(dir)).toEqual(['sub']);
    expect(existsSync(join(dir, 'no'))).toBe(false);
  });
});
