/**
 * Worker threads that copy weight payloads from the input file into the output file at known
 * positions, transposing lazily transposed matrices on the way: saving a 435 MB BERT is mostly
 * reading, transposing and writing its weights, and one thread did all three in turn while the
 * other core idled. Writes to one file are serialized by the kernel, but reads and transposes run
 * beside them and beside each other.
 *
 * A job names descriptors and offsets only, so no payload crosses threads. Each sink owns a status
 * array in shared memory; a worker marks a job done (or failed) there and wakes the waiting sink,
 * which blocks with `Atomics.wait` (saving is synchronous). A failed job is simply redone by the
 * sink on the main thread, which then reports the real error (a file that shrank, a full disk)
 * with its usual message; redoing writes the same bytes at the same place, so a late worker does
 * no harm either.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { transposeRange } from '../ir/transposed-blob.js';

/**
 * Copy `length` bytes at `from` of descriptor `in` to `to` of `out`; with rows/cols, the bytes
 * are a rows × cols matrix of 4-byte elements, written transposed; with `factor`, float32
 * elements written times `factor` (after the transpose, if any).
 */
export interface CopyJob {
  readonly in: number;
  readonly from: number;
  readonly length: number;
  readonly out: number;
  readonly to: number;
  readonly rows?: number;
  readonly cols?: number;
  readonly factor?: number;
}

