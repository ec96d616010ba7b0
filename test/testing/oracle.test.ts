/**
 * checkPass's oracle option: an oracle of one's own, onnxruntime through lathe/testing's Node
 * entry, and clear errors when an oracle is asked for where it cannot run.
 */
import { describe, expect, test } from 'vitest';
import { evaluate } from '../../ir/eval/run.js';
import { loadModelFromBytes } from '../../src/io.js';
import type { Model } from '../../ir/types.js';
import { checkPass, checkPassAsync, CheckPassError, onnxruntimeOracle, type Oracle } from '../../node/testing.js';
import { passes } from '../../passes/index.js';

/** A pass that turns every Relu into Neg (wrong on every positive input). */
const reluToNeg = (m: Model): Model => {
  const g = m.graph;
  if (!g.order.some((id) => g.nodes[id].op === 'Relu')) return m;
  const nodes = { ...g.nodes };
  for (const id of g.order) if (nodes[id].op === 'Relu') nodes[id] = { ...nodes[id], op: 'Neg' };
  return { ...m, graph: { ...g, nodes } };
};
const generate = { ops: ['Relu', 'Add', 'Mul', 'Neg'], dtypes: ['float32', 'int64'] as const, features: { constants: false } };

describe('oracle', () => {
  test('an oracle of one\'s own runs both models; a broken pass is reported with its name', async () => {
    let calls = 0;
    const mine: Oracle = {
      name: 'my-runtime',
      run: async (bytes, feeds) => {
        calls++;
        return evaluate(loadModelFromBytes(bytes), feeds);
      },
    };
    await expect(checkPassAsync(passes['eliminate-dead-code'], { oracle: mine, seed: 3, runs: 10, focus: 4 })).resolves.toEqual({ models: 10 });
    expect(calls).toBeGreaterThan(0);
    const err = await checkPassAsync(reluToNeg, { oracle: mine, seed: 3, runs: 30, focus: 8, generate: { ...generate, dtypes: ['float32', 'int64'] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckPassError);
    expect((err as CheckPassError).problem).toBe("outputs differ from the original's (in my-runtime)");
  });

  test("oracle: 'onnxruntime' through the Node entry catches the same bug", { timeout: 120_000 }, async () => {
    await expect(checkPassAsync(passes['fold-constants'], { oracle: 'onnxruntime', seed: 5, runs: 15, focus: 4, generate: { dtypes: ['float32', 'int64', 'bool'] } })).resolves.toEqual({ models: 15 });
    const err = await checkPassAsync(reluToNeg, { oracle: 'onnxruntime', seed: 5, runs: 30, focus: 8, generate: { ...generate, dtypes: ['float32', 'int64'] } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CheckPassError);
    expect((err as CheckPassError).problem).toBe("outputs differ from the original's (in onnxruntime)");
    expect((err as CheckPassError).modelText).toContain('Relu');
  });

  test('asking where it cannot run: a clear error', async () => {
    expect(() => checkPass(reluToNeg, { oracle: 'onnxruntime', runs: 1 })).toThrow(/runs asynchronously: call checkPassAsync/);
    await expect(onnxruntimeOracle(() => Promise.reject(new Error("Cannot find package 'onnxruntime-node'")))).rejects.toThrow(
      /oracle 'onnxruntime' needs onnxruntime-node, which is not installed \(npm install --save-dev onnxruntime-node\)/,
    );
  });
});
