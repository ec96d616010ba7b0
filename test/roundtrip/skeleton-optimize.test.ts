/**
 * `lathe optimize` on a skeleton (every large weight stripped, as `lathe strip` writes and the
 * corpus ships) never fails: a tensor without data is no constant to a rule, so a rewrite that
 * needs a weight's elements leaves the layer as it is. (matmul-scale-into-weights matched a
 * stripped query weight, found no elements to scale, and -O2 stopped with "pass 'fold-affine'
 * failed" on bert-base.legacy.) Every stripped weight is still there, still stripped.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusModels } from '../../bench/corpus.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { walkGraphs } from '../../ir/walk.js';
import { loadModel } from '../../node/io.js';
import { optimize } from '../../passes/library.js';
import { corpusModelsDir } from '../support/shared.js';

function strippedNames(m: Model): Set<string> {
  const out = new Set<string>();
  walkGraphs(m, (g) => {
    for (const id of g.initializers) {
      const v = g.values[id];
      if (v?.tensor?.data.kind === 'none') out.add(v.name ?? id);
    }
  });
  return out;
}

describe('-O2 on corpus skeletons (weights stripped)', () => {
  // llama-3gb.legacy is the largest: its skeleton is covered by the smaller llamas' structure.
  const names = corpusModels().filter((n) => n !== 'llama-3gb.legacy');
  it.each(names)('%s', (name) => {
    const model = loadModel(join(corpusModelsDir, `${name}.onnx`));
    const before = strippedNames(model);
    expect(before.size).toBeGreaterThan(0);
    const out = optimize(model, { level: 2 }).model;
    expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
    const after = strippedNames(out);
    // a stripped weight may go only with the node that read it (dead code), never become data
    for (const n of after) expect(before.has(n), `${n} is stripped but was not`).toBe(true);
  }, 120_000);
});
