/**
 * Protobuf bytes → proto-level objects (`proto.ts`), for untrusted input.
 *
 * One iterative loop with an explicit stack (no recursion: nesting is limited by `maxDepth`, never
 * by the JS stack). Every declared length is checked against the bytes left in the enclosing
 * message before anything is read or allocated. Large payloads of file sources become lazy Blobs,
 * so loading a model costs about a scan of its metadata.
 */
import { Blob, type ByteSource } from '../blob.js';
import { LatheError } from '../error.js';
import type { ModelProto, TensorProto } from './proto.js';
import {
  K_CARRIED, K_DOUBLE, K_FLOAT, K_INT32, K_INT64, K_MESSAGE, K_STRING, K_UINT64,
  messageInfo, type FieldInfo, type MessageInfo,
} from './schema.js';
import { decodeStringLossless } from './strings.js';
import {
  copyOf, readVarint, varint, varintInt64, varintUint64, VARINT_TOO_LONG, WindowReader,
} from './wire.js';

export interface DecodeOptions {
  /** bytes/packed fields at least this long, from a source that is not in memory, become lazy Blobs (default 4096). */
  lazyThreshold?: number;
  /** max nesting of messages (default 2000): beyond it, LatheError. */
  maxDepth?: number;
  /** max number of IR-sized messages (default MAX_OBJECTS; see there): beyond it, LatheError. */
  maxObjects?: number;
}

/**
 * Most messages of a model lift into an IR object each (nodes, attributes, values, tensors, opset
 * imports, metadata entries, graphs, functions) and cost some 400–600 bytes and 10–20 µs apiece
 * through lift, verify and emit, yet an empty one is 2 bytes on the wire: 10 MB of empty NodeProtos
 * took 2–4.5 GB, and 20 MB of 12-byte Identity nodes over 90 s. A per-byte ratio cannot tell them
 * from real models (which hold as many small messages per byte: a Dimension is 5 bytes), so lathe
 * caps their total: 1,000,000 is several times a 200,000-node model's nodes and attributes, and
 * keeps any input, however it is built, under ~1 GB and well within a minute on a small machine.
 * Type-tree messages (TypeProto, shapes, dims) are not counted: they lift into plain arrays.
 */
export const MAX_OBJECTS = 1_000_000;

const COUNTED = new Set([
  'NodeProto', 'AttributeProto', 'ValueInfoProto', 'TensorProto', 'SparseTensorProto', 'OperatorSetIdProto',
  'StringStringEntryProto', 'GraphProto', 'FunctionProto', 'TensorAnnotation', 'TrainingInfoProto',
  'NodeDeviceConfigurationProto', 'ShardingSpecProto', 'ShardedDimProto', 'SimpleShardedDimProto', 'DeviceConfigurationProto',
]);
const countedInfos = new Map<MessageInfo, boolean>();

/** Decodes an ONNX model file (a ModelProto). An empty source is a valid empty message. */
export function decodeModel(source: ByteSource, options?: DecodeOptions): ModelProto {
  return decodeMessage(source, messageInfo('ModelProto'), options) as ModelProto;
}

