/**
 * A filled corpus model written WITHOUT lathe: the skeleton's bytes are edited at the protobuf
 * wire level (no lift, no emit, no `lathe fill`), giving each tensor the sidecar lists a payload
 * drawn from its statistics. The corpus round trip compares lathe's output against this file, so
 * a fault in lathe's writer (weights zeroed, a tensor dropped) cannot hide by being on both sides.
 *
 * Wire facts used (onnx.proto): ModelProto.graph = 7; GraphProto.node = 1, initializer = 5;
 * NodeProto.output = 2, op_type = 4, attribute = 5; AttributeProto.name = 1, t = 5;
 * TensorProto.float_data = 4, name = 8, raw_data = 9, external_data = 13, data_location = 14;
 * StringStringEntryProto key = 1, value = 2. Like the corpus's fill.py, only the main graph's
 * initializers and Constant `value`s are filled; over 1.8 GB of weights go to external data.
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Field {
  readonly field: number;
  readonly wire: number;
  /** The whole field (tag included) in the message's bytes. */
  readonly start: number;
  readonly end: number;
  /** The payload of a length-delimited field. */
  readonly body?: Uint8Array;
}

function readVarint(b: Uint8Array, pos: number): [value: number, next: number] {
  let v = 0;
  let mul = 1;
  for (let i = pos; i < b.length && i < pos + 10; i++) {
    v += (b[i]! & 0x7f) * mul;
    if (b[i]! < 0x80) return [v, i + 1];
    mul *= 128;
  }
  throw new Error(`splice-fill: bad varint at ${pos}`);
}

function varint(v: number): number[] {
  const out: number[] = [];
  while (v >= 0x80) {
    out.push((v % 128) | 0x80);
    v = Math.floor(v / 128);
  }
  out.push(v);
  return out;
}

function fields(b: Uint8Array): Field[] {
  const out: Field[] = [];
  let pos = 0;
  while (pos < b.length) {
    const start = pos;
    const [tag, p1] = readVarint(b, pos);
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (wire === 0) pos = readVarint(b, p1)[1];
    else if (wire === 1) pos = p1 + 8;
    else if (wire === 5) pos = p1 + 4;
    else if (wire === 2) {
      const [len, p2] = readVarint(b, p1);
      pos = p2 + len;
      out.push({ field, wire, start, end: pos, body: b.subarray(p2, pos) });
      continue;
    } else throw new Error(`splice-fill: wire type ${wire} at ${start}`);
    out.push({ field, wire, start, end: pos });
  }
  if (pos !== b.length) throw new Error('splice-fill: message overruns its bytes');
  return out;
}

function lenField(field: number, body: Uint8Array): Uint8Array {
  const head = [...varint(field * 8 + 2), ...varint(body.length)];
  const out = new Uint8Array(head.length + body.length);
  out.set(head);
  out.set(body, head.length);
  return out;
}

function varintField(field: number, v: number): Uint8Array {
  return Uint8Array.from([...varint(field * 8), ...varint(v)]);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/** The message with each field replaced by `fn`'s bytes (undefined keeps it as is). */
function rewrite(b: Uint8Array, fn: (f: Field) => Uint8Array | undefined, append: Uint8Array[] = []): Uint8Array {
  return concat([...fields(b).map((f) => fn(f) ?? b.subarray(f.start, f.end)), ...append]);
}

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

interface Stats {
  dtype: string;
  dims: number[];
  min: number;
  max: number;
  mean: number;
  std: number;
}

/**
 * Float32 payload for `key`: uniform with the sidecar's mean and std (a simple seeded generator,
 * deliberately not lathe's), clipped to [min, max].
 */
function payload(key: string, s: Stats): Uint8Array {
  if (s.dtype !== 'float32') throw new Error(`splice-fill: ${key}: dtype ${s.dtype} not supported (the corpus has float32 only)`);
  const n = s.dims.reduce((a, d) => a * d, 1);
  const f = new Float32Array(n);
  let x = 0x9e3779b9;
  for (let i = 0; i < key.length; i++) x = Math.imul(x ^ key.charCodeAt(i), 0x01000193) >>> 0;
  x ||= 1;
  const half = s.std * Math.sqrt(3);
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const v = s.mean + half * ((x / 2 ** 32) * 2 - 1);
    f[i] = v < s.min ? s.min : v > s.max ? s.max : v;
  }
  return new Uint8Array(f.buffer);
}

/** Where a filled tensor's bytes go: inline (raw_data) or appended to the data file. */
interface Sink {
  put(t: Uint8Array, data: Uint8Array): Uint8Array;
}

