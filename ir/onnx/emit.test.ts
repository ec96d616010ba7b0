import { describe, expect, test } from 'vitest';
import { Blob, type ByteSource } from '../blob.js';
import { LatheError } from '../error.js';
import type { Graph, Model, NodeId, Tensor, Value, ValueId } from '../types.js';
import { emitModel, INLINE_LIMIT } from './emit.js';
import { checkLocation, parseExternalData } from './external.js';
import { liftModel } from './lift.js';
import { P } from './test-util.js';

/** A source that must never be read: emit plans data files without touching payloads. */
const untouchable = (size: number): ByteSource => ({
  size, label: 'untouchable',
  read() {
    throw new Error('emit read a payload');
  },
});

const v = (id: string, extra: Partial<Value> = {}): Value => ({ id: id as ValueId, ...extra });
function model(graph: Partial<Graph>): Model {
  return {
    irVersion: 10, opsets: [{ domain: '', version: 21 }], functions: [], meta: [],
    graph: { name: 'g', inputs: [], outputs: [], initializers: [], sparseInitializers: [], order: [], nodes: {}, values: {}, ...graph },
  };
}

describe('emit: names', () => {
  test('unnamed values get fresh names that collide with nothing; named ones keep theirs', () => {
    const m = model({
      inputs: ['a' as ValueId],
      outputs: ['c' as ValueId],
      order: ['n1' as NodeId, 'n2' as NodeId],
      nodes: {
        ['n1' as NodeId]: { id: 'n1' as NodeId, op: 'Relu', domain: '', inputs: ['a' as ValueId], outputs: ['b' as ValueId], attrs: [] },
        ['n2' as NodeId]: { id: 'n2' as NodeId, op: 'Neg', domain: '', inputs: ['b' as ValueId, null], outputs: ['c' as ValueId], attrs: [] },
      },
      values: {
        ['a' as ValueId]: v('a', { name: '_v0' }),
        ['b' as ValueId]: v('b', { def: { node: 'n1' as NodeId, index: 0 } }),
        ['c' as ValueId]: v('c', { def: { node: 'n2' as NodeId, index: 0 } }),
      },
    });
    const g = emitModel(m, { external: 'never' }).proto.graph!;
    expect(g.input[0].name).toBe('_v0');
    expect(g.node.map((n) => [n.input, n.output])).toEqual([[['_v0'], ['_v1']], [['_v1', ''], ['_v2']]]);
    expect(g.output[0].name).toBe('_v2');
    // deterministic
    expect(emitModel(m, { external: 'never' }).proto).toEqual(emitModel(m, { external: 'never' }).proto);
  });
  test('value_info in definition order, boundary values excluded', () => {
    const t = P.f32(1);
    const p = P.model({
      graph: P.graph({
        input: [P.vi('x', t)], output: [P.vi('z', t)],
        node: [P.node('A', ['x'], ['p']), P.node('B', ['p'], ['q']), P.node('C', ['q'], ['z'])],
        valueInfo: [P.vi('q', t), P.vi('z', t), P.vi('p', t), P.vi('x', t)],
      }),
    });
    const g = emitModel(liftModel(p), { external: 'never' }).proto.graph!;
    expect(g.valueInfo.map((e) => e.name)).toEqual(['p', 'q', 'z', 'x']); // z and x: duplicates kept as orphans
  });
});

