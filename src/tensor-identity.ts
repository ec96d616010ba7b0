/**
 * Tensor content identity for passes that merge equal constants (dedupe-initializers, CSE):
 * a hash key (dtype, dims, payload length and two 32-bit FNV-1a hashes of the canonical raw bytes),
 * then `sameTensor` compares the bytes themselves, so a hash collision never merges two tensors.
 * Lazy payloads (file blobs) are read in chunks through a reused buffer, never whole.
 */
import { Blob } from '../ir/blob.js';
import { rawPayload } from '../ir/onnx/tensor.js';
import { scaledOrigin } from '../ir/scaled-blob.js';
import { transposedOrigin } from '../ir/transposed-blob.js';
import type { Tensor } from '../ir/types.js';

const CHUNK = 1 << 20;

/** The raw little-endian payload (bytes or a Blob), or the string items; undefined when unreadable. */
function payload(t: Tensor): Uint8Array | Blob | readonly Uint8Array[] | undefined {
  if (t.data.kind === 'strings') return t.data.values;
  if (t.data.kind === 'none') return t.dims.some((d) => d === 0) ? new Uint8Array(0) : undefined;
  try {
    return rawPayload(t, 'tensor');
  } catch {
    return undefined;
  }
}

/**
 * Two read buffers reused by every call (fresh pages cost more than the reads into them): one for
 * hashing and for the first tensor compared, one for the second. Nothing here keeps a view of
 * them past a call, and the functions do not nest.
 */
let scratch: [Uint8Array, Uint8Array] | undefined;
function buffers(): [Uint8Array, Uint8Array] {
  return (scratch ??= [new Uint8Array(CHUNK), new Uint8Array(CHUNK)]);
}

function chunks(p: Uint8Array | Blob | readonly Uint8Array[], visit: (c: Uint8Array) => void): void {
  if (p instanceof Uint8Array) visit(p);
  else if (p instanceof Blob) p.forEachChunk(visit, CHUNK, buffers()[0]);
  else {
    for (const s of p) {
      visit(Uint8Array.of(s.length & 0xff, (s.length >>> 8) & 0xff, (s.length >>> 16) & 0xff, s.length >>> 24));
      visit(s);
    }
  }
}

/**
 * Keys already computed, by tensor: tensors are immutable, and the passes that ask (CSE, dedupe,
 * the fold hoister) ask again for the same weights on every round of a fixpoint, each time
 * reading from the file (a few ms per -O1 run of BERT).
 */
const contentKeys = new WeakMap<Tensor, string | undefined>();
const sampleKeys = new WeakMap<Tensor, string | undefined>();

function memo(cache: WeakMap<Tensor, string | undefined>, t: Tensor, compute: (t: Tensor) => string | undefined): string | undefined {
  if (cache.has(t)) return cache.get(t);
  const k = compute(t);
  cache.set(t, k);
  return k;
}

/** A content key for `t`, or undefined when its payload cannot be read (e.g. a stripped skeleton). */
export function tensorKey(t: Tensor): string | undefined {
  return memo(contentKeys, t, contentKey);
}

function contentKey(t: Tensor): string | undefined {
  const p = payload(t);
  if (p === undefined) return undefined;
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193 ^ 0x5bd1e995;
  let n = 0;
  chunks(p, (c) => {
    for (let i = 0; i < c.length; i++) {
      h1 = Math.imul(h1 ^ c[i], 0x01000193);
      h2 = Math.imul(h2 ^ c[i], 0x01000193 + 2 * i + 1);
    }
    n += c.length;
  });
  return `${t.dtype}|${t.dims.join(',')}|${n}|${(h1 >>> 0).toString(16)}|${(h2 >>> 0).toString(16)}`;
}

