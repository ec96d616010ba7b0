/**
 * ONNX node-test conformance of shape/type inference. Writes INFER.md at the project root; fails
 * on any WRONG output type, and when fewer outputs are inferred right than `ratchet.json`'s
 * `inferRight`. `LATHE_CASES=regex` runs only matching cases and prints them (no report, no ratchet).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { DataType as D } from '../../ir/dtype.js';
import { inferCase, inferReport, judge, summarize } from './infer-runner.js';
import { listCases } from './runner.js';
import { corpusDir } from '../../bench/corpus.js';
import { loadModel } from '../../node/io.js';
import { measureVision, VISION_MODELS, visionSection, type VisionFigures } from './vision-shapes.js';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.env.LATHE_CASES;

test('judge: right, unknown and wrong', () => {
  const v = { kind: 'tensor' as const, dtype: D.FLOAT, dims: [2, 3], data: new Float32Array(6) };
  expect(judge({ kind: 'tensor', dtype: D.FLOAT, shape: [2, 3] }, v)).toEqual(['right', 'right']);
  expect(judge({ kind: 'tensor', dtype: D.FLOAT, shape: [2, 'n'] }, v)).toEqual(['right', 'unknown']);
  expect(judge({ kind: 'tensor', dtype: D.FLOAT, shape: [2, null] }, v)).toEqual(['right', 'unknown']);
  expect(judge({ kind: 'tensor', dtype: 0 }, v)).toEqual(['unknown', 'unknown']);
  expect(judge({ kind: 'tensor', dtype: D.INT64, shape: [2, 4] }, v)).toEqual(['wrong', 'wrong']);
  expect(judge({ kind: 'tensor', dtype: D.FLOAT, shape: [2] }, v)).toEqual(['right', 'wrong']);
  expect(judge(undefined, v)).toEqual(['unknown', 'unknown']);
  const seq = { kind: 'sequence' as const, items: [v, { ...v, dims: [2, 4] }] };
  expect(judge({ kind: 'sequence', elem: { kind: 'tensor', dtype: D.FLOAT, shape: [2, null] } }, seq)).toEqual(['right', 'unknown']);
  expect(judge({ kind: 'sequence', elem: { kind: 'tensor', dtype: D.FLOAT, shape: [2, 3] } }, seq)).toEqual(['right', 'wrong']);
  expect(judge({ kind: 'tensor', dtype: D.FLOAT }, seq)).toEqual(['wrong', 'wrong']);
});

test('node-test inference conformance', () => {
  const t0 = performance.now();
  const cases = listCases(undefined, filter ? new RegExp(filter) : undefined);
  const results = cases.map((c) => inferCase(c));
  const ms = performance.now() - t0;
  const s = summarize(results);
  if (filter) {
    for (const r of results) {
      if (r.error) console.log(`ERROR ${r.name}: ${r.error}`);
      for (const o of r.outputs) console.log(`${o.dtype}/${o.shape} ${o.case} '${o.output}'${o.detail ? `: ${o.detail}` : ''}`);
    }
    console.log(`${s.right} / ${s.outputs} right, ${s.wrong.length} wrong`);
  } else {
    const vision = new Map<string, VisionFigures>();
    for (const f of VISION_MODELS) if (existsSync(join(corpusDir, f))) vision.set(f, measureVision(loadModel(join(corpusDir, f))));
    writeFileSync(join(here, '../../INFER.md'), inferReport(results, ms, vision.size > 0 ? visionSection(vision) : []));
    console.log(`inference: dtype ${s.dtypeRight}, full shape ${s.shapeRight}, both ${s.right} of ${s.outputs} outputs; ${s.wrong.length} wrong; ${(ms / 1000).toFixed(1)} s`);
    const ratchet = JSON.parse(readFileSync(join(here, 'ratchet.json'), 'utf8')) as { inferRight?: number };
    expect(s.right, 'inference regressed below the ratchet (test/conformance/ratchet.json inferRight); see INFER.md').toBeGreaterThanOrEqual(ratchet.inferRight ?? 0);
  }
  expect(s.wrong.map((o) => `${o.case} '${o.output}': ${o.detail}`), 'wrong inferred types (see INFER.md)').toEqual([]);
}, 600_000);