/** The TensorProto `t` with its data fields replaced by `data` (through `sink`). */
function refill(t: Uint8Array, data: Uint8Array, sink: Sink): Uint8Array {
  const kept = fields(t).filter((f) => f.field !== 4 && f.field !== 9 && f.field !== 13 && f.field !== 14);
  return sink.put(concat(kept.map((f) => t.subarray(f.start, f.end))), data);
}

/**
 * Writes `out` (and `out.data` when the weights pass 1.8 GB): the skeleton `skeleton` with the
 * payloads of its sidecar `SKELETON.weights.json`. Returns the number of weight bytes written.
 */
export function spliceFill(skeleton: string, out: string): number {
  const stats = JSON.parse(readFileSync(skeleton.replace(/\.onnx$/, '.weights.json'), 'utf8')) as Record<string, Stats>;
  const bytesOf = (s: Stats): number => s.dims.reduce((a, d) => a * d, 4);
  const total = Object.values(stats).reduce((a, s) => a + bytesOf(s), 0);
  mkdirSync(dirname(out), { recursive: true });
  let dataFd: number | undefined;
  let offset = 0;
  const location = `${basename(out)}.data`;
  const sink: Sink =
    total > 1800 * 2 ** 20
      ? {
          put(t, data) {
            dataFd ??= openSync(`${out}.data`, 'w');
            for (let o = 0; o < data.length; o += 1 << 26) writeSync(dataFd, data.subarray(o, Math.min(data.length, o + (1 << 26))));
            const entry = (k: string, v: string) => lenField(13, concat([lenField(1, utf8(k)), lenField(2, utf8(v))]));
            const ext = [entry('location', location), entry('offset', String(offset)), entry('length', String(data.length)), varintField(14, 1)];
            offset += data.length;
            return concat([t, ...ext]);
          },
        }
      : { put: (t, data) => concat([t, lenField(9, data)]) };
  let filled = 0;
  const fill = (t: Uint8Array, key: string): Uint8Array | undefined => {
    const s = stats[key];
    if (!s) return undefined;
    filled++;
    return refill(t, payload(key, s), sink);
  };
  try {
    const model = readFileSync(skeleton);
    const result = rewrite(model, (mf) => {
      if (mf.field !== 7 || !mf.body) return undefined;
      const graph = rewrite(mf.body, (gf) => {
        if (gf.wire !== 2 || !gf.body) return undefined;
        if (gf.field === 5) {
          const name = fields(gf.body).find((f) => f.field === 8)?.body;
          const t = name ? fill(gf.body, `init:${text(name)}`) : undefined;
          return t && lenField(5, t);
        }
        if (gf.field !== 1) return undefined;
        const nf = fields(gf.body);
        const op = nf.find((f) => f.field === 4)?.body;
        const output = nf.find((f) => f.field === 2)?.body;
        if (!op || text(op) !== 'Constant' || !output) return undefined;
        const node = rewrite(gf.body, (af) => {
          if (af.field !== 5 || !af.body) return undefined;
          const attr = fields(af.body);
          const an = attr.find((f) => f.field === 1)?.body;
          if (!an || text(an) !== 'value') return undefined;
          const a = rewrite(af.body, (tf) => {
            if (tf.field !== 5 || !tf.body) return undefined;
            const t = fill(tf.body, `const:${text(output)}`);
            return t && lenField(5, t);
          });
          return lenField(5, a);
        });
        return lenField(1, node);
      });
      return lenField(7, graph);
    });
    if (filled !== Object.keys(stats).length) {
      throw new Error(`splice-fill: ${skeleton}: filled ${filled} of the sidecar's ${Object.keys(stats).length} tensors`);
    }
    // Written aside and renamed: another test file may splice the same model at the same time, and
    // must never read half a file.
    const aside = `${out}.${process.pid}.tmp`;
    writeFileSync(aside, result);
    renameSync(aside, out);
  } finally {
    if (dataFd !== undefined) closeSync(dataFd);
  }
  return total;
}

const self = fileURLToPath(import.meta.url);

/**
 * Path of the spliced model NAME under `dir`, made once and remade when the skeleton or this
 * file changes (a stamp file records both; lathe's own code plays no part in it).
 */
export function splicedModel(corpusDir: string, name: string, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const skeleton = join(corpusDir, `${name}.onnx`);
  const out = join(dir, `${name}.onnx`);
  const stamp = `${statSync(skeleton).mtimeMs}:${statSync(self).mtimeMs}`;
  const stampFile = `${out}.stamp`;
  if (existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return out;
  spliceFill(skeleton, out);
  writeFileSync(stampFile, stamp);
  return out;
}
