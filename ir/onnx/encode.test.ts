/**
 * Wire codec against an independent oracle (protobufjs reflection of the same schema), round trips
 * of generated messages (memory and file sources, lazy blobs), and the real models we must carry.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import Long from 'long';
import protobuf from 'protobufjs/light.js';
import { afterAll, describe, expect, test } from 'vitest';
import { Blob, memorySource, type ByteSink, type ByteSource } from '../blob.js';
import { LatheError } from '../error.js';
import { openFileSource } from '../../node/file-source.js';
import { decodeMessage, decodeModel, decodeTensor, unpackBlob } from './decode.js';
import { encodeMessageToBytes, encodeModel, encodeModelToBytes, encodeTensorToBytes } from './encode.js';
import type { ModelProto, TensorProto } from './proto.js';
import { readVarint, varint } from './wire.js';
import {
  K_BYTES, K_CARRIED, K_DOUBLE, K_FLOAT, K_INT32, K_INT64, K_MESSAGE, K_STRING, K_UINT64,
  messageInfo, onnxRoot, type FieldInfo, type MessageInfo,
} from './schema.js';
import { corpusModelsDir, nodeTestsDir } from '../../test/support/shared.js';

type Obj = Record<string, unknown> & { $unknown?: Uint8Array[] };

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;
const U64_MAX = 2n ** 64n - 1n;
const CARRIED_TYPE: Record<string, string> = {
  trainingInfo: 'TrainingInfoProto',
  configuration: 'DeviceConfigurationProto',
  deviceConfigurations: 'NodeDeviceConfigurationProto',
};
const FIXTURES = { seed: 42, numRuns: 60 };

const tmp = mkdtempSync(join(tmpdir(), 'lathe-encode-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// ---------------------------------------------------------------- generated messages

function encodeUnknownField(num: number, wt: number, payload: Uint8Array): Uint8Array {
  const out: number[] = [];
  const varint = (n: number) => {
    while (n >= 128) {
      out.push((n % 128) | 128);
      n = Math.floor(n / 128);
    }
    out.push(n);
  };
  varint(num * 8 + wt);
  if (wt === 2) varint(payload.length);
  out.push(...payload);
  return Uint8Array.from(out);
}

/** A field no message of the schema knows (all ONNX field numbers are below 100). */
const unknownField = fc
  .tuple(fc.integer({ min: 100, max: 2 ** 29 - 1 }), fc.constantFrom(0, 1, 2, 5), fc.uint8Array({ maxLength: 6 }))
  .map(([num, wt, bytes]) => {
    if (wt === 0) return encodeUnknownField(num, 0, Uint8Array.from([...bytes.subarray(0, 3)].map((b) => b | 128).concat([1])));
    if (wt === 1) return encodeUnknownField(num, 1, Uint8Array.from({ length: 8 }, (_, i) => bytes[i] ?? i));
    if (wt === 5) return encodeUnknownField(num, 5, Uint8Array.from({ length: 4 }, (_, i) => bytes[i] ?? i));
    return encodeUnknownField(num, 2, bytes);
  });

interface GenOptions {
  maxDepth: number;
  /** Unknown fields and unknown enum values (which protobufjs, as proto2 demands, drops). */
  unknowns: boolean;
}

function enumValues(info: MessageInfo, f: FieldInfo): number[] | undefined {
  const t = onnxRoot.lookupType(`onnx.${info.name}`).fields[f.protoName].resolvedType;
  return t instanceof protobuf.Enum ? Object.values(t.values) : undefined;
}

function scalarArb(info: MessageInfo, f: FieldInfo, o: GenOptions): fc.Arbitrary<unknown> {
  const known = enumValues(info, f);
  if (known && !o.unknowns) return fc.constantFrom(...known);
  switch (f.kind) {
    case K_INT64:
      return fc.oneof(fc.bigInt({ min: I64_MIN, max: I64_MAX }), fc.constantFrom(I64_MIN, I64_MAX, -1n, 0n));
    case K_UINT64:
      return fc.oneof(fc.bigInt({ min: 0n, max: U64_MAX }), fc.constantFrom(U64_MAX, 0n));
    case K_INT32:
      return fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(-1, 0, 1));
    case K_FLOAT:
      return fc.float();
    case K_DOUBLE:
      return fc.double();
    case K_STRING:
      return fc.oneof(fc.string({ unit: 'grapheme', maxLength: 6 }), fc.constantFrom('__proto__', 'constructor', ''));
    default:
      return fc.uint8Array({ maxLength: 6 });
  }
}

