/**
 * Hostile ONNX files built byte by byte (no encoder in the loop, so they can be anything the wire
 * format allows): amplification (many tiny messages), huge sparse dims, names that are not UTF-8.
 * Used by the hostile-input suite and by `scripts/hostile-files.mjs`-style measurements.
 */

/** Protobuf varint of a non-negative integer (bigint for values past 2^53). */
export function varint(v: number | bigint): number[] {
  let n = BigInt(v);
  const out: number[] = [];
  do {
    let b = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) b |= 0x80;
    out.push(b);
  } while (n > 0n);
  return out;
}

/** A length-delimited field. */
export function ld(field: number, body: ArrayLike<number>): number[] {
  return [...varint((field << 3) | 2), ...varint(body.length), ...Array.from(body)];
}

/** A varint field. */
export function vi(field: number, v: number | bigint): number[] {
  return [...varint(field << 3), ...varint(v)];
}

const ascii = (s: string) => Array.from(new TextEncoder().encode(s));

/** ModelProto { ir_version 8, opset_import { '' 17 }, graph { …graphBody } } plus extra top-level bytes. */
export function model(graphBody: ArrayLike<number> | Uint8Array, extra: number[] = []): Uint8Array {
  const head = [...vi(1, 8), ...ld(8, [...vi(2, 17)]), ...extra];
  const g = graphBody instanceof Uint8Array ? graphBody : Uint8Array.from(graphBody);
  const len = varint(g.length);
  const out = new Uint8Array(head.length + 1 + len.length + g.length);
  out.set(head, 0);
  out[head.length] = (7 << 3) | 2;
  out.set(len, head.length + 1);
  out.set(g, head.length + 1 + len.length);
  return out;
}

/** `count` copies of `unit` back to back, as one Uint8Array (fast for tens of MB). */
export function repeat(unit: ArrayLike<number>, count: number): Uint8Array {
  const u = Uint8Array.from(unit);
  const out = new Uint8Array(u.length * count);
  for (let i = 0; i < count; i++) out.set(u, i * u.length);
  return out;
}

/** A graph of about `bytes` bytes of empty NodeProtos (2 bytes each). */
export function emptyNodes(bytes: number): Uint8Array {
  return model(repeat(ld(1, []), Math.floor(bytes / 2)));
}

/** One Identity node per 12 bytes or so, a chain x -> … (valid-looking nodes, not empty ones). */
export function tinyNodes(bytes: number): Uint8Array {
  const unit = ld(1, [...ld(1, ascii('a')), ...ld(2, ascii('a')), ...ld(4, ascii('Identity'))]);
  return model(repeat(unit, Math.floor(bytes / unit.length)));
}

/** One node carrying `bytes/2` empty attributes. */
export function emptyAttributes(bytes: number): Uint8Array {
  const attrs = repeat(ld(5, []), Math.floor(bytes / 2));
  const node = new Uint8Array([...ld(4, ascii('Relu')), ...attrs]);
  const body = [...varint((1 << 3) | 2), ...varint(node.length)];
  const g = new Uint8Array(body.length + node.length);
  g.set(body, 0);
  g.set(node, body.length);
  return model(g);
}

/** A model with `bytes/2` empty opset imports after the real one. */
export function emptyOpsets(bytes: number): Uint8Array {
  const extra = repeat(ld(8, []), Math.floor(bytes / 2));
  const g = model([]);
  const out = new Uint8Array(g.length + extra.length);
  out.set(g, 0);
  out.set(extra, g.length);
  return out;
}

/** A sparse initializer claiming dims [dim] with one value at index 0 (about 100 bytes). */
export function hugeSparse(dim: bigint): Uint8Array {
  const values = [...vi(1, 1), ...vi(2, 1), ...ld(8, ascii('v')), ...ld(9, [0, 0, 128, 63])];
  const indices = [...vi(1, 1), ...vi(2, 7), ...ld(9, [0, 0, 0, 0, 0, 0, 0, 0])];
  const sparse = [...ld(1, values), ...ld(2, indices), ...vi(3, dim)];
  const valueInfo = ld(1, ascii('v'));
  const identity = ld(1, [...ld(1, ascii('v')), ...ld(2, ascii('y')), ...ld(4, ascii('Identity'))]);
  return model([...identity, ...ld(15, sparse), ...ld(12, ld(1, ascii('y'))), ...ld(13, valueInfo).slice(0, 0)]);
}

/** A dense initializer claiming dims [dim] with no data at all, fed to a node. */
export function hugeDense(dim: bigint): Uint8Array {
  const t = [...vi(1, dim), ...vi(2, 1), ...ld(8, ascii('w'))];
  const identity = ld(1, [...ld(1, ascii('w')), ...ld(2, ascii('y')), ...ld(4, ascii('Identity'))]);
  return model([...identity, ...ld(5, t), ...ld(12, ld(1, ascii('y')))]);
}

