/**
 * Protobuf wire primitives: varints as two 32-bit halves (64 bits exact without bigint on the hot
 * path), zigzag, and a windowed reader over a `ByteSource` that keeps one reused buffer for file
 * sources and reads memory sources in place.
 */
import type { ByteSource } from '../blob.js';

const TWO32 = 4294967296;
/** First read of a file window, and after each jump over a lazy payload. */
const MIN_READ = 4096;

/** The halves of the last varint read by `readVarint` (unsigned 32-bit numbers). */
export const varint = { lo: 0, hi: 0 };

/** `readVarint` result: the varint runs past `limit`. */
export const VARINT_TRUNCATED = -1;
/** `readVarint` result: more than 10 bytes. */
export const VARINT_TOO_LONG = -2;

/**
 * Reads a varint of `b` at `p` (not past `limit`) into `varint.lo`/`varint.hi`; returns the
 * position after it, or VARINT_TRUNCATED / VARINT_TOO_LONG. Bits past 64 are dropped, as protoc does.
 */
export function readVarint(b: Uint8Array, p: number, limit: number): number {
  if (p >= limit) return VARINT_TRUNCATED;
  let c = b[p++];
  if (c < 128) {
    varint.lo = c;
    varint.hi = 0;
    return p;
  }
  let lo = c & 127;
  for (let shift = 7; shift < 28; shift += 7) {
    if (p >= limit) return VARINT_TRUNCATED;
    c = b[p++];
    lo |= (c & 127) << shift;
    if (c < 128) {
      varint.lo = lo >>> 0;
      varint.hi = 0;
      return p;
    }
  }
  if (p >= limit) return VARINT_TRUNCATED;
  c = b[p++];
  lo |= (c & 15) << 28;
  let hi = (c & 127) >> 4;
  if (c < 128) {
    varint.lo = lo >>> 0;
    varint.hi = hi;
    return p;
  }
  for (let shift = 3; shift < 38; shift += 7) {
    if (p >= limit) return VARINT_TRUNCATED;
    c = b[p++];
    hi |= (c & 127) << shift;
    if (c < 128) {
      varint.lo = lo >>> 0;
      varint.hi = hi >>> 0;
      return p;
    }
  }
  return VARINT_TOO_LONG;
}

/** Shared bigints for the common small values (dims, axes, -1): no allocation per value. */
const SMALL_BIGINTS: bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));
const MINUS_ONE = -1n;

/** The last varint as a signed int64. */
export function varintInt64(lo: number, hi: number): bigint {
  if (hi === 0 && lo < 1024) return SMALL_BIGINTS[lo];
  if (hi === 0xffffffff && lo === 0xffffffff) return MINUS_ONE;
  if (hi < 0x200000) return BigInt(hi * TWO32 + lo);
  if (hi >= 0xffe00000) return BigInt((hi - TWO32) * TWO32 + lo);
  return BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
}

/** The last varint as an unsigned uint64. */
export function varintUint64(lo: number, hi: number): bigint {
  if (hi === 0 && lo < 1024) return SMALL_BIGINTS[lo];
  if (hi < 0x200000) return BigInt(hi * TWO32 + lo);
  return (BigInt(hi) << 32n) | BigInt(lo);
}

/** Bytes of the varint of a non-negative integer number (< 2^64; exact below 2^53). */
export function varintSize(n: number): number {
  if (n < 128) return 1;
  if (n < 16384) return 2;
  if (n < 2097152) return 3;
  if (n < 268435456) return 4;
  let size = 4;
  for (let v = Math.floor(n / 268435456); v > 0; v = Math.floor(v / 128)) size++;
  return size;
}