function packedArb(f: FieldInfo): fc.Arbitrary<unknown> {
  const n = { minLength: 1, maxLength: 4 };
  switch (f.kind) {
    case K_FLOAT:
      return fc.float32Array(n);
    case K_DOUBLE:
      return fc.float64Array(n);
    case K_INT32:
      return fc.int32Array(n);
    case K_INT64:
      return fc.bigInt64Array(n);
    default:
      return fc.bigUint64Array(n);
  }
}

const arbCache = new Map<string, fc.Arbitrary<Obj>>();

/** Messages of type `info`, every field of the schema possible; oneofs keep one member. */
function messageArb(info: MessageInfo, depth: number, o: GenOptions): fc.Arbitrary<Obj> {
  const key = `${info.name}/${depth}/${o.maxDepth}/${o.unknowns}`;
  const cached = arbCache.get(key);
  if (cached) return cached;
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const f of info.fields) {
    if (f.kind === K_MESSAGE || f.kind === K_CARRIED) {
      const deeper = depth + 1 < o.maxDepth;
      let sub: fc.Arbitrary<unknown>;
      if (f.kind === K_CARRIED) {
        const carriedInfo = messageInfo(CARRIED_TYPE[f.name]);
        sub = messageArb(carriedInfo, o.maxDepth - 1, { ...o, unknowns: false }).map((m) => encodeMessageToBytes(m, carriedInfo));
      } else sub = deeper ? messageArb(f.message!, depth + 1, o) : fc.constant(undefined);
      if (f.repeated) {
        model[f.name] = f.kind === K_CARRIED || deeper ? fc.array(sub, { maxLength: 2 }) : fc.constant([]);
        required.push(f.name);
      } else if (deeper) model[f.name] = sub;
    } else if (f.packed) {
      model[f.name] = packedArb(f);
    } else if (f.repeated) {
      model[f.name] = fc.array(scalarArb(info, f, o), { maxLength: 3 });
      required.push(f.name);
    } else {
      model[f.name] = scalarArb(info, f, o);
    }
  }
  if (o.unknowns) model.$unknown = fc.array(unknownField, { minLength: 1, maxLength: 2 });
  const arb = fc.record(model, { requiredKeys: required }).map((m) => {
    const obj = m as Obj;
    for (const f of info.fields) {
      if (obj[f.name] === undefined) delete obj[f.name];
      else if (f.oneofSiblings.some((s) => obj[s] !== undefined)) delete obj[f.name]; // keep one member
    }
    return obj;
  });
  arbCache.set(key, arb);
  return arb;
}

const modelInfo = messageInfo('ModelProto');
const modelArb = (unknowns: boolean) => messageArb(modelInfo, 0, { maxDepth: 5, unknowns });

// ---------------------------------------------------------------- protobufjs as oracle

const pbType = (info: MessageInfo) => onnxRoot.lookupType(`onnx.${info.name}`);

function longToBig(v: unknown, unsigned: boolean): bigint {
  if (typeof v === 'number') return BigInt(v);
  const l = v as Long;
  return BigInt((unsigned ? l.toUnsigned() : l.toSigned()).toString());
}

/** A message decoded by protobufjs, in our object shape. */
function fromPbjs(msg: Record<string, unknown>, info: MessageInfo): Obj {
  const out: Obj = {};
  const scalar = (f: FieldInfo, v: unknown): unknown => {
    switch (f.kind) {
      case K_INT64:
        return longToBig(v, false);
      case K_UINT64:
        return longToBig(v, true);
      case K_BYTES:
        return Uint8Array.from(v as Uint8Array);
      case K_MESSAGE:
        return fromPbjs(v as Record<string, unknown>, f.message!);
      case K_CARRIED: {
        const carried = messageInfo(CARRIED_TYPE[f.name]);
        return encodeMessageToBytes(fromPbjs(v as Record<string, unknown>, carried), carried);
      }
      default:
        return v;
    }
  };
  for (const f of info.fields) {
    const v = msg[f.protoName];
    if (f.packed) {
      const arr = (v as unknown[]) ?? [];
      if (!arr.length) continue;
      const vals = arr.map((x) => scalar(f, x));
      out[f.name] =
        f.kind === K_FLOAT ? Float32Array.from(vals as number[])
        : f.kind === K_DOUBLE ? Float64Array.from(vals as number[])
        : f.kind === K_INT32 ? Int32Array.from(vals as number[])
        : f.kind === K_INT64 ? BigInt64Array.from(vals as bigint[])
        : BigUint64Array.from(vals as bigint[]);
    } else if (f.repeated) out[f.name] = ((v as unknown[]) ?? []).map((x) => scalar(f, x));
    else if (Object.prototype.hasOwnProperty.call(msg, f.protoName)) out[f.name] = scalar(f, v);
  }
  return out;
}

