/**
 * quantize-int4-weight: the block quantizer's round trip (every weight within one step of its
 * value), and both output forms computing exactly the dequantized weight's product — the QDQ form
 * in lathe's evaluator and in onnxruntime (DequantizeLinear-21 with int4/uint4 and block_size),
 * the MatMulNBits form in onnxruntime (its packing checked against the same reference).
 */
import fc from 'fast-check';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../ir/dtype.js';
import { evaluate } from '../../ir/eval/index.js';
import type { TensorValue } from '../../ir/ops/types.js';
import { parseModel } from '../../ir/text/parse.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { saveModelToBytes } from '../../src/io.js';
import { createPassContext } from '../../src/pass.js';
import { runSchedule } from '../../src/schedule.js';
import { dequantizeInt4Blocks, quantizeInt4Blocks } from './blocks.js';
import { quantizeInt4Weight } from './quantize-int4-weight.js';

describe('int4 blocks', () => {
  it('round trip: every weight comes back within one step (its block scale) of its value', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 70 }), fc.integer({ min: 1, max: 4 }), fc.constantFrom(32, 64, 128), fc.boolean(),
        fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -8, max: 8 }), { minLength: 280, maxLength: 280 }),
        (K, N, block, symmetric, pool) => {
          const w = Float32Array.from({ length: K * N }, (_, i) => pool[i % pool.length]);
          const q = quantizeInt4Blocks(w, K, N, block, symmetric);
          const back = dequantizeInt4Blocks(q);
          for (let k = 0; k < K; k++) {
            for (let n = 0; n < N; n++) {
              const step = q.scales[n * q.blocks + Math.floor(k / block)];
              expect(Math.abs(back[k * N + n] - w[k * N + n])).toBeLessThanOrEqual(step * (1 + 1e-6) + 1e-30);
            }
          }
          if (symmetric) expect([...q.zeros].every((z) => z === 8)).toBe(true);
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });
});

const K = 80;
const N = 5;
const weights = Array.from({ length: K * N }, (_, i) => Math.round(Math.sin(i * 0.7) * 1000) / 1000);
const text = (opset: number) => `<ir_version: 10, opset_import: ["" : ${opset}]>
g (float[3,${K}] x) => (float[3,${N}] y) <float[${K},${N}] w = {${weights.join(', ')}}> {
  y = MatMul (x, w)
}`;
const x: TensorValue = { kind: 'tensor', dtype: D.FLOAT, dims: [3, K], data: Float32Array.from({ length: 3 * K }, (_, i) => Math.cos(i * 0.3)) };

/** x × the dequantized weight, in float64. */
function reference(block: number, symmetric: boolean): Float64Array {
  const wq = dequantizeInt4Blocks(quantizeInt4Blocks(Float32Array.from(weights), K, N, block, symmetric));
  const out = new Float64Array(3 * N);
  const xd = x.data as Float32Array;
  for (let m = 0; m < 3; m++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) out[m * N + n] += xd[m * K + k] * wq[k * N + n];
  return out;
}

async function runOrt(model: Model): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(saveModelToBytes(model), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
  try {
    const r = await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, [3, K]) });
    return r['y']!.data as Float32Array;
  } finally {
    await s.release();
  }
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>) => {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-4 * (1 + Math.abs(want[i])));
};

describe('quantize-int4-weight', () => {
  for (const symmetric of [false, true]) {
    for (const block of [32, 64]) {
      it(`qdq, block ${block}, ${symmetric ? 'symmetric' : 'zero points'}: DequantizeLinear-21 computes the dequantized product in lathe and onnxruntime`, async () => {
        const out = runSchedule(quantizeInt4Weight({ block, symmetric }), parseModel(text(21)), { verifyEach: true }).model;
        expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
        const g = out.graph;
        const dq = g.order.map((id) => g.nodes[id]!).find((n) => n.op === 'DequantizeLinear')!;
        expect(g.values[dq.inputs[0]!]!.tensor!.dtype).toBe(symmetric ? D.INT4 : D.UINT4);
        expect(dq.inputs.length).toBe(symmetric ? 2 : 3);
        // 4 bits a weight, two a byte.
        expect((g.values[dq.inputs[0]!]!.tensor!.data as { bytes: Uint8Array }).bytes.length).toBe((K * N) / 2);
        const want = reference(block, symmetric);
        close((evaluate(out, { x }).get('y') as TensorValue).data as Float32Array, want);
        close(await runOrt(out), want);
      });
    }
    it(`msft, ${symmetric ? 'symmetric' : 'zero points'}: onnxruntime's MatMulNBits computes the dequantized product`, async () => {
      const out = runSchedule(quantizeInt4Weight({ format: 'msft', symmetric }), parseModel(text(17)), { verifyEach: true }).model;
      const g = out.graph;
      const nb = g.order.map((id) => g.nodes[id]!).find((n) => n.op === 'MatMulNBits')!;
      expect(nb.domain).toBe('com.microsoft');
      expect(g.values[nb.inputs[1]!]!.tensor!.dims).toEqual([N, Math.ceil(K / 32), 16]);
      expect(out.opsets).toContainEqual({ domain: 'com.microsoft', version: 1 });
      expect(g.initializers.some((id) => g.values[id]!.tensor!.dtype === D.FLOAT && g.values[id]!.tensor!.dims.length === 2 && g.values[id]!.tensor!.dims[0] === K)).toBe(false);
      close(await runOrt(out), reference(32, symmetric));
    });
  }

  it('declines qdq below opset 21 with a warning, and bad options with an error', () => {
    const ctx = createPassContext();
    const m = parseModel(text(17));
    expect(quantizeInt4Weight().run(m, ctx)).toBe(m);
    expect(ctx.warnings.join()).toMatch(/opset 21/);
    expect(() => quantizeInt4Weight({ block: 48 }).run(m, createPassContext())).toThrow(/32, 64 or 128/);
  });
});
