/**
 * lift(decode(encode(emit(lift(decode(file)))))) equals lift(decode(file)) for every ONNX
 * conformance model and every corpus skeleton: the bridge loses nothing it lifted.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { memorySource } from '../blob.js';
import { decodeModel } from './decode.js';
import { emitModel } from './emit.js';
import { encodeModelToBytes } from './encode.js';
import { liftModel } from './lift.js';
import { modelsEqual } from '../text/equal.js';
import { normalForm } from './test-util.js';
import { corpusModelsDir, nodeTestsDir } from '../../test/support/shared.js';

const nodeDir = nodeTestsDir;
const corpusDir = corpusModelsDir;
const nodeCases = readdirSync(nodeDir).sort().map((c) => `${nodeDir}/${c}/model.onnx`);
const corpus = readdirSync(corpusDir).filter((f) => f.endsWith('.onnx')).sort().map((f) => `${corpusDir}/${f}`);

function check(path: string): void {
  const m = liftModel(decodeModel(memorySource(readFileSync(path))), { label: path });
  const bytes = encodeModelToBytes(emitModel(m, { external: 'never' }).proto);
  const again = liftModel(decodeModel(memorySource(bytes)), { label: `${path} (re-emitted)` });
  expect(normalForm(again)).toEqual(normalForm(m));
  expect(modelsEqual(again, m)).toBeNull();
}

describe('round trip through the wire', () => {
  test(`all ${nodeCases.length} onnx node-test models`, () => {
    const failures: string[] = [];
    for (const path of nodeCases) {
      try {
        check(path);
      } catch (e) {
        failures.push(`${path}: ${(e as Error).message.split('\n')[0]}`);
      }
    }
    expect(failures).toEqual([]);
  });
  test.each(corpus)('%s', (path) => check(path));
});