/** Writes the varint of a non-negative integer number at `p`; returns the new position. */
export function writeVarint(b: Uint8Array, p: number, n: number): number {
  while (n >= 128) {
    b[p++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  b[p++] = n;
  return p;
}

/** Bytes of the varint of a 64-bit value given as unsigned halves. */
export function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varintSize(lo);
  return Math.ceil((64 - Math.clz32(hi)) / 7);
}

/** Writes a 64-bit varint given as unsigned halves; returns the new position. */
export function writeVarint64(b: Uint8Array, p: number, lo: number, hi: number): number {
  while (hi !== 0 || lo >= 128) {
    b[p++] = (lo & 127) | 128;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi = hi >>> 7;
  }
  b[p++] = lo;
  return p;
}

/** Splits an int64/uint64 bigint into unsigned halves (two's complement), stored in `varint`. */
export function splitBigint(v: bigint): void {
  if (v >= 0n && v < 0x20000000000000n) {
    const n = Number(v);
    varint.lo = n >>> 0;
    varint.hi = Math.floor(n / TWO32);
    return;
  }
  const u = BigInt.asUintN(64, v);
  varint.lo = Number(u & 0xffffffffn);
  varint.hi = Number(u >> 32n);
}

/**
 * A fresh, aligned copy of `b[s, e)`. Never `b.slice()`: on a Node Buffer (which memory sources
 * may wrap) `slice` is a view of the shared pool, not a copy.
 */
export function copyOf(b: Uint8Array, s = 0, e = b.length): Uint8Array {
  const out = new Uint8Array(e - s);
  out.set(b.subarray(s, e));
  return out;
}

/** Zigzag-encodes a signed 32-bit integer (sint32). */
export function zigzag32(n: number): number {
  return ((n << 1) ^ (n >> 31)) >>> 0;
}

/** Zigzag-decodes a sint32. */
export function unzigzag32(n: number): number {
  return (n >>> 1) ^ -(n & 1);
}

/**
 * A reading position over a ByteSource. Memory sources are read once, in place (the window is the
 * whole source, views are zero-copy); file sources go through one reused window buffer that
 * slides forward, so skipping a large payload costs nothing.
 */
export class WindowReader {
  /** Bytes of the window; `buf[i]` is the source byte at `base + i`. */
  buf: Uint8Array;
  base = 0;
  /** Absolute end of the valid bytes in `buf`. */
  avail = 0;
  /** Absolute reading position. */
  pos = 0;
  readonly inMemory: boolean;
  readonly size: number;
  private view: DataView;

  constructor(
    readonly source: ByteSource,
    private readonly windowSize = 1 << 20,
  ) {
    this.size = source.size;
    this.inMemory = isInMemory(source);
    if (this.inMemory) {
      this.buf = source.read(0, this.size);
      this.avail = this.size;
    } else {
      this.buf = new Uint8Array(Math.min(windowSize, Math.max(this.size, 16)));
    }
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  }

  /** Makes `min(n, size - pos)` bytes from `pos` available in `buf`, sliding the window if needed. */
  ensure(n: number): void {
    if (this.pos >= this.base && (this.avail - this.pos >= n || this.avail >= this.size)) return;
    // Reading on from the window's end doubles the next read (up to the window); a jump past a
    // lazy payload starts small again, because what follows a payload is usually a few bytes of
    // metadata and then the next payload.
    this.readSize = this.pos <= this.avail ? Math.min(this.readSize * 2, this.buf.length) : MIN_READ;
    const len = Math.min(Math.max(this.readSize, n), this.buf.length, this.size - this.pos);
    this.base = this.pos;
    this.avail = this.pos + len;
    this.source.read(this.pos, len, this.buf.subarray(0, len));
  }
  private readSize = MIN_READ;

  /**
   * Makes [pos, pos + n) addressable and returns the buffer holding it; `regionStart` is the index
   * of `pos` in that buffer. Ranges longer than the window are read apart into a fresh buffer.
   */
  region(n: number): Uint8Array {
    if (this.pos >= this.base && this.pos + n <= this.avail) {
      this.regionStart = this.pos - this.base;
      return this.buf;
    }
    if (n <= this.buf.length) {
      this.ensure(n);
      this.regionStart = this.pos - this.base;
      return this.buf;
    }
    this.regionStart = 0;
    return this.source.read(this.pos, n);
  }
  regionStart = 0;

  /** A fresh copy of [abs, abs + n) (or a zero-copy view for memory sources). */
  bytesAt(abs: number, n: number): Uint8Array {
    if (this.inMemory) return this.buf.subarray(abs, abs + n);
    if (abs >= this.base && abs + n <= this.avail) return copyOf(this.buf, abs - this.base, abs - this.base + n);
    return copyOf(this.source.read(abs, n));
  }

  float32(): number {
    const v = this.view.getFloat32(this.pos - this.base, true);
    this.pos += 4;
    return v;
  }

  float64(): number {
    const v = this.view.getFloat64(this.pos - this.base, true);
    this.pos += 8;
    return v;
  }
}

/**
 * Whether reads of `source` are zero-copy views of one buffer holding it whole (memorySource):
 * two reads of the same byte return the same memory. A source allocating per read (a file) does not.
 */
function isInMemory(source: ByteSource): boolean {
  if (source.size === 0) return true;
  const a = source.read(0, 1);
  const b = source.read(0, 1);
  return a.buffer === b.buffer && a.byteOffset === b.byteOffset && a.buffer.byteLength - a.byteOffset >= source.size;
}
