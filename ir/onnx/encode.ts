/**
 * Proto-level objects (`proto.ts`) → protobuf bytes, streamed into a ByteSink.
 *
 * Two passes, both iterative (nesting is never limited by the JS stack):
 * 1. sizes: a pre-order walk records the encoded length of every sub-message once (a side array in
 *    visiting order; each subtree is summed once, so the pass is O(n));
 * 2. write: the same pre-order walk writes fields through one reused chunk buffer, taking each
 *    sub-message's length from the side array in turn. Blob payloads go through in chunks.
 * Lengths are numbers (exact below 2^53), so models past 4 GB are sized correctly.
 *
 * Output order: fields in field-number order, then `$unknown` fields verbatim — the order of
 * protoc's serializers, so files written by onnx tools come back byte-identical.
 */
import { Blob, type ByteSink } from '../blob.js';
import { LatheError } from '../error.js';
import type { ModelProto, TensorProto } from './proto.js';
import {
  K_BYTES, K_CARRIED, K_DOUBLE, K_FLOAT, K_INT32, K_INT64, K_MESSAGE, K_STRING, K_UINT64,
  messageInfo, type FieldInfo, type MessageInfo,
} from './schema.js';
import { encodedLength, encodeStringLossless, writeStringLossless } from './strings.js';
import { splitBigint, varint, varint64Size, varintSize, writeVarint, writeVarint64 } from './wire.js';

type Obj = Record<string, unknown> & { $unknown?: Uint8Array[] };

const CHUNK = 1 << 20;
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const INT64_MIN = -(1n << 63n);
const INT64_END = 1n << 63n;
const UINT64_END = 1n << 64n;

/** Encodes a ModelProto into `sink`, streaming: memory use is one chunk plus the size table. */
export function encodeModel(model: ModelProto, sink: ByteSink): void {
  const info = messageInfo('ModelProto');
  new Writer(sink).message(model as unknown as Obj, info, computeSizes(model as unknown as Obj, info));
}

/** Encodes a ModelProto into one exactly sized array. */
export function encodeModelToBytes(model: ModelProto): Uint8Array {
  return encodeToBytes(model as unknown as Obj, messageInfo('ModelProto'));
}

/** Encodes a TensorProto (the format of ONNX test-case `.pb` files). */
export function encodeTensorToBytes(t: TensorProto): Uint8Array {
  return encodeToBytes(t as unknown as Obj, messageInfo('TensorProto'));
}

/** Encodes any message of the schema (`info` from `schema.ts`) into one exactly sized array. */
export function encodeMessageToBytes(message: object, info: MessageInfo): Uint8Array {
  return encodeToBytes(message as Obj, info);
}

function encodeToBytes(obj: Obj, info: MessageInfo): Uint8Array {
  const sizes = computeSizes(obj, info);
  const out = new Uint8Array(sizes[0]);
  let at = 0;
  const sink: ByteSink = {
    write(chunk) {
      out.set(chunk, at);
      at += chunk.length;
    },
    get position() {
      return at;
    },
  };
  new Writer(sink).message(obj, info, sizes);
  return out;
}

function fail(info: MessageInfo, f: FieldInfo, message: string): never {
  throw new LatheError(`${info.name}.${f.protoName}: ${message}`);
}

const utf8Length = encodedLength;
const utf8Write = writeStringLossless;

function checkInt32(info: MessageInfo, f: FieldInfo, v: unknown): number {
  if (typeof v !== 'number' || (v | 0) !== v) fail(info, f, `${String(v)} is not an int32`);
  return v;
}

/** Splits a 64-bit field value into `varint.lo/hi` after checking its range. */
function checkSplit64(info: MessageInfo, f: FieldInfo, v: unknown): void {
  if (typeof v !== 'bigint') fail(info, f, `${typeof v} where a bigint is expected`);
  if (f.kind === K_INT64 ? v < INT64_MIN || v >= INT64_END : v < 0n || v >= UINT64_END) {
    fail(info, f, `${v} is out of range for ${f.kind === K_INT64 ? 'int64' : 'uint64'}`);
  }
  splitBigint(v);
}

