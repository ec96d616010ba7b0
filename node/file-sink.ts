/**
 * A ByteSink writing a file atomically: bytes go to a temp file in the target's folder (so the
 * final rename never crosses file systems); `commit()` makes them durable and renames onto the
 * target, `abort()` removes the temp file. Readers of the target see the old file or the new one,
 * never a partial one.
 *
 * fsync is opt-in (`durable`): it only matters for power loss, not for lathe failing mid-way, and
 * on a 436 MB model it cost more than reading and writing all the bytes (measured: 0.29 s of a
 * 1.0 s -O0 run on bert-base). Tools users compare lathe with (cp, onnx.save) do not fsync either.
 */
import { closeSync, fsyncSync, lstatSync, openSync, readlinkSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { type Blob, type ByteSink } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import { scaledOrigin } from '../ir/scaled-blob.js';
import { transposedOrigin } from '../ir/transposed-blob.js';
import { CopyBatch, copyPoolAvailable } from './copy-pool.js';
import { fileDescriptorOf, fileKind } from './file-source.js';

const BUFFER = 1 << 20;
/** Payloads from this size on are copied by the worker pool (smaller ones are not worth a message). */
const PARALLEL_MIN = 1 << 20;
/** Element-wise copies are handed out in pieces of this many bytes (a multiple of 4: whole float32 elements). */
const PIECE = 8 << 20;

/**
 * How a worker can produce `blob`, a lazy payload over a file: the file range it is read from, the
 * matrix shape when it is a lazy transpose, the factor when it is a lazy scale (of either). Plain
 * copies go to the workers too, in pieces (PIECE): the kernel serializes writes to one file, but a
 * worker's read runs beside the other's write. Measured in one run, alternating old and new
 * (two builds alternating in one process, median of 8 saves): bert-base.legacy 183-193 ms with plain copies
 * on the main thread against 163-182 ms in pieces on two workers; an earlier measurement, with the
 * whole weight as one job, had found no gain (136 against 137 ms).
 */
function copyPlan(blob: Blob): { fd: number; from: number; rows?: number; cols?: number; factor?: number } | undefined {
  const scaled = scaledOrigin(blob);
  const inner = scaled ? scaled.src : blob;
  const factor = scaled && { factor: scaled.factor };
  const t = transposedOrigin(inner);
  if (t) {
    const fd = fileDescriptorOf(t.src.source);
    return fd === undefined ? undefined : { fd, from: t.src.offset, rows: t.rows, cols: t.cols, ...factor };
  }
  const fd = fileDescriptorOf(inner.source);
  return fd === undefined ? undefined : { fd, from: inner.offset, ...factor };
}

function describe(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** Links followed from an output name before giving up (as the kernel's own ELOOP limit). */
const MAX_LINKS = 40;

/**
 * The file a write to `path` replaces: `path` itself, or where its chain of links ends (a link is
 * written through, not replaced by a regular file). An existing target that is not a regular file
 * (device, FIFO, socket, folder) is refused: renaming onto it would replace `/dev/null` itself.
 */
export function outputTarget(path: string): string {
  let p = path;
  for (let i = 0; i <= MAX_LINKS; i++) {
    let st;
    try {
      st = lstatSync(p);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return p;
      throw new LatheError(`cannot write ${path}: ${describe(e)}`, path);
    }
    if (st.isFile()) return p;
    if (!st.isSymbolicLink()) {
      const where = p === path ? 'output' : `output (a link to ${p})`;
      throw new LatheError(`${where} is not a regular file (${fileKind(st)}): refusing to replace it`, path);
    }
    p = resolve(dirname(p), readlinkSync(p));
  }
  throw new LatheError(`cannot write ${path}: more than ${MAX_LINKS} links`, path);
}

/**
 * Creates `.<base>.<pid>.<random>.tmp` next to the file `path` names (the end of its links);
 * nothing appears there before `commit()`.
 */
export function createAtomicFileSink(
  path: string,
  options: { durable?: boolean } = {},
): ByteSink & { writeBlob(blob: Blob): boolean; commit(): void; abort(): void } {
  const target = outputTarget(path);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx', 0o666);
  } catch (e) {
    throw new LatheError(`cannot create a file next to ${path}: ${describe(e)}`, path);
  }
  const buf = new Uint8Array(BUFFER);
  let used = 0;
  let position = 0;
  let state: 'open' | 'committed' | 'aborted' = 'open';

  // Writes are positioned: payloads handed to the worker pool leave holes that they fill.
  const writeAt = (b: Uint8Array, at: number) => {
    try {
      for (let done = 0; done < b.length; ) done += writeSync(fd, b, done, b.length - done, at + done);
    } catch (e) {
      throw new LatheError(`cannot write ${path}: ${describe(e)}`, path);
    }
  };
  const flush = () => {
    if (used) writeAt(buf.subarray(0, used), position - used);
    used = 0;
  };
  /** Payloads handed to workers, by job index, and where they go: redone here when a worker could not. */
  const handed: { blob: Blob; to: number; skip: number; length: number }[] = [];
  let batch: CopyBatch | undefined;
  /** Waits for the workers; redoes their failures here, where errors get their usual messages. */
  const finishJobs = () => {
    if (!batch) return;
    const redo = batch.wait();
    batch = undefined;
    for (const i of redo) {
      const { blob, to, skip, length } = handed[i];
      for (let done = 0; done < length; ) {
        const n = Math.min(BUFFER, length - done);
        writeAt(blob.source.read(blob.offset + skip + done, n, buf.subarray(0, n)), to + done);
        done += n;
      }
    }
    handed.length = 0;
  };
  let closed = false;
  /** Closes (once) and removes the temp file; never throws. */
  const discard = () => {
    if (!closed) {
      try {
        batch?.wait(); // no worker may write to the descriptor once it is closed
      } catch {
        // nothing to report while discarding
      }
      batch = undefined;
      closed = true;
      try {
        closeSync(fd);
      } catch {
        // already closed
      }
    }
    state = 'aborted';
    try {
      unlinkSync(tmp);
    } catch {
      // never created or already gone
    }
  };
  const checkOpen = () => {
    if (state !== 'open') throw new LatheError(`write to ${path} after it was ${state}`, path);
  };

  const sink = {
    get position() {
      return position;
    },
    write(chunk: Uint8Array): void {
      checkOpen();
      if (chunk.length >= BUFFER) {
        flush();
        writeAt(chunk, position);
      } else {
        if (used + chunk.length > BUFFER) flush();
        buf.set(chunk, used); // a copy: callers reuse their buffers
        used += chunk.length;
      }
      position += chunk.length;
    },
    writeBlob(blob: Blob): boolean {
      checkOpen();
      if (blob.length < PARALLEL_MIN) return false;
      const plan = copyPlan(blob);
      if (!plan || !copyPoolAvailable()) return false;
      flush();
      batch ??= new CopyBatch();
      const factor = plan.factor !== undefined && { factor: plan.factor };
      if (plan.rows !== undefined) {
        handed.push({ blob, to: position, skip: 0, length: blob.length });
        batch.add({ in: plan.fd, from: plan.from, length: blob.length, out: fd, to: position, rows: plan.rows, cols: plan.cols, ...factor });
      } else {
        // Element-wise copies in pieces, so that both workers share a large weight (an embedding).
        for (let skip = 0; skip < blob.length; skip += PIECE) {
          const length = Math.min(PIECE, blob.length - skip);
          handed.push({ blob, to: position + skip, skip, length });
          batch.add({ in: plan.fd, from: plan.from + skip, length, out: fd, to: position + skip, ...factor });
        }
      }
      position += blob.length;
      return true;
    },
    commit(): void {
      checkOpen();
      try {
        flush();
        finishJobs();
        if (options.durable) fsyncSync(fd);
        closed = true;
        closeSync(fd);
        if (outputTarget(path) !== target) throw new LatheError(`${path} changed while being written`, path);
        renameSync(tmp, target);
        state = 'committed';
      } catch (e) {
        discard();
        throw e instanceof LatheError ? e : new LatheError(`cannot write ${path}: ${describe(e)}`, path);
      }
      if (options.durable) try {
        // Makes the rename itself durable; not every platform can fsync a folder.
        const dirFd = openSync(dirname(target), 'r');
        try {
          fsyncSync(dirFd);
        } finally {
          closeSync(dirFd);
        }
      } catch {
        // best effort
      }
    },
    abort(): void {
      if (state === 'open') discard();
    },
  };
  return sink;
}
