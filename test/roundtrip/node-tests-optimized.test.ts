/**
 * Acceptance of issues 7 and 8 in onnxruntime: for every node-test case onnxruntime compares
 * today (`node-tests.compared.json`), the model optimized with `-O1` and with `-O2` gives, fed the
 * case's stored inputs, outputs within ONNX's tolerance (rtol 1e-3, atol 1e-7) of the case's
 * stored outputs wherever the unoptimized model does (onnxruntime with its optimizations off, one
 * thread). A case whose optimization throws, or whose optimized model onnxruntime refuses, fails.
 * The same for the variants of test/support/node-test-variants.ts (inputs frozen to constants,
 * symbolic input dims), against the unoptimized variant.
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
import { compareValues, type CaseVariant } from '../conformance/runner.js';
import { LEVELS, optimizeWith, type Level } from '../support/levels.js';
import { VARIANTS } from '../support/node-test-variants.js';
import { fromOrt, storedFeeds } from '../support/ort-feeds.js';
import { nodeTestsDir } from '../support/shared.js';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.env.LATHE_CASES;
const cases = (JSON.parse(readFileSync(join(here, 'node-tests.compared.json'), 'utf8')) as string[])
  .filter((c) => !filter || new RegExp(filter).test(c));

const oneLine = (e: unknown): string => (e instanceof Error ? e.message : String(e)).split('\n')[0];

/**
 * Runs `model` on each data set, feeding the stored inputs named in `declared`, and returns the
 * first difference from the stored outputs (matched through `original`'s outputs), or undefined.
 */
async function check(model: Uint8Array, original: Model, declared: ReadonlySet<string>, dir: string, sets: readonly string[]): Promise<string | undefined> {
  let session: ort.InferenceSession;
  try {
    session = await createSession(model);
  } catch (e) {
    return `onnxruntime refused it: ${oneLine(e)}`;
  }
  try {
    const g = original.graph;
    for (const set of sets) {
      const stored = storedFeeds(original, dir, set) as Feeds;
      const feeds: Feeds = Object.fromEntries(Object.entries(stored).filter(([k]) => declared.has(k)));
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
    return `run failed: ${oneLine(e)}`;
  } finally {
    await session.release();
  }
}

const variants: readonly (CaseVariant | undefined)[] = [undefined, ...VARIANTS];

describe.each(Object.keys(LEVELS) as Level[])('node tests optimized with -%s in onnxruntime', (level) => {
  test.each(variants.map((v) => [v?.name ?? 'as shipped', v] as const))('%s: match their stored outputs wherever the unoptimized model does', async (label, variant) => {
    const t0 = performance.now();
    const regressed: string[] = [];
    let before = 0;
    let after = 0;
    for (const name of cases) {
      const dir = join(nodeTestsDir, name);
      const bytes = readFileSync(join(dir, 'model.onnx'));
      const original = loadModelFromBytes(bytes);
      let sets = readdirSync(dir).filter((d) => d.startsWith('test_data_set_') && storedFeeds(original, dir, d)).sort();
      if (variant?.firstSetOnly) sets = sets.slice(0, 1);
      const model = variant ? variant.apply(original, dir) : original;
      const declared = new Set(model.graph.inputs.map((id) => model.graph.values[id]?.name ?? id));
      const base = await check(variant ? saveModelToBytes(model) : bytes, original, declared, dir, sets);
      let opt: string | undefined;
      try {
        opt = await check(saveModelToBytes(optimizeWith(LEVELS[level], model)), original, declared, dir, sets);
      } catch (e) {
        opt = `optimizing failed: ${oneLine(e)}`;
      }
      if (base === undefined) before++;
      if (opt === undefined) after++;
      if (base === undefined && opt !== undefined) regressed.push(`${name}: ${opt}`);
    }
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`-${level} ${label} in onnxruntime: ${cases.length} cases; match stored outputs ${before} unoptimized, ${after} optimized; ${s} s`);
    expect(regressed, `cases that -${level} breaks in onnxruntime (${label})`).toEqual([]);
  }, 1_800_000);
});
