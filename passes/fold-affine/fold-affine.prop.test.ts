/**
 * Property test of fold-affine over generated Conv/ConvTranspose/Gemm/MatMul layers followed by a
 * BatchNormalization or a Mul/Add by a constant, with near misses (constants that broadcast the
 * output, a weight shared by a second node, training mode, Gemm alpha/beta): after the pass the
 * verifier is clean, the outputs match the original's within float32 rounding, and a second run
 * changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { float, type AttrInit } from '../../ir/attrs.js';
import { GraphBuilder, modelOf, tensorType } from '../../ir/edit/build.js';
import { evaluate } from '../../ir/eval/index.js';
import { toTensor } from '../../ir/ops/tensor-value.js';
import type { TensorValue } from '../../ir/ops/types.js';
import type { Model, ValueId } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { foldAffine } from './fold-affine.js';

const spec = fc.record({
  producer: fc.constantFrom('Conv', 'ConvTranspose', 'Gemm', 'MatMul'),
  follower: fc.constantFrom('BN', 'Mul', 'Add'),
  channels: fc.integer({ min: 1, max: 3 }),
  inC: fc.integer({ min: 1, max: 2 }),
  bias: fc.boolean(),
  kShape: fc.constantFrom('vec', 'col', 'full', 'scalar', 'wrong'),
  transB: fc.boolean(),
  alpha: fc.constantFrom(1, 0.5),
  beta: fc.constantFrom(1, 2),
  shared: fc.boolean(),
  training: fc.boolean(),
  swap: fc.boolean(),
  seed: fc.nat(1000),
});
type Spec = typeof spec extends fc.Arbitrary<infer T> ? T : never;

const f32 = (dims: number[], seed: number, lo = -1, hi = 1): TensorValue => {
  const n = dims.reduce((p, d) => p * d, 1);
  return { kind: 'tensor', dtype: 1, dims, data: Float32Array.from({ length: n }, (_, i) => lo + (((seed + 1) * 7919 * (i + 3)) % 1000) / 1000 * (hi - lo)) };
};

function build(s: Spec): { model: Model; feed: Record<string, TensorValue> } {
  const b = new GraphBuilder('g');
  const C = s.channels;
  const init = (t: TensorValue) => b.initializer(undefined, toTensor(t));
  let xDims: number[];
  let wDims: number[];
  let outRank: number;
  switch (s.producer) {
    case 'Conv': xDims = [1, s.inC, 3, 3]; wDims = [C, s.inC, 1, 2]; outRank = 4; break;
    case 'ConvTranspose': xDims = [1, s.inC, 2, 2]; wDims = [s.inC, C, 2, 1]; outRank = 4; break;
    case 'Gemm': xDims = [2, 3]; wDims = s.transB ? [C, 3] : [3, C]; outRank = 2; break;
    default: xDims = s.follower === 'BN' ? [4, 3] : [2, 4, 3]; wDims = [3, C]; outRank = xDims.length;
  }
  const x = b.input('x', tensorType(1, xDims));
  const w = init(f32(wDims, s.seed));
  const inputs = [x, w];
  if (s.bias && s.producer !== 'MatMul') inputs.push(init(s.producer === 'Gemm' ? f32([C], s.seed + 1) : f32([C], s.seed + 1)));
  const attrs: Record<string, AttrInit> = s.producer === 'Gemm' ? { transB: s.transB ? 1n : 0n, alpha: float(s.alpha), beta: float(s.beta) } : {};
  const layer = b.op(s.producer, inputs, attrs);
  const outs = [] as ReturnType<typeof b.op>[];
  let y;
  if (s.follower === 'BN') {
    const stats = [f32([C], s.seed + 2, 0.5, 2), f32([C], s.seed + 3), f32([C], s.seed + 4), f32([C], s.seed + 5, 0.1, 3)].map(init);
    // Training mode (opset 17) writes Y with both running statistics: onnxruntime refuses other counts.
    y = s.training
      ? (b.ops('BatchNormalization', [layer, ...stats], { epsilon: float(0.001), training_mode: 1n }, { outputs: 3 })[0] as ValueId)
      : b.op('BatchNormalization', [layer, ...stats], { epsilon: float(0.001) });
  } else {
    const axisDims = Array.from({ length: outRank }, (_, i) => (i === (s.producer === 'Gemm' || s.producer === 'MatMul' ? outRank - 1 : 1) ? C : 1));
    const kDims =
      s.kShape === 'vec' ? (s.producer === 'Conv' || s.producer === 'ConvTranspose' ? [C, 1, 1] : [C])
      : s.kShape === 'col' ? axisDims.slice(1)
      : s.kShape === 'full' ? axisDims
      : s.kShape === 'scalar' ? []
      : [2, ...axisDims.slice(1)];
    const k = init(f32(kDims, s.seed + 6, 0.5, 2));
    y = b.op(s.follower, s.swap ? [k, layer] : [layer, k]);
  }
  outs.push(y);
  if (s.shared) outs.push(b.op(s.producer, [x, w], attrs));
  outs.forEach((v, i) => b.output(v, `y${i}`));
  return { model: modelOf(b.build()), feed: { x: f32(xDims, s.seed + 9) } };
}

function close(a: TensorValue, b: TensorValue): boolean {
  if (a.dims.join() !== b.dims.join()) return false;
  for (let i = 0; i < a.data.length; i++) {
    const x = Number(a.data[i]);
    const y = Number(b.data[i]);
    if (Math.abs(x - y) > 1e-5 + 1e-4 * Math.abs(y)) return false;
  }
  return true;
}

describe('fold-affine on generated layers', () => {
  it('verifies, computes the same within float rounding and is idempotent', () => {
    let fired = 0;
    let declined = 0;
    fc.assert(
      fc.property(spec, (s) => {
        const { model, feed } = build(s);
        expect(verify(model).filter((d) => d.severity === 'error' || d.code === 'output-case')).toEqual([]);
        const pass = foldAffine();
        const out = pass.run(model, createPassContext());
        expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
        if (out === model) declined++;
        else fired++;
        if (s.follower === 'BN' && s.training) expect(out).toBe(model);
        const before = evaluate(model, feed);
        const after = evaluate(out, feed);
        for (const [name, v] of before) expect(close(after.get(name) as TensorValue, v as TensorValue), `${name} differs for ${JSON.stringify(s)}`).toBe(true);
        expect(pass.run(out, createPassContext())).toBe(out);
      }),
      { seed: 7, numRuns: 300 },
    );
    expect(fired).toBeGreaterThan(60);
    expect(declined).toBeGreaterThan(30);
  });
});