/** Encoded length of one non-message element (without tag). */
function elementSize(info: MessageInfo, f: FieldInfo, v: unknown): number {
  switch (f.kind) {
    case K_INT32: {
      const n = checkInt32(info, f, v);
      return n < 0 ? 10 : varintSize(n);
    }
    case K_INT64:
    case K_UINT64:
      checkSplit64(info, f, v);
      return varint64Size(varint.lo, varint.hi);
    case K_FLOAT:
      return 4;
    case K_DOUBLE:
      return 8;
    case K_STRING: {
      if (typeof v !== 'string') fail(info, f, `${typeof v} where a string is expected`);
      const n = utf8Length(v);
      return varintSize(n) + n;
    }
    default: {
      if (!(v instanceof Uint8Array || v instanceof Blob)) fail(info, f, 'expected a Uint8Array or Blob');
      return varintSize(v.length) + v.length;
    }
  }
}

type Packed = Float32Array | Float64Array | Int32Array | BigInt64Array | BigUint64Array;

const PACKED_TYPES: Record<number, { new (n: number): Packed; name: string }> = {
  [K_FLOAT]: Float32Array,
  [K_DOUBLE]: Float64Array,
  [K_INT32]: Int32Array,
  [K_INT64]: BigInt64Array,
  [K_UINT64]: BigUint64Array,
};

/** Payload length of a packed field held as a typed array (of exactly the field's element type). */
function packedPayloadSize(info: MessageInfo, f: FieldInfo, v: Packed): number {
  const type = PACKED_TYPES[f.kind];
  if (!(v instanceof type)) fail(info, f, `expected a ${type.name} or a Blob`);
  if (f.kind === K_FLOAT || f.kind === K_DOUBLE) return v.byteLength;
  if (v instanceof Int32Array) {
    let n = 0;
    for (let i = 0; i < v.length; i++) n += v[i] < 0 ? 10 : varintSize(v[i]);
    return n;
  }
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) {
    const u = halves(v);
    let n = 0;
    for (let i = 0; i < u.length; i += 2) n += varint64Size(u[i], u[i + 1]);
    return n;
  }
  return fail(info, f, `expected a ${type.name} or a Blob`);
}

/** The 32-bit halves (lo, hi, lo, hi …) of 64-bit elements, without bigint arithmetic. */
function halves(v: BigInt64Array | BigUint64Array): Uint32Array {
  if (LITTLE_ENDIAN) return new Uint32Array(v.buffer, v.byteOffset, v.length * 2);
  const u = new Uint32Array(v.length * 2);
  for (let i = 0; i < v.length; i++) {
    const x = BigInt.asUintN(64, v[i]);
    u[2 * i] = Number(x & 0xffffffffn);
    u[2 * i + 1] = Number(x >> 32n);
  }
  return u;
}

/**
 * Encoded lengths of the message and all sub-messages, in pre-order (index 0 = the message): the
 * same walk as the writer's, so the writer takes them in turn. A message's slot is reserved on
 * entry and filled on exit, when its length is added to its parent's: each size is computed once.
 */