function flatten(p: Uint8Array | Blob | readonly Uint8Array[], buffer = 0): { length: number; read(at: number, n: number): Uint8Array } {
  if (p instanceof Uint8Array) return { length: p.length, read: (at, n) => p.subarray(at, at + n) };
  if (p instanceof Blob) {
    // Sources that would allocate (files) read into the scratch buffer; memory sources give views.
    const into = p.source.freshReads ? buffers()[buffer] : undefined;
    return { length: p.length, read: (at, n) => p.source.read(p.offset + at, n, into?.subarray(0, n)) };
  }
  const parts: Uint8Array[] = [];
  chunks(p, (c) => parts.push(c.slice()));
  const all = new Uint8Array(parts.reduce((s, c) => s + c.length, 0));
  let o = 0;
  for (const c of parts) {
    all.set(c, o);
    o += c.length;
  }
  return { length: all.length, read: (at, n) => all.subarray(at, at + n) };
}

/** True when `a` and `b` hold the same dtype, dims and payload bytes (compared in chunks). */
export function sameTensor(a: Tensor, b: Tensor): boolean {
  if (a === b) return true;
  if (a.dtype !== b.dtype || a.dims.length !== b.dims.length || a.dims.some((d, i) => d !== b.dims[i])) return false;
  const pa = payload(a);
  const pb = payload(b);
  if (pa === undefined || pb === undefined) return false;
  const fa = flatten(pa, 0);
  const fb = flatten(pb, 1);
  if (fa.length !== fb.length) return false;
  for (let at = 0; at < fa.length; at += CHUNK) {
    const n = Math.min(CHUNK, fa.length - at);
    const x = fa.read(at, n);
    const y = fb.read(at, n);
    for (let i = 0; i < n; i++) if (x[i] !== y[i]) return false;
  }
  return true;
}

const WINDOW = 256;

/** FNV-1a of three small windows (start, middle, end) of `f`, read by position, with its length. */
function sampleOf(f: { length: number; read(at: number, n: number): Uint8Array }): string {
  let h = 0x811c9dc5;
  const mix = (c: Uint8Array) => {
    for (let i = 0; i < c.length; i++) h = Math.imul(h ^ c[i], 0x01000193);
  };
  const n = f.length;
  const at = (o: number) => Math.max(0, Math.min(o, n - WINDOW));
  if (n <= 3 * WINDOW) mix(f.read(0, n));
  else for (const o of [0, at(Math.floor(n / 2)), n - WINDOW]) mix(f.read(o, WINDOW));
  return `${n}|${(h >>> 0).toString(16)}`;
}

/**
 * A cheap key that equal tensors share: a hash of three small windows of the payload (start,
 * middle, end), read by position. Tensors whose sample keys differ are different; only those that
 * share one need `tensorKey`, which reads everything (distinct weights of one shape, the usual
 * case, differ in their first bytes).
 *
 * One exception, on the safe side: a lazily transposed or scaled weight (a Transpose of a stored
 * matrix, or a scale folded into one) is keyed by its source and what is done to it, because the
 * windows of a transpose cost one file read per element. Two such payloads are equal when their
 * sources are (same shape, same factor); a lazy payload and a plain one with the same bytes get
 * different keys, so the merge is missed, never made wrongly.
 */
export function tensorSampleKey(t: Tensor): string | undefined {
  return memo(sampleKeys, t, sampleKey);
}

function sampleKey(t: Tensor): string | undefined {
  const p = payload(t);
  if (p === undefined) return undefined;
  return p instanceof Blob ? blobSampleKey(p) : sampleOf(flatten(p));
}

/** A blob's sample key; a lazy payload (transposed, scaled) is keyed by what it is made from. */
function blobSampleKey(b: Blob): string {
  const t = transposedOrigin(b);
  if (t) return `T${t.rows}x${t.cols}|${blobSampleKey(t.src)}`;
  const s = scaledOrigin(b);
  if (s) return `S${s.factor}|${blobSampleKey(s.src)}`;
  return sampleOf(flatten(b));
}
