import { describe, expect, test } from 'vitest';
import { DataType as D } from '../dtype.js';
import { LatheError } from '../error.js';
import { readNpy, writeNpy } from './npy.js';

/** Files written by numpy 2.4 (numpy.lib.format.write_array), base64. */
const NUMPY: Record<string, string> = {
  f4_v1: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDMpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAACAPgAAAD8AAEA/AACAPwAAoD8=',
  i8_be: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmk4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAAAAf/////////+QAAAAAAAAAA=',
  f2: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGYyJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAOAC+/3s=',
  b1: 'k05VTVBZAQB2AHsnZGVzY3InOiAnfGIxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsIDIpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoBAAAB',
  c8_be: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPmM4JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDIsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo/gAAAQAAAAIAAAADAYAAA',
  u3: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPFUzJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDMsKSwgfSAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAphAAAAYgAAAAAAAAAAAAAAAAAAAAAAAAB4AAAAeQAAAHoAAAA=',
  f8_v2: 'k05VTVBZAgB0AAAAeydkZXNjcic6ICc8ZjgnLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAAD0PwAAAAAAAATA',
  u2_v3: 'k05VTVBZAwB0AAAAeydkZXNjcic6ICc8dTInLCAnZm9ydHJhbl9vcmRlcic6IEZhbHNlLCAnc2hhcGUnOiAoMiwpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoHAP//',
  scalar: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGk0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKCksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoDAAAA',
  fortran: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBUcnVlLCAnc2hhcGUnOiAoMiwgMyksIH0gICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAoAAAAAAABAQAAAgD8AAIBAAAAAQAAAoEA=',
  empty: 'k05VTVBZAQB2AHsnZGVzY3InOiAnPGY0JywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDAsIDQpLCB9ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIAo=',
};

const bytes = (k: string) => Uint8Array.from(Buffer.from(NUMPY[k], 'base64'));

