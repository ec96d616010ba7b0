import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { LatheError } from '../ir/error.js';
import { encodeModelToBytes } from '../ir/onnx/encode.js';
import { normalForm, P } from '../ir/onnx/test-util.js';
import { loadModelFromBytes, saveModelToBytes } from './io.js';
import { sharedPath } from '../test/support/shared.js';

test('bytes in, bytes out, equal model (ArrayBuffer accepted)', () => {
  const bytes = readFileSync(sharedPath('corpus', 'models', 'resnet50.legacy-fn.onnx'));
  const m = loadModelFromBytes(bytes);
  const out = saveModelToBytes(m);
  const again = loadModelFromBytes(out.slice().buffer);
  expect(normalForm(again)).toEqual(normalForm(m));
  expect(m.functions.length).toBeGreaterThan(0);
});

test('external data not given is refused, naming the file', () => {
  const w = P.tensor({ name: 'w', dims: [1n], dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] });
  const bytes = encodeModelToBytes(P.model({ graph: P.graph({ initializer: [w] }) }));
  expect(() => loadModelFromBytes(bytes)).toThrow(LatheError);
  expect(() => loadModelFromBytes(bytes)).toThrow(/external data file w.bin was not given/);
  expect(() => loadModelFromBytes(bytes, { externalData: { 'other.bin': new Uint8Array(4) } })).toThrow(/w.bin was not given/);
});

test('external data comes from files given by location, or by their last segment', () => {
  const w = P.tensor({ name: 'w', dims: [2n], dataType: 1, dataLocation: 1, externalData: [{ key: 'location', value: 'sub/w.bin' }, { key: 'offset', value: '4' }] });
  const bytes = encodeModelToBytes(P.model({ irVersion: 8n, graph: P.graph({ initializer: [w] }) }));
  const data = new Uint8Array(12);
  new DataView(data.buffer).setFloat32(4, 1.5, true);
  new DataView(data.buffer).setFloat32(8, -2, true);
  for (const externalData of [{ 'sub/w.bin': data }, new Map([['w.bin', data.buffer]])]) {
    const m = loadModelFromBytes(bytes, { externalData });
    const again = loadModelFromBytes(saveModelToBytes(m)); // written inline
    const t = again.graph.values[again.graph.initializers[0]!]!.tensor!;
    expect(t.data.kind).not.toBe('none');
    expect(normalForm(again)).toEqual(normalForm(m));
  }
  expect(() => loadModelFromBytes(bytes, { externalData: { 'w.bin': new Uint8Array(8) } })).toThrow(/payload is 4 bytes/);
});
