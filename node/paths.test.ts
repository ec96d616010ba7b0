/**
 * Paths that are not plain files (issue 11, "Safety of outputs and inputs"): outputs that are
 * devices, FIFOs, folders or links; inputs that are FIFOs, pipes or devices; folders that cannot be
 * created; several files written all or nothing. Each case is a class, tested on the real file system.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { LatheError } from '../ir/error.js';
import { scratch } from '../test/support/scratch.js';
import { createAtomicFileSink } from './file-sink.js';
import { openFileSource, readWholeFile } from './file-source.js';
import { writeFiles } from './io.js';
import { createNodePlatform } from './platform.js';

const { root, freshDir } = scratch('lathe-paths-');
const fifo = (path: string) => execFileSync('mkfifo', [path]);

function write(path: string, text: string): void {
  const sink = createAtomicFileSink(path);
  sink.write(new TextEncoder().encode(text));
  sink.commit();
}

describe('outputs that are not regular files are refused, never replaced', () => {
  test.each([
    ['a FIFO', (p: string) => fifo(p), /not a regular file \(a FIFO \(pipe\)\)/],
    ['a directory', (p: string) => mkdirSync(p), /not a regular file \(a directory\)/],
  ])('%s', (_, make, re) => {
    const dir = freshDir();
    const target = join(dir, 'out.onnx');
    make(target);
    expect(() => write(target, 'x')).toThrow(re);
    expect(readdirSync(dir)).toEqual(['out.onnx']);
    expect(lstatSync(target).isFile()).toBe(false);
  });

  // Never committed: if the check regressed, a commit would rename onto the real /dev/null.
  const refusedAtCreation = (path: string, re: RegExp) => {
    let sink: ReturnType<typeof createAtomicFileSink> | undefined;
    try {
      sink = createAtomicFileSink(path);
    } catch (e) {
      expect((e as Error).message).toMatch(re);
      return;
    }
    sink.abort();
    throw new Error(`${path}: accepted as an output`);
  };

  test('/dev/null stays a device (as root, a rename would have replaced it)', () => {
    refusedAtCreation('/dev/null', /not a regular file \(a character device\)/);
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
  });

  test('a link to /dev/null is refused too: the link is followed to its end', () => {
    const dir = freshDir();
    symlinkSync('/dev/null', join(dir, 'out.onnx'));
    refusedAtCreation(join(dir, 'out.onnx'), /a link to \/dev\/null\) is not a regular file/);
  });
});

describe('an output that is a link is written where the link points, atomically', () => {
  test('existing target: replaced through the link, the link stays a link', () => {
    const dir = freshDir();
    const other = freshDir();
    writeFileSync(join(other, 'real.onnx'), 'old');
    symlinkSync(join(other, 'real.onnx'), join(dir, 'out.onnx'));
    const sink = createAtomicFileSink(join(dir, 'out.onnx'));
    sink.write(new TextEncoder().encode('new'));
    // the temporary sits beside the target, so the rename never crosses file systems
    expect(readdirSync(other).some((f) => f.endsWith('.tmp'))).toBe(true);
    sink.commit();
    expect(lstatSync(join(dir, 'out.onnx')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(other, 'real.onnx'), 'utf8')).toBe('new');
    expect(readdirSync(other)).toEqual(['real.onnx']);
  });

  test('a dangling relative link: its target is created', () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'sub'));
    symlinkSync('sub/new.onnx', join(dir, 'out.onnx'));
    write(join(dir, 'out.onnx'), 'made');
    expect(readFileSync(join(dir, 'sub', 'new.onnx'), 'utf8')).toBe('made');
    expect(lstatSync(join(dir, 'out.onnx')).isSymbolicLink()).toBe(true);
  });

  test('a loop of links is refused', () => {
    const dir = freshDir();
    symlinkSync('b', join(dir, 'a'));
    symlinkSync('a', join(dir, 'b'));
    expect(() => write(join(dir, 'a'), 'x')).toThrow(/more than 40 links/);
  });
});

describe('inputs that are not regular files never hang', () => {
  test('a FIFO with no writer: nothing to read, at once', () => {
    const dir = freshDir();
    fifo(join(dir, 'm.onnx'));
    const t0 = Date.now();
    expect(openFileSource(join(dir, 'm.onnx')).size).toBe(0);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('a FIFO with a writer is read to its end', () => {
    const dir = freshDir();
    const path = join(dir, 'm.onnx');
    fifo(path);
    // The reader runs the built file (a child node cannot load TypeScript): npm test builds first.
    const reader = new URL('../dist/node/file-source.js', import.meta.url).pathname;
    expect(existsSync(reader), `${reader} is missing: run npm run build first`).toBe(true);
    // The writer is another process (this one only reads): it holds the FIFO open while writing.
    // Its output is not this shell's (a writer blocked for want of a reader would keep the pipe
    // to this test open forever), and it gives up after 20 s.
    const out = execFileSync('bash', ['-c', `(timeout 20 bash -c "printf 'hello pipe' > ${path}") >/dev/null 2>&1 & node -e "
      const { readWholeFile } = await import(process.argv[1]);
      process.stdout.write(readWholeFile(process.argv[2]));
    " --input-type=module ${JSON.stringify(reader)} ${path}`]).toString();
    expect(out).toBe('hello pipe');
  });

  test.each([['/dev/zero'], ['/dev/urandom']])('%s is refused (a device is not a model)', (dev) => {
    expect(() => openFileSource(dev)).toThrow(/not a regular file \(a character device\)/);
    expect(() => readWholeFile(dev)).toThrow(LatheError);
  });

  test('a directory is refused', () => {
    expect(() => readWholeFile(freshDir())).toThrow(/not a regular file \(a directory\)/);
  });
});

describe('folders that cannot be created are refused, not looped on', () => {
  test('/proc/x (mkdir -p loops there)', () => {
    const t0 = Date.now();
    expect(() => createNodePlatform().makeDir('/proc/lathe-test/out')).toThrow(LatheError);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('a file where a parent folder should be', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'f'), '');
    expect(() => createNodePlatform().makeDir(join(dir, 'f', 'out'))).toThrow(/is not a directory/);
  });

  test('missing parents are created', () => {
    const dir = freshDir();
    createNodePlatform().makeDir(join(dir, 'a', 'b', 'c'));
    expect(statSync(join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
  });
});

describe('several files: all or nothing', () => {
  test('a directory where the second file goes: the first is not left behind', () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'b.txt'));
    expect(() => writeFiles([{ path: join(dir, 'a.txt'), bytes: new Uint8Array([1]) }, { path: join(dir, 'b.txt'), bytes: new Uint8Array([2]) }])).toThrow(LatheError);
    expect(readdirSync(dir)).toEqual(['b.txt']);
  });

  test('the same file twice is refused', () => {
    const dir = freshDir();
    expect(() => writeFiles([{ path: join(dir, 'a'), bytes: new Uint8Array(1) }, { path: join(dir, 'a'), bytes: new Uint8Array(1) }])).toThrow(/written twice/);
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });
});
