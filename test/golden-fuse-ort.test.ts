/**
 * Every fuse golden case where a rule fires computes the same in onnxruntime-node, the
 * independent oracle, as its input: a fused op must mean in a real runtime what lathe's evaluator
 * says it means (Attention, Gelu, LayerNormalization … are each a second implementation there).
 * Symbols are bound to distinct sizes (2, 3, 4 … in order of appearance) so that a rule mixing
 * up two dims shows; float inputs are seeded in [-2, 2).
 */
import { readFileSync, existsSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../ir/text/parse.js';
import type { Model } from '../ir/types.js';
import { saveModelToBytes } from '../src/io.js';
import { goldenFolders } from './support/golden.js';

const ORT_TYPE: Record<number, 'float32' | 'float64' | 'int64' | 'bool'> = { 1: 'float32', 11: 'float64', 7: 'int64', 9: 'bool' };

function feeds(model: Model): Record<string, ort.Tensor> {
  const g = model.graph;
  const inits = new Set(g.initializers);
  const sizes = new Map<string, number>();
  const out: Record<string, ort.Tensor> = {};
  let seed = 7;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  for (const id of g.inputs) {
    if (inits.has(id)) continue;
    const v = g.values[id];
    const t = v.type;
    if (!t || t.kind !== 'tensor') throw new Error(`input ${v.name}: needs a tensor type`);
    // An input of unknown rank (`float[]`) is fed as a matrix of unbound dims.
    const dims = (t.shape ?? [null, null]).map((d) => {
      if (typeof d === 'number') return d;
      const key = d ?? `?${sizes.size}`;
      if (!sizes.has(key)) sizes.set(key, 2 + sizes.size);
      return sizes.get(key)!;
    });
    const n = dims.reduce((p, d) => p * d, 1);
    const type = ORT_TYPE[t.dtype];
    if (!type) throw new Error(`input ${v.name}: dtype ${t.dtype} is not fed by this test`);
    const data =
      type === 'float32' ? Float32Array.from({ length: n }, () => next() * 4 - 2)
      : type === 'float64' ? Float64Array.from({ length: n }, () => next() * 4 - 2)
      : type === 'int64' ? BigInt64Array.from({ length: n }, () => BigInt(Math.floor(next() * 3)))
      : Uint8Array.from({ length: n }, () => (next() < 0.5 ? 1 : 0));
    out[v.name ?? id] = new ort.Tensor(type, data as never, dims);
  }
  return out;
}

async function run(model: Model, f: Record<string, ort.Tensor>): Promise<ort.InferenceSession.OnnxValueMapType> {
  const session = await ort.InferenceSession.create(saveModelToBytes(model), { graphOptimizationLevel: 'disabled' });
  try {
    return await session.run(f);
  } finally {
    await session.release();
  }
}

const fired = goldenFolders()
  .filter((f) => f.name === 'fuse')
  .flatMap((f) => f.cases)
  .filter((c) => existsSync(c.expectedFile) && readFileSync(c.expectedFile, 'utf8').includes('lathe.rule'))
  // onnxruntime has no kernels for Add/Mul before opset 7 (broadcast attribute era): those cases
  // are checked by lathe's evaluator alone (test/golden-numerics.test.ts).
  .filter((c) => (parseModel(readFileSync(c.inputFile, 'utf8')).opsets.find((o) => o.domain === '')?.version ?? 0) >= 7);

describe('fuse golden cases agree in onnxruntime', () => {
  it('finds the firing cases', () => expect(fired.length).toBeGreaterThanOrEqual(8));
  it.each(fired.map((c) => [c.name, c] as const))('%s', async (_label, c) => {
    const input = parseModel(readFileSync(c.inputFile, 'utf8'));
    const expected = parseModel(readFileSync(c.expectedFile, 'utf8'));
    const f = feeds(input);
    const before = await run(input, f);
    const after = await run(expected, f);
    expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
    for (const [name, b] of Object.entries(before)) {
      const a = after[name];
      expect(a.dims, name).toEqual(b.dims);
      const x = a.data as Float32Array, y = b.data as Float32Array;
      for (let i = 0; i < y.length; i++) {
        if (Number.isNaN(y[i]) && Number.isNaN(x[i])) continue;
        expect(Math.abs(Number(x[i]) - Number(y[i])), `${name}[${i}]: ${x[i]} vs ${y[i]}`).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(Number(y[i])));
      }
    }
  });
});
