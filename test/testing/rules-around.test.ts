/**
 * Every rule of fuse, simplify-algebra and fold-affine, on generated models planted with its own
 * pattern and near misses (`arbModel({ around })`): the pass of that one rule keeps the model
 * valid and computing the same (checkPass), and the rule fires on a fair share of the draws, so
 * the check cannot pass by never rewriting. Where a rule demands in its `check` what its pattern
 * cannot say, a more specific pattern or context ops help (listed below).
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Model } from '../../ir/types.js';
import { affineRules } from '../../passes/fold-affine/rules.js';
import { fuseRules } from '../../passes/fuse/rules/index.js';
import { algebraRules } from '../../passes/simplify-algebra/rules.js';
import { op, P, rewritePass, type Rule } from '../../src/pattern/index.js';
import { runSchedule } from '../../src/runner.js';
import { arbModel, checkPass, type ArbModelOptions, type Plantable } from '../../src/testing.js';

const [x, y, z] = P.vars('x', 'y', 'z');
/** Ops valid at opset 12 (Squeeze/Unsqueeze axes are attributes there). */
const OPSET12_OPS = ['Relu', 'Neg', 'Add', 'Mul', 'Transpose', 'Sigmoid', 'Identity', 'MatMul'];

/** Generator options per rule, where the rule's own pattern is not enough. */
const HELP: Readonly<Record<string, Omit<ArbModelOptions, 'around'> & { around?: Plantable }>> = {
  // γ and β must be constants of exactly the normalized dims: the written-out composite plants them.
  'layer-norm': { ops: ['LayerNorm', 'Add', 'Mul', 'Relu'] },
  'layer-norm-no-bias': { ops: ['LayerNorm', 'Add', 'Mul', 'Relu'] },
  'rms-norm': { ops: ['LayerNorm', 'Add', 'Mul', 'Relu'] },
  // The attribute forms of Squeeze/Unsqueeze exist below opset 13 only.
  'unsqueeze-unsqueeze-attr': { opset: 12, ops: OPSET12_OPS },
  'unsqueeze-squeeze-attr': { opset: 12, ops: OPSET12_OPS },
  'squeeze-unsqueeze-attr': { opset: 12, ops: OPSET12_OPS },
  // Integers only (float addition does not associate): cast the anchor to int64 first.
  'add-const-add-const': { around: op.Add(op.Add(op.Cast(x, { to: 7n }), P.const()), P.const()) },
  // The rule takes any Concat and looks for a Concat among its inputs in its check.
  'concat-concat': { around: P.or(op.Concat(x, op.Concat(y, z, { axis: 0n }), { axis: 0n }), op.Concat(op.Concat(x, y, { axis: -1n }), z, { axis: -1n })) },
  // The check looks for a constant-weight MatMul below one operand.
  'matmul-scale-into-weights': { around: op.Mul(op.MatMul(op.MatMul(x, P.const()), y), P.const(0.125)) },
  'matmul-divide-into-weights': { around: op.Div(op.MatMul(op.MatMul(x, P.const()), y), P.const(8)) },
};

/** The least share of draws on which the rule must fire. */
const MIN_FIRED = 0.05;

function optionsFor(r: Rule): ArbModelOptions {
  const help = HELP[r.name] ?? {};
  // The rule itself is planted too (its minOpset sets the model's opset); help adds a pattern.
  return { ...help, around: help.around ? [r, help.around] : r };
}

const onePass = (r: Rule) => rewritePass({ name: 'one', summary: `only ${r.name}`, rules: [r], infer: true })();

function firedShare(r: Rule, models: readonly Model[]): number {
  const pass = onePass(r);
  let fired = 0;
  for (const m of models) if ((runSchedule(pass, m).stats.get(`one/rule/${r.name}`) ?? 0) > 0) fired++;
  return fired / models.length;
}

for (const [family, rules] of [['fuse', fuseRules], ['simplify-algebra', algebraRules], ['fold-affine', affineRules]] as const) {
  describe(`${family} rules around their patterns`, () => {
    for (const r of rules) {
      test(r.name, () => {
        const options = optionsFor(r);
        const share = firedShare(r, fc.sample(arbModel(options), { seed: 7, numRuns: 100 }));
        expect(share, `${r.name} fired on ${Math.round(share * 100)}% of the draws`).toBeGreaterThanOrEqual(MIN_FIRED);
        checkPass(onePass(r), { seed: 20261206, runs: 40, focus: 4, generate: options });
      });
    }
  });
}
