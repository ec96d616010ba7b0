/**
 * A ByteSource over a file: positioned reads (`fs.readSync` with an explicit position), so any
 * number of Blobs can read the same descriptor independently and nothing is read until asked.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { type ByteSource } from '../ir/blob.js';
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

/**
 * Opens `path` for positioned reading. Refuses directories and non-regular files' absence with
 * LatheError. The size is taken at open: the file must not change while the source is in use.
 */
export function openFileSource(path: string): ByteSource & { close(): void } {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new LatheError(`cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, path);
  }
  let size: number;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new LatheError(`${path} is a directory, not a file`, path);
    size = st.size;
  } catch (e) {
    closeSync(fd);
    throw e instanceof LatheError ? e : new LatheError(`cannot stat ${path}: ${(e as Error).message}`, path);
  }
  let open = true;
  const token = {};
  const source = {
    size,
    label: path,
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
      finalizer.unregister(token);
      closeSync(fd);
    },
  };
  finalizer.register(source, fd, token);
  return source;
}
