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
import { seq } from '../../src/pipeline.js';
import { runSchedule } from '../../src/schedule.js';
import { eliminateDeadCode } from '../eliminate-dead-code/eliminate-dead-code.js';
import { dequantizeInt4Blocks, quantizeInt4Blocks } from './blocks.js';
import type { TensorRecord } from '../../src/quantize/records.js';
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

  it('symmetric: a tie of the two signs\' magnitudes goes to the −8 side (scale max|w|/8; the positive peak clamps at +7, one step off)', () => {
    const w = Float32Array.from({ length: 16 }, (_, k) => (k === 0 ? -4 : k === 1 ? 4 : 0.5));
    const q = quantizeInt4Blocks(w, 16, 1, 32, true);
    expect(q.scales[0]).toBe(0.5);
    expect([q.codes[0], q.codes[1]]).toEqual([0, 15]);
    expect(dequantizeInt4Blocks(q)[1]).toBe(3.5);
  });

  it('scale and zero point of each block: a weight on the int4 grid comes back exactly (symmetric −8…7 × max|w|/8, asymmetric over the block\'s range / 15)', () => {
    // K = 40 with blocks of 32: a full block and a partial one of 8 rows; N = 2 columns.
    const K = 40, N = 2, block = 32;
    const col = (n: number, k: number): number => {
      if (n === 0) return k < 32 ? ((k % 16) - 8) * 0.5 : [-1, 0.5, 3.5, 0, -0.5, 1, 2, 3][k - 32]!; // block 0: peak -4; block 1: positive peak 3.5
      return k < 32 ? (k % 16) * 0.25 : [-1, 2.75, 0, 0.25, -0.75, 1.5, 2, 0.5][k - 32]!; // asymmetric: [0, 3.75] and [-1, 2.75]
    };
    const w = Float32Array.from({ length: K * N }, (_, i) => col(i % N, Math.floor(i / N)));
    const sym = quantizeInt4Blocks(w, K, N, block, true);
    expect(sym.blocks).toBe(2);
    // column 0: block 0 peaks at -4 → scale 4/8; block 1 peaks at +3.5 → scale 3.5/7 (+7 is the top code)
    expect([sym.scales[0], sym.scales[1]]).toEqual([0.5, 0.5]);
    expect([...sym.zeros]).toEqual([8, 8, 8, 8]);
    const backSym = dequantizeInt4Blocks(sym);
    for (let k = 0; k < K; k++) expect(backSym[k * N], `k=${k}`).toBe(w[k * N]);
    expect(sym.codes[0]).toBe(0); // -4 / 0.5 + 8
    expect(sym.codes[34 * N]).toBe(15); // 3.5 / 0.5 + 8
    const asym = quantizeInt4Blocks(w, K, N, block, false);
    // column 1: block 0 spans [0, 3.75] → scale 0.25, zero 0; block 1 spans [-1, 2.75] → scale 0.25, zero 4
    expect([asym.scales[2], asym.scales[3]]).toEqual([0.25, 0.25]);
    expect([asym.zeros[2], asym.zeros[3]]).toEqual([0, 4]);
    const backAsym = dequantizeInt4Blocks(asym);
    for (let k = 0; k < K; k++) expect(backAsym[k * N + 1], `k=${k}`).toBe(w[k * N + 1]);
    expect(asym.codes[15 * N + 1]).toBe(15);
    expect(asym.codes[32 * N + 1]).toBe(0);
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

  // Silero-style and optimum's merged decoders keep the MatMuls in If branches, the weights outside.
  const branches = (opset: number) => `<ir_version: 10, opset_import: ["" : ${opset}]>
g (float[3,${K}] x, bool c) => (float[3,${N}] y) <float[${K},${N}] w = {${weights.join(', ')}}> {
  y = If (c) <then_branch = t () => (float[3,${N}] yt) { yt = MatMul (x, w) },
              else_branch = e () => (float[3,${N}] ye) { m = MatMul (x, w)  ye = Identity (m) }>
}`;
  for (const format of ['qdq', 'msft'] as const) {
    it(`${format}: MatMuls in both If branches reading one outer weight share one int4 copy, and onnxruntime computes the dequantized product in each branch`, async () => {
      const out = runSchedule(seq(quantizeInt4Weight({ format }), eliminateDeadCode()), parseModel(branches(format === 'qdq' ? 21 : 17)), { verifyEach: true }).model;
      const g = out.graph;
      const packed = (t: { dtype: number; dims: readonly number[] }) => (format === 'qdq' ? t.dtype === D.UINT4 && t.dims[0] === K : t.dims.length === 3);
      const int4 = g.initializers.filter((id) => packed(g.values[id]!.tensor!));
      expect(int4.length).toBe(1); // one quantized copy, in the main graph; the float weight is gone
      expect(g.initializers.some((id) => g.values[id]!.tensor!.dtype === D.FLOAT && g.values[id]!.tensor!.dims[0] === K)).toBe(false);
      const want = reference(32, false);
      for (const c of [true, false]) {
        const s = await ort.InferenceSession.create(saveModelToBytes(out), { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
        try {
          const r = await s.run({ x: new ort.Tensor('float32', x.data as Float32Array, [3, K]), c: new ort.Tensor('bool', [c], []) });
          close(r['y']!.data as Float32Array, want);
        } finally {
          await s.release();
        }
      }
    });
  }

  it('declines qdq below opset 21 with a warning, and bad options with an error', () => {
    const ctx = createPassContext();
    const m = parseModel(text(17));
    expect(quantizeInt4Weight().run(m, ctx)).toBe(m);
    expect(ctx.warnings.join()).toMatch(/opset 21/);
    expect(() => quantizeInt4Weight({ block: 48 }).run(m, createPassContext())).toThrow(/32, 64 or 128/);
    // an unknown format is an error, not silently the msft form
    expect(() => quantizeInt4Weight({ format: 'gguf' as 'qdq' }).run(m, createPassContext())).toThrow(/format must be qdq or msft, not 'gguf'/);
  });

  it('the report row of an all-zero weight: errors 0, not NaN (0/0 in the relative error)', () => {
    const got: TensorRecord[] = [];
    const zeros = parseModel(`<ir_version: 10, opset_import: ["" : 21]>
g (float[2,16] x) => (float[2,2] y) <float[16,2] w = {${Array(32).fill('0.0').join(', ')}}> {
  y = MatMul (x, w)
}`);
    quantizeInt4Weight({ record: (r) => got.push(r) }).run(zeros, createPassContext());
    expect(got).toHaveLength(1);
    expect(got[0]).toMatchObject({ maxAbsError: 0, relL2Error: 0 });
  });

  it('the report row: int4 with zero points all 0 when symmetric, uint4 with the zero points\' spread otherwise', () => {
    const rows = (symmetric: boolean) => {
      const got: TensorRecord[] = [];
      quantizeInt4Weight({ format: 'msft', symmetric, record: (r) => got.push(r) }).run(parseModel(text(17)), createPassContext());
      return got;
    };
    const [sym] = rows(true);
    expect(sym).toMatchObject({ name: 'w', op: 'MatMulNBits', dtype: 'int4', axis: 0, blockSize: 32, zeroPoint: [0, 0] });
    const q = quantizeInt4Blocks(Float32Array.from(weights), K, N, 32, false);
    const [asym] = rows(false);
    expect(asym).toMatchObject({ dtype: 'uint4', zeroPoint: [Math.min(...q.zeros), Math.max(...q.zeros)] });
    expect(Math.max(...q.zeros)).toBeGreaterThan(0);
    // the error figures are of the dequantized weight against the float one
    const back = dequantizeInt4Blocks(q);
    expect(asym!.maxAbsError).toBeCloseTo(Math.max(...weights.map((w, i) => Math.abs(Math.fround(w) - back[i]!))), 6);
  });

  it('msft: the rows past an odd K in the last block hold the zero point (they dequantize to 0 in a kernel reading the whole block)', () => {
    const k = 17;
    const m = parseModel(`<ir_version: 10, opset_import: ["" : 17]>
g (float[2,${k}] x) => (float[2,2] y) <float[${k},2] w = {${Array.from({ length: 2 * k }, (_, i) => ((i % 7) - 3) / 4).join(', ')}}> {
  y = MatMul (x, w)
}`);
    for (const symmetric of [true, false]) {
      const out = quantizeInt4Weight({ format: 'msft', symmetric }).run(m, createPassContext());
      const g = out.graph;
      const nb = g.order.map((id) => g.nodes[id]!).find((n) => n.op === 'MatMulNBits')!;
      const packed = (g.values[nb.inputs[1]!]!.tensor!.data as { bytes: Uint8Array }).bytes;
      const q = quantizeInt4Blocks(Float32Array.from({ length: 2 * k }, (_, i) => ((i % 7) - 3) / 4), k, 2, 32, symmetric);
      for (let n = 0; n < 2; n++) {
        const zero = q.zeros[n];
        // byte 8 of the column's one block holds rows 16 (the last) and 17 (past K)
        expect(packed[n * 16 + 8], `column ${n}`).toBe(q.codes[16 * 2 + n] | (zero << 4));
        for (let j = 9; j < 16; j++) expect(packed[n * 16 + j]).toBe(zero | (zero << 4));
      }
    }
  });

  it('quantizes weights with K of 16 or more rows (one partial block), and leaves shorter ones float', () => {
    const model = (k: number) => parseModel(`<ir_version: 10, opset_import: ["" : 21]>
g (float[2,${k}] x) => (float[2,2] y) <float[${k},2] w = {${Array.from({ length: 2 * k }, (_, i) => ((i % 7) - 3) / 4).join(', ')}}> {
  y = MatMul (x, w)
}`);
    const dq = (m: Model) => m.graph.order.filter((id) => m.graph.nodes[id]!.op === 'DequantizeLinear').length;
    const sixteen = quantizeInt4Weight().run(model(16), createPassContext());
    expect(dq(sixteen)).toBe(1);
    expect(verify(sixteen).filter((d) => d.severity === 'error')).toEqual([]);
    const ctx = createPassContext();
    const fifteen = model(15);
    expect(quantizeInt4Weight().run(fifteen, ctx)).toBe(fifteen);
    expect(ctx.warnings.join()).toMatch(/K ≥ 16/);
  });
});