/**
 * Two Identity nodes whose outputs are distinct byte strings that are not UTF-8 (0xff and 0xfe):
 * a decoder that replaces bad bytes with U+FFFD makes them collide.
 */
export function nonUtf8Names(): Uint8Array {
  const x = ascii('x');
  const n1 = ld(1, [...ld(1, x), ...ld(2, [0xff]), ...ld(4, ascii('Identity'))]);
  const n2 = ld(1, [...ld(1, x), ...ld(2, [0xfe]), ...ld(4, ascii('Identity'))]);
  const f32 = ld(1, vi(1, 1)); // TypeProto { tensor_type { elem_type FLOAT } }
  const io = (name: number[]) => ld(1, name).concat(ld(2, f32));
  return model([...n1, ...n2, ...ld(11, io(x)), ...ld(12, io([0xff])), ...ld(12, io([0xfe]))]);
}

/** A Constant node whose `sparse_value` claims dims [dim] (the Constant path to materialization). */
export function constantSparse(dim: bigint): Uint8Array {
  const values = [...vi(1, 1), ...vi(2, 1), ...ld(9, [0, 0, 128, 63])];
  const indices = [...vi(1, 1), ...vi(2, 7), ...ld(9, [0, 0, 0, 0, 0, 0, 0, 0])];
  const sparse = [...ld(1, values), ...ld(2, indices), ...vi(3, dim)];
  const attr = [...ld(1, ascii('sparse_value')), ...vi(20, 11), ...ld(22, sparse)];
  const node = ld(1, [...ld(2, ascii('y')), ...ld(4, ascii('Constant')), ...ld(5, attr)]);
  return model([...node, ...ld(12, ld(1, ascii('y')))]);
}

/** ConstantOfShape fed by an int64 initializer [2^20, 2^20, 2^20] (a kernel asked for 2^60 elements). */
export function hugeShape(): Uint8Array {
  const dims = new Uint8Array(new BigInt64Array([1n << 20n, 1n << 20n, 1n << 20n]).buffer);
  const shape = [...vi(1, 3), ...vi(2, 7), ...ld(8, ascii('s')), ...ld(9, Array.from(dims))];
  const node = ld(1, [...ld(1, ascii('s')), ...ld(2, ascii('y')), ...ld(4, ascii('ConstantOfShape'))]);
  return model([...node, ...ld(5, shape), ...ld(12, ld(1, ascii('y')))]);
}

/** Two nodes defining the same output, whose name is `n` bytes long (error lines must stay short). */
export function longDuplicateName(n: number): Uint8Array {
  const name = Array.from(new Uint8Array(n).fill(0x61));
  const node = ld(1, [...ld(2, name), ...ld(4, ascii('Constant')), ...ld(5, [...ld(1, ascii('value_float')), ...vi(20, 1), 0x15, 0, 0, 128, 63])]);
  return model([...node, ...node, ...ld(12, ld(1, name))]);
}

/** Ifs nested `depth` deep through then_branch (each level an If node in a one-node graph). */
export function nestedIfs(depth: number): Uint8Array {
  // Built with typed arrays: each level copies the one inside it (array spreads made this minutes).
  const cat = (...parts: (Uint8Array | number[])[]) => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const lenDelim = (field: number, body: Uint8Array) => cat(varint((field << 3) | 2), varint(body.length), body);
  let g = new Uint8Array(0);
  for (let i = 0; i < depth; i++) {
    const attr = cat(ld(1, ascii('then_branch')), vi(20, 5), lenDelim(6, g));
    g = lenDelim(1, cat(ld(1, ascii('c')), ld(2, ascii(`o${i}`)), ld(4, ascii('If')), lenDelim(5, attr)));
  }
  return model(g);
}

/** A model whose initializer `w` lives in external data at `location`. */
export function externalAt(location: string): Uint8Array {
  const ext = (k: string, v: string) => ld(13, [...ld(1, ascii(k)), ...ld(2, ascii(v))]);
  const t = [...vi(1, 4), ...vi(2, 1), ...ld(8, ascii('w')), ...ext('location', location), ...vi(14, 1)];
  const node = ld(1, [...ld(1, ascii('w')), ...ld(2, ascii('y')), ...ld(4, ascii('Identity'))]);
  return model([...node, ...ld(5, t), ...ld(12, ld(1, ascii('y')))]);
}

/** A valid small model: y = Identity(w), w a float initializer of `n` elements (strip takes it when n > 64). */
export function identityOfWeights(n: number): Uint8Array {
  const t = [...vi(1, n), ...vi(2, 1), ...ld(8, ascii('w')), ...ld(9, Array.from(new Uint8Array(new Float32Array(n).fill(0.5).buffer)))];
  const f32 = ld(1, vi(1, 1));
  const node = ld(1, [...ld(1, ascii('w')), ...ld(2, ascii('y')), ...ld(4, ascii('Identity'))]);
  return model([...node, ...ld(5, t), ...ld(12, [...ld(1, ascii('y')), ...ld(2, f32)])]);
}
