/**
 * Acceptance of issues 7 and 8 in lathe's evaluator: every ONNX node-test model optimized with
 * `-O1` and with `-O2` still passes its own test data wherever the unoptimized model does, and
 * the optimizer never throws on one (a refusal counts as a failure unless the unoptimized model
 * is refused with the same message).
 *
 * `LATHE_CASES=regex` runs only the matching cases and prints each regression.
 */
import { describe, expect, test } from 'vitest';
import { standardOps } from '../../ir/ops/index.js';
import type { Model } from '../../ir/types.js';
import { walkNodes } from '../../ir/walk.js';
import { LEVELS, optimizeWith, type Level } from '../support/levels.js';
import { listCases, NODE_TESTS, PREPARE_FAILED, runCase } from './runner.js';

const filter = process.env.LATHE_CASES;

function nodeCount(m: Model): number {
  let n = 0;
  walkNodes(m, () => n++);
  return n;
}
const cases = listCases(undefined, filter ? new RegExp(filter) : undefined);

describe.each(Object.keys(LEVELS) as Level[])('node tests optimized with -%s', (level) => {
  test('pass in the evaluator wherever the original does', () => {
    const t0 = performance.now();
    const regressed: string[] = [];
    let before = 0;
    let after = 0;
    let shrunk = 0;
    const optimize = (m: Model): Model => {
      const out = optimizeWith(LEVELS[level], m);
      if (nodeCount(out) < nodeCount(m)) shrunk++;
      return out;
    };
    for (const name of cases) {
      const base = runCase(name);
      const opt = runCase(name, NODE_TESTS, standardOps, optimize);
      if (base.pass) before++;
      if (opt.pass) after++;
      const refusedAlike = opt.reason !== undefined && base.reason !== undefined && opt.reason === `${PREPARE_FAILED}${base.reason}`;
      const optimizerFailed = opt.reason?.startsWith(PREPARE_FAILED) === true && !refusedAlike;
      if ((base.pass && !opt.pass) || optimizerFailed) regressed.push(`${name}: ${opt.reason}`);
    }
    console.log(`-${level}: ${cases.length} cases (${shrunk} with fewer nodes after it); pass ${before} unoptimized, ${after} optimized; ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    expect(regressed, `cases that -${level} breaks`).toEqual([]);
  }, 1_800_000);
});
