import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { LatheError } from '../ir/error.js';
import { formatSidecar, parseSidecar, pyFloat, sidecarPathFor } from './sidecar.js';
import { corpusModelsDir } from '../test/support/shared.js';

const CORPUS = corpusModelsDir;

describe('sidecar format', () => {
  test('pyFloat prints like Python repr', () => {
    const cases: [number, string][] = [
      [0, '0.0'],
      [-0, '-0.0'],
      [1, '1.0'],
      [-3, '-3.0'],
      [1e-5, '1e-05'],
      [1.5e-5, '1.5e-05'],
      [0.0001, '0.0001'],
      [123.45, '123.45'],
      [1e16, '1e+16'],
      [1.234567890123456e15, '1234567890123456.0'],
      [-8.74753187377915e-6, '-8.74753187377915e-06'],
      [0.022097084671258926, '0.022097084671258926'],
      [2.5e-300, '2.5e-300'],
      [1.7976931348623157e308, '1.7976931348623157e+308'],
    ];
    for (const [x, s] of cases) expect(pyFloat(x)).toBe(s);
  });

  test('every corpus sidecar parses and prints back byte-identically', () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.weights.json'));
    expect(files.length).toBeGreaterThan(10);
    for (const f of files) {
      const text = readFileSync(`${CORPUS}/${f}`, 'utf8');
      const parsed = parseSidecar(text, f);
      expect(parsed.size).toBeGreaterThan(0);
      expect(formatSidecar(parsed)).toBe(text);
    }
  });

  test('non-ASCII keys are escaped like Python ensure_ascii, and parse back', () => {
    const text = formatSidecar([['init:poids_é', { dtype: 'float32', dims: [65], min: -1, max: 1, mean: 0, std: 0.5 }]]);
    expect(text).toContain('"init:poids_\\u00e9"');
    expect([...parseSidecar(text, 'x').keys()]).toEqual(['init:poids_é']);
  });

  test('sidecar path follows the corpus convention', () => {
    expect(sidecarPathFor('models/resnet50.legacy.onnx')).toBe('models/resnet50.legacy.weights.json');
    expect(sidecarPathFor('out/model.bin')).toBe('out/model.bin.weights.json');
  });

  test('bad sidecars are LatheErrors naming the file and key', () => {
    const bad = (text: string, match: RegExp) => {
      let err: unknown;
      try {
        parseSidecar(text, 'w.json');
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LatheError);
      expect((err as LatheError).file).toBe('w.json');
      expect((err as LatheError).message).toMatch(match);
    };
    const ok = '"dtype": "float32", "dims": [65], "min": 0, "max": 1, "mean": 0.5, "std": 0.1';
    bad('{', /JSON/);
    bad('[]', /JSON object/);
    bad(`{"__proto__": {${ok}}}`, /__proto__: key must start/);
    bad(`{"init:a": {${ok.replace('float32', 'int8')}}}`, /init:a: dtype/);
    bad(`{"init:a": {${ok.replace('[65]', '[-1]')}}}`, /init:a: dims/);
    bad(`{"init:a": {${ok.replace('"min": 0', '"min": 2')}}}`, /init:a: min 2 is greater/);
    bad(`{"init:a": {${ok.replace('"std": 0.1', '"std": -1')}}}`, /init:a: std -1/);
    bad(`{"init:a": {${ok.replace('"mean": 0.5', '"mean": "x"')}}}`, /init:a: mean must be/);
    bad(`{"init:a": 3}`, /init:a: expected an object/);
    expect(parseSidecar(`{"init:__proto__": {${ok}}}`, 'w').get('init:__proto__')?.dims).toEqual([65]);
    // an empty tensor is a valid shape: a zero dim is accepted, only negative ones are refused
    expect(parseSidecar(`{"init:a": {${ok.replace('[65]', '[0, 65]')}}}`, 'w').get('init:a')?.dims).toEqual([0, 65]);
  });
});