/** Decodes a TensorProto file (the `input_0.pb` of ONNX test cases). */
export function decodeTensor(source: ByteSource, options?: DecodeOptions): TensorProto {
  return decodeMessage(source, messageInfo('TensorProto'), options) as TensorProto;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const WIRE_NAMES = ['varint', 'fixed64', 'length-delimited', 'group start', 'group end', 'fixed32', '6', '7'];

type Obj = Record<string, unknown> & { $unknown?: Uint8Array[] };

/**
 * The one empty array every absent repeated field starts as (frozen: a decoded message's empty
 * lists cost nothing; the first element replaces it with a real array). Most repeated fields of a
 * model are empty (8 of AttributeProto's), and one array each would dominate decoding time.
 */
const EMPTY: never[] = Object.freeze([]) as unknown as never[];

function newMessage(info: MessageInfo): Obj {
  const o: Obj = {};
  const names = info.arrayFields;
  for (let i = 0; i < names.length; i++) o[names[i]] = EMPTY;
  return o;
}

/**
 * Appends to a repeated field. Short lists are rebuilt at their exact length: `push` on a small
 * array reserves 16 spare slots, which would double the memory of a decoded graph (most lists
 * hold 1–3 items) — and fresh memory is the main cost of decoding a large graph.
 */
function push(obj: Obj, name: string, v: unknown): void {
  const a = obj[name] as unknown[];
  switch (a.length) {
    case 0:
      obj[name] = [v];
      break;
    case 1:
      obj[name] = [a[0], v];
      break;
    case 2:
      obj[name] = [a[0], a[1], v];
      break;
    case 3:
      obj[name] = [a[0], a[1], a[2], v];
      break;
    default:
      a.push(v);
  }
}

/** Decodes one message of type `info` filling the whole source. */
export function decodeMessage(source: ByteSource, rootInfo: MessageInfo, options?: DecodeOptions): unknown {
  const lazyThreshold = options?.lazyThreshold ?? 4096;
  const maxDepth = options?.maxDepth ?? 2000;
  const maxObjects = options?.maxObjects ?? MAX_OBJECTS;
  let objects = 0;
  const r = new WindowReader(source);
  const lazy = !r.inMemory;
  const fail = (info: MessageInfo, what: string, message: string): never => {
    throw new LatheError(`${info.name}${what ? '.' + what : ''}: ${message}`, source.label);
  };

  const infos: MessageInfo[] = [];
  const objs: Obj[] = [];
  const ends: number[] = [];
  let depth = 0;
  let info = rootInfo;
  const root = newMessage(rootInfo);
  let obj = root;
  let end = r.size;

  for (;;) {
    if (r.pos >= end) {
      if (info.packedFields.length) finishPacked(info, obj);
      if (depth === 0) break;
      depth--;
      info = infos[depth];
      obj = objs[depth];
      end = ends[depth];
      continue;
    }
    r.ensure(32);
    const tagStart = r.pos;
    let p = readVarint(r.buf, r.pos - r.base, end - r.base);
    if (p < 0) fail(info, '', `field tag at byte ${tagStart} ${p === VARINT_TOO_LONG ? 'is a varint over 10 bytes' : 'is truncated'}`);
    if (varint.hi !== 0) fail(info, '', `field tag at byte ${tagStart} is out of range`);
    r.pos = p + r.base;
    const tag = varint.lo;
    const wt = tag & 7;
    const f = info.byNumber[tag >>> 3];
    if (f === undefined) {
      skipUnknown(r, info, obj, tag, tagStart, end, fail);
      continue;
    }
    if (wt === 2) {
      p = readVarint(r.buf, r.pos - r.base, end - r.base);
      if (p < 0) fail(info, f.protoName, p === VARINT_TOO_LONG ? 'length is a varint over 10 bytes' : 'length is truncated');
      r.pos = p + r.base;
      const left = end - r.pos;
      if (varint.hi !== 0 || varint.lo > left) {
        fail(info, f.protoName, `declared length ${varintUint64(varint.lo, varint.hi)} passes the end of the message (${left} bytes left)`);
      }
      const len = varint.lo;
      const kind = f.kind;
      if (kind === K_MESSAGE) {
        if (depth + 1 >= maxDepth) fail(info, f.protoName, `messages nested deeper than ${maxDepth} levels`);
        const sub = f.message!;
        let counted = countedInfos.get(sub);
        if (counted === undefined) countedInfos.set(sub, (counted = COUNTED.has(sub.name)));
        if (counted && ++objects > maxObjects) {
          fail(info, f.protoName, `more than ${maxObjects.toLocaleString('en-US')} nodes, attributes, values and other IR objects: lathe's limit for one model`);
        }
        let child: Obj;
        if (f.repeated) {
          child = newMessage(sub);
          push(obj, f.name, child);
        } else {
          // A repeated occurrence of a singular message merges into the first (protobuf semantics).
          const prev = obj[f.name] as Obj | undefined;
          child = prev ?? newMessage(sub);
          if (!prev) {
            obj[f.name] = child;
            if (f.oneofSiblings.length) clearSiblings(obj, f);
          }
        }
        infos[depth] = info;
        objs[depth] = obj;
        ends[depth] = end;
        depth++;
        info = sub;
        obj = child;
        end = r.pos + len;
        continue;
      }
      if (kind === K_STRING) {
        const b = r.region(len);
        setValue(obj, f, decodeString(b, r.regionStart, r.regionStart + len));
      } else if (f.wireType === 2) {
        // bytes, or a carried sub-message
        let v: Uint8Array | Blob;
        if (lazy && f.lazy && kind !== K_CARRIED && len >= lazyThreshold) v = new Blob(source, r.pos, len);
        else if (r.inMemory) v = r.buf.subarray(r.pos, r.pos + len);
        else {
          const b = r.region(len);
          v = copyOf(b, r.regionStart, r.regionStart + len);
        }
        setValue(obj, f, v);
      } else if (f.repeated) {
        decodePacked(r, f, obj, len, lazy && len >= lazyThreshold, source, (m) => fail(info, f.protoName, m));
      } else {
        fail(info, f.protoName, `wire type 2 (length-delimited) where ${WIRE_NAMES[f.wireType]} is expected`);
      }
      r.pos += len;
      continue;
    }
    if (wt !== f.wireType) {
      fail(info, f.protoName, `wire type ${wt} (${WIRE_NAMES[wt]}) where ${WIRE_NAMES[f.wireType]} is expected`);
    }
    let v: unknown;
    if (wt === 0) {
      p = readVarint(r.buf, r.pos - r.base, end - r.base);
      if (p < 0) fail(info, f.protoName, p === VARINT_TOO_LONG ? 'varint over 10 bytes' : 'varint is truncated');
      r.pos = p + r.base;
      const kind = f.kind;
      v = kind === K_INT32 ? varint.lo | 0 : kind === K_INT64 ? varintInt64(varint.lo, varint.hi) : varintUint64(varint.lo, varint.hi);
    } else if (wt === 5) {
      if (end - r.pos < 4) fail(info, f.protoName, 'fixed32 value is truncated');
      v = r.float32();
    } else {
      if (end - r.pos < 8) fail(info, f.protoName, 'fixed64 value is truncated');
      v = r.float64();
    }
    if (f.packed) appendPlain(obj, f, v);
    else setValue(obj, f, v);
  }
  return root;
}

function setValue(obj: Obj, f: FieldInfo, v: unknown): void {
  if (f.repeated) push(obj, f.name, v);
  else {
    obj[f.name] = v;
    if (f.oneofSiblings.length) clearSiblings(obj, f);
  }
}

function clearSiblings(obj: Obj, f: FieldInfo): void {
  for (const name of f.oneofSiblings) if (obj[name] !== undefined) delete obj[name];
}

/** Skips a field the schema does not know, keeping it verbatim (tag + payload) in `$unknown`. */
function skipUnknown(
  r: WindowReader, info: MessageInfo, obj: Obj, tag: number, tagStart: number, end: number,
  fail: (info: MessageInfo, what: string, message: string) => never,
): void {
  const num = tag >>> 3;
  const wt = tag & 7;
  const what = `field ${num}`;
  if (num === 0) fail(info, '', `field number 0 at byte ${tagStart} is invalid`);
  if (wt === 0) {
    const p = readVarint(r.buf, r.pos - r.base, end - r.base);
    if (p < 0) fail(info, what, p === VARINT_TOO_LONG ? 'varint over 10 bytes' : 'varint is truncated');
    r.pos = p + r.base;
  } else if (wt === 1 || wt === 5) {
    const n = wt === 1 ? 8 : 4;
    if (end - r.pos < n) fail(info, what, `${WIRE_NAMES[wt]} value is truncated`);
    r.pos += n;
  } else if (wt === 2) {
    const p = readVarint(r.buf, r.pos - r.base, end - r.base);
    if (p < 0) fail(info, what, p === VARINT_TOO_LONG ? 'length is a varint over 10 bytes' : 'length is truncated');
    r.pos = p + r.base;
    const left = end - r.pos;
    if (varint.hi !== 0 || varint.lo > left) {
      fail(info, what, `declared length ${varintUint64(varint.lo, varint.hi)} passes the end of the message (${left} bytes left)`);
    }
    r.pos += varint.lo;
  } else if (wt === 3 || wt === 4) {
    fail(info, what, `group wire type ${wt} is not supported`);
  } else {
    fail(info, what, `invalid wire type ${wt}`);
  }
  (obj.$unknown ??= []).push(r.bytesAt(tagStart, r.pos - tagStart));
}

/**
 * Recently decoded short ASCII strings, direct-mapped by a hash of their bytes. Names repeat (every
 * value name is written by its producer and again by each consumer; op types and attribute names
 * recur throughout), so a hit returns the same string without allocating: a decoded graph keeps
 * one copy of each name, and fresh memory is what large decodes spend their time on.
 */
const STRING_CACHE_BITS = 12;
const stringCache: string[] = new Array<string>(1 << STRING_CACHE_BITS).fill('');

function decodeString(b: Uint8Array, s: number, e: number): string {
  const n = e - s;
  if (n > 32) return decodeStringLossless(b, s, e);
  let h = n;
  for (let i = s; i < e; i++) {
    const c = b[i];
    if (c >= 128) return decodeStringLossless(b, s, e);
    h = (Math.imul(h, 0x01000193) ^ c) | 0;
  }
  const slot = (h ^ (h >>> STRING_CACHE_BITS) ^ (h >>> 24)) & ((1 << STRING_CACHE_BITS) - 1);
  const cached = stringCache[slot];
  if (cached.length === n) {
    let same = true;
    for (let i = 0; i < n; i++) {
      if (cached.charCodeAt(i) !== b[s + i]) {
        same = false;
        break;
      }
    }
    if (same) return cached;
  }
  const out = asciiString(b, s, n);
  stringCache[slot] = out;
  return out;
}

/** `n` ≤ 32 ASCII bytes as a string, allocating only the result for the common short lengths. */
function asciiString(b: Uint8Array, s: number, n: number): string {
  const f = String.fromCharCode;
  switch (n) {
    case 0: return '';
    case 1: return f(b[s]);
    case 2: return f(b[s], b[s + 1]);
    case 3: return f(b[s], b[s + 1], b[s + 2]);
    case 4: return f(b[s], b[s + 1], b[s + 2], b[s + 3]);
    case 5: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4]);
    case 6: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5]);
    case 7: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6]);
    case 8: return f(b[s], b[s + 1], b[s + 2], b[s + 3], b[s + 4], b[s + 5], b[s + 6], b[s + 7]);
    default: {
      let out = '';
      for (let i = s; i < s + n; i++) out += f(b[i]);
      return out;
    }
  }
}

