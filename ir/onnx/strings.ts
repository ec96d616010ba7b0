/**
 * Protobuf `string` fields decoded and encoded losslessly, so that names (and every string lathe
 * does not change) survive byte-exact even when they are not valid UTF-8.
 *
 * Valid UTF-8 decodes as usual. Each byte that is not part of a valid sequence becomes the lone
 * surrogate U+DC00 + byte (U+DC80…U+DCFF: Python's "surrogateescape"), and the encoder writes such
 * a lone surrogate back as that single byte. Valid UTF-8 never encodes a surrogate, so the mapping
 * is one-to-one: two distinct byte strings never decode to the same name (U+FFFD replacement made
 * `\xff` and `\xfe` collide, and a model onnxruntime loads was refused as having a duplicate name).
 * Other lone surrogates (only from strings built in code) are written as U+FFFD, as TextEncoder does.
 */

const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** `b[s, e)` as a string: UTF-8, with bytes outside valid sequences escaped (see the file comment). */
export function decodeStringLossless(b: Uint8Array, s: number, e: number): string {
  const view = b.subarray(s, e);
  try {
    return strict.decode(view);
  } catch {
    return decodeEscaped(view);
  }
}

/** Length of the valid UTF-8 sequence starting at `i`, or 0 when the byte there starts none. */
function sequenceLength(b: Uint8Array, i: number): number {
  const c = b[i];
  const cont = (k: number) => i + k < b.length && (b[i + k] & 0xc0) === 0x80;
  if (c < 0x80) return 1;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const d = b[i + 1];
    if (c === 0xe0 && d < 0xa0) return 0; // overlong
    if (c === 0xed && d >= 0xa0) return 0; // a surrogate
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const d = b[i + 1];
    if (c === 0xf0 && d < 0x90) return 0; // overlong
    if (c === 0xf4 && d >= 0x90) return 0; // past U+10FFFF
    return 4;
  }
  return 0;
}

function decodeEscaped(b: Uint8Array): string {
  const parts: string[] = [];
  let run = 0; // start of the current run of valid sequences
  let i = 0;
  while (i < b.length) {
    const n = sequenceLength(b, i);
    if (n > 0) {
      i += n;
      continue;
    }
    if (run < i) parts.push(strict.decode(b.subarray(run, i)));
    parts.push(String.fromCharCode(0xdc00 + b[i]));
    i++;
    run = i;
  }
  if (run < b.length) parts.push(strict.decode(b.subarray(run)));
  return parts.join('');
}

/** UTF-8 byte length of `s` as `writeStringLossless` writes it. */
export function encodedLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c < 0xdc00 && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 4 bytes for 2 code units
      i++;
    } else if (c >= 0xdc80 && c <= 0xdcff) continue; // an escaped byte: 1 byte
    else n += 2; // 3 bytes (other lone surrogates become U+FFFD)
  }
  return n;
}

/** Writes `s` at `p` (room for 3 bytes per code unit); returns the end. */
export function writeStringLossless(s: string, b: Uint8Array, p: number): number {
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) b[p++] = c;
    else if (c < 0x800) {
      b[p++] = 0xc0 | (c >> 6);
      b[p++] = 0x80 | (c & 63);
    } else {
      if (c >= 0xd800 && c < 0xe000) {
        const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
        if (c < 0xdc00 && (d & 0xfc00) === 0xdc00) {
          const cp = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          b[p++] = 0xf0 | (cp >> 18);
          b[p++] = 0x80 | ((cp >> 12) & 63);
          b[p++] = 0x80 | ((cp >> 6) & 63);
          b[p++] = 0x80 | (cp & 63);
          i++;
          continue;
        }
        if (c >= 0xdc80 && c <= 0xdcff) {
          b[p++] = c - 0xdc00;
          continue;
        }
        c = 0xfffd;
      }
      b[p++] = 0xe0 | (c >> 12);
      b[p++] = 0x80 | ((c >> 6) & 63);
      b[p++] = 0x80 | (c & 63);
    }
  }
  return p;
}

/** `s` as bytes (see `writeStringLossless`). */
export function encodeStringLossless(s: string): Uint8Array {
  const out = new Uint8Array(encodedLength(s));
  writeStringLossless(s, out, 0);
  return out;
}
