/**
 * Decoder on untrusted bytes (every failure is a one-line LatheError), wire-form leniency (packed
 * and unpacked, merges, oneofs), and lazy payloads through file sources.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { Blob, memorySource, type ByteSource } from '../blob.js';
import { LatheError } from '../error.js';
import { openFileSource } from '../../node/file-source.js';
import { createAtomicFileSink } from '../../node/file-sink.js';
import { decodeModel, decodeTensor, unpackBlob } from './decode.js';
import { encodeModel, encodeModelToBytes } from './encode.js';
import type { GraphProto, ModelProto, NodeProto, TensorProto } from './proto.js';
import { corpusModelsDir, sharedPath } from '../../test/support/shared.js';
import { bytes, ld, tag as field, varint } from '../../test/support/wire-bytes.js';

const tmp = mkdtempSync(join(tmpdir(), 'lathe-decode-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** File bytes as a plain Uint8Array (a Buffer's views would be Buffers, unlike a file source's). */
function readBytes(path: string): Uint8Array {
  const b = readFileSync(path);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

const small = readBytes(sharedPath('onnx-node-tests', 'node', 'test_abs', 'model.onnx'));
const medium = readBytes(sharedPath('corpus', 'models', 'resnet50.legacy-fn.onnx'));

/** Decodes, requiring success or a LatheError (anything else is a decoder bug). */
function decodeOrLatheError(b: Uint8Array): ModelProto | LatheError {
  try {
    return decodeModel(memorySource(b));
  } catch (e) {
    if (e instanceof LatheError) return e;
    throw e;
  }
}

describe('untrusted input', () => {
  test('an empty buffer is a valid empty ModelProto (lift rejects it, not the codec)', () => {
    const m = decodeModel(memorySource(new Uint8Array(0)));
    expect(m.graph).toBeUndefined();
    expect(m.opsetImport).toEqual([]);
    expect(m.functions).toEqual([]);
  });

  test('truncation at every byte offset: a valid decode or a LatheError, nothing else', () => {
    let errors = 0;
    for (const model of [small, medium]) {
      for (let n = 0; n < model.length; n++) {
        if (decodeOrLatheError(model.subarray(0, n)) instanceof LatheError) errors++;
      }
    }
    expect(errors).toBeGreaterThan(medium.length / 2);
  });

  test('random bytes and random mutations of a real model', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        decodeOrLatheError(b);
      }),
      { seed: 42, numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(medium.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (flips) => {
        const b = Uint8Array.from(medium);
        for (const [i, v] of flips) b[i] = v;
        decodeOrLatheError(b);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  test('a declared length past the end of its message names message, field and sizes', () => {
    const graph = [...field(1, 2), ...varint(4294967295)];
    const b = bytes(ld(7, graph));
    expect(() => decodeModel(memorySource(b))).toThrow(
      /^GraphProto\.node: declared length 4294967295 passes the end of the message \(0 bytes left\)$/,
    );
    // the limit is the enclosing message, not the file
    const inner = bytes(ld(7, [...field(2, 2), 5, 0x41]), ld(6, [65, 65, 65, 65, 65]));
    expect(() => decodeModel(memorySource(inner))).toThrow(/GraphProto\.name: declared length 5 passes the end of the message \(1 bytes left\)/);
    // 2^64 - 1
    expect(() => decodeModel(memorySource(bytes(field(6, 2), varint(-1n))))).toThrow(/ModelProto\.doc_string: declared length .* passes the end/);
  });

  test('wrong wire types for known fields', () => {
    expect(() => decodeModel(memorySource(bytes(field(1, 2), [0])))).toThrow(
      /^ModelProto\.ir_version: wire type 2 \(length-delimited\) where varint is expected$/,
    );
    expect(() => decodeModel(memorySource(bytes(ld(7, [...field(1, 0), 1]))))).toThrow(/GraphProto\.node: wire type 0 \(varint\)/);
    expect(() => decodeModel(memorySource(bytes(field(2, 5), [0, 0, 0, 0])))).toThrow(/ModelProto\.producer_name: wire type 5/);
    // a packed run is only accepted for repeated scalars
    expect(() => decodeModel(memorySource(bytes(ld(5, [1]))))).toThrow(/ModelProto\.model_version: wire type 2/);
  });

  test('varints over 10 bytes, truncated values, groups, field number 0', () => {
    expect(() => decodeModel(memorySource(bytes(field(1, 0), Array(10).fill(0xff), [1])))).toThrow(/ModelProto\.ir_version: varint over 10 bytes/);
    expect(() => decodeModel(memorySource(bytes(field(1, 0), [0xff, 0xff])))).toThrow(/ModelProto\.ir_version: varint is truncated/);
    expect(() => decodeModel(memorySource(bytes(ld(7, [...ld(5, [...field(4, 5), 0, 0])]))))).toThrow(/TensorProto\.float_data: fixed32 value is truncated/);
    expect(() => decodeModel(memorySource(bytes(field(50, 3), [0])))).toThrow(/ModelProto\.field 50: group wire type 3 is not supported/);
    expect(() => decodeModel(memorySource(bytes(field(50, 4))))).toThrow(/group wire type 4/);
    expect(() => decodeModel(memorySource(bytes(field(50, 7))))).toThrow(/invalid wire type 7/);
    expect(() => decodeModel(memorySource(bytes([0x00])))).toThrow(/field number 0/);
    expect(() => decodeModel(memorySource(bytes(Array(11).fill(0xff))))).toThrow(/field tag at byte 0 is a varint over 10 bytes/);
    expect(() => decodeModel(memorySource(bytes(varint(2n ** 40n))))).toThrow(/field tag at byte 0 is out of range/);
  });

  test('a fixed-width value cut by the end of its own message is truncated, though the file goes on', () => {
    // The bytes after the cut belong to the enclosing message (here the graph's doc_string): reading
    // the float from them would misplace every later field of the file instead of refusing it.
    const after = ld(10, [65, 65, 65, 65, 65, 65, 65, 65]);
    expect(() => decodeModel(memorySource(bytes(ld(7, [...ld(5, [...field(4, 5), 0, 0]), ...after]))))).toThrow(/TensorProto\.float_data: fixed32 value is truncated/);
    expect(() => decodeModel(memorySource(bytes(ld(7, [...ld(5, [...field(10, 1), 0, 0, 0, 0]), ...after]))))).toThrow(/TensorProto\.double_data: fixed64 value is truncated/);
  });

  test('packed varint runs: truncated last element, misaligned fixed widths', () => {
    expect(() => decodeTensor(memorySource(bytes(ld(7, [1, 0x80]))))).toThrow(/TensorProto\.int64_data: last packed varint is truncated/);
    expect(() => decodeTensor(memorySource(bytes(ld(4, [0, 0, 0, 0, 0]))))).toThrow(/TensorProto\.float_data: packed length 5 is not a multiple of 4/);
    expect(() => decodeTensor(memorySource(bytes(ld(10, [0, 0, 0, 0]))))).toThrow(/TensorProto\.double_data: packed length 4 is not a multiple of 8/);
  });
});

/** A GraphProto chain of `depth` levels through Node.attribute.g, encoded without recursion. */
function deepChain(depth: number): Uint8Array {
  // Each level: GraphProto{ node(1) = NodeProto{ attribute(5) = AttributeProto{ g(6) = <next> } } }
  const heads: number[][] = [];
  let len = 0;
  for (let i = 0; i < depth; i++) {
    for (const num of [6, 5, 1]) {
      heads.push([...field(num, 2), ...varint(len)]);
      len += heads[heads.length - 1].length;
    }
  }
  heads.push([...field(7, 2), ...varint(len)]); // ModelProto.graph
  return Uint8Array.from(heads.reverse().flat());
}

function chainDepth(m: ModelProto): number {
  let g: GraphProto | undefined = m.graph;
  let d = 0;
  while (g) {
    d++;
    g = g.node[0]?.attribute[0]?.g;
  }
  return d;
}

describe('nesting', () => {
  test('10,000 levels: LatheError at maxDepth, never a stack overflow', () => {
    const b = deepChain(10_000);
    expect(() => decodeModel(memorySource(b))).toThrow(/messages nested deeper than 2000 levels/);
    let err: unknown;
    try {
      decodeModel(memorySource(b), { maxDepth: 100 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LatheError);
    expect((err as Error).message).toMatch(/^(GraphProto|NodeProto|AttributeProto)\.(node|attribute|g): messages nested deeper than 100 levels$/);
  });

  test('allowed deeper, it decodes and re-encodes without recursion', () => {
    const b = deepChain(10_000);
    const m = decodeModel(memorySource(b), { maxDepth: 40_000 });
    expect(chainDepth(m)).toBe(10_001); // the model's graph and 10,000 attribute graphs
    expect(Buffer.compare(encodeModelToBytes(m), b)).toBe(0);
  });
});

describe('wire forms', () => {
  test('packed and unpacked repeated scalars are both accepted and merged in order', () => {
    const f32 = (x: number) => [...new Uint8Array(Float32Array.of(x).buffer)];
    const t = decodeTensor(
      memorySource(
        bytes(
          ld(1, [2, 3]), // dims packed (proto2 declares them unpacked)
          field(1, 0), [4], // dims unpacked
          field(4, 5), f32(1.5), // float_data unpacked (declared packed)
          ld(4, [...f32(2.5), ...f32(-0)]),
          ld(7, [1, ...varint(-1n)]), // int64_data in two packed runs and one unpacked element
          field(7, 0), [5],
          ld(7, varint(2n ** 63n - 1n)),
          ld(5, varint(-2)), // int32_data, negative: 10 bytes
        ),
      ),
    );
    expect(t.dims).toEqual([2n, 3n, 4n]);
    expect(t.floatData).toStrictEqual(Float32Array.of(1.5, 2.5, -0));
    expect(t.int64Data).toStrictEqual(BigInt64Array.of(1n, -1n, 5n, 2n ** 63n - 1n));
    expect(t.int32Data).toStrictEqual(Int32Array.of(-2));
  });

  test('oneof: the last member wins; a repeated singular message merges', () => {
    const typeProto = [...ld(1, [...field(1, 0), 1]), ...ld(4, [])]; // tensor_type then sequence_type
    const vi = ld(11, [...ld(1, [0x78]), ...ld(2, typeProto)]);
    const m = decodeModel(memorySource(bytes(ld(7, [...vi, ...ld(2, [0x61])]), ld(7, [...ld(2, [0x62]), ...ld(1, [])]))));
    expect(m.graph!.input[0].type).toStrictEqual({ sequenceType: {} });
    expect(m.graph!.name).toBe('b');
    expect(m.graph!.node).toHaveLength(1);
    expect(m.graph!.input).toHaveLength(1);
  });

  test('oneof of scalars: a dim with dim_value then dim_param keeps only the last (and the other way)', () => {
    // Dimension { dim_value = 1 (varint), dim_param = 2 (string) } is a oneof: a writer that sets
    // both leaves the last one on the wire in force, and the first must not survive beside it.
    const dimOf = (dim: number[]) => {
      const tensorType = ld(1, [...field(1, 0), 1, ...ld(2, ld(1, dim))]);
      const vi = ld(11, [...ld(1, [0x78]), ...ld(2, tensorType)]);
      return decodeModel(memorySource(bytes(ld(7, vi)))).graph!.input[0].type!.tensorType!.shape!.dim[0];
    };
    expect(dimOf([...field(1, 0), 5, ...ld(2, [0x4e])])).toStrictEqual({ dimParam: 'N' });
    expect(dimOf([...ld(2, [0x4e]), ...field(1, 0), 5])).toStrictEqual({ dimValue: 5n });
  });

  test('unknown enum values stay numbers; unknown fields keep their bytes in order', () => {
    const unknown1 = bytes(field(300, 0), [0x96, 0x01]);
    const unknown2 = bytes(ld(99, [1, 2, 3]));
    const b = bytes(ld(7, [...ld(5, [...field(14, 0), 7]), ...unknown1, ...unknown2]));
    const m = decodeModel(memorySource(b));
    expect(m.graph!.initializer[0].dataLocation).toBe(7);
    expect(m.graph!.$unknown).toStrictEqual([unknown1, unknown2]);
    expect(Buffer.compare(encodeModelToBytes(m), b)).toBe(0);
  });

  test('memory sources: bytes are zero-copy views, packed arrays are fresh aligned copies', () => {
    const raw = [1, 2, 3, 4, 5];
    const buf = new Uint8Array(64);
    const enc = bytes([0], ld(9, raw), ld(4, [0, 0, 0x80, 0x3f])); // a leading byte to misalign
    buf.set(enc.subarray(1), 3);
    const t = decodeTensor(memorySource(buf.subarray(3, 3 + enc.length - 1)), { lazyThreshold: 1 });
    expect(t.rawData).toBeInstanceOf(Uint8Array);
    expect((t.rawData as Uint8Array).buffer).toBe(buf.buffer);
    expect([...(t.rawData as Uint8Array)]).toEqual(raw);
    expect(t.floatData).toStrictEqual(Float32Array.of(1));
    expect((t.floatData as Float32Array).buffer).not.toBe(buf.buffer);
  });
});

/** Counts the bytes a source hands out. */
function counting(source: ByteSource & { close(): void }) {
  const c = {
    size: source.size,
    label: source.label,
    bytesRead: 0,
    reads: 0,
    read(offset: number, length: number, into?: Uint8Array) {
      c.bytesRead += length;
      c.reads++;
      return source.read(offset, length, into);
    },
    close: () => source.close(),
  };
  return c;
}

function emptyGraph(): GraphProto {
  return { node: [], initializer: [], sparseInitializer: [], input: [], output: [], valueInfo: [], quantizationAnnotation: [], metadataProps: [] };
}

describe('file sources', () => {
  test('150 MB of raw_data: decoding reads only the metadata; blobs point at the right bytes', () => {
    const MB50 = 50 << 20;
    /** Payload i: all bytes i + 1, except a 4-byte marker at its start. */
    const payload = (i: number): ByteSource => ({
      size: MB50,
      label: `payload${i}`,
      read(offset, length, into) {
        const out = (into ?? new Uint8Array(length)).subarray(0, length);
        out.fill(i + 1);
        for (let k = offset; k < 4 && k - offset < length; k++) out[k - offset] = [0xde, 0xad, i, 0xef][k];
        return out;
      },
    });
    const initializer = (i: number): TensorProto => ({
      dims: [BigInt(MB50)], dataType: 2, name: `w${i}`, rawData: new Blob(payload(i), 0, MB50),
      floatData: undefined, stringData: [], externalData: [], metadataProps: [],
    });
    const nodes: NodeProto[] = Array.from({ length: 50 }, (_, i) => ({
      input: [`x${i}`, 'w0'], output: [`x${i + 1}`], opType: 'Add', name: `n${i}`, attribute: [], metadataProps: [], deviceConfigurations: [],
    }));
    const model: ModelProto = {
      irVersion: 10n, opsetImport: [{ domain: '', version: 21n }], metadataProps: [], trainingInfo: [], functions: [], configuration: [],
      graph: { ...emptyGraph(), name: 'big', node: nodes, initializer: [0, 1, 2].map(initializer) },
    };
    const path = join(tmp, 'big.onnx');
    const sink = createAtomicFileSink(path);
    encodeModel(model, sink);
    sink.commit();

    const src = counting(openFileSource(path));
    try {
      const t0 = performance.now();
      const m = decodeModel(src);
      const ms = performance.now() - t0;
      expect(src.bytesRead).toBeLessThan(64 << 10);
      expect(ms).toBeLessThan(1000);
      expect(m.graph!.node).toHaveLength(50);
      for (const i of [0, 1, 2]) {
        const blob = m.graph!.initializer[i].rawData as Blob;
        expect(blob).toBeInstanceOf(Blob);
        expect(blob.length).toBe(MB50);
        expect([...src.read(blob.offset, 5)]).toEqual([0xde, 0xad, i, 0xef, i + 1]);
        expect(src.read(blob.offset + MB50 - 1, 1)[0]).toBe(i + 1);
        // the byte just before the payload is the end of its length varint, after it a new field
        expect(src.read(blob.offset - 1, 1)[0]).toBeLessThan(128);
      }
      console.log(`decode of a ${(src.size / 2 ** 20).toFixed(0)} MiB model through a file source: ${ms.toFixed(1)} ms, ${src.reads} reads, ${src.bytesRead} bytes read`);
    } finally {
      src.close();
    }
  });

  test('window sliding: a file decode equals the memory decode (models over the 1 MiB window)', () => {
    for (const name of ['bert-base.dynamo', 'vit_b_16.dynamo', 'resnet50.legacy']) {
      const path = `${corpusModelsDir}/${name}.onnx`;
      const inMemory = decodeModel(memorySource(readBytes(path)));
      const src = openFileSource(path);
      try {
        expect(decodeModel(src, { lazyThreshold: Infinity })).toStrictEqual(inMemory);
        const lazy = decodeModel(src, { lazyThreshold: 64 });
        expect(Buffer.compare(encodeModelToBytes(lazy), readFileSync(path))).toBe(0);
      } finally {
        src.close();
      }
    }
  });

  test('fields longer than the window are read apart, whole', () => {
    const raw = Uint8Array.from({ length: 2_500_000 }, (_, i) => (i * 31) & 255);
    const t: TensorProto = { dims: [2_500_000n], dataType: 2, rawData: raw, stringData: [], externalData: [], metadataProps: [] };
    const model: ModelProto = {
      docString: 'é'.repeat(1_500_000), opsetImport: [], metadataProps: [], trainingInfo: [], functions: [], configuration: [],
      graph: { ...emptyGraph(), initializer: [t], name: 'after' },
    };
    const path = join(tmp, 'long-fields.onnx');
    writeFileSync(path, encodeModelToBytes(model));
    const src = openFileSource(path);
    try {
      const back = decodeModel(src, { lazyThreshold: Infinity });
      expect(back.docString === model.docString).toBe(true);
      const rawBack = back.graph!.initializer[0].rawData as Uint8Array;
      expect(rawBack).toBeInstanceOf(Uint8Array);
      expect(Buffer.compare(rawBack, raw)).toBe(0);
      expect(back.graph!.name).toBe('after');
    } finally {
      src.close();
    }
  });

  test('packed fields as blobs decode with unpackBlob', () => {
    const t: TensorProto = {
      dims: [3n], stringData: [], externalData: [], metadataProps: [],
      floatData: Float32Array.of(1, 2, 3), int32Data: Int32Array.of(-1, 2, 300), int64Data: BigInt64Array.of(-(2n ** 63n), 5n),
      doubleData: Float64Array.of(0.5), uint64Data: BigUint64Array.of(2n ** 64n - 1n),
    };
    const model: ModelProto = {
      opsetImport: [], metadataProps: [], trainingInfo: [], functions: [], configuration: [],
      graph: { ...emptyGraph(), initializer: [t] },
    };
    const path = join(tmp, 'packed.onnx');
    writeFileSync(path, encodeModelToBytes(model));
    const src = openFileSource(path);
    try {
      const back = decodeModel(src, { lazyThreshold: 1 }).graph!.initializer[0];
      for (const k of ['floatData', 'int32Data', 'int64Data', 'doubleData', 'uint64Data'] as const) {
        expect(back[k]).toBeInstanceOf(Blob);
        expect(unpackBlob(k, back[k] as Blob)).toStrictEqual(t[k]);
      }
    } finally {
      src.close();
    }
  });
});