/** The worker's program: plain CommonJS, with the transpose loop carried over as source text (one definition of it). */
const PROGRAM = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const transposeRange = ${transposeRange.toString()};
const CHUNK = 1 << 18; // an output chunk that stays in cache while the transpose fills it
let buf = new Uint8Array(CHUNK);
let matrix = new Uint8Array(0);
const KEEP = 32 << 20;
function readFully(fd, into, length, at) {
  for (let done = 0; done < length; ) {
    const n = fs.readSync(fd, into, done, Math.min(length - done, 1 << 30), at + done);
    if (n === 0) throw new Error('short read');
    done += n;
  }
}
let cancelled = () => false;
function writeFully(fd, bytes, length, at) {
  // A sink that gave up waiting closes its descriptor: never write after that (the number may be reused).
  if (cancelled()) throw new Error('cancelled');
  for (let done = 0; done < length; ) done += fs.writeSync(fd, bytes, done, length - done, at + done);
}
// A float32 scale as a Float32Array store rounds it: the bytes of ir/scaled-blob (the Mul kernel's).
// (The factor is read once, into a local: read from the job object in the loop it halved the speed.)
let words = new Float32Array(buf.buffer);
function scale(j, n) {
  const f = j.factor;
  if (f === undefined) return;
  const w = words;
  const m = n >> 2;
  for (let i = 0; i < m; i++) w[i] *= f;
}
let big = new Uint8Array(0);
function copy(j) {
  if (j.factor === undefined) {
    if (big.length === 0) big = new Uint8Array(4 << 20);
    for (let done = 0; done < j.length; ) {
      const n = Math.min(big.length, j.length - done);
      readFully(j.in, big, n, j.from + done);
      writeFully(j.out, big, n, j.to + done);
      done += n;
    }
    return;
  }
  for (let done = 0; done < j.length; ) {
    const n = Math.min(CHUNK, j.length - done);
    readFully(j.in, buf, n, j.from + done);
    scale(j, n);
    writeFully(j.out, buf, n, j.to + done);
    done += n;
  }
}
function transpose(j) {
  if (matrix.length < j.length) matrix = new Uint8Array(j.length);
  readFully(j.in, matrix, j.length, j.from);
  const src = new Uint32Array(matrix.buffer, 0, j.length / 4);
  const out = new Uint32Array(buf.buffer, 0, CHUNK / 4);
  const words = j.length / 4;
  for (let e0 = 0; e0 < words; e0 += CHUNK / 4) {
    const e1 = Math.min(words, e0 + CHUNK / 4);
    transposeRange(src, out, j.rows, j.cols, e0, e1);
    scale(j, 4 * (e1 - e0));
    writeFully(j.out, buf, 4 * (e1 - e0), j.to + 4 * e0);
  }
  // The matrix buffer is reused by the next job (no fresh pages per weight), but an idle worker
  // lives as long as the process: it does not hold on to a large one.
  if (matrix.length > KEEP) matrix = new Uint8Array(0);
}
parentPort.on('message', ({ status: shared, job: j }) => {
  const status = new Int32Array(shared);
  cancelled = () => Atomics.load(status, 1) !== 0;
  let result = 1;
  try {
    if (j.rows) transpose(j); else copy(j);
  } catch {
    result = 2;
  }
  Atomics.store(status, 2 + j.slot, result);
  Atomics.add(status, 0, 1);
  Atomics.notify(status, 0);
});
`;

let workers: Worker[] | undefined;
let next = 0;

let wanted = Math.max(1, Math.min(2, availableParallelism()));

/** Sets how many workers copy payloads (0: none, everything on the calling thread); stops the current ones. */
export function setCopyThreads(n: number): void {
  for (const w of workers ?? []) void w.terminate();
  workers = undefined;
  wanted = Math.max(0, Math.floor(n));
}

/** Starts the workers now (they take a few tens of ms to boot), e.g. while a large model is being optimized. */
export function warmCopyPool(): void {
  if (workers) return;
  const n = wanted;
  workers = [];
  try {
    for (let i = 0; i < n; i++) {
      const w = new Worker(PROGRAM, { eval: true, name: 'lathe-copy' });
      w.unref(); // idle workers never keep a process alive
      // A worker that dies takes its jobs with it: the sink waits with a timeout and redoes them.
      w.on('error', () => undefined);
      workers.push(w);
    }
  } catch {
    workers = [];
  }
}

/** True when workers can take jobs (worker threads exist on this platform). */
export function copyPoolAvailable(): boolean {
  warmCopyPool();
  return workers!.length > 0;
}

/** Job slots per shared array: [finished count, cancelled flag, one state per job (0 pending, 1 done, 2 failed)]. */
const SLOTS = 1024;

/**
 * The jobs of one output file: `add` hands a job to a worker, `wait` blocks until all are
 * finished and returns the indexes (in `add` order) of those that failed, or that no worker
 * finished within `stallMs` of the last progress.
 */
export class CopyBatch {
  private readonly arrays: Int32Array[] = [];
  private count = 0;

  /** Sends a job to the next worker (round robin: the jobs are whole weights of a model, mostly alike in size). */
  add(job: CopyJob): void {
    const slot = this.count % SLOTS;
    if (slot === 0) this.arrays.push(new Int32Array(new SharedArrayBuffer(4 * (2 + SLOTS))));
    const status = this.arrays[this.arrays.length - 1];
    this.count++;
    if (!workers?.length) return; // never started: wait() reports it for redoing
    workers[next++ % workers.length].postMessage({ status: status.buffer, job: { ...job, slot } });
  }

  /** Blocks until every job has finished; the indexes of the jobs to redo. */
  wait(stallMs = 30_000): number[] {
    this.arrays.forEach((status, a) => {
      const want = Math.min(SLOTS, this.count - a * SLOTS);
      let seen = Atomics.load(status, 0);
      while (seen < want && workers?.length) {
        const r = Atomics.wait(status, 0, seen, stallMs);
        const now = Atomics.load(status, 0);
        if (r === 'timed-out' && now === seen) {
          // No progress: what is left is redone here, and no worker may write for this sink again.
          for (const s of this.arrays) Atomics.store(s, 1, 1);
          break;
        }
        seen = now;
      }
    });
    const redo: number[] = [];
    for (let i = 0; i < this.count; i++) if (Atomics.load(this.arrays[Math.floor(i / SLOTS)], 2 + (i % SLOTS)) !== 1) redo.push(i);
    return redo;
  }
}
