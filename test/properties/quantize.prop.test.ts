/**
 * The int8 passes on generated models (src/testing arbModel: MatMul, Gemm, Conv with constant
 * weights among elementwise and pooling ops; float32 only): the output verifies, and every graph
 * output stays within a stated error bound of the float model on finite inputs:
 *
 *   rms(quantized − float) ≤ BOUND · (max |float| + 1)
 *
 * A bound relative to the output's scale, not its norm: a generated chain can cancel to an output
 * near zero whose relative error means nothing. BOUND = 0.1 allows a few compounded int8 roundings
 * (each at most half a step, 1/254 of a range) through the short chains generated.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../ir/eval/index.js';
import type { RtValue } from '../../ir/ops/types.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { walkGraphs } from '../../ir/walk.js';
import { passes } from '../../passes/index.js';
import { createPassContext } from '../../src/pass.js';
import { calibrateSync } from '../../src/quantize/calibrate.js';
import { staticActivationNames } from '../../src/quantize/static-plan.js';
import { arbFeeds, type Feeds } from '../../src/testing/arb-feeds.js';
import { arbModel } from '../../src/testing/arb-model.js';

const BOUND = 0.1;

const models = arbModel({ ops: ['MatMul', 'Gemm', 'Conv', 'Relu', 'Add', 'GlobalAveragePool', 'Softmax'], dtypes: ['float32'], maxNodes: 5 });
// The same ops inside If and Loop bodies: quantize-int8-dynamic rewrites bodies too.
const nested = arbModel({ ops: ['MatMul', 'Gemm', 'Conv', 'Relu', 'Add', 'If', 'Loop'], dtypes: ['float32'], maxNodes: 6 });

/** How many MatMulInteger/DequantizeLinear nodes sit inside subgraphs of `m`. */
function quantizedInBodies(m: Model): number {
  let n = 0;
  walkGraphs(m, (g, path) => {
    if (path.step.kind === 'main') return;
    for (const id of g.order) if (['MatMulInteger', 'DequantizeLinear'].includes(g.nodes[id]!.op)) n++;
  });
  return n;
}

function withinBound(a: RtValue, b: RtValue): boolean {
  if (a.kind !== 'tensor' || b.kind !== 'tensor') return false;
  const x = a.data as Float32Array;
  const y = b.data as Float32Array;
  if (x.length !== y.length) return false;
  let maxAbs = 0;
  let sq = 0;
  for (let i = 0; i < x.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(x[i]));
    sq += (x[i] - y[i]) ** 2;
  }
  return x.length === 0 || Math.sqrt(sq / x.length) <= BOUND * (maxAbs + 1);
}

function check(run: (m: Model, feeds: Feeds) => Model, arb = models, fired = (out: Model, model: Model) => out !== model) {
  let count = 0;
  fc.assert(
    fc.property(arb.chain((m) => arbFeeds(m, { specialFloats: false }).map((f) => [m, f] as const)), ([model, feeds]) => {
      const out = run(model, feeds);
      expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
      if (fired(out, model)) count++;
      const a = evaluate(model, feeds);
      const b = evaluate(out, feeds);
      for (const [name, v] of a) expect(withinBound(v, b.get(name)!), `output ${name}`).toBe(true);
    }),
    { seed: 11, numRuns: 150 },
  );
  return count;
}

describe('int8 quantization of generated models', () => {
  it('quantize-int8-dynamic verifies and stays within the bound', () => {
    const pass = passes['quantize-int8-dynamic']({ minElements: 1 });
    expect(check((m) => pass.run(m, createPassContext()))).toBeGreaterThan(20);
  });

  it('quantize-int8-dynamic rewrites inside If and Loop bodies, verifies and stays within the bound', () => {
    const pass = passes['quantize-int8-dynamic']({ minElements: 1 });
    expect(check((m) => pass.run(m, createPassContext()), nested, (out) => quantizedInBodies(out) > 0)).toBeGreaterThan(10);
  });

  // static ranges hold for data like the calibration data: calibrated on the very inputs measured
  it('quantize-int8-static verifies and stays within the bound on its calibration inputs', () => {
    const plan = { exclude: '', excludeLast: false, minElements: 1 };
    expect(
      check((m, feeds) => {
        const ranges = calibrateSync(m, staticActivationNames(m, plan), [new Map(Object.entries(feeds))], 'minmax');
        return passes['quantize-int8-static']({ minElements: 1, ranges }).run(m, createPassContext());
      }),
    ).toBeGreaterThan(20);
  });
});
