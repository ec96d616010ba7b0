/**
 * The onnxruntime sample runner calibrates to the ranges the evaluator finds (same values,
 * computed by another engine), returns only the graph outputs, and falls back to the evaluator
 * for a model onnxruntime refuses.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModel } from './io.js';
import { ortSampleRunner } from './ort-runner.js';
import { calibrate, evaluatorRunner, generatedSample } from '../src/quantize/calibrate.js';
import { parseModel } from '../ir/text/parse.js';

const mlp = loadModel(join(import.meta.dirname, '..', 'golden', 'models', 'tiny-mlp.onnx'));
const samples = () => [0, 1, 2].map((i) => generatedSample(mlp, i));

describe('onnxruntime sample runner', () => {
  it('calibrates to the evaluator ranges and returns only the graph outputs', async () => {
    const runner = (await ortSampleRunner())!;
    expect(runner).toBeDefined();
    const names = ['x', 'h1', 'h', 'o1'];
    const viaOrt = await calibrate(mlp, names, samples(), { method: 'minmax', runner });
    const viaEval = await calibrate(mlp, names, samples(), { method: 'minmax', runner: evaluatorRunner });
    expect([...viaOrt.keys()].sort()).toEqual([...names].sort());
    for (const n of names) {
      expect(viaOrt.get(n)!.min).toBeCloseTo(viaEval.get(n)!.min, 5);
      expect(viaOrt.get(n)!.max).toBeCloseTo(viaEval.get(n)!.max, 5);
    }
    const out = await runner(mlp, samples()[0], { names: new Set(['h']), see: () => {} });
    expect([...out.keys()]).toEqual(['y']);
  });

  it('runs a model onnxruntime refuses in the evaluator', async () => {
    const runner = (await ortSampleRunner())!;
    // an IR version newer than onnxruntime accepts; the evaluator does not mind
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) {
  y = Identity (x)
}`);
    const broken = { ...m, irVersion: 99 };
    const out = await runner(broken, new Map([['x', { kind: 'tensor', dtype: 1, dims: [2], data: Float32Array.of(1, 2) }]]));
    expect(Array.from(out.get('y')!.kind === 'tensor' ? (out.get('y') as { data: Float32Array }).data : [])).toEqual([1, 2]);
  });
});