function computeSizes(root: Obj, rootInfo: MessageInfo): number[] {
  const sizes: number[] = [0];
  const objs: Obj[] = [];
  const infos: MessageInfo[] = [];
  const fieldAt: number[] = [];
  const elemAt: number[] = [];
  const slots: number[] = [];
  const accs: number[] = [];
  const tagLens: number[] = [];
  let depth = 0;
  let obj = root;
  let info = rootInfo;
  let fi = 0;
  let ei = 0;
  let slot = 0;
  let acc = 0; // size of `obj` so far
  let tagLen = 0; // tag length of `obj` in its parent
  for (;;) {
    const fields = info.fields;
    let descended = false;
    while (fi < fields.length) {
      const f = fields[fi];
      const v = obj[f.name];
      if (v === undefined) {
        fi++;
        continue;
      }
      if (f.kind === K_MESSAGE) {
        let child: unknown;
        if (f.repeated) {
          if (ei === 0 && !Array.isArray(v)) fail(info, f, 'expected an array');
          child = (v as unknown[])[ei++];
        } else if (ei++ === 0) child = v;
        if (child === undefined) {
          fi++;
          ei = 0;
          continue;
        }
        if (typeof child !== 'object' || child === null) fail(info, f, 'expected a message object');
        objs[depth] = obj;
        infos[depth] = info;
        fieldAt[depth] = fi;
        elemAt[depth] = ei;
        slots[depth] = slot;
        accs[depth] = acc;
        tagLens[depth] = tagLen;
        depth++;
        obj = child as Obj;
        info = f.message!;
        fi = 0;
        ei = 0;
        slot = sizes.length;
        sizes.push(0);
        acc = 0;
        tagLen = f.tag.length;
        descended = true;
        break;
      }
      const tl = f.tag.length;
      if (f.packed) {
        const len = v instanceof Blob ? v.length : packedPayloadSize(info, f, v as Packed);
        if (len > 0) acc += tl + varintSize(len) + len;
      } else if (f.repeated) {
        if (!Array.isArray(v)) fail(info, f, 'expected an array');
        for (let j = 0; j < v.length; j++) acc += tl + elementSize(info, f, v[j]);
      } else {
        acc += tl + elementSize(info, f, v);
      }
      fi++;
    }
    if (descended) continue;
    const unknown = obj.$unknown;
    if (unknown) for (let j = 0; j < unknown.length; j++) acc += unknown[j].length;
    sizes[slot] = acc;
    if (depth === 0) break;
    const childSize = tagLen + varintSize(acc) + acc;
    depth--;
    obj = objs[depth];
    info = infos[depth];
    fi = fieldAt[depth];
    ei = elemAt[depth];
    slot = slots[depth];
    acc = accs[depth] + childSize;
    tagLen = tagLens[depth];
  }
  return sizes;
}

/** Writes through one reused chunk buffer, flushed to the sink when full. */
class Writer {
  private buf = new Uint8Array(CHUNK);
  private view = new DataView(this.buf.buffer);
  private p = 0;

  constructor(private readonly sink: ByteSink) {}

  /** Bytes handed to the sink so far. */
  private written = 0;

  private flush(): void {
    if (this.p > 0) this.sink.write(this.buf.subarray(0, this.p));
    this.written += this.p;
    this.p = 0;
  }

  /** Room for `n` (≤ CHUNK) more bytes. */
  private need(n: number): void {
    if (this.p + n > CHUNK) this.flush();
  }

  private bytes(b: Uint8Array): void {
    if (b.length <= CHUNK - this.p) {
      this.buf.set(b, this.p);
      this.p += b.length;
    } else if (b.length < CHUNK) {
      this.flush();
      this.buf.set(b, 0);
      this.p = b.length;
    } else {
      this.flush();
      this.sink.write(b);
      this.written += b.length;
    }
  }

  private tagAndLength(f: FieldInfo, len: number): void {
    this.need(20);
    const tag = f.tag;
    for (let i = 0; i < tag.length; i++) this.buf[this.p++] = tag[i];
    this.p = writeVarint(this.buf, this.p, len);
  }

  private blob(b: Blob): void {
    this.flush();
    if (this.sink.writeBlob?.(b)) {
      this.written += b.length;
      return;
    }
    b.forEachChunk((chunk) => this.sink.write(chunk), CHUNK, this.buf);
    this.written += b.length;
  }

  private string(f: FieldInfo, s: string): void {
    if (s.length * 3 + 20 > CHUNK) {
      const b = encodeStringLossless(s);
      this.tagAndLength(f, b.length);
      this.bytes(b);
      return;
    }
    this.need(s.length * 3 + 20);
    const buf = this.buf;
    const tag = f.tag;
    for (let i = 0; i < tag.length; i++) buf[this.p++] = tag[i];
    if (s.length < 43) {
      // At most 126 bytes: the length is one byte, filled in after the text.
      const start = this.p + 1;
      const e = utf8Write(s, buf, start);
      buf[this.p] = e - start;
      this.p = e;
    } else {
      this.p = writeVarint(buf, this.p, utf8Length(s));
      this.p = utf8Write(s, buf, this.p);
    }
  }

  private element(f: FieldInfo, v: unknown): void {
    const kind = f.kind;
    if (kind === K_STRING) return this.string(f, v as string);
    if (kind === K_BYTES || kind === K_CARRIED) {
      const b = v as Uint8Array | Blob;
      this.tagAndLength(f, b.length);
      if (b instanceof Blob) this.blob(b);
      else this.bytes(b);
      return;
    }
    this.need(20);
    const buf = this.buf;
    const tag = f.tag;
    for (let i = 0; i < tag.length; i++) buf[this.p++] = tag[i];
    this.scalar(kind, v);
  }

