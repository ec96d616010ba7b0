/**
 * Acceptance of issues 7 and 8 in onnxruntime: for every node-test case onnxruntime compares
 * today (`node-tests.compared.json`), the model optimized with `-O1` and with `-O2` gives, fed the
 * case's stored inputs, outputs within ONNX's tolerance (rtol 1e-3, atol 1e-7) of the case's
 * stored outputs wherever the original model does (onnxruntime with its optimizations off, one
 * thread). A case whose optimization throws, or whose optimized model onnxruntime refuses, fails.
 *
 * `LATHE_CASES=regex` runs only the matching cases.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as ort from 'onnxruntime-node';
import { describe, expect, test } from 'vitest';
import { readValue } from '../../ir/eval/data.js';
import type { Model } from '../../ir/types.js';
import { loadModelFromBytes, saveModelToBytes } from '../../src/io.js';
import { createSession, type Feeds } from '../../bench/ort.js';
import { compareValues } from '../conformance/runner.js';
import { LEVELS, optimizeWith, type Level } from '../support/levels.js';
import { fromOrt, storedFeeds } from '../support/ort-feeds.js';
import { nodeTestsDir } from '../support/shared.js';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.env.LATHE_CASES;
const cases = (JSON.parse(readFileSync(join(here, 'node-tests.compared.json'), 'utf8')) as string[])
  .filter((c) => !filter || new RegExp(filter).test(c));

/** Runs `model` on each data set and returns the first difference from the stored outputs, or undefined. */
async function check(model: Uint8Array, original: Model, dir: string, sets: readonly string[]): Promise<string | undefined> {
  let session: ort.InferenceSession;
  try {
    session = await createSession(model);
  } catch (e) {
    return `onnxruntime refused it: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
  }
  try {
    const g = original.graph;
    for (const set of sets) {
      const feeds = storedFeeds(original, dir, set) as Feeds;
      const result = await session.run(feeds);
      for (let k = 0; k < g.outputs.length; k++) {
        const file = join(dir, set, `output_${k}.pb`);
        if (!existsSync(file)) continue;
        const v = g.values[g.outputs[k]];
        const name = v?.name ?? g.outputs[k];
        const got = result[name];
        if (!got) return `${set}: no output '${name}'`;
        const what = `${set} output '${name}'`;
        const want = readValue(readFileSync(file), g.outputInfo?.[k]?.type ?? v?.type, `${set}/output_${k}.pb`);
        const diff = compareValues(fromOrt(got, what), want, false, what);
        if (diff) return diff;
      }
    }
    return undefined;
  } catch (e) {
    return `run failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
  } finally {
    await session.release();
  }
}

describe.each(Object.keys(LEVELS) as Level[])('node tests optimized with -%s in onnxruntime', (level) => {
  test('match their stored outputs wherever the original does', async () => {
    const t0 = performance.now();
    const regressed: string[] = [];
    let before = 0;
    let after = 0;
    for (const name of cases) {
      const dir = join(nodeTestsDir, name);
      const bytes = readFileSync(join(dir, 'model.onnx'));
      const original = loadModelFromBytes(bytes);
      const sets = readdirSync(dir).filter((d) => d.startsWith('test_data_set_') && storedFeeds(original, dir, d)).sort();
      const base = await check(bytes, original, dir, sets);
      let opt: string | undefined;
      try {
        opt = await check(saveModelToBytes(optimizeWith(LEVELS[level], original)), original, dir, sets);
      } catch (e) {
        opt = `optimizing failed: ${(e instanceof Error ? e.message : String(e)).split('\n')[0]}`;
      }
      if (base === undefined) before++;
      if (opt === undefined) after++;
      if (base === undefined && opt !== undefined) regressed.push(`${name}: ${opt}`);
    }
    console.log(`-${level} in onnxruntime: ${cases.length} cases; match stored outputs ${before} unoptimized, ${after} optimized; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(regressed, `cases that -${level} breaks in onnxruntime`).toEqual([]);
  }, 1_800_000);
});
