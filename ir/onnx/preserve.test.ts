/**
 * What lathe does not change comes back as it came (issue 11): names byte-exact even when they are
 * not UTF-8, and re-emitted models no bigger than the input (fields lift reads as "absent or the
 * default" are not written back as explicit defaults).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { emptyAttributes, emptyNodes, emptyOpsets, model, nonUtf8Names } from '../../test/hostile/generate.js';
import { loadModelFromBytes, saveModelToBytes } from '../../src/io.js';
import { decodeStringLossless, encodeStringLossless } from './strings.js';
import { memorySource } from '../blob.js';
import { decodeModel } from './decode.js';
import { encodeModelToBytes } from './encode.js';
import { bytes as wireBytes, irVersion8, ld } from '../../test/support/wire-bytes.js';

const reemit = (bytes: Uint8Array) => saveModelToBytes(loadModelFromBytes(bytes));

describe('strings survive byte-exact', () => {
  test('any bytes: decode then encode gives the same bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        expect(Buffer.from(encodeStringLossless(decodeStringLossless(b, 0, b.length))).equals(Buffer.from(b))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  test('distinct bytes decode to distinct strings (U+FFFD replacement made them collide)', () => {
    const a = decodeStringLossless(new Uint8Array([0xff]), 0, 1);
    const b = decodeStringLossless(new Uint8Array([0xfe]), 0, 1);
    expect(a).not.toBe(b);
    // valid UTF-8, surrogates encoded as UTF-8 (invalid), overlongs and truncated sequences
    // … and the edges of the 4-byte range: U+10000 and U+10FFFF are valid, f0 8f … (overlong) and
    // f4 90 … (past U+10FFFF) are not, and must go byte by byte, not to the strict decoder
    for (const bytes of [[0xe2, 0x82, 0xac], [0xed, 0xa0, 0x80], [0xc0, 0x80], [0xf0, 0x9f, 0x98], [0x61, 0xff, 0x62], [0xf0, 0x90, 0x80, 0x80], [0xf4, 0x8f, 0xbf, 0xbf], [0xf0, 0x8f, 0xbf, 0xbf], [0x61, 0xf4, 0x90, 0x80, 0x80]]) {
      const u = Uint8Array.from(bytes);
      expect(Array.from(encodeStringLossless(decodeStringLossless(u, 0, u.length)))).toEqual(bytes);
    }
    expect(decodeStringLossless(Uint8Array.from([0xe2, 0x82, 0xac]), 0, 3)).toBe('€');
  });

  test('short names through the decoder (its ASCII fast path and name cache): any bytes re-encode as they came', () => {
    // decode.ts reads names of up to 32 bytes without TextDecoder while they are ASCII; a byte of
    // 0x80 or more must send the name to the lossless decoder, or a lone 0x80 comes back as U+0080
    // and is re-encoded as two bytes (c2 80): a renamed value in a model lathe did not change.
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 32 }), fc.uint8Array({ minLength: 1, maxLength: 32 }), (a, b) => {
        const file = wireBytes(irVersion8, ld(7, [...ld(1, ld(3, [...a])), ...ld(2, [...b])]));
        expect(Buffer.from(encodeModelToBytes(decodeModel(memorySource(file)))).equals(Buffer.from(file))).toBe(true);
      }),
      { seed: 7, numRuns: 500 },
    );
    for (const name of [[0x80], [0x61, 0x80], [0x7f, 0x80, 0x81]]) {
      const file = wireBytes(irVersion8, ld(7, ld(2, name)));
      expect([...encodeModelToBytes(decodeModel(memorySource(file)))]).toEqual([...file]);
    }
  });

  test('a name starting with a byte-order mark keeps it, and stays apart from the name without it', () => {
    // ef bb bf is U+FEFF; TextDecoder drops it at the start of its input unless told not to, and
    // did: an output named "\ufeffa" came back as "a", the name of the graph input — the output
    // became the input, and the model computed something else.
    expect(Array.from(encodeStringLossless(decodeStringLossless(Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]), 0, 4)))).toEqual([0xef, 0xbb, 0xbf, 0x61]);
    // after an escaped byte the decoder starts over on the valid run: a BOM there is kept as well
    expect(Array.from(encodeStringLossless(decodeStringLossless(Uint8Array.from([0xff, 0xef, 0xbb, 0xbf]), 0, 4)))).toEqual([0xff, 0xef, 0xbb, 0xbf]);
    const file = wireBytes(irVersion8, ld(7, [...ld(11, ld(1, [0x61])), ...ld(12, ld(1, [0xef, 0xbb, 0xbf, 0x61]))]));
    const m = loadModelFromBytes(file);
    expect(m.graph.values[m.graph.outputs[0]].name).toBe('\ufeffa');
    expect(m.graph.outputs[0]).not.toBe(m.graph.inputs[0]);
    expect(Array.from(reemit(file))).toEqual(Array.from(file));
  });

  test('a model whose two outputs are named \\xff and \\xfe loads, and re-emits byte for byte', () => {
    const bytes = nonUtf8Names();
    const m = loadModelFromBytes(bytes);
    const names = m.graph.outputs.map((id) => m.graph.values[id].name);
    expect(new Set(names).size).toBe(2);
    const out = reemit(bytes);
    expect(out.length).toBe(bytes.length);
    // the names are there as the original bytes
    expect(Buffer.from(out).includes(Buffer.from([0x12, 0x01, 0xff]))).toBe(true);
    expect(Buffer.from(out).includes(Buffer.from([0x12, 0x01, 0xfe]))).toBe(true);
  });
});

describe('re-emitting writes no more than came in', () => {
  test.each([
    ['100,000 empty attributes', () => emptyAttributes(200_000)],
    ['100,000 empty opset imports', () => emptyOpsets(200_000)],
    ['100,000 empty nodes', () => emptyNodes(200_000)],
    ['an empty graph', () => model([])],
  ])('%s', (_, make) => {
    const bytes = make();
    const out = reemit(bytes);
    expect(out.length).toBeLessThanOrEqual(bytes.length);
    // and it reads back as the same model
    expect(Buffer.from(saveModelToBytes(loadModelFromBytes(out))).equals(Buffer.from(out))).toBe(true);
  });
});
