/**
 * A BatchNormalization in training mode normalizes with the batch's own statistics, not its mean
 * and var inputs; what says so changed with the opset: before 14 its output count (the statistics
 * outputs, read or not), from 14 its training_mode attribute. A rewrite that writes the node again
 * with Y alone switches an opset-9 node to inference mode: fold-affine's batchnorm-mul did until
 * this test's session (a per-channel Mul after a BN-9 with five outputs). Here every pipeline runs
 * on training-mode BNs in the contexts the passes look at (after a Conv, a Gemm or a MatMul with
 * constant weights, on constant input, followed by per-channel Mul/Add or Relu, the statistics
 * read or not), at the opsets of both conventions, and must compute what the original computes,
 * in lathe's evaluator and in onnxruntime.
 */
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../ir/eval/index.js';
import type { TensorValue } from '../ir/ops/types.js';
import { parseModel } from '../ir/text/parse.js';
import type { Model } from '../ir/types.js';
import { verify } from '../ir/verify/verify.js';
import { saveModelToBytes } from '../src/io.js';
import { optimize } from '../passes/library.js';

const C = 3;
const vec = (k: number, lo = 0) => `{${Array.from({ length: C }, (_, i) => (lo + Math.abs(Math.sin(i * 1.3 + k))).toFixed(3)).join(', ')}}`;

type Producer = 'conv' | 'matmul' | 'constant';
type Follower = 'mul' | 'add' | 'mul-add' | 'relu';

/** y = follower(BN(producer(x))), the BN in training mode at `opset`; `readStats`: its statistics are outputs too. */
function model(opset: number, producer: Producer, follower: Follower, readStats: boolean): Model {
  const stats = opset >= 14 ? ['rm', 'rv'] : ['rm', 'rv', 'sm', 'sv'];
  const attrs = opset >= 14 ? '<epsilon = 0.001, training_mode = 1>' : '<epsilon = 0.001>';
  // Channels on axis 1: [N, C, H, W] for Conv and the constant, [N, C] for MatMul.
  const xType = producer === 'conv' ? `float[2,${C},2,2] x` : producer === 'matmul' ? 'float[4,2] x' : `float[2,${C},2] x`;
  const kDims = producer === 'matmul' ? `[${C}]` : producer === 'conv' ? `[${C},1,1]` : `[${C},1]`;
  const body: string[] = [];
  if (producer === 'conv') body.push('p = Conv <kernel_shape = [1, 1]> (x, w, cb)');
  else if (producer === 'matmul') body.push('p = MatMul (x, wm)');
  else body.push('p = Mul (c0, c1)');
  body.push(`n, ${stats.join(', ')} = BatchNormalization ${attrs} (p, s, b, mu, va)`);
  if (producer === 'constant') body.push('q = Add (x, n)');
  const out = producer === 'constant' ? 'q' : 'n';
  if (follower === 'mul') body.push(`y = Mul (${out}, k)`);
  else if (follower === 'add') body.push(`y = Add (${out}, k)`);
  else if (follower === 'mul-add') body.push(`t = Mul (${out}, k)`, 'y = Add (t, k2)');
  else body.push(`y = Relu (${out})`);
  const inits = [
    `float[${C},${C},1,1] w = {${Array.from({ length: C * C }, (_, i) => ((i % 4) - 1.5).toFixed(1)).join(', ')}}`,
    `float[${C}] cb = ${vec(7)}`,
    `float[2,${C}] wm = {${Array.from({ length: 2 * C }, (_, i) => ((i % 3) - 0.7).toFixed(1)).join(', ')}}`,
    `float[2,${C},2] c0 = {${Array.from({ length: 4 * C }, (_, i) => (i * 0.37 - 2).toFixed(2)).join(', ')}}`,
    `float[2,${C},2] c1 = {${Array.from({ length: 4 * C }, (_, i) => (1 + (i % 5) * 0.2).toFixed(2)).join(', ')}}`,
    `float[${C}] s = ${vec(1)}`, `float[${C}] b = ${vec(2)}`, `float[${C}] mu = ${vec(3)}`, `float[${C}] va = ${vec(4, 0.5)}`,
    `float${kDims} k = ${vec(5, 0.5)}`, `float${kDims} k2 = ${vec(6)}`,
  ];
  // Before 14 the saved mean and variance too (onnxruntime: the batch mean and 1/√(var + ε)).
  const outs = readStats ? (opset >= 14 ? 'y, rm' : 'y, rm, sm, sv') : 'y';
  return parseModel(`<ir_version: 8, opset_import: ["" : ${opset}]>
g (${xType}) => (${outs}) <${inits.join(', ')}> {
  ${body.join('\n  ')}
}`);
}

const feed = (m: Model): Record<string, TensorValue> => {
  const x = m.graph.values[m.graph.inputs[0]];
  const t = x.type!;
  const dims = (t.kind === 'tensor' ? t.shape! : []) as number[];
  const n = dims.reduce((a, d) => a * d, 1);
  return { x: { kind: 'tensor', dtype: 1, dims, data: Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.9) * 2) } };
};

function close(a: TensorValue, b: TensorValue): boolean {
  if (a.dims.join() !== b.dims.join()) return false;
  return Array.from(a.data as Float32Array).every((v, i) => Math.abs(v - Number(b.data[i])) <= 1e-4 + 1e-4 * Math.abs(Number(b.data[i])));
}

async function ortRun(m: Model, inputs: Record<string, TensorValue>): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(await saveModelToBytes(m), { graphOptimizationLevel: 'disabled' });
  const f: Record<string, ort.Tensor> = {};
  for (const [k, v] of Object.entries(inputs)) f[k] = new ort.Tensor('float32', v.data as Float32Array, v.dims);
  const r = await s.run(f);
  return Object.fromEntries(Object.entries(r).map(([k, v]) => [k, v.data as Float32Array]));
}

describe('training-mode BatchNormalization through every pipeline', () => {
  const cases: [number, Producer, Follower, boolean][] = [];
  for (const opset of [9, 13, 15])
    for (const producer of ['conv', 'matmul', 'constant'] as const)
      for (const follower of ['mul', 'add', 'mul-add', 'relu'] as const)
        for (const readStats of [false, true]) cases.push([opset, producer, follower, readStats]);

  it.each(cases)('opset %i, after %s, then %s, statistics read: %s', async (opset, producer, follower, readStats) => {
    const m = model(opset, producer, follower, readStats);
    expect(verify(m).filter((d) => d.severity === 'error' || d.code === 'output-case')).toEqual([]);
    const inputs = feed(m);
    const want = evaluate(m, inputs);
    const ref = await ortRun(m, inputs);
    // onnxruntime computes training mode too: the evaluator agrees with it on the original.
    for (const [name, v] of want) expect(close({ ...(v as TensorValue), data: ref[name] }, v as TensorValue), `${name}: evaluator vs onnxruntime`).toBe(true);
    for (const level of [1, 2] as const) {
      const out = optimize(m, { level }).model;
      const got = evaluate(out, inputs);
      for (const [name, v] of want) expect(close(got.get(name) as TensorValue, v as TensorValue), `-O${level} ${name}`).toBe(true);
      const ortGot = await ortRun(out, inputs);
      for (const name of Object.keys(ref)) {
        const a = ortGot[name], b = ref[name];
        expect(a.length, `-O${level} ${name} in onnxruntime`).toBe(b.length);
        for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i]), `-O${level} ${name}[${i}] in onnxruntime`).toBeLessThanOrEqual(1e-4 + 1e-4 * Math.abs(b[i]));
      }
    }
  });
});
