/** checkPass itself: it passes correct passes, and catches, shrinks and reports broken ones. */
import { describe, expect, test } from 'vitest';
import { edit } from '../../ir/edit/edit.js';
import type { Model } from '../../ir/types.js';
import { definePass } from '../../src/pass.js';
import { seq, step } from '../../src/pipeline.js';
import { eliminateDeadCode } from '../../passes/eliminate-dead-code/eliminate-dead-code.js';
import { checkPass, nodeCount } from '../../src/testing.js';
import { failure } from '../../src/testing/check-pass.test-util.js';

/** Sub(a, b) → Sub(b, a): wrong whenever a ≠ b. */
const swapSub = (m: Model): Model =>
  edit(m, (e) => {
    for (const n of e.nodes({ op: 'Sub' })) {
      const [a, b] = n.inputs;
      if (a && b && a !== b) {
        e.setInput(n.id, 0, b);
        e.setInput(n.id, 1, a);
      }
    }
  });


describe('checkPass', () => {
  test('passes the identity, a definePass factory and a schedule', () => {
    expect(checkPass((m) => m, { seed: 3, runs: 50 }).models).toBe(50);
    expect(checkPass(eliminateDeadCode, { seed: 3, runs: 50 }).models).toBe(50);
    expect(checkPass(seq(step(eliminateDeadCode())), { seed: 3, runs: 50 }).models).toBe(50);
  });

  test('a wrong pass fails with a shrunk model, its output, the feeds and the differing values', () => {
    const e = failure(() => checkPass(swapSub, { seed: 7, runs: 200 }));
    expect(e.problem).toBe("outputs differ from the original's");
    expect(e.seed).toBe(7);
    expect(e.path).toMatch(/^\d+(:\d+)*$/);
    expect(e.modelText).toContain('Sub (');
    expect(e.outputText).toContain('Sub (');
    expect(e.differences.some((d) => /expected .*, got /.test(d))).toBe(true);
    // Shrunk: the bug needs one Sub, so the model is a handful of nodes at most (a composite
    // step such as Siblings — two ops on one operand and their Sub — shrinks as one unit).
    expect(nodeCount(e.model)).toBeLessThanOrEqual(4);
    expect(e.message).toContain('--- model (shrunk), ONNX text ---');
    expect(e.message).toContain('--- differences ---');
  });

  test('the same seed gives the same report; seed and path replay it', () => {
    const a = failure(() => checkPass(swapSub, { seed: 7, runs: 200 }));
    const b = failure(() => checkPass(swapSub, { seed: 7, runs: 200 }));
    expect(b.message).toBe(a.message);
    const c = failure(() => checkPass(swapSub, { seed: a.seed!, path: a.path!, runs: 200 }));
    expect(c.modelText).toBe(a.modelText);
  });

  test('a renamed graph output breaks the signature', () => {
    const rename = (m: Model) => edit(m, (e) => e.setValue(m.graph.outputs[0], { name: 'renamed' }));
    expect(failure(() => checkPass(rename, { seed: 1, runs: 20 })).problem).toMatch(/graph outputs changed/);
  });

  test('a pass that throws is reported with its message', () => {
    const e = failure(() => checkPass(() => { throw new Error('boom'); }, { seed: 1, runs: 5 }));
    expect(e.problem).toBe('the pass threw: boom');
    expect(e.outputText).toBeUndefined();
  });

  test('options: idempotence, no growth, same object when unchanged', () => {
    // Adds an unread Identity each run: never idempotent, always grows.
    const grow = (m: Model) => edit(m, (e) => void e.add('Identity', [m.graph.inputs[0]]));
    expect(failure(() => checkPass(grow, { seed: 1, runs: 20, focus: 1, idempotent: true })).problem).toMatch(/not idempotent/);
    expect(failure(() => checkPass(grow, { seed: 1, runs: 20, focus: 1, noGrowth: 'nodes' })).problem).toMatch(/nodes grew/);
    const copy = (m: Model) => ({ ...m });
    expect(checkPass(copy, { seed: 1, runs: 20 }).models).toBe(20);
    expect(failure(() => checkPass(copy, { seed: 1, runs: 20, sameObjectWhenUnchanged: true })).problem).toMatch(/returned a new object/);
  });

  test('given models are checked first', () => {
    const models: Model[] = [];
    checkPass((m) => (models.push(m), m), { seed: 1, runs: 0, models: [fixture()] });
    expect(models.length).toBe(1);
  });
});

function fixture(): Model {
  let m: Model | undefined;
  checkPass((x) => ((m ??= x), x), { seed: 2, runs: 1, focus: 1 });
  return m!;
}

test('a definePass value is run with its defaults', () => {
  const negate = definePass({ name: 'no-op', summary: 's', defaults: {}, run: (m) => m });
  expect(checkPass(negate, { seed: 1, runs: 10 }).models).toBe(10);
});