/** Our object as protobufjs `fromObject` input. */
function toPbjs(obj: Obj, info: MessageInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const scalar = (f: FieldInfo, v: unknown): unknown => {
    switch (f.kind) {
      case K_INT64:
      case K_UINT64:
        return Long.fromString((v as bigint).toString(), f.kind === K_UINT64);
      case K_MESSAGE:
        return toPbjs(v as Obj, f.message!);
      case K_CARRIED:
        return pbType(messageInfo(CARRIED_TYPE[f.name])).decode(v as Uint8Array);
      default:
        return v;
    }
  };
  for (const f of info.fields) {
    const v = obj[f.name];
    if (v === undefined) continue;
    if (f.repeated) out[f.protoName] = Array.from(v as ArrayLike<unknown>).map((x) => scalar(f, x));
    else out[f.protoName] = scalar(f, v);
  }
  return out;
}

/** Comparable form: no unknowns (protobufjs drops them), blobs read, typed arrays as they are. */
function canon(obj: Obj, info: MessageInfo, keepUnknown: boolean): Obj {
  const out: Obj = {};
  for (const f of info.fields) {
    const v = obj[f.name];
    if (v === undefined) continue;
    if (f.kind === K_MESSAGE) {
      out[f.name] = f.repeated ? (v as Obj[]).map((x) => canon(x, f.message!, keepUnknown)) : canon(v as Obj, f.message!, keepUnknown);
    } else if (v instanceof Blob) {
      out[f.name] = f.packed ? unpackBlob(f.name as 'floatData', v) : v.bytes();
    } else if (Array.isArray(v)) out[f.name] = v.map((x) => (x instanceof Uint8Array ? Uint8Array.from(x) : x));
    else out[f.name] = v instanceof Uint8Array ? Uint8Array.from(v) : v;
  }
  if (keepUnknown && obj.$unknown) out.$unknown = obj.$unknown.map((u) => Uint8Array.from(u));
  return out;
}

describe('differential against protobufjs', () => {
  const T = pbType(modelInfo);

  test('our bytes decode with protobufjs to the same content', () => {
    fc.assert(
      fc.property(modelArb(false), (m) => {
        const bytes = encodeModelToBytes(m as unknown as ModelProto);
        const theirs = fromPbjs(T.decode(bytes) as unknown as Record<string, unknown>, modelInfo);
        expect(theirs).toStrictEqual(canon(m, modelInfo, false));
      }),
      FIXTURES,
    );
  });

  test('protobufjs bytes decode with ours to the same content', () => {
    fc.assert(
      fc.property(modelArb(false), (m) => {
        const bytes = T.encode(T.fromObject(toPbjs(m, modelInfo))).finish();
        const ours = decodeModel(memorySource(bytes));
        expect(canon(ours as unknown as Obj, modelInfo, false)).toStrictEqual(canon(m, modelInfo, false));
      }),
      FIXTURES,
    );
  });
});

// ---------------------------------------------------------------- round trips

