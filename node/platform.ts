/**
 * The Node `Platform` of the CLI: files through `node/io.ts` (lazy loading, atomic streaming
 * saves), text files written atomically, stdout/stderr, a monotonic clock, and the version read
 * from lathe's own package.json.
 */
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, realpathSync, statSync, unlinkSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LatheError } from '../ir/error.js';
import type { Platform } from '../src/platform.js';
import { createAtomicFileSink } from './file-sink.js';
import { fileKind, readWholeFile } from './file-source.js';
import { loadModel, saveModel, writeFiles } from './io.js';
import { writeStderrText, writeStdoutText } from './std-out.js';

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

/**
 * Creates `path` and its missing parents one at a time (not `mkdir -p`: Node's recursive mkdir
 * loops forever on `/proc/x`, where mkdir fails with ENOENT under an existing folder).
 */
function makeDir(path: string): void {
  const missing: string[] = [];
  for (let p = resolve(path); ; p = dirname(p)) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const c = (e as NodeJS.ErrnoException).code;
      if (c !== 'ENOENT' && c !== 'ENOTDIR') throw new LatheError(`cannot create folder: ${describe(e)}`, path);
      missing.push(p);
      if (dirname(p) === p) break;
      continue;
    }
    if (!st.isDirectory()) {
      throw new LatheError(`cannot create folder: ${p === resolve(path) ? 'it' : p} is not a directory (${fileKind(lstatSync(p))})`, path);
    }
    break;
  }
  for (const p of missing.reverse()) {
    try {
      mkdirSync(p);
    } catch (e) {
      throw new LatheError(`cannot create folder: ${describe(e)}`, path);
    }
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
    stdout: writeStdoutText,
    stderr: writeStderrText,
    progress: (text) => writeStderrText(text === '' ? '\r\x1b[K' : `\r${text}\x1b[K`),
    loadModel: (path) => loadModel(path),
    saveModel: (model, path, options) => saveModel(model, path, options),
    readText(path) {
      return new TextDecoder().decode(readWholeFile(path));
    },
    writeText(path, text) {
      writeAtomic(path, new TextEncoder().encode(text));
    },
    readBytes: (path) => readWholeFile(path),
    writeBytes: writeAtomic,
    writeFiles: (files) => writeFiles(files),
    makeDir,
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
    // loaded on demand: only `lathe web` needs node:http
    serveWeb: async (port) => (await (await import('./web-server.js')).startWebServer({ port })).url,
    // loaded on demand: only `quantize` runs samples, and onnxruntime-node is optional
    sampleRunner: async () => (await import('./ort-runner.js')).ortSampleRunner(),
  };
}

/** The platform of this process. */
export const nodePlatform: Platform = createNodePlatform();
