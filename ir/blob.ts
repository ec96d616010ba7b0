/**
 * Byte sources and lazy blobs: how payloads stay where they are.
 *
 * A `ByteSource` is random-access, synchronous, positioned reading: a file handle in Node
 * (`node/file-source.ts`), an `ArrayBuffer` in the browser (`memorySource`). Tensor payloads are
 * `Blob`s — (source, offset, length) — read only when a pass needs the values and copied to the
 * output in chunks, so a 3 GB model never sits in memory whole.
 *
 * The core never imports `node:`; platform adapters implement these interfaces.
 */

import { LatheError } from './error.js';

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** What to call this source in error messages (a file path, or '<memory>'). */
  readonly label: string;
  /**
   * Reads `length` bytes at `offset`. When `into` is given (and large enough) the bytes are written
   * there and a view of it is returned; otherwise the result may be a zero-copy view (memory
   * sources) or a fresh buffer. Throws `LatheError` when the range lies past the end.
   */
  read(offset: number, length: number, into?: Uint8Array): Uint8Array;
  /** True when `read` without `into` always returns a new buffer of its own (file sources): the caller may keep it as it is. */
  readonly freshReads?: boolean;
}

/** A byte range of a source: raw little-endian tensor data (or a packed repeated field). */
export class Blob {
  constructor(
    readonly source: ByteSource,
    readonly offset: number,
    readonly length: number,
  ) {}

  /** All bytes. Allocates `length` bytes for file sources: call only when the values are needed. */
  bytes(): Uint8Array {
    return this.source.read(this.offset, this.length);
  }

  /** Visits the bytes in chunks of at most `chunk` bytes through one reused buffer. */
  forEachChunk(visit: (chunk: Uint8Array) => void, chunk = 1 << 20, buffer?: Uint8Array): void {
    const buf = buffer && buffer.length >= Math.min(chunk, this.length) ? buffer : new Uint8Array(Math.min(chunk, this.length));
    for (let done = 0; done < this.length; ) {
      const n = Math.min(buf.length, this.length - done);
      visit(this.source.read(this.offset + done, n, buf.subarray(0, n)));
      done += n;
    }
  }
}

/** A source over bytes already in memory (browser `ArrayBuffer`, a test fixture). Zero-copy reads. */
export function memorySource(bytes: Uint8Array | ArrayBuffer, label = '<memory>'): ByteSource {
  const data = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return {
    size: data.length,
    label,
    read(offset, length, into) {
      if (offset < 0 || length < 0 || offset + length > data.length) {
        throw new LatheError(`read of ${length} bytes at offset ${offset} passes the end (${data.length} bytes)`);
      }
      const view = data.subarray(offset, offset + length);
      if (into) {
        into.set(view);
        return into.subarray(0, length);
      }
      return view;
    },
  };
}

/**
 * Where written bytes go. The Node adapter writes a temp file and renames it on `close()`;
 * `abort()` removes everything written. `memorySink` collects chunks (browser, tests).
 */
export interface ByteSink {
  /** Appends bytes. The sink must not keep `chunk` after returning (callers reuse buffers). */
  write(chunk: Uint8Array): void;
  /** Bytes written so far. */
  readonly position: number;
  /**
   * Optionally takes a whole payload to write later (by other threads), advancing `position` past
   * it now; false when this sink cannot (the caller then streams it through `write`).
   */
  writeBlob?(blob: Blob): boolean;
}

/**
 * The frame of a read from a source that computes whole 4-byte elements (a lazy transpose or
 * scale of a stored weight): checks the range against `size`, picks the output buffer (`into` when
 * large enough), and gives the element range [e0, e1) covering the bytes and whether the bytes and
 * the buffer are element-aligned (then elements can be computed in place).
 */
export function elementRead(size: number, label: string, offset: number, length: number, into?: Uint8Array): { out: Uint8Array; e0: number; e1: number; aligned: boolean } {
  if (offset < 0 || length < 0 || offset + length > size) {
    throw new LatheError(`read of ${length} bytes at offset ${offset} passes the end (${size} bytes)`, label);
  }
  const out = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
  const e0 = Math.floor(offset / 4);
  const e1 = Math.ceil((offset + length) / 4);
  return { out, e0, e1, aligned: offset % 4 === 0 && length % 4 === 0 && out.byteOffset % 4 === 0 };
}