describe('round trip', () => {
  test('decode(encode(x)) equals x, unknown fields included', () => {
    fc.assert(
      fc.property(modelArb(true), (m) => {
        const bytes = encodeModelToBytes(m as unknown as ModelProto);
        const back = decodeModel(memorySource(bytes));
        expect(canon(back as unknown as Obj, modelInfo, true)).toStrictEqual(canon(m, modelInfo, true));
        expect(encodeModelToBytes(back)).toStrictEqual(bytes);
      }),
      FIXTURES,
    );
  });

  test('through a file source with lazy blobs; re-encoding copies the blobs exactly', () => {
    let n = 0;
    let blobs = 0;
    fc.assert(
      fc.property(modelArb(true), (m) => {
        const bytes = encodeModelToBytes(m as unknown as ModelProto);
        const path = join(tmp, `m${n++}.onnx`);
        writeFileSync(path, bytes);
        const src = openFileSource(path);
        try {
          const back = decodeModel(src, { lazyThreshold: 1 });
          blobs += countBlobs(back as unknown as Obj, modelInfo);
          expect(canon(back as unknown as Obj, modelInfo, true)).toStrictEqual(canon(m, modelInfo, true));
          const chunks: Uint8Array[] = [];
          encodeModel(back, { write: (c) => chunks.push(c.slice()), position: 0 });
          expect(Buffer.concat(chunks)).toStrictEqual(Buffer.from(bytes));
        } finally {
          src.close();
        }
      }),
      { ...FIXTURES, numRuns: 40 },
    );
    expect(blobs).toBeGreaterThan(20); // the property did exercise blobs
  });

  test('extreme integers keep all 64 bits; negative int32 is a 10-byte varint', () => {
    const t: TensorProto = {
      dims: [I64_MAX, I64_MIN, -1n, 0n],
      dataType: -5,
      stringData: [],
      externalData: [],
      metadataProps: [],
      int64Data: BigInt64Array.from([I64_MIN, I64_MAX, -2n]),
      uint64Data: BigUint64Array.from([U64_MAX, 2n ** 63n]),
      int32Data: Int32Array.from([-(2 ** 31), 2 ** 31 - 1, -1]),
    };
    const bytes = encodeTensorToBytes(t);
    expect(decodeTensor(memorySource(bytes))).toStrictEqual(t);
    // data_type -5: tag 0x10, then ten varint bytes ending in 0x01
    const i = bytes.indexOf(0x10);
    expect([...bytes.subarray(i + 1, i + 11)]).toEqual([0xfb, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  test('strings: non-ASCII, astral and lone surrogates encode like TextEncoder', () => {
    // 43 code units is where the writer stops reserving one length byte (42 × 3 = 126 bytes at most):
    // 43 and 63 three-byte characters are 129 and 189 bytes, whose length takes two varint bytes.
    for (const s of ['héllo', '日本語', '😀x', 'a\ud800b', '\udc00', 'x'.repeat(50) + 'é', '€'.repeat(42), '€'.repeat(43), '€'.repeat(63), 'é'.repeat(200_000), 'é'.repeat(400_000)]) {
      const bytes = encodeModelToBytes({ ...emptyModel(), producerName: s });
      const expected = new TextEncoder().encode(s);
      expect(Buffer.from(bytes).includes(Buffer.from(expected))).toBe(true);
      expect(decodeModel(memorySource(bytes)).producerName).toBe(new TextDecoder().decode(expected));
    }
  });

  test('malformed objects are refused with LatheError naming the field', () => {
    const bad = { ...emptyModel(), irVersion: 2n ** 63n };
    expect(() => encodeModelToBytes(bad)).toThrow(/ModelProto\.ir_version: .*out of range for int64/);
    const bad2 = { ...emptyModel(), graph: { ...emptyGraph(), node: [{ input: [], output: [], attribute: [], metadataProps: [], deviceConfigurations: [], name: 5 as unknown as string }] } };
    expect(() => encodeModelToBytes(bad2)).toThrow(LatheError);
    // an int32 field holding a number past int32 or a fraction: refused, not wrapped (2^31 would
    // read back as -2^31) or truncated (1.5 as 1)
    const tensor = (dataType: number): TensorProto => ({ dims: [], dataType, stringData: [], externalData: [], metadataProps: [] });
    expect(() => encodeTensorToBytes(tensor(2 ** 31))).toThrow(/TensorProto\.data_type: 2147483648 is not an int32/);
    expect(() => encodeTensorToBytes(tensor(1.5))).toThrow(/TensorProto\.data_type: 1\.5 is not an int32/);
    expect(() => encodeTensorToBytes(tensor(-(2 ** 31)))).not.toThrow();
  });
});

function countBlobs(obj: Obj, info: MessageInfo): number {
  let n = 0;
  for (const f of info.fields) {
    const v = obj[f.name];
    if (v instanceof Blob) n++;
    else if (f.kind === K_MESSAGE && v !== undefined) {
      for (const x of f.repeated ? (v as Obj[]) : [v as Obj]) n += countBlobs(x, f.message!);
    }
  }
  return n;
}

function emptyGraph() {
  return { node: [], initializer: [], sparseInitializer: [], input: [], output: [], valueInfo: [], quantizationAnnotation: [], metadataProps: [] };
}

function emptyModel(): ModelProto {
  return { opsetImport: [], metadataProps: [], trainingInfo: [], functions: [], configuration: [] };
}

// ---------------------------------------------------------------- streaming and size arithmetic

/** A source of `size` bytes that are never stored: byte i is (i * 7) & 255 only where asked. */
function syntheticSource(size: number): ByteSource {
  return {
    size,
    label: '<synthetic>',
    read(offset, length, into) {
      const out = into ? into.subarray(0, length) : new Uint8Array(length);
      out[0] = offset & 255; // cheap marker: the first byte of each chunk names its offset
      return out;
    },
  };
}

describe('streaming encoder', () => {
  test('a 4.4 GB model: lengths past 2^32 are exact, blobs stream in chunks, no model-sized buffer', () => {
    const gb = 1.1e9;
    const src = syntheticSource(5e9);
    const init = (i: number): TensorProto => ({
      dims: [BigInt(gb)], dataType: 2, name: `w${i}`, rawData: new Blob(src, i * gb, gb), stringData: [], externalData: [], metadataProps: [],
    });
    const model: ModelProto = { ...emptyModel(), irVersion: 10n, graph: { ...emptyGraph(), name: 'big', initializer: [init(0), init(1), init(2), init(3)] } };
    let position = 0;
    let largest = 0;
    const head: number[] = [];
    const sink: ByteSink = {
      write(chunk) {
        if (head.length < 64) head.push(...chunk.subarray(0, 64 - head.length));
        largest = Math.max(largest, chunk.length);
        position += chunk.length;
      },
      get position() {
        return position;
      },
    };
    encodeModel(model, sink);
    expect(largest).toBeLessThanOrEqual(1 << 20);
    // graph: 3 × (tag + 5-byte length + tensor); tensor = dims(1+5) + data_type(2) + name(4) + raw_data(1+5+gb)
    const tensor = 6 + 2 + 4 + 6 + gb;
    const graph = 5 + 4 * (1 + 5 + tensor);
    expect(position).toBe(2 + 1 + 5 + graph);
    // ir_version 10, then the graph's tag and its 5-byte length
    expect(head.slice(0, 3)).toEqual([0x08, 10, 0x3a]);
    expect(readVarint(Uint8Array.from(head), 3, 64)).toBe(8);
    expect(varint.hi * 2 ** 32 + varint.lo).toBe(graph);
    expect(graph).toBeGreaterThan(2 ** 32);
  }, 60_000);
});

// ---------------------------------------------------------------- real models

describe('real models', () => {
  const nodeDir = nodeTestsDir;
  const corpusDir = corpusModelsDir;
  const files = [
    ...readdirSync(nodeDir).map((c) => join(nodeDir, c, 'model.onnx')),
    ...readdirSync(corpusDir).filter((f) => f.endsWith('.onnx')).map((f) => join(corpusDir, f)),
  ];

  test(`all ${files.length} ONNX node-test and corpus models re-encode (byte-identical count reported)`, () => {
    let identical = 0;
    const differ: string[] = [];
    for (const file of files) {
      const bytes = readFileSync(file);
      const m = decodeModel(memorySource(bytes));
      const again = encodeModelToBytes(m);
      if (Buffer.compare(Buffer.from(again), bytes) === 0) identical++;
      else {
        differ.push(file);
        expect(decodeModel(memorySource(again))).toStrictEqual(m);
      }
    }
    console.log(`byte-identical re-encoding: ${identical} of ${files.length}`, differ.slice(0, 5));
    expect(identical).toBe(files.length);
  });

  test('test-case tensors (input_0.pb) round trip byte-identically', () => {
    let n = 0;
    for (const c of readdirSync(nodeDir).slice(0, 300)) {
      let dataDir: string;
      try {
        dataDir = join(nodeDir, c, readdirSync(join(nodeDir, c)).find((d) => d.startsWith('test_data_set'))!);
      } catch {
        continue;
      }
      for (const f of readdirSync(dataDir).filter((x) => x.endsWith('.pb'))) {
        const bytes = readFileSync(join(dataDir, f));
        const t = decodeTensor(memorySource(bytes));
        expect(Buffer.compare(encodeTensorToBytes(t), bytes)).toBe(0);
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  test('decodeMessage of a carried message type decodes what the encoder wrote', () => {
    const info = messageInfo('DeviceConfigurationProto');
    const cfg = { name: 'mesh', numDevices: 8, device: ['a', 'b'] };
    expect(decodeMessage(memorySource(encodeMessageToBytes(cfg, info)), info)).toStrictEqual(cfg);
  });
});

describe('encoder input checks', () => {
  test('packed fields must hold exactly their typed array (or a Blob)', () => {
    const t = (x: Partial<TensorProto>): TensorProto => ({ dims: [], stringData: [], externalData: [], metadataProps: [], ...x });
    expect(() => encodeTensorToBytes(t({ floatData: Float64Array.of(1) as unknown as Float32Array }))).toThrow(
      /TensorProto\.float_data: expected a Float32Array or a Blob/,
    );
    expect(() => encodeTensorToBytes(t({ int64Data: [1n] as unknown as BigInt64Array }))).toThrow(LatheError);
    expect(encodeTensorToBytes(t({ floatData: new Float32Array(0) }))).toEqual(new Uint8Array(0)); // empty: not written
  });
});