/** Appends one unpacked element of a packed-declared field (kept as a plain array until finished). */
function appendPlain(obj: Obj, f: FieldInfo, v: unknown): void {
  const cur = obj[f.name];
  if (Array.isArray(cur)) cur.push(v);
  else {
    const arr = cur === undefined ? [] : toPlain(f, cur as ArrayLike<unknown> | Blob);
    arr.push(v);
    obj[f.name] = arr;
  }
}

function toPlain(f: FieldInfo, v: ArrayLike<unknown> | Blob): unknown[] {
  const values: ArrayLike<unknown> =
    v instanceof Blob
      ? unpackBytes(f, v.bytes(), (m) => {
          throw new LatheError(`TensorProto.${f.protoName}: ${m}`, v.source.label);
        })
      : v;
  return Array.from(values);
}

/** A packed (wire type 2) run of a repeated scalar field. */
function decodePacked(
  r: WindowReader, f: FieldInfo, obj: Obj, len: number, asBlob: boolean, source: ByteSource,
  fail: (message: string) => never,
): void {
  const width = f.kind === K_FLOAT ? 4 : f.kind === K_DOUBLE ? 8 : 0;
  if (width && len % width) fail(`packed length ${len} is not a multiple of ${width}`);
  const cur = obj[f.name];
  if (len === 0) return; // an empty run adds nothing (and the encoder never writes one)
  if (f.packed && cur === undefined && asBlob && f.lazy) {
    obj[f.name] = new Blob(source, r.pos, len);
    return;
  }
  const b = r.region(len);
  const values = unpackBytes(f, b.subarray(r.regionStart, r.regionStart + len), fail);
  if (f.packed && cur === undefined) obj[f.name] = values;
  else if (f.packed && !Array.isArray(cur)) obj[f.name] = [...toPlain(f, cur as ArrayLike<unknown> | Blob), ...Array.from(values as ArrayLike<unknown>)];
  else {
    for (let i = 0; i < values.length; i++) push(obj, f.name, values[i]);
  }
}

