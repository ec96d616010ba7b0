/**
 * A ByteSource over a file: positioned reads (`fs.readSync` with an explicit position), so any
 * number of Blobs can read the same descriptor independently and nothing is read until asked.
 *
 * What is not a regular file never hangs: files are opened with O_NONBLOCK (opening a FIFO with no
 * writer would otherwise block forever) and checked on the open descriptor; a pipe (`-` for stdin,
 * `<(…)`, a FIFO) is read to its end into memory; devices, sockets and folders are refused.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { memorySource, type ByteSource } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';

/** Closes descriptors of sources that were dropped without `close()`. */
const finalizer = new FinalizationRegistry<number>((fd) => {
  try {
    closeSync(fd);
  } catch {
    // already closed by someone else: nothing to release
  }
});

/** Largest single readSync request (Node limits a read to 2^31 − 1 bytes). */
const MAX_READ = 1 << 30;
/** A pipe is read into memory: past this it must be given as a file (protobuf's own 2 GiB limit). */
const MAX_PIPE_BYTES = 2 ** 31;
/** A pipe whose writer sends nothing for this long is given up on (never hang). */
const PIPE_IDLE_MS = 60_000;

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** What a non-regular file is, for messages. */
export function fileKind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Reads a pipe (non-blocking descriptor) to its end; waits on EAGAIN, at most PIPE_IDLE_MS without data. */
function readPipe(fd: number, label: string): Uint8Array {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let idleSince = Date.now();
  for (;;) {
    const chunk = new Uint8Array(1 << 16);
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      if (code(e) !== 'EAGAIN') throw new LatheError(`cannot read: ${code(e)}`, label);
      if (Date.now() - idleSince > PIPE_IDLE_MS) throw new LatheError(`no data from the pipe for ${PIPE_IDLE_MS / 1000} s`, label);
      Atomics.wait(sleeper, 0, 0, 5);
      continue;
    }
    if (n === 0) break;
    idleSince = Date.now();
    total += n;
    if (total > MAX_PIPE_BYTES) throw new LatheError('more than 2 GiB from a pipe: give it as a file', label);
    chunks.push(chunk.subarray(0, n));
  }
  const out = new Uint8Array(total);
  let p = 0;
  for (const c of chunks) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}

/**
 * Opens `path` (never blocking) and returns the descriptor after checking it on the descriptor
 * itself: a regular file, or a pipe when `pipes` is set. `noFollow`: a link as the final component
 * is refused (O_NOFOLLOW) instead of followed. `-` is stdin.
 */
function openChecked(path: string, options: { noFollow?: boolean; pipes: boolean }): { fd: number; st: Stats; owned: boolean } {
  let fd: number;
  let owned = true;
  if (path === '-') {
    fd = 0;
    owned = false;
  } else {
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0));
    } catch (e) {
      if (options.noFollow && code(e) === 'ELOOP') throw new LatheError(`cannot open ${path}: a link (a link as the final name is not followed)`, path);
      throw new LatheError(`cannot open ${path}: ${code(e)}`, path);
    }
  }
  let st: Stats;
  try {
    st = fstatSync(fd);
  } catch (e) {
    if (owned) closeSync(fd);
    throw new LatheError(`cannot stat ${path}: ${code(e)}`, path);
  }
  const pipe = st.isFIFO() || st.isSocket() || (path === '-' && !st.isFile() && !st.isCharacterDevice());
  if (!st.isFile() && !(options.pipes && pipe)) {
    if (owned) closeSync(fd);
    throw new LatheError(`${path === '-' ? 'stdin ' : ''}not a regular file (${fileKind(st)})`, path);
  }
  return { fd, st, owned };
}

/**
 * The whole of a file, a pipe or stdin (`-`), never hanging on what is not a regular file (see the
 * file comment). For small files (test data, sidecars).
 */
export function readWholeFile(path: string): Uint8Array {
  const { fd, st, owned } = openChecked(path, { pipes: true });
  try {
    if (!st.isFile()) return readPipe(fd, path);
    const source = sourceOver(fd, st.size, path, false);
    return source.read(0, st.size);
  } finally {
    if (owned) closeSync(fd);
  }
}

/** The descriptors of open file sources, for readers on other threads (node/copy-pool). */
const descriptors = new WeakMap<ByteSource, () => number | undefined>();

/** The descriptor `source` reads with while it is an open file source; undefined otherwise. */
export function fileDescriptorOf(source: ByteSource): number | undefined {
  return descriptors.get(source)?.();
}

function sourceOver(fd: number, size: number, path: string, own: boolean): ByteSource & { close(): void } {
  let open = true;
  const token = {};
  const source = {
    size,
    label: path,
    freshReads: true,
    read(offset: number, length: number, into?: Uint8Array): Uint8Array {
      if (!open) throw new LatheError(`read of ${path} after it was closed`, path);
      if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0 || offset + length > size) {
        throw new LatheError(`read of ${length} bytes at offset ${offset} passes the end of ${path} (${size} bytes)`, path);
      }
      const out = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
      for (let done = 0; done < length; ) {
        const n = readSync(fd, out, done, Math.min(length - done, MAX_READ), offset + done);
        if (n === 0) throw new LatheError(`${path} shrank while being read (expected ${size} bytes)`, path);
        done += n;
      }
      return out;
    },
    close(): void {
      if (!open) return;
      open = false;
      if (own) {
        finalizer.unregister(token);
        closeSync(fd);
      }
    },
  };
  if (own) finalizer.register(source, fd, token);
  descriptors.set(source, () => (open ? fd : undefined));
  return source;
}

/**
 * Opens `path` for positioned reading. A pipe (or `-`, stdin) is read to its end into memory;
 * anything else that is not a regular file is refused with LatheError. The size is taken at open:
 * the file must not change while the source is in use. `noFollow`: see `openChecked`.
 */
export function openFileSource(path: string, options: { noFollow?: boolean; pipes?: boolean } = {}): ByteSource & { close(): void; readonly fd?: number } {
  const { fd, st, owned } = openChecked(path, { noFollow: options.noFollow, pipes: options.pipes ?? true });
  if (!st.isFile()) {
    let bytes: Uint8Array;
    try {
      bytes = readPipe(fd, path);
    } finally {
      if (owned) closeSync(fd);
    }
    return Object.assign(memorySource(bytes, path), { close() {} });
  }
  return Object.assign(sourceOver(fd, st.size, path, owned), { fd });
}
