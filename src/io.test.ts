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

test('external data is refused without a file system', () => {
  const w = P.tensor({ name: 'w', dims: [1n], dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] });
  const bytes = encodeModelToBytes(P.model({ graph: P.graph({ initializer: [w] }) }));
  expect(() => loadModelFromBytes(bytes)).toThrow(LatheError);
  expect(() => loadModelFromBytes(bytes)).toThrow(/external data needs a file system/);
});