type Packed = Float32Array | Float64Array | Int32Array | BigInt64Array | BigUint64Array;

/** Decodes packed bytes into a fresh (aligned) typed array of the field's element type. */
function unpackBytes(f: FieldInfo, b: Uint8Array, fail: (message: string) => never): Packed {
  const kind = f.kind;
  if (kind === K_FLOAT || kind === K_DOUBLE) {
    const width = kind === K_FLOAT ? 4 : 8;
    if (b.length % width) fail(`packed length ${b.length} is not a multiple of ${width}`);
    const n = b.length / width;
    if (LITTLE_ENDIAN) {
      const copy = copyOf(b).buffer;
      return kind === K_FLOAT ? new Float32Array(copy, 0, n) : new Float64Array(copy, 0, n);
    }
    const dv = new DataView(b.buffer, b.byteOffset, b.length);
    const out = kind === K_FLOAT ? new Float32Array(n) : new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = kind === K_FLOAT ? dv.getFloat32(i * 4, true) : dv.getFloat64(i * 8, true);
    return out;
  }
  // One varint ends at each byte below 128: that counts the elements before allocating.
  let count = 0;
  for (let i = 0; i < b.length; i++) if (b[i] < 128) count++;
  if (b.length && b[b.length - 1] >= 128) fail('last packed varint is truncated');
  const out = kind === K_INT32 ? new Int32Array(count) : kind === K_INT64 ? new BigInt64Array(count) : new BigUint64Array(count);
  let p = 0;
  for (let i = 0; i < count; i++) {
    p = readVarint(b, p, b.length);
    if (p < 0) fail(p === VARINT_TOO_LONG ? 'packed varint over 10 bytes' : 'last packed varint is truncated');
    if (kind === K_INT32) out[i] = varint.lo | 0;
    else if (kind === K_INT64) out[i] = varintInt64(varint.lo, varint.hi);
    else out[i] = varintUint64(varint.lo, varint.hi);
  }
  return out;
}