describe('.npy files', () => {
  test('numpy-written files of every header version, byte order and dtype kind read exactly', () => {
    expect(readNpy(bytes('f4_v1'))).toEqual({ kind: 'tensor', dtype: D.FLOAT, dims: [2, 3], data: Float32Array.of(0, 0.25, 0.5, 0.75, 1, 1.25) });
    expect(readNpy(bytes('i8_be'))).toEqual({ kind: 'tensor', dtype: D.INT64, dims: [3], data: BigInt64Array.of(1n, -2n, 2n ** 62n) });
    expect(readNpy(bytes('f2'))).toEqual({ kind: 'tensor', dtype: D.FLOAT16, dims: [3], data: Float32Array.of(0.5, -1.5, 65504) });
    expect(readNpy(bytes('b1'))).toEqual({ kind: 'tensor', dtype: D.BOOL, dims: [2, 2], data: Uint8Array.of(1, 0, 0, 1) });
    expect(readNpy(bytes('c8_be'))).toEqual({ kind: 'tensor', dtype: D.COMPLEX64, dims: [2], data: Float32Array.of(1, 2, -0, -3.5) });
    expect(readNpy(bytes('u3'))).toEqual({ kind: 'tensor', dtype: D.STRING, dims: [3], data: ['ab', '', 'xyz'] });
    expect(readNpy(bytes('f8_v2'))).toEqual({ kind: 'tensor', dtype: D.DOUBLE, dims: [2], data: Float64Array.of(1.25, -2.5) });
    expect(readNpy(bytes('u2_v3'))).toEqual({ kind: 'tensor', dtype: D.UINT16, dims: [2], data: Uint16Array.of(7, 65535) });
    expect(readNpy(bytes('scalar'))).toEqual({ kind: 'tensor', dtype: D.INT32, dims: [], data: Int32Array.of(3) });
    expect(readNpy(bytes('empty'))).toEqual({ kind: 'tensor', dtype: D.FLOAT, dims: [0, 4], data: new Float32Array(0) });
  });

  test('what lathe writes is byte-identical to what numpy writes (little-endian, v1)', () => {
    for (const k of ['f4_v1', 'f2', 'b1', 'u3', 'scalar', 'empty']) expect(writeNpy(readNpy(bytes(k))), k).toEqual(bytes(k));
  });

  test('big-endian files are written back little-endian with the same values', () => {
    for (const k of ['i8_be', 'c8_be']) {
      const again = writeNpy(readNpy(bytes(k)));
      expect(new TextDecoder().decode(again.subarray(10, 30))).toContain("'<");
      expect(readNpy(again)).toEqual(readNpy(bytes(k)));
    }
  });

  test('Fortran order, bad magic, unknown dtypes, truncated data and bad headers are one-line LatheErrors', () => {
    const cases: [Uint8Array, RegExp][] = [
      [bytes('fortran'), /Fortran-order .npy arrays are not supported/],
      [Uint8Array.of(1, 2, 3), /not a .npy file/],
      [bytes('f4_v1').subarray(0, 130), /data has 2 bytes, shape \(2, 3\) of float needs 24/],
      [patch(bytes('f4_v1'), "'<f4'", "'<V4'"), /dtype '<V4' is not supported|has no ONNX counterpart/],
      [patch(bytes('f4_v1'), "'<f4'", "'<M8'"), /has no ONNX counterpart/],
      [patch(bytes('f4_v1'), '(2, 3)', '(2,-3)'), /bad .npy header/],
      [patch(bytes('f4_v1'), "'shape'", "'shapx'"), /no 'shape'/],
      [patch(bytes('u3'), "'<U3'", "'<U0'"), /holds no characters/],
    ];
    for (const [b, message] of cases) {
      let err: unknown;
      try {
        readNpy(b, 'x.npy');
      } catch (e) {
        err = e;
      }
      expect(err, String(message)).toBeInstanceOf(LatheError);
      expect((err as Error).message).toMatch(message);
      expect((err as Error).message).not.toContain('\n');
    }
  });

  test('header damage the first cases do not reach: version, truncation, header length, repeated or missing keys', () => {
    const withVersion = (b: Uint8Array, major: number) => {
      const out = b.slice();
      out[6] = major;
      return out;
    };
    const withLength32 = (len: number, total: number) => {
      const out = new Uint8Array(total);
      out.set(bytes('f8_v2').subarray(0, 8));
      new DataView(out.buffer).setUint32(8, len, true);
      return out;
    };
    const cases: [Uint8Array, RegExp][] = [
      [withVersion(bytes('f4_v1'), 4), /format version 4.0 is not supported \(1, 2 or 3\)/],
      [withVersion(bytes('f4_v1'), 0), /format version 0.0 is not supported/],
      [bytes('f8_v2').subarray(0, 11), /truncated in its header/],
      [withLength32(500, 100), /^x\.npy: \.npy header of 500 bytes passes the end of the file \(100 bytes\)$/],
      // The length's word is not trusted: 4 GiB claimed by a 100-byte file, one byte past the bound.
      [withLength32(0xffffffff, 100), /^x\.npy: \.npy header of 4294967295 bytes passes the end of the file \(100 bytes\)$/],
      [withLength32((16 << 20) + 1, (16 << 20) + 13), /^x\.npy: \.npy header of 16777217 bytes is too long \(lathe reads up to 16777216\)$/],
      [patch(bytes('f4_v1'), "'shape'", "'descr'"), /key 'descr' twice/],
      [patch(bytes('f4_v1'), '{', '['), /not a dict/],
      [patch(bytes('f4_v1'), "'descr': '<f4'", "'descr': True "), /no 'descr' string/],
      [patch(bytes('f4_v1'), "'fortran_order'", "'fortran_ordex'"), /no 'fortran_order'/],
    ];
    for (const [b, message] of cases) expect(() => readNpy(b, 'x.npy'), String(message)).toThrow(message);
  });

  test('a code point past U+10FFFF in a string array is refused', () => {
    const b = bytes('u3');
    // The first character of the first string ('a' = 0x61) becomes 0x110000.
    const out = b.slice();
    const start = out.length - 9 * 4;
    new DataView(out.buffer).setUint32(start, 0x110000, true);
    expect(() => readNpy(out, 'x.npy')).toThrow(/string holds code point 1114112/);
  });

  test('a header too long for v1 is written as v2.0: 4-byte length, the whole header a multiple of 64', () => {
    // 22000 dims of size 1: the shape tuple alone is 66000 characters.
    const dims = new Array<number>(22000).fill(1);
    const out = writeNpy({ kind: 'tensor', dtype: D.FLOAT, dims, data: Float32Array.of(2.5) });
    expect(out[6]).toBe(2);
    expect(out[7]).toBe(0);
    const len = new DataView(out.buffer).getUint32(8, true);
    expect((12 + len) % 64).toBe(0);
    const header = new TextDecoder('latin1').decode(out.subarray(12, 12 + len));
    expect(header.startsWith("{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1, ")).toBe(true);
    expect(header.endsWith('\n')).toBe(true);
    expect(out.length).toBe(12 + len + 4);
    expect(new DataView(out.buffer).getFloat32(12 + len, true)).toBe(2.5);
  });

  test('a v2 (and v3) file with a header past 64 KiB reads back what was written', () => {
    const dims = new Array<number>(22000).fill(1);
    dims[7] = 2;
    const v = { kind: 'tensor' as const, dtype: D.INT32, dims, data: Int32Array.of(-3, 9) };
    const out = writeNpy(v);
    expect(new DataView(out.buffer).getUint32(8, true)).toBeGreaterThan(1 << 16);
    expect(readNpy(out, 'long.npy')).toEqual(v);
    const v3 = out.slice();
    v3[6] = 3;
    expect(readNpy(v3, 'long.npy')).toEqual(v);
    // Cut inside the header, or inside the data: one-line errors naming the file.
    expect(() => readNpy(out.subarray(0, 40000), 'long.npy')).toThrow(/^long\.npy: \.npy header of \d+ bytes passes the end of the file \(40000 bytes\)$/);
    expect(() => readNpy(out.subarray(0, out.length - 1), 'long.npy')).toThrow(/^long\.npy: \.npy data has 7 bytes, shape \(1, 1, .*\) of int32 needs 8$/);
  });

  test('dtypes numpy lacks are refused by the writer', () => {
    expect(() => writeNpy({ kind: 'tensor', dtype: D.BFLOAT16, dims: [1], data: Float32Array.of(1) })).toThrow(/bfloat16 has no .npy dtype/);
  });
});

/** Same-length textual edit of an npy header. */
function patch(b: Uint8Array, from: string, to: string): Uint8Array {
  expect(to.length).toBe(from.length);
  const text = new TextDecoder('latin1').decode(b);
  const at = text.indexOf(from);
  expect(at).toBeGreaterThan(0);
  const out = b.slice();
  for (let i = 0; i < to.length; i++) out[at + i] = to.charCodeAt(i);
  return out;
}
