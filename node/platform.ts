/**
 * The Node `Platform` of the CLI: files through `node/io.ts` (lazy loading, atomic streaming
 * saves), text files written atomically, stdout/stderr, a monotonic clock, and the version read
 * from lathe's own package.json.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LatheError } from '../ir/error.js';
import type { Platform } from '../src/platform.js';
import { createAtomicFileSink } from './file-sink.js';
import { loadModel, saveModel } from './io.js';

/** The version in the nearest package.json named `lathe` above this file (node/, dist/node/, or a test build under .cache/). */
function readVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'lathe' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // not here: look one folder up
    }
    dir = dirname(dir);
  }
  return 'unknown';
}

function describe(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** Real path of `p`; when `p` does not exist, the real path of its folder joined with its name. */
function canonical(p: string): string {
  try {
    return realpathSync(p);
  } catch {
    try {
      return join(realpathSync(dirname(resolve(p))), basename(p));
    } catch {
      return resolve(p);
    }
  }
}

function writeAtomic(path: string, bytes: Uint8Array): void {
  const sink = createAtomicFileSink(path);
  try {
    sink.write(bytes);
    sink.commit();
  } catch (e) {
    sink.abort();
    throw e;
  }
}

let cachedVersion: string | undefined;

/** A Platform over the real file system and process streams. */
export function createNodePlatform(): Platform {
  return {
    get version() {
      return (cachedVersion ??= readVersion());
    },
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
    env: (name) => process.env[name],
    now: () => performance.now(),
    stdout: (text) => void process.stdout.write(text),
    stderr: (text) => void process.stderr.write(text),
    progress: (text) => void process.stderr.write(text === '' ? '\r\x1b[K' : `\r${text}\x1b[K`),
    loadModel: (path) => loadModel(path),
    saveModel: (model, path, options) => saveModel(model, path, options),
    readText(path) {
      try {
        return readFileSync(path, 'utf8');
      } catch (e) {
        throw new LatheError(`cannot read: ${describe(e)}`, path);
      }
    },
    writeText(path, text) {
      writeAtomic(path, new TextEncoder().encode(text));
    },
    readBytes(path) {
      try {
        return readFileSync(path);
      } catch (e) {
        throw new LatheError(`cannot read: ${describe(e)}`, path);
      }
    },
    writeBytes: writeAtomic,
    makeDir(path) {
      try {
        mkdirSync(path, { recursive: true });
      } catch (e) {
        throw new LatheError(`cannot create folder: ${describe(e)}`, path);
      }
    },
    listDir(path) {
      try {
        return readdirSync(path).sort();
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw new LatheError(`cannot list folder: ${describe(e)}`, path);
      }
    },
    removeFile(path) {
      try {
        unlinkSync(path);
      } catch (e) {
        throw new LatheError(`cannot delete: ${describe(e)}`, path);
      }
    },
    exists: (path) => existsSync(path),
    fileSize(path) {
      try {
        return statSync(path).size;
      } catch {
        return undefined;
      }
    },
    samePath: (a, b) => canonical(a) === canonical(b),
  };
}

/** The platform of this process. */
export const nodePlatform: Platform = createNodePlatform();
