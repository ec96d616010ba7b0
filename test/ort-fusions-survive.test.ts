/**
 * lathe's -O2 output must not hide a pattern onnxruntime fuses better (../shared/QUALITY.md): on a
 * BERT-style block written out as exporters do at opset 17 (a linear layer, the erf Gelu, a second
 * linear layer, the residual Add and a written-out LayerNormalization), onnxruntime's extended
 * level must find at least as many of its fused ops in lathe's output as in the original, for
 * each fused op it makes there. (lathe once moved the Gelu's 1/√2 and ½ into the neighbouring
 * weights: one op fewer, and onnxruntime's BiasGelu fusion no longer fired on any BERT layer.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, expect, it } from 'vitest';
import { loadModel, saveModel } from '../node/io.js';
import { optimize } from '../passes/library.js';
import { parseModel } from '../ir/text/parse.js';
import type { Model } from '../ir/types.js';

const dir = mkdtempSync(join(tmpdir(), 'lathe-ort-fusions-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const H = 16;
const F = 32;
const values = (n: number, k: number) => Array.from({ length: n }, (_, i) => (Math.sin(i * 0.7 + k) * 0.3).toFixed(4)).join(', ');

const block = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[B,S,${H}] x) => (float[B,S,${H}] y)
  <float[${H},${F}] w1 = {${values(H * F, 1)}}, float[${F}] b1 = {${values(F, 2)}},
   float[${F},${H}] w2 = {${values(F * H, 3)}}, float[${H}] b2 = {${values(H, 4)}},
   float sqrt2 = {1.4142135}, float one = {1.0}, float half = {0.5}, float two = {2.0}, float eps = {0.00001},
   float[${H}] gamma = {${values(H, 5)}}, float[${H}] beta = {${values(H, 6)}}>
{
  m1 = MatMul (x, w1)
  h = Add (m1, b1)
  d = Div (h, sqrt2)
  e = Erf (d)
  e1 = Add (e, one)
  g0 = Mul (h, e1)
  g = Mul (g0, half)
  m2 = MatMul (g, w2)
  o = Add (m2, b2)
  r = Add (o, x)
  mu = ReduceMean <axes = [-1]> (r)
  c = Sub (r, mu)
  p = Pow (c, two)
  v = ReduceMean <axes = [-1]> (p)
  ve = Add (v, eps)
  s = Sqrt (ve)
  n = Div (c, s)
  n1 = Mul (n, gamma)
  y = Add (n1, beta)
}`);

/** onnxruntime's extended-level output of `m`: the count of each op of a non-standard domain. */
async function fusedOps(m: Model, name: string): Promise<Record<string, number>> {
  const input = join(dir, `${name}.onnx`);
  const out = join(dir, `${name}.ort.onnx`);
  saveModel(m, input);
  const s = await ort.InferenceSession.create(input, { graphOptimizationLevel: 'extended', optimizedModelFilePath: out, logSeverityLevel: 3 });
  await s.release();
  const g = loadModel(out).graph;
  const counts: Record<string, number> = {};
  for (const id of g.order) {
    const node = g.nodes[id];
    if (node.domain !== '' && node.domain !== 'ai.onnx') counts[node.op] = (counts[node.op] ?? 0) + 1;
  }
  return counts;
}

it("onnxruntime's fusions fire on lathe's -O2 output wherever they fire on the original", async () => {
  const before = await fusedOps(block, 'original');
  const after = await fusedOps(optimize(block, { level: 2 }).model, 'lathe');
  // The block is built so that onnxruntime fuses something (else the test says nothing).
  expect(Object.keys(before).length, JSON.stringify(before)).toBeGreaterThan(0);
  for (const [op, n] of Object.entries(before)) expect(after[op] ?? 0, `${op}: ${JSON.stringify({ before, after })}`).toBeGreaterThanOrEqual(n);
});
