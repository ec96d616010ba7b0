/**
 * Protobuf wire bytes written by hand, for tests that craft or cut model files: varints, tags,
 * length-delimited fields, and the top-level field boundaries of a message.
 */

/** The varint encoding of `n` (7 bits at a time of its 64-bit two's complement). */
export function varint(n: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(n));
  const out: number[] = [];
  while (v >= 128n) {
    out.push(Number(v & 127n) | 128);
    v >>= 7n;
  }
  out.push(Number(v));
  return out;
}
export const tag = (num: number, wt: number) => varint(num * 8 + wt);
export const ld = (num: number, body: number[]) => [...tag(num, 2), ...varint(body.length), ...body];
export const bytes = (...parts: number[][]) => Uint8Array.from(parts.flat());
export const irVersion8 = [...tag(1, 0), 8];
export const opset17 = ld(8, [...ld(1, []), ...tag(2, 0), 17]);

/** End offsets of the top-level fields of a well-formed message (a cut there leaves whole fields). */
export function topLevelEnds(b: Uint8Array): Set<number> {
  const ends = new Set<number>([0]);
  let i = 0;
  const read = () => {
    let v = 0;
    for (let s = 1; ; s *= 128) {
      const x = b[i++];
      v += (x & 127) * s;
      if (x < 128) return v;
    }
  };
  while (i < b.length) {
    const wt = read() & 7;
    if (wt === 0) read();
    else if (wt === 1) i += 8;
    else if (wt === 5) i += 4;
    else if (wt === 2) {
      const n = read(); // not `i += read()`: that reads `i` before read() advances it
      i += n;
    }
    else throw new Error(`wire type ${wt} in a model lathe wrote`);
    ends.add(i);
  }
  return ends;
}
