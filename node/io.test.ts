/**
 * Files: external-data attacks (QUALITY.md: onnx CVE-2022-25882, CVE-2024-27318, CVE-2024-5187),
 * lazy loading, atomic saves with external data.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { Blob, type ByteSource } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import { emitModel } from '../ir/onnx/emit.js';
import { encodeModelToBytes } from '../ir/onnx/encode.js';
import { liftModel } from '../ir/onnx/lift.js';
import type { StringStringEntryProto, TensorProto } from '../ir/onnx/proto.js';
import { normalForm, P } from '../ir/onnx/test-util.js';
import type { Model, Tensor } from '../ir/types.js';
import { createNodeResolver } from './external.js';
import { loadModel, saveModel } from './io.js';

const root = mkdtempSync(join(tmpdir(), 'lathe-io-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh folder `root/kN/model` next to a folder `root/kN/outside` with a secret file. */
function scene(): { dir: string; outside: string } {
  const base = join(root, `k${n++}`);
  const dir = join(base, 'model');
  const outside = join(base, 'outside');
  mkdirSync(dir, { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.bin'), new Uint8Array(64).fill(7));
  writeFileSync(join(dir, 'w.bin'), new Uint8Array(64).fill(1));
  return { dir, outside };
}

const f32 = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const ext = (entries: [string, string][]): StringStringEntryProto[] => entries.map(([key, value]) => ({ key, value }));

/** Writes a model whose one initializer `w` (float[4], 16 bytes) has these external_data entries. */
function writeExternalModel(dir: string, entries: [string, string][], t: Partial<TensorProto> = {}): string {
  const w = P.tensor({ name: 'w', dims: [4n], dataLocation: 1, externalData: ext(entries), ...t });
  const p = P.model({ graph: P.graph({ initializer: [w], output: [P.vi('w')] }) });
  const path = join(dir, 'model.onnx');
  writeFileSync(path, encodeModelToBytes(p));
  return path;
}

function refused(path: string, re: RegExp): void {
  let caught: unknown;
  try {
    loadModel(path);
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(LatheError);
  expect((caught as LatheError).message).toMatch(re);
  expect((caught as LatheError).file).toBe(path);
}

const tensorOf = (m: Model): Tensor => m.graph.values[m.graph.initializers[0]].tensor!;

describe('external data: locations that leave the model folder are refused', () => {
  test.each([
    ['../outside/secret.bin', /leaves the model folder/],
    ['a/../../outside/secret.bin', /leaves the model folder/],
    ['/etc/passwd', /absolute path/],
    ['C:\\x', /backslash/],
    ['C:x', /drive/],
    ['\\\\server\\x', /backslash/],
    ['..\\outside\\secret.bin', /backslash/],
    ['w.bin\0.png', /NUL/],
    ['', /empty/],
    ['./', /names no file/],
  ])('location %j', (location, re) => {
    const { dir } = scene();
    refused(writeExternalModel(dir, [['location', location], ['length', '16']]), re);
  });
  test('a link as the file, pointing outside', () => {
    const { dir, outside } = scene();
    symlinkSync(join(outside, 'secret.bin'), join(dir, 'link.bin'));
    refused(writeExternalModel(dir, [['location', 'link.bin'], ['length', '16']]), /link\.bin cannot be opened: a link/);
  });
  test('a link as a parent folder, pointing outside', () => {
    const { dir, outside } = scene();
    symlinkSync(outside, join(dir, 'sub'));
    refused(writeExternalModel(dir, [['location', 'sub/secret.bin'], ['length', '16']]), /leads outside the model folder/);
  });
  test('a link into a sibling folder whose name starts with the model folder\'s name', () => {
    // root/kN/model and root/kN/model-secrets: a prefix test without the separator lets the link
    // through (the real path starts with ".../model").
    const { dir } = scene();
    mkdirSync(`${dir}-secrets`);
    writeFileSync(join(`${dir}-secrets`, 'secret.bin'), new Uint8Array(64).fill(7));
    symlinkSync(`${dir}-secrets`, join(dir, 'sub'));
    refused(writeExternalModel(dir, [['location', 'sub/secret.bin'], ['length', '16']]), /leads outside the model folder/);
  });
  test('one open file per data file, however its location reaches it', () => {
    // ExternalResolver's contract: the same source for the same file. Keyed by anything but the real
    // path, a second spelling (through a link) opened the file again and dropped the first source
    // from the list the loader closes: one descriptor per tensor, and a leak.
    const { dir } = scene();
    symlinkSync('.', join(dir, 'here'));
    const resolver = createNodeResolver(dir);
    const a = resolver.open('w.bin');
    expect(resolver.open('here/w.bin')).toBe(a);
    expect(resolver.open('w.bin')).toBe(a);
    expect(resolver.sources).toEqual([a]);
    for (const s of resolver.sources) s.close();
  });
  test('a link that stays inside is followed', () => {
    const { dir } = scene();
    mkdirSync(join(dir, 'real'));
    writeFileSync(join(dir, 'real', 'x.bin'), f32(1, 2, 3, 4));
    symlinkSync(join(dir, 'real'), join(dir, 'alias'));
    const m = loadModel(writeExternalModel(dir, [['location', 'alias/x.bin']]));
    expect(normalForm(m, 'content')).toMatchObject({ graph: { values: { v0: { tensor: { payload: { bytes: Array.from(f32(1, 2, 3, 4)) } } } } } });
  });
  test('a missing file', () => {
    const { dir } = scene();
    refused(writeExternalModel(dir, [['location', 'nope.bin']]), /nope\.bin cannot be opened: ENOENT/);
  });
  test('a folder instead of a file', () => {
    const { dir } = scene();
    mkdirSync(join(dir, 'folder'));
    refused(writeExternalModel(dir, [['location', 'folder']]), /not a regular file/);
  });
});

describe('external data: offset and length', () => {
  test.each([
    [[['offset', '-1']], /offset "-1" is not a non-negative decimal integer/],
    [[['offset', '0x10']], /offset "0x10" is not/],
    [[['offset', '1e3']], /offset "1e3" is not/],
    [[['offset', ' 1']], /offset " 1" is not/],
    [[['offset', '']], /offset "" is not/],
    [[['length', '-16']], /length "-16" is not/],
    [[['length', 'abc']], /length "abc" is not/],
    [[['offset', '65']], /offset 65 passes the end/],
    [[['offset', '60'], ['length', '16']], /range 60\+16 passes the end/],
    [[['length', '65']], /range 0\+65 passes the end/],
    [[['offset', String(2n ** 60n)]], /offset "1152921504606846976" is not|passes 2\^53/],
    [[['length', String(2n ** 60n)]], /length "1152921504606846976" is not|passes 2\^53/],
    [[['length', '9007199254740993']], /passes 2\^53/],
    [[['offset', '0'], ['length', '12']], /12 bytes, float × 4 needs 16/],
    [[], /needs 16/], // no length: to the end of the 64-byte file
  ] as [[string, string][], RegExp][])('%j', (entries, re) => {
    const { dir } = scene();
    refused(writeExternalModel(dir, [['location', 'w.bin'], ...entries]), re);
  });
  test('an empty tensor may sit exactly at the end of the data file (offset = file size)', () => {
    const { dir } = scene();
    const m = loadModel(writeExternalModel(dir, [['location', 'w.bin'], ['offset', '64'], ['length', '0']], { dims: [0n] }));
    expect(tensorOf(m).dims).toEqual([0]);
    expect(tensorOf(m).externalOrigin).toEqual({ location: 'w.bin', offset: 64, length: 0 });
    const noLength = loadModel(writeExternalModel(dir, [['location', 'w.bin'], ['offset', '64']], { dims: [0n] }));
    expect(tensorOf(noLength).externalOrigin).toEqual({ location: 'w.bin', offset: 64, length: 0 });
  });
  test('duplicate keys are refused', () => {
    const { dir } = scene();
    refused(writeExternalModel(dir, [['location', 'w.bin'], ['offset', '0'], ['offset', '16'], ['length', '16']]), /"offset" appears twice/);
    refused(writeExternalModel(dir, [['location', 'w.bin'], ['location', '../outside/secret.bin']]), /"location" appears twice/);
  });
  test('__proto__, constructor and unknown keys are harmless and kept', () => {
    const { dir } = scene();
    const keys: [string, string][] = [['__proto__', 'polluted'], ['constructor', 'x'], ['checksum', 'abc'], ['basepath', '/tmp']];
    const m = loadModel(writeExternalModel(dir, [['location', 'w.bin'], ['offset', '16'], ['length', '16'], ...keys]));
    const t = tensorOf(m);
    expect(t.externalOrigin).toEqual({ location: 'w.bin', offset: 16, length: 16, keys: keys.map(([key, value]) => ({ key, value })) });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(t.externalOrigin)).toBe(Object.prototype);
    expect((t.data as { blob: Blob }).blob.bytes()).toEqual(new Uint8Array(16).fill(1));
    // unknown keys go back out when the tensor is written external again
    const again = emitModel(m, { external: 'always', threshold: 0 }).proto.graph!.initializer[0].externalData;
    expect(again).toEqual(ext([['location', 'model.onnx.data'], ['offset', '0'], ['length', '16'], ...keys]));
  });
  test('external string tensors and external + raw_data are refused', () => {
    const { dir } = scene();
    refused(writeExternalModel(dir, [['location', 'w.bin']], { dataType: 8 }), /string tensor has external data/);
    refused(writeExternalModel(dir, [['location', 'w.bin']], { rawData: f32(1, 2, 3, 4) }), /external tensor also has raw_data/);
    refused(writeExternalModel(dir, [['location', 'w.bin']], { dataLocation: 0 }), /external_data is set but data_location is not EXTERNAL/);
  });
  test('lift without a file system refuses external data', () => {
    const w = P.tensor({ name: 'w', dims: [4n], dataLocation: 1, externalData: ext([['location', 'w.bin']]) });
    expect(() => liftModel(P.model({ graph: P.graph({ initializer: [w] }) }))).toThrow(/external data needs a file system/);
  });
});

describe('loadModel', () => {
  test('errors carry the file, in-file payloads are lazy', () => {
    const { dir } = scene();
    const path = join(dir, 'bad.onnx');
    writeFileSync(path, new Uint8Array([0x0a, 0xff]));
    expect(() => loadModel(path)).toThrow(LatheError);
    try {
      loadModel(path);
    } catch (e) {
      expect((e as LatheError).file).toBe(path);
    }
    const good = join(dir, 'big.onnx');
    const w = P.tensor({ name: 'w', dims: [2048n], rawData: new Uint8Array(8192).fill(3) });
    writeFileSync(good, encodeModelToBytes(P.model({ graph: P.graph({ initializer: [w], output: [P.vi('w')] }) })));
    const t = tensorOf(loadModel(good));
    expect(t.data.kind).toBe('blob');
  });
});

function sampleModel(): Model {
  const big = (k: number, len: number) => new Uint8Array(new Float32Array(len).map((_, i) => i * k).buffer);
  const p = P.model({
    graph: P.graph({
      input: [P.vi('x', P.f32(512))],
      output: [P.vi('y')],
      initializer: [
        P.tensor({ name: 'a', dims: [512n], rawData: big(1, 512) }),
        P.tensor({ name: 'b', dims: [3n], rawData: f32(1, 2, 3) }),
        P.tensor({ name: 'c', dims: [700n], floatData: new Float32Array(700).map((_, i) => -i) }),
        P.tensor({ name: 'd', dataType: 7, dims: [300n], int64Data: new BigInt64Array(300).map((_, i) => BigInt(i) - 5n) }),
      ],
      node: [
        P.node('Add', ['x', 'a'], ['s']),
        P.node('Constant', [], ['k'], { attribute: [P.attr({ name: 'value', type: 4, t: P.tensor({ dims: [512n], rawData: big(2, 512) }) })] }),
        P.node('Mul', ['s', 'k'], ['y']),
      ],
    }),
  });
  return liftModel(p);
}

describe('saveModel', () => {
  test("'always' writes external data on 64-byte lines that loads back equal", () => {
    const { dir } = scene();
    const m = sampleModel();
    const path = join(dir, 'out.onnx');
    const r = saveModel(m, path, { externalData: 'always' });
    expect(r.dataFile).toBe(join(dir, 'out.onnx.data'));
    expect(r.dataBytes).toBe(readFileSync(r.dataFile!).length);
    expect(r.modelBytes).toBe(readFileSync(path).length);
    const back = loadModel(path);
    expect(normalForm(back, 'content')).toEqual(normalForm(m, 'content'));
    const origins: Tensor[] = [];
    for (const id of back.graph.initializers) origins.push(back.graph.values[id].tensor!);
    const k = back.graph.nodes[back.graph.order[1]].attrs[0];
    if (k.kind === 'tensor') origins.push(k.value);
    const offsets = origins.filter((t) => t.externalOrigin).map((t) => t.externalOrigin!.offset);
    expect(offsets).toHaveLength(4); // a, c, d, and the Constant; b (12 bytes) stays inline
    for (const o of offsets) expect(o % 64).toBe(0);
    expect(new Set(offsets).size).toBe(4);
    // typed fields became raw little-endian bytes
    expect(back.graph.values[back.graph.initializers[2]].tensor!.data.kind).toBe('blob');
  });
  test("'always' pads a gap of one byte before an aligned tensor (a 4095-byte tensor, then another)", () => {
    const { dir } = scene();
    const bytes = (n: number, k: number) => new Uint8Array(n).map((_, i) => (i * k + 1) & 0xff);
    const m = liftModel(P.model({
      graph: P.graph({
        output: [P.vi('a'), P.vi('b')],
        initializer: [
          P.tensor({ name: 'a', dataType: 2, dims: [4095n], rawData: bytes(4095, 7) }),
          P.tensor({ name: 'b', dataType: 2, dims: [2048n], rawData: bytes(2048, 13) }),
        ],
      }),
    }));
    const path = join(dir, 'gap.onnx');
    const r = saveModel(m, path, { externalData: 'always' });
    expect(r.dataBytes).toBe(4096 + 2048);
    expect(normalForm(loadModel(path), 'content')).toEqual(normalForm(m, 'content'));
  });
  test("'never' and 'auto' keep a small model inline; re-saving a loaded model streams its blobs", () => {
    const { dir } = scene();
    const path = join(dir, 'in.onnx');
    saveModel(sampleModel(), path, { externalData: 'always', dataLocation: 'weights.bin' });
    const loaded = loadModel(path);
    const inline = join(dir, 'inline.onnx');
    expect(saveModel(loaded, inline).dataFile).toBeUndefined();
    expect(saveModel(loaded, join(dir, 'never.onnx'), { externalData: 'never' }).dataBytes).toBe(0);
    expect(normalForm(loadModel(inline), 'content')).toEqual(normalForm(sampleModel(), 'content'));
    // overwrite the file the model was loaded from (its blobs read the old file)
    saveModel(loaded, path, { externalData: 'always', dataLocation: 'weights.bin' });
    expect(normalForm(loadModel(path), 'content')).toEqual(normalForm(sampleModel(), 'content'));
  });
  test("'auto' over its limit writes every payload of 1 KiB or more to the data file, and the result loads back", () => {
    const { dir } = scene();
    const path = join(dir, 'big.onnx');
    const r = saveModel(sampleModel(), path, { externalData: 'auto', inlineLimit: 100 });
    expect(r.dataFile).toBe(join(dir, 'big.onnx.data'));
    const back = loadModel(path);
    expect(normalForm(back, 'content')).toEqual(normalForm(sampleModel(), 'content'));
    const always = saveModel(sampleModel(), join(dir, 'always.onnx'), { externalData: 'always' });
    // at least what 'always' moves (every payload of 1 KiB or more); under a limit this small, the smaller ones too
    expect(r.dataBytes).toBeGreaterThanOrEqual(always.dataBytes);
    expect(saveModel(sampleModel(), join(dir, 'small.onnx'), { externalData: 'auto', inlineLimit: 1e6 }).dataFile).toBeUndefined();
  });
  test('a failure mid-save leaves no file behind', () => {
    const { dir } = scene();
    const failing: ByteSource = {
      size: 1 << 20, label: 'failing',
      read() {
        throw new LatheError('disk on fire');
      },
    };
    const m = sampleModel();
    const id = m.graph.initializers[0];
    const broken: Model = {
      ...m,
      graph: { ...m.graph, values: { ...m.graph.values, [id]: { ...m.graph.values[id], tensor: { dtype: 1, dims: [512], data: { kind: 'blob', blob: new Blob(failing, 0, 2048) } } } } },
    };
    for (const externalData of ['never', 'always'] as const) {
      expect(() => saveModel(broken, join(dir, 'out.onnx'), { externalData })).toThrow(/disk on fire/);
      expect(readdirSync(dir)).toEqual(['w.bin']);
    }
    // the data file is written fine but the model encoder fails (a small blob stays inline)
    const inlineBroken: Model = {
      ...m,
      graph: { ...m.graph, values: { ...m.graph.values, [id]: { ...m.graph.values[id], tensor: { dtype: 1, dims: [4], data: { kind: 'blob', blob: new Blob(failing, 0, 16) } } } } },
    };
    expect(() => saveModel(inlineBroken, join(dir, 'out.onnx'), { externalData: 'always' })).toThrow(/disk on fire/);
    expect(readdirSync(dir)).toEqual(['w.bin']);
  });
  test('the data file is never written outside the output folder', () => {
    const { dir } = scene();
    for (const dataLocation of ['../x.data', 'sub/x.data', '/tmp/x.data', 'a\\b', '..', '']) {
      expect(() => saveModel(sampleModel(), join(dir, 'o.onnx'), { externalData: 'always', dataLocation })).toThrow(/plain file name/);
    }
    expect(() => saveModel(sampleModel(), join(dir, 'o.onnx'), { externalData: 'always', dataLocation: 'o.onnx' })).toThrow(/model's own name/);
    expect(readdirSync(dir)).toEqual(['w.bin']);
  });
});
