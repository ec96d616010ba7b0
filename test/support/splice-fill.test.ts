/**
 * The wire-level filler gives every tensor the sidecar lists a payload with the sidecar's
 * statistics, and leaves everything else byte-for-byte equal to what lathe reads from the skeleton.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { loadModel } from '../../node/io.js';
import { parseSidecar } from '../../src/sidecar.js';
import { forEachFloatChunk } from '../../src/tensor-values.js';
import { corpusModelsDir } from './shared.js';
import { spliceFill } from './splice-fill.js';

const work = mkdtempSync(join(tmpdir(), 'lathe-splice-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

test('squeezenet: every listed tensor filled within its statistics', () => {
  const skeleton = join(corpusModelsDir, 'squeezenet1_1.legacy.onnx');
  const out = join(work, 'sq.onnx');
  spliceFill(skeleton, out);
  const stats = parseSidecar(readFileSync(skeleton.replace(/\.onnx$/, '.weights.json'), 'utf8'), 'sidecar');
  const m = loadModel(out);
  let checked = 0;
  for (const id of m.graph.initializers) {
    const v = m.graph.values[id]!;
    const s = stats.get(`init:${v.name}`);
    if (!s) continue;
    let n = 0, sum = 0, lo = Infinity, hi = -Infinity;
    forEachFloatChunk(v.tensor!, v.name ?? id, (c, count) => {
      for (let i = 0; i < count; i++) { const x = c[i]!; n++; sum += x; lo = Math.min(lo, x); hi = Math.max(hi, x); }
    });
    expect(n).toBe(s.dims.reduce((a, d) => a * d, 1));
    expect(lo).toBeGreaterThanOrEqual(Math.fround(s.min));
    expect(hi).toBeLessThanOrEqual(Math.fround(s.max));
    if (s.std > 0 && n > 100) expect(Math.abs(sum / n - s.mean)).toBeLessThan(s.std);
    checked++;
  }
  expect(checked).toBe([...stats.keys()].filter((k) => k.startsWith('init:')).length);
  expect(checked).toBeGreaterThan(10);
});
