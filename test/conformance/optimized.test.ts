/**
 * Acceptance of issues 7 and 8 in lathe's evaluator: every ONNX node-test model optimized with
 * `-O1` and with `-O2` still passes its own test data wherever the unoptimized model does, and
 * the optimizer never throws on one (a refusal counts as a failure unless the unoptimized model
 * is refused with the same message). The same holds for two variants of each model that give the
 * optimizer more to do (inputs frozen to constants, symbolic input dims: node-test-variants.ts),
 * compared with the unoptimized variant.
 *
 * `LATHE_CASES=regex` runs only the matching cases.
 */
import { describe, expect, test } from 'vitest';
import { standardOps } from '../../ir/ops/index.js';
import type { Model } from '../../ir/types.js';
import { walkNodes } from '../../ir/walk.js';
import { loadModelFromBytes, saveModelToBytes } from '../../src/io.js';
import { LEVELS, optimizeWith, type Level } from '../support/levels.js';
import { VARIANTS } from '../support/node-test-variants.js';
import { listCases, NODE_TESTS, PREPARE_FAILED, runCase, type CaseVariant } from './runner.js';

const filter = process.env.LATHE_CASES;
const cases = listCases(undefined, filter ? new RegExp(filter) : undefined);

function nodeCount(m: Model): number {
  let n = 0;
  walkNodes(m, () => n++);
  return n;
}

const variants: readonly (CaseVariant | undefined)[] = [undefined, ...VARIANTS];

describe.each(Object.keys(LEVELS) as Level[])('node tests optimized with -%s', (level) => {
  test.each(variants.map((v) => [v?.name ?? 'as shipped', v] as const))('%s: pass in the evaluator wherever the unoptimized model does', (label, variant) => {
    const t0 = performance.now();
    const regressed: string[] = [];
    let before = 0;
    let after = 0;
    let shrunk = 0;
    const prepare = (m: Model): Model => {
      const out = optimizeWith(LEVELS[level], m);
      if (nodeCount(out) < nodeCount(m)) shrunk++;
      // Evaluated as written, so constants folded into dtypes onnxruntime cannot run (float8,
      // int4, strings) are checked through their encoding too.
      return loadModelFromBytes(saveModelToBytes(out));
    };
    for (const name of cases) {
      const base = runCase(name, NODE_TESTS, standardOps, { variant });
      const opt = runCase(name, NODE_TESTS, standardOps, { variant, prepare });
      if (base.pass) before++;
      if (opt.pass) after++;
      const refusedAlike = opt.reason !== undefined && base.reason !== undefined && opt.reason === `${PREPARE_FAILED}${base.reason}`;
      const optimizerFailed = opt.reason?.startsWith(PREPARE_FAILED) === true && !refusedAlike;
      if ((base.pass && !opt.pass) || optimizerFailed) regressed.push(`${name}: ${opt.reason}`);
    }
    const s = ((performance.now() - t0) / 1000).toFixed(1);
    console.log(`-${level} ${label}: ${cases.length} cases (${shrunk} with fewer nodes after it); pass ${before} unoptimized, ${after} optimized; ${s} s`);
    expect(regressed, `cases that -${level} breaks (${label})`).toEqual([]);
  }, 1_800_000);
});
