/**
 * Generated models load in onnxruntime-node (the oracle the issue names), and on a sample lathe's
 * evaluator and onnxruntime agree on float32/int64/bool outputs. onnxruntime-node is a dev
 * dependency: this test is the only place it is used by lathe/testing's tests.
 */
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { expect, test } from 'vitest';
import { evaluate } from '../../ir/eval/run.js';
import type { TensorValue } from '../../ir/ops/types.js';
import { saveModelToBytes } from '../../src/io.js';
import { compareValues } from '../../src/compare.js';
import { arbFeeds, arbModel } from '../../src/testing.js';

const ORT_TYPE: Record<number, ort.Tensor.Type> = { 1: 'float32', 7: 'int64', 9: 'bool' };

test('generated models load in onnxruntime and agree with the evaluator', { timeout: 300_000 }, async () => {
  // float16 kernels are missing from onnxruntime's CPU provider for several ops: float32, int64, bool here.
  const models = fc.sample(arbModel({ dtypes: ['float32', 'int64', 'bool'] }), { seed: 31, numRuns: 200 });
  let loaded = 0;
  let compared = 0;
  const disagreements: string[] = [];
  const refused: string[] = [];
  for (const m of models) {
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(saveModelToBytes(m), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
    } catch (e) {
      refused.push(String((e as Error).message).replace(/with name '.*'/, '').slice(0, 120));
      continue;
    }
    loaded++;
    const feeds = fc.sample(arbFeeds(m, { symbolSizes: [2, 1, 3], specialFloats: false }), { seed: loaded, numRuns: 1 })[0];
    let want: Map<string, unknown>;
    try {
      want = evaluate(m, feeds);
    } catch {
      continue;
    }
    const ortFeeds: Record<string, ort.Tensor> = {};
    for (const [k, v] of Object.entries(feeds)) {
      const t = v as TensorValue;
      ortFeeds[k] = new ort.Tensor(ORT_TYPE[t.dtype], t.dtype === 9 ? Array.from(t.data as Uint8Array, Boolean) as unknown as Uint8Array : (t.data as Float32Array), t.dims);
    }
    const got = await session.run(ortFeeds);
    compared++;
    for (const [name, w] of want) {
      const o = got[name];
      const wt = w as TensorValue;
      const data = wt.dtype === 9 ? Uint8Array.from(o.data as unknown as ArrayLike<number>, (x) => (x ? 1 : 0)) : o.data;
      const d = compareValues({ kind: 'tensor', dtype: wt.dtype, dims: [...o.dims], data: data as Float32Array }, wt, { rtol: 1e-4, atol: 1e-4 });
      if (d.mismatch !== undefined || d.past > 0) disagreements.push(`${name}: ${d.mismatch ?? `${d.past} elements, max ${d.maxAbs}`}`);
    }
  }
  expect(refused).toEqual([]);
  expect(loaded).toBe(200);
  expect(compared).toBeGreaterThan(150);
  expect(disagreements).toEqual([]);
});