describe('emit: external data plans', () => {
  const blobTensor = (len: number, src: ByteSource): Tensor => ({ dtype: 2, dims: [len], data: { kind: 'blob', blob: new Blob(src, 0, len) } });
  function withInits(tensors: Tensor[]): Model {
    const values: Record<ValueId, Value> = {};
    const ids = tensors.map((t, i) => {
      const id = `v${i}` as ValueId;
      values[id] = { id, name: `w${i}`, tensor: t };
      return id;
    });
    return model({ initializers: ids, outputs: ids, values });
  }
  test("'auto' over the limit moves every payload of 1 KiB or more out, not only the overflow, without reading them", () => {
    const src = untouchable(2 ** 40);
    const sizes = [2 ** 20, 1.2e9, 0.9e9, 3e8, 1023, 1024];
    const { proto, dataFile } = emitModel(withInits(sizes.map((s) => blobTensor(s, src))), { external: 'auto', dataLocation: 'm.data' });
    const ext = proto.graph!.initializer.map((t) => t.dataLocation === 1);
    expect(ext).toEqual([true, true, true, true, false, true]);
    expect(dataFile!.chunks).toHaveLength(5);
    expect(dataFile!.location).toBe('m.data');
    expect(proto.graph!.initializer[1].externalData).toEqual([
      { key: 'location', value: 'm.data' }, { key: 'offset', value: '1048576' }, { key: 'length', value: '1200000000' },
    ]);
    expect(proto.graph!.initializer[1].rawData).toBeUndefined();
  });
  test("'auto' decides by the inline limit (a parameter), then uses the 1 KiB threshold", () => {
    const src = untouchable(2 ** 20);
    const m = withInits([blobTensor(5000, src), blobTensor(2000, src), blobTensor(100, src)]);
    const place = (inlineLimit: number) => emitModel(m, { external: 'auto', inlineLimit }).proto.graph!.initializer.map((t) => t.dataLocation ?? 0);
    expect(place(1e6)).toEqual([0, 0, 0]);
    expect(place(4000)).toEqual([1, 1, 0]);
  });
  // estimate: payloads 2700 + 64 per tensor + 256 per value = 3660; the 1000 out leaves 2660
  test("'auto' still fits a model of many small payloads: the largest small ones follow", () => {
    const src = untouchable(2 ** 20);
    const m = withInits([blobTensor(900, src), blobTensor(1000, src), blobTensor(800, src)]);
    const ext = emitModel(m, { external: 'auto', inlineLimit: 2700 }).proto.graph!.initializer.map((t) => t.dataLocation ?? 0);
    expect(ext).toEqual([0, 1, 0]);
  });
  test("'auto' keeps a small model inline; 'never' keeps blobs as raw_data", () => {
    const src = untouchable(2 ** 20);
    const m = withInits([blobTensor(5000, src)]);
    expect(emitModel(m, { external: 'auto' }).dataFile).toBeUndefined();
    const t = emitModel(m, { external: 'never' }).proto.graph!.initializer[0];
    expect(t.rawData).toBeInstanceOf(Blob);
  });
  test("'always' uses the threshold, starts small tensors on 64-byte lines and large ones on 4 KiB pages, writes a shared tensor once", () => {
    const src = untouchable(2 ** 20);
    const shared = blobTensor(5000, src);
    const m = withInits([blobTensor(1023, src), shared, blobTensor(1024, src), shared, blobTensor(65535, src), blobTensor(65536, src), blobTensor(1100, src)]);
    const { proto, dataFile } = emitModel(m, { external: 'always' });
    expect(proto.graph!.initializer.map((t) => t.dataLocation ?? 0)).toEqual([0, 1, 1, 1, 1, 1, 1]);
    // 5000 bytes end at 5000, the next line is 5056; 1024 more end at 6080; 65535 bytes (below a
    // page-aligned size) start at 6080 and end at 71615; 65536 bytes start on the page at 73728
    expect(dataFile!.chunks.map((c) => c.offset)).toEqual([0, 5056, 6080, 73728, 139264]);
    expect(dataFile!.size).toBe(139264 + 1100);
    expect(proto.graph!.initializer[3].externalData).toEqual(proto.graph!.initializer[1].externalData);
    expect(emitModel(m, { external: 'always', threshold: 2000 }).dataFile!.chunks).toHaveLength(3);
  });
  test("'always' moves the payloads of tensor and tensors attributes too (a Constant's value, a node's list of weights)", () => {
    const src = untouchable(2 ** 20);
    const m = model({
      outputs: ['y' as ValueId],
      order: ['n0' as NodeId],
      nodes: {
        ['n0' as NodeId]: {
          id: 'n0' as NodeId, op: 'Custom', domain: 'x', inputs: [], outputs: ['y' as ValueId],
          attrs: [{ name: 't', kind: 'tensor', value: blobTensor(3000, src) }, { name: 'ts', kind: 'tensors', value: [blobTensor(2000, src), blobTensor(10, src)] }],
        },
      },
      values: { ['y' as ValueId]: v('y', { name: 'y', def: { node: 'n0' as NodeId, index: 0 } }) },
    });
    const { proto, dataFile } = emitModel(m, { external: 'always' });
    const [t, ts] = proto.graph!.node[0].attribute;
    expect(t.t!.dataLocation).toBe(1);
    expect(ts.tensors.map((x) => x.dataLocation ?? 0)).toEqual([1, 0]);
    expect(dataFile!.chunks.map((c) => c.length)).toEqual([3000, 2000]);
  });
  test('typed-field tensors going external become raw little-endian bytes', () => {
    const m = withInits([{ dtype: 7, dims: [200], data: { kind: 'field', field: 'int64_data', values: new BigInt64Array(200).fill(-2n) } }]);
    const { proto, dataFile } = emitModel(m, { external: 'always', threshold: 0 });
    expect(proto.graph!.initializer[0].int64Data).toBeUndefined();
    const bytes = dataFile!.chunks[0].bytes!;
    expect(new BigInt64Array(bytes.buffer, bytes.byteOffset, 200)[199]).toBe(-2n);
  });
  test('a data location that is not a plain file name is refused', () => {
    for (const loc of ['a/b', '../x', 'c:\\x', '']) {
      expect(() => emitModel(withInits([]), { external: 'always', dataLocation: loc })).toThrow(LatheError);
    }
  });
  test('float_data going external keeps its values', () => {
    const p = P.model({ graph: P.graph({ initializer: [P.tensor({ name: 'a', dims: [300n], floatData: new Float32Array(300).fill(1.5) })], output: [P.vi('a')] }) });
    const m = liftModel(p);
    const { dataFile } = emitModel(m, { external: 'always', threshold: 0 });
    expect(Array.from(new Float32Array(dataFile!.chunks[0].bytes!.slice().buffer))).toEqual(Array(300).fill(1.5));
  });
});

describe('external: locations and entries', () => {
  test('normalizes harmless spellings', () => {
    expect(checkLocation('./a//b.bin', 't')).toBe('a/b.bin');
    expect(checkLocation('w.bin', 't')).toBe('w.bin');
  });
  test.each(['../x', 'a/../../x', 'a/../x', '/etc/passwd', 'C:\\x', '\\\\server\\x', 'x\0', 'C:x', ''])('refuses %j', (loc) => {
    expect(() => checkLocation(loc, 't')).toThrow(LatheError);
  });
  test('keeps unknown keys, refuses duplicates and missing location', () => {
    const e = (k: string, value: string) => ({ key: k, value });
    expect(parseExternalData([e('location', 'x'), e('__proto__', '1')], 't')).toEqual({ location: 'x', written: 'x', offset: 0, keys: [e('__proto__', '1')] });
    expect(() => parseExternalData([e('location', 'x'), e('length', '1'), e('length', '1')], 't')).toThrow(/twice/);
    expect(() => parseExternalData([e('offset', '1')], 't')).toThrow(/no location/);
  });
});
