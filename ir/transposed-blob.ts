/**
 * A lazily transposed matrix: the payload of `Transpose(W)` for a 2-D weight W that stays in its
 * file, computed only when read. Folding the ~90 weight Transposes of a dynamo-exported BERT eagerly
 * reads 340 MB into fresh buffers, writes 340 MB of fresh results and streams them out again at
 * save, all through cold memory; lazily, saving reads each weight once into one reused buffer and
 * transposes it a chunk at a time into the writer's buffer, which stays in cache.
 *
 * The bytes are those of the Transpose kernel's result (tested against it); a pass that needs the
 * values reads them whole (`Blob.bytes()`), as it would read any weight that stays in its file.
 *
 * Elements are moved as 32-bit words (bit-exact, whatever the 4-byte dtype). Reads of a few bytes
 * (the sampled keys of tensor-identity) fetch single elements; larger reads transpose from the whole
 * source matrix, kept in one shared slot (the last matrix read) through weak references: it lives
 * while a synchronous save streams the matrix out, and is garbage (its file not held open) once
 * that job has ended.
 */
import { Blob, elementRead, type ByteSource } from './blob.js';

/** Matrices above this many bytes are not made lazy (the shared slot would hold one that large). */
export const LAZY_TRANSPOSE_MAX_BYTES = 128 << 20;

/** Reads up to this many bytes fetch single elements instead of the whole source. */
const SMALL_READ = 1024;

/** The one source matrix held for chunked reads, and its buffer for the next (see the module comment). */
let slot: { blob: WeakRef<Blob>; words: WeakRef<Uint32Array> } | null = null;
let spare: WeakRef<ArrayBuffer> | null = null;

function wordsOf(src: Blob): Uint32Array {
  const held = slot?.blob.deref() === src ? slot.words.deref() : undefined;
  if (held) return held;
  // Reuse the previous matrix's buffer when it is large enough: no fresh pages per weight.
  const old = spare?.deref();
  const buffer = old && old.byteLength >= src.length ? old : new ArrayBuffer(src.length);
  const bytes = new Uint8Array(buffer, 0, src.length);
  const got = src.source.read(src.offset, src.length, bytes);
  if (got.buffer !== buffer || got.byteOffset !== 0) bytes.set(got);
  const words = new Uint32Array(buffer, 0, src.length / 4);
  spare = new WeakRef(buffer);
  slot = { blob: new WeakRef(src), words: new WeakRef(words) };
  return words;
}

/**
 * Output words [e0, e1) of the transpose of `src` (rows × cols, row-major) into `out` from index 0:
 * output element k is source element (k mod rows, floor(k / rows)).
 *
 * node/copy-pool runs this function in worker threads from its source text: it must stay
 * self-contained (nothing from module scope but globals such as Math).
 */
export function transposeRange(src: Uint32Array, out: Uint32Array, rows: number, cols: number, e0: number, e1: number): void {
  let k = e0;
  // A partial first output row, then whole rows in bands of 8 source rows (adjacent writes, the
  // band's cache lines reused across columns), then a partial last row.
  const firstFull = Math.ceil(e0 / rows);
  const lastFull = Math.floor(e1 / rows);
  if (firstFull > lastFull) {
    for (; k < e1; k++) out[k - e0] = src[(k % rows) * cols + Math.floor(k / rows)];
    return;
  }
  for (; k < firstFull * rows; k++) out[k - e0] = src[(k % rows) * cols + Math.floor(k / rows)];
  // Bands of 8 source rows, written out by hand: an inner loop of 8 costs more in loop overhead
  // than in moves (measured on a 768 × 3072 matrix: 2.0 ms against 4.5 ms for the loop form;
  // bands of 16 were slower again, 3.9–5.3 ms).
  let i0 = 0;
  const c = cols;
  for (; i0 + 8 <= rows; i0 += 8) {
    for (let j = firstFull; j < lastFull; j++) {
      const o = j * rows - e0 + i0;
      const s = i0 * c + j;
      out[o] = src[s];
      out[o + 1] = src[s + c];
      out[o + 2] = src[s + 2 * c];
      out[o + 3] = src[s + 3 * c];
      out[o + 4] = src[s + 4 * c];
      out[o + 5] = src[s + 5 * c];
      out[o + 6] = src[s + 6 * c];
      out[o + 7] = src[s + 7 * c];
    }
  }
  for (; i0 < rows; i0++) {
    for (let j = firstFull; j < lastFull; j++) out[j * rows - e0 + i0] = src[i0 * c + j];
  }
  for (k = lastFull * rows; k < e1; k++) out[k - e0] = src[(k % rows) * cols + Math.floor(k / rows)];
}

class TransposedSource implements ByteSource {
  readonly size: number;
  readonly label: string;
  readonly freshReads = true;

  constructor(
    readonly src: Blob,
    readonly rows: number,
    readonly cols: number,
  ) {
    this.size = src.length;
    this.label = `${src.source.label} (transposed)`;
  }

  read(offset: number, length: number, into?: Uint8Array): Uint8Array {
    const { out, e0, e1, aligned } = elementRead(this.size, this.src.source.label, offset, length, into);
    if (length === 0) return out;
    const words = aligned ? new Uint32Array(out.buffer, out.byteOffset, length / 4) : new Uint32Array(e1 - e0);
    if (length <= SMALL_READ) {
      const one = new Uint8Array(4);
      const w = new Uint32Array(one.buffer);
      for (let k = e0; k < e1; k++) {
        const s = (k % this.rows) * this.cols + Math.floor(k / this.rows);
        this.src.source.read(this.src.offset + 4 * s, 4, one);
        words[k - e0] = w[0];
      }
    } else {
      transposeRange(wordsOf(this.src), words, this.rows, this.cols, e0, e1);
    }
    if (!aligned) out.set(new Uint8Array(words.buffer, offset - 4 * e0, length));
    return out;
  }
}

/**
 * The payload of the transpose (cols × rows) of the rows × cols matrix of 4-byte elements held
 * row-major in `src`, or undefined when `src` is not such a matrix or is too large.
 */
export function transposedBlob(src: Blob, rows: number, cols: number): Blob | undefined {
  if (!Number.isSafeInteger(rows) || !Number.isSafeInteger(cols) || rows < 1 || cols < 1) return undefined;
  if (src.length !== rows * cols * 4 || src.length > LAZY_TRANSPOSE_MAX_BYTES) return undefined;
  return new Blob(new TransposedSource(src, rows, cols), 0, src.length);
}

/**
 * Where a lazily transposed payload comes from: its source matrix and that matrix's shape, or
 * undefined for any other blob. Identity checks key such a payload by its source (three small
 * windows of the source are three reads; the same windows of the transpose are one read per
 * element, a few hundred per weight).
 */
export function transposedOrigin(b: Blob): { readonly src: Blob; readonly rows: number; readonly cols: number } | undefined {
  const s = b.source;
  return s instanceof TransposedSource && b.offset === 0 && b.length === s.size ? { src: s.src, rows: s.rows, cols: s.cols } : undefined;
}