/** Converts plain arrays (unpacked or merged runs) of packed-declared fields to typed arrays. */
function finishPacked(info: MessageInfo, obj: Obj): void {
  for (const name of info.packedFields) {
    const v = obj[name];
    if (!Array.isArray(v)) continue;
    const kind = info.fields.find((f) => f.name === name)!.kind;
    obj[name] =
      kind === K_FLOAT ? Float32Array.from(v as number[])
      : kind === K_DOUBLE ? Float64Array.from(v as number[])
      : kind === K_INT32 ? Int32Array.from(v as number[])
      : kind === K_INT64 ? BigInt64Array.from(v as bigint[])
      : BigUint64Array.from(v as bigint[]);
  }
}

/**
 * Values of a packed field held as a lazy Blob (TensorProto float_data … uint64_data): reads the
 * blob and decodes its wire form (little-endian floats, or varints for the integer fields).
 */
export function unpackBlob(
  field: 'floatData' | 'int32Data' | 'int64Data' | 'doubleData' | 'uint64Data',
  blob: Blob,
): Float32Array | Int32Array | BigInt64Array | Float64Array | BigUint64Array {
  const f = messageInfo('TensorProto').fields.find((x) => x.name === field)!;
  return unpackBytes(f, blob.bytes(), (m) => {
    throw new LatheError(`TensorProto.${f.protoName}: ${m}`, blob.source.label);
  });
}