  /** A number/bigint element without tag; the caller made room for 10 bytes. */
  private scalar(kind: number, v: unknown): void {
    if (kind === K_INT32) {
      const n = v as number;
      this.p = n >= 0 ? writeVarint(this.buf, this.p, n) : writeVarint64(this.buf, this.p, n >>> 0, 0xffffffff);
    } else if (kind === K_INT64 || kind === K_UINT64) {
      splitBigint(v as bigint);
      this.p = writeVarint64(this.buf, this.p, varint.lo, varint.hi);
    } else if (kind === K_FLOAT) {
      this.view.setFloat32(this.p, v as number, true);
      this.p += 4;
    } else {
      this.view.setFloat64(this.p, v as number, true);
      this.p += 8;
    }
  }

  private packed(info: MessageInfo, f: FieldInfo, v: Packed | Blob): void {
    if (v instanceof Blob) {
      if (v.length === 0) return;
      this.tagAndLength(f, v.length);
      this.blob(v);
      return;
    }
    const len = packedPayloadSize(info, f, v);
    if (len === 0) return;
    this.tagAndLength(f, len);
    if (f.kind === K_FLOAT || f.kind === K_DOUBLE) {
      if (LITTLE_ENDIAN) return this.bytes(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      for (let i = 0; i < v.length; i++) {
        this.need(8);
        this.scalar(f.kind, v[i]);
      }
      return;
    }
    if (v instanceof Int32Array) {
      for (let i = 0; i < v.length; i++) {
        this.need(10);
        this.scalar(K_INT32, v[i]);
      }
      return;
    }
    const u = halves(v as BigInt64Array | BigUint64Array);
    for (let i = 0; i < u.length; i += 2) {
      this.need(10);
      this.p = writeVarint64(this.buf, this.p, u[i], u[i + 1]);
    }
  }

  /** Writes the fields of `root` (not its own tag/length) and flushes. */
  message(root: Obj, rootInfo: MessageInfo, sizes: number[]): void {
    const objs: Obj[] = [];
    const infos: MessageInfo[] = [];
    const fieldAt: number[] = [];
    const elemAt: number[] = [];
    let depth = 0;
    let obj = root;
    let info = rootInfo;
    let fi = 0; // next field of `obj`
    let ei = 0; // next element of a repeated message field
    let k = 1; // next entry of `sizes` (0 is the root)
    for (;;) {
      const fields = info.fields;
      let descended = false;
      while (fi < fields.length) {
        const f = fields[fi];
        const v = obj[f.name];
        if (v === undefined) {
          fi++;
          continue;
        }
        if (f.kind === K_MESSAGE) {
          let child: Obj | undefined;
          if (f.repeated) child = (v as Obj[])[ei++];
          else if (ei++ === 0) child = v as Obj;
          if (child === undefined) {
            fi++;
            ei = 0;
            continue;
          }
          this.tagAndLength(f, sizes[k++]);
          objs[depth] = obj;
          infos[depth] = info;
          fieldAt[depth] = fi;
          elemAt[depth] = ei;
          depth++;
          obj = child;
          info = f.message!;
          fi = 0;
          ei = 0;
          descended = true;
          break;
        }
        if (f.packed) this.packed(info, f, v as Packed | Blob);
        else if (f.repeated) {
          const arr = v as unknown[];
          for (let j = 0; j < arr.length; j++) this.element(f, arr[j]);
        } else this.element(f, v);
        fi++;
      }
      if (descended) continue;
      const unknown = obj.$unknown;
      if (unknown) for (let j = 0; j < unknown.length; j++) this.bytes(unknown[j]);
      if (depth === 0) break;
      depth--;
      obj = objs[depth];
      info = infos[depth];
      fi = fieldAt[depth];
      ei = elemAt[depth];
    }
    this.flush();
    // The sizes pass and this pass must agree byte for byte, or every enclosing length is wrong.
    if (this.written !== sizes[0]) throw new Error(`encoder bug: wrote ${this.written} bytes, sized ${sizes[0]}`);
  }
}
