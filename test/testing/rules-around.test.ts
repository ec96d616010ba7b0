/**
 * Every rule of fuse, simplify-algebra, fold-affine and simplify-shapes, on generated models planted with its own
 * pattern and near misses (`arbModel({ around })`): the pass of that one rule keeps the model
 * valid and computing the same (checkPass), and the rule fires on a fair share of the draws, so
 * the check cannot pass by never rewriting. Where a rule demands in its `check` what its pattern
 * cannot say, a more specific pattern or context ops help (bench/rule-targets.ts).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Model } from '../../ir/types.js';
import { RULE_FAMILIES, ruleCheckOptions, ruleGenerateOptions, rulePass } from '../../bench/rule-targets.js';
import type { Rule } from '../../src/pattern/index.js';
import { runSchedule } from '../../src/runner.js';
import { arbModel, checkPass } from '../../src/testing.js';

/** The least share of draws on which the rule must fire. */
const MIN_FIRED = 0.05;

function firedShare(r: Rule, infer: boolean, models: readonly Model[]): number {
  const pass = rulePass(r, infer)();
  let fired = 0;
  for (const m of models) if ((runSchedule(pass, m).stats.get(`one/rule/${r.name}`) ?? 0) > 0) fired++;
  return fired / models.length;
}

for (const { pass, rules, infer } of RULE_FAMILIES) {
  describe(`${pass} rules around their patterns`, () => {
    for (const r of rules) {
      test(r.name, () => {
        const options = ruleGenerateOptions(r);
        const share = firedShare(r, infer, fc.sample(arbModel(options), { seed: 7, numRuns: 100 }));
        expect(share, `${r.name} fired on ${Math.round(share * 100)}% of the draws`).toBeGreaterThanOrEqual(MIN_FIRED);
        // The planted draws hold the rule's own near misses already; generic near misses of them
        // reach the known rounding classes of fusions (a Cast to int64 or a renormalized norm of
        // a fused value flipping by one ulp: rms-norm, attention-masked, convtranspose-batchnorm).
        checkPass(rulePass(r, infer), { seed: 20261206, runs: 40, focus: 4, generate: options, nearMisses: 0, ...ruleCheckOptions(r) });
      });
    }
  });
}
