/**
 * Text round trip over real files: every ONNX node-test model and every corpus skeleton, lifted
 * from protobuf, must print, parse back equal (modelsEqual) and print identically again.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { memorySource } from '../blob.js';
import { decodeModel } from '../onnx/decode.js';
import { liftModel } from '../onnx/lift.js';
import { modelsEqual } from './equal.js';
import { parseModel } from './parse.js';
import { printModel } from './print.js';
import { corpusModelsDir, nodeTestsDir } from '../../test/support/shared.js';

function failures(paths: readonly string[]): string[] {
  const bad: string[] = [];
  for (const path of paths) {
    const m = liftModel(decodeModel(memorySource(readFileSync(path))), { label: path });
    try {
      const text = printModel(m);
      const back = parseModel(text);
      const diff = modelsEqual(m, back) ?? (printModel(back) === text ? null : 'printing the parsed model gives other text');
      if (diff) bad.push(`${path}: ${diff}`);
    } catch (e) {
      bad.push(`${path}: ${String(e)}`);
    }
  }
  return bad;
}

describe('text round trip of ONNX files', () => {
  it('every ONNX node-test model', () => {
    const dir = nodeTestsDir;
    const paths = readdirSync(dir).map((c) => `${dir}/${c}/model.onnx`);
    expect(paths.length).toBeGreaterThan(1000);
    expect(failures(paths)).toEqual([]);
  });

  it('every corpus skeleton', () => {
    const dir = corpusModelsDir;
    const paths = readdirSync(dir).filter((f) => f.endsWith('.onnx')).map((f) => `${dir}/${f}`);
    expect(paths.length).toBeGreaterThan(5);
    expect(failures(paths)).toEqual([]);
  });
});
