import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { memorySource, type ByteSource } from '../blob.js';
import {
  copyOf, readVarint, splitBigint, unzigzag32, varint, varint64Size, varintInt64, varintSize, varintUint64,
  VARINT_TOO_LONG, VARINT_TRUNCATED, WindowReader, writeVarint, writeVarint64, zigzag32,
} from './wire.js';
// The reference encoding: 7 bits at a time of the 64-bit two's complement.
import { varint as refVarint } from '../../test/support/wire-bytes.js';


// The constants include both sides of ±2^53, where varintInt64/varintUint64 switch from a
// number to bigint arithmetic: an odd value just past 2^53 read through a number is rounded.
const int64 = fc.oneof(
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.constantFrom(-(2n ** 63n), 2n ** 63n - 1n, -1n, 0n, 127n, 128n, 2n ** 53n - 1n, 2n ** 53n + 1n, 2n ** 53n + 2n ** 32n - 1n, -(2n ** 53n) + 1n, -(2n ** 53n) - 1n, -(2n ** 53n) - 2n ** 32n + 1n),
);
const RUNS = { seed: 42, numRuns: 1000 };

describe('varints', () => {
  test('write/size/read of 64-bit values agree with the reference', () => {
    fc.assert(
      fc.property(int64, (v) => {
        const ref = refVarint(v);
        splitBigint(v);
        const { lo, hi } = varint;
        expect(varint64Size(lo, hi)).toBe(ref.length);
        const b = new Uint8Array(12);
        expect(writeVarint64(b, 1, lo, hi)).toBe(1 + ref.length);
        expect([...b.subarray(1, 1 + ref.length)]).toEqual(ref);
        expect(readVarint(b, 1, 12)).toBe(1 + ref.length);
        expect(varintInt64(varint.lo, varint.hi)).toBe(v);
        expect(varintUint64(varint.lo, varint.hi)).toBe(BigInt.asUintN(64, v));
      }),
      RUNS,
    );
  });

  test('non-negative numbers up to 2^53 (lengths)', () => {
    fc.assert(
      fc.property(fc.maxSafeNat(), (n) => {
        const ref = refVarint(BigInt(n));
        const b = new Uint8Array(10);
        expect(varintSize(n)).toBe(ref.length);
        expect(writeVarint(b, 0, n)).toBe(ref.length);
        expect([...b.subarray(0, ref.length)]).toEqual(ref);
      }),
      RUNS,
    );
  });

  test('truncated and over-long varints are reported, not misread', () => {
    expect(readVarint(Uint8Array.of(0x80, 0x80), 0, 2)).toBe(VARINT_TRUNCATED);
    expect(readVarint(Uint8Array.of(0x80, 0x01), 0, 1)).toBe(VARINT_TRUNCATED);
    expect(readVarint(new Uint8Array(11).fill(0xff), 0, 11)).toBe(VARINT_TOO_LONG);
    expect(readVarint(new Uint8Array(0), 0, 0)).toBe(VARINT_TRUNCATED);
  });

  test('zigzag', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (n) => {
        const z = zigzag32(n);
        expect(z).toBe(n >= 0 ? 2 * n : -2 * n - 1);
        expect(unzigzag32(z)).toBe(n);
      }),
      RUNS,
    );
  });

  test('copyOf copies even from a Node Buffer (whose slice is a view)', () => {
    const buf = Buffer.from([1, 2, 3, 4]);
    const c = copyOf(buf, 1, 3);
    buf[1] = 9;
    expect([...c]).toEqual([2, 3]);
    expect(c.buffer).not.toBe(buf.buffer);
  });
});

/** A source that copies on every read, like a file. */
function copyingSource(data: Uint8Array): ByteSource & { reads: number[] } {
  const reads: number[] = [];
  return {
    size: data.length,
    label: '<copying>',
    reads,
    read(offset, length, into) {
      reads.push(length);
      const out = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
      out.set(data.subarray(offset, offset + length));
      return out;
    },
  };
}

describe('WindowReader', () => {
  test('memory sources are read once, in place; copying sources are not mistaken for memory', () => {
    const data = Uint8Array.from({ length: 100 }, (_, i) => i);
    const mem = new WindowReader(memorySource(data));
    expect(mem.inMemory).toBe(true);
    expect(mem.buf.buffer).toBe(data.buffer);
    const src = copyingSource(data);
    const win = new WindowReader(src, 16);
    expect(win.inMemory).toBe(false);
  });

  test('a sliding window always exposes the asked bytes at the right place', () => {
    const data = Uint8Array.from({ length: 5000 }, (_, i) => (i * 7) & 255);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(4999), fc.integer({ min: 1, max: 40 })), { maxLength: 50 }), (steps) => {
        const r = new WindowReader(copyingSource(data), 32);
        for (const [pos, n0] of steps) {
          const n = Math.min(n0, data.length - pos);
          r.pos = pos;
          const b = r.region(n);
          expect([...b.subarray(r.regionStart, r.regionStart + n)]).toEqual([...data.subarray(pos, pos + n)]);
        }
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});
