/**
 * `reduceRange` (`--reduce-range`): int8 weights in 7 bits, [-64, 64], as onnxruntime's
 * quantizer's reduce_range. MatMulInteger multiplies uint8 activations by int8 weights; x86 CPUs
 * without VNNI do that with vpmaddubsw, which adds two products in 16 bits and saturates
 * (2 · 255 · 127 > 32767). On this file's model onnxruntime's full-range result is off by 0.18
 * relative L2 on such a CPU (2 × AMD EPYC, AVX2, measured 2026-12-07); with 7-bit weights it
 * computes exactly what the integer arithmetic says, which lathe's evaluator computes.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluate } from '../ir/eval/index.js';
import { parseModel } from '../ir/text/parse.js';
import type { Model, Tensor } from '../ir/types.js';
import { tensorValue } from '../ir/ops/tensor-value.js';
import { passes } from '../passes/index.js';
import { createPassContext } from '../src/pass.js';
import { saveModelToBytes } from '../src/io.js';
import { loadModel } from '../node/io.js';
import { createSession } from '../bench/ort.js';
import { freshDir, lathe, removeCaseDirs, show } from './support/cli-harness.js';

afterAll(removeCaseDirs);

// Large weights of one sign in neighbouring rows of K: the products a pair adds both approach 255 · 127.
const K = 16, N = 8;
const wValues = Array.from({ length: K * N }, (_, i) => (((i * 7) % 13) / 13 + 0.4) * (Math.floor(i / N) % 4 < 2 ? 1 : -1));
const text = `<ir_version: 8, opset_import: ["" : 17]>
g (float[4,${K}] x, float[1,2,6,6] img) => (float[4,${N}] y, float[1,8,4,4] z) <float[${K},${N}] w = {${wValues.join(', ')}}, float[8,2,3,3] k = {${Array.from({ length: 144 }, (_, i) => Math.sin(i)).join(', ')}}> {
  y = MatMul (x, w)
  z = Conv (img, k)
}`;

const quantized = (reduceRange: boolean): Model =>
  passes['quantize-int8-dynamic']({ minElements: 4, reduceRange }).run(parseModel(text), createPassContext());

function initializer(m: Model, name: string): Int8Array {
  return initializerData(m, name) as Int8Array;
}

function initializerData(m: Model, name: string): ArrayLike<number> {
  const id = m.graph.initializers.find((v) => m.graph.values[v]!.name === name)!;
  return tensorValue(m.graph.values[id]!.tensor as Tensor, name).data as ArrayLike<number>;
}

describe('reduceRange', () => {
  it('stores MatMul weights in [-64, 64], each column reaching 64; Conv weights (dequantized to float) keep the full range', () => {
    const m = quantized(true);
    const w = initializer(m, 'w_quantized');
    for (let n = 0; n < N; n++) {
      const col = Array.from({ length: K }, (_, k) => w[k * N + n]);
      expect(Math.max(...col.map(Math.abs))).toBe(64);
    }
    expect(Math.max(...Array.from(initializer(quantized(false), 'w_quantized'), Math.abs))).toBe(127);
    expect(Math.max(...Array.from(initializer(m, 'k_quantized'), Math.abs))).toBe(127);
  });

  it('scales each MatMul column by its largest magnitude over 64, the top of the range', () => {
    // [-65, 64] or [-64, 63] would still store codes within 64 of zero, with another scale
    const scale = initializerData(quantized(true), 'w_scale');
    for (let n = 0; n < N; n++) {
      const top = Math.max(...Array.from({ length: K }, (_, k) => Math.abs(wValues[k * N + n])));
      expect(scale[n]).toBe(Math.fround(top / 64));
    }
  });

  it('leaves a Gather table (dequantized to float) in the full range', () => {
    const table = Array.from({ length: 16 }, (_, i) => Math.cos(i));
    const gather = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (int64[3] i) => (float[3,4] y) <float[4,4] t = {${table.join(', ')}}> {
  y = Gather (t, i)
}`);
    const m = passes['quantize-int8-dynamic']({ minElements: 4, reduceRange: true }).run(gather, createPassContext());
    expect(Math.max(...Array.from(initializer(m, 't_quantized'), Math.abs))).toBe(127);
  });

  it('quantize-int8-static keeps symmetric int8 activations in the full range: only weights are reduced', () => {
    const ranges = new Map([['x', { min: -1, max: 1 }], ['img', { min: -1, max: 1 }]]);
    const m = passes['quantize-int8-static']({ minElements: 4, reduceRange: true, symmetric: true, ranges }).run(parseModel(text), createPassContext());
    expect(initializerData(m, 'x_scale')[0]).toBe(Math.fround(1 / 127));
    expect(initializerData(m, 'img_scale')[0]).toBe(Math.fround(1 / 127));
  });

  it('quantize-int8-static stores every weight in [-64, 64]', () => {
    const model = parseModel(text);
    const ranges = new Map([['x', { min: -1, max: 1 }], ['img', { min: -1, max: 1 }]]);
    const m = passes['quantize-int8-static']({ minElements: 4, reduceRange: true, ranges }).run(model, createPassContext());
    for (const name of ['w_quantized', 'k_quantized']) expect(Math.max(...Array.from(initializer(m, name), Math.abs))).toBe(64);
  });

  it('onnxruntime computes the 7-bit model as the integer arithmetic says (the evaluator)', async () => {
    const m = quantized(true);
    const x = Float32Array.from({ length: 4 * K }, (_, i) => ((i * 37) % 101) / 50.5 - 1);
    const img = Float32Array.from({ length: 72 }, (_, i) => Math.cos(i));
    const session = await createSession(saveModelToBytes(m));
    const got = await session.run({ x: new ort.Tensor('float32', x, [4, K]), img: new ort.Tensor('float32', img, [1, 2, 6, 6]) });
    await session.release();
    const want = evaluate(m, { x: { kind: 'tensor', dtype: 1, dims: [4, K], data: x }, img: { kind: 'tensor', dtype: 1, dims: [1, 2, 6, 6], data: img } });
    const a = got['y']!.data as Float32Array;
    const b = (want.get('y') as { data: Float32Array }).data;
    let num = 0, den = 0;
    for (let i = 0; i < b.length; i++) {
      num += (a[i] - b[i]) ** 2;
      den += b[i] ** 2;
    }
    expect(Math.sqrt(num / den)).toBeLessThan(1e-6);
  });
});

describe('lathe quantize --reduce-range', () => {
  it('applies to the int8 modes; with another mode it is a usage error', async () => {
    const dir = freshDir();
    const src = join(dir, 'm.onnx');
    writeFileSync(src, saveModelToBytes(parseModel(text)));
    const out = join(dir, 'q.onnx');
    const r = await lathe('quantize', src, '-o', out, '--mode', 'int8-dynamic', '--reduce-range', '-O0');
    expect(r.code, show(r)).toBe(0);
    expect(Math.max(...Array.from(initializer(loadModel(out), 'w_quantized'), Math.abs))).toBe(64);
    const bad = await lathe('quantize', src, '-o', join(dir, 'h.onnx'), '--mode', 'fp16', '--reduce-range');
    expect(bad.code, show(bad)).toBe(1);
    expect(bad.err).toMatch(/--reduce-range applies to --mode int8-dynamic or int8-static only/);
    expect(existsSync(join(dir, 'h.onnx'))).toBe(false);
  });
});
