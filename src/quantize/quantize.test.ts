/**
 * quantize(): the output-error figure when the quantized model's outputs cannot be compared
 * number for number (a length that changed, NaN, an output of integers), the calibration-sample
 * errors that reach the caller unchanged, and the generated calibration samples.
 */
import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../ir/dtype.js';
import type { RtValue, TensorValue } from '../../ir/ops/types.js';
import { parseModel } from '../../ir/text/parse.js';
import type { Model } from '../../ir/types.js';
import { passes } from '../../passes/index.js';
import { evaluatorRunner, generatedSample, type SampleRunner } from './calibrate.js';
import { quantize, type QuantizeMode } from './quantize.js';

const w = Array.from({ length: 64 }, (_, i) => Math.sin(i * 0.37).toFixed(4)).join(', ');
// y is quantized (MatMul with a 64-element weight); exact is not; k holds integers
const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,8] x) => (float[2,8] exact, float[2,8] y, int64[2] k) <float[8,8] w = {${w}}> {
  exact = Relu (x)
  y = MatMul (x, w)
  k = Shape (x)
}`);

const isQuantized = (m: Model) => Object.values(m.graph.nodes).some((n) => n.op === 'MatMulInteger');

/** The evaluator, with output `y` of the quantized model replaced by `tamper(y)`. */
const tampering = (tamper: (y: TensorValue) => RtValue): SampleRunner => async (m, sample, observe) => {
  const out = await evaluatorRunner(m, sample, observe);
  if (!isQuantized(m)) return out;
  return new Map([...out].map(([k, v]) => [k, k === 'y' ? tamper(v as TensorValue) : v]));
};

describe('quantize: the output error', () => {
  it('an output whose length changed is an infinite error, and the worst one (the exact output and the integer one do not hide it)', async () => {
    const r = await quantize(model, { mode: 'int8-dynamic', passes, runner: tampering((y) => ({ ...y, dims: [2, 4], data: (y.data as Float32Array).slice(0, 8) })) });
    expect(r.report.outputError).toEqual({ output: 'y', relL2: Infinity, samples: 1 });
  });

  it('an output with NaN where the float model has a number is the worst, its error NaN (never a small number)', async () => {
    const r = await quantize(model, { mode: 'int8-dynamic', passes, runner: tampering((y) => ({ ...y, data: Float32Array.from(y.data as Float32Array, (x, i) => (i === 3 ? NaN : x)) })) });
    expect(r.report.outputError?.output).toBe('y');
    expect(r.report.outputError?.relL2).toBeNaN();
  });

  it('an output the float model gives as zeros and the quantized one does not is an infinite error (not NaN, not 0)', async () => {
    const runner: SampleRunner = async (m, sample, observe) => {
      const out = await evaluatorRunner(m, sample, observe);
      const y = out.get('y') as TensorValue;
      const fill = isQuantized(m) ? 1 : 0;
      return new Map([...out].map(([k, v]) => [k, k === 'y' ? { ...y, data: new Float32Array(y.data.length).fill(fill) } : v]));
    };
    const r = await quantize(model, { mode: 'int8-dynamic', passes, runner });
    expect(r.report.outputError).toEqual({ output: 'y', relL2: Infinity, samples: 1 });
  });

  it('untampered: the quantized output errs a little, the exact one not at all; the int64 output is not compared', async () => {
    const r = await quantize(model, { mode: 'int8-dynamic', passes });
    expect(r.report.outputError?.output).toBe('y');
    expect(r.report.outputError!.relL2).toBeGreaterThan(0);
    expect(r.report.outputError!.relL2).toBeLessThan(0.05);
  });

  it('a model whose only output holds integers has no output error', async () => {
    const ints = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,8] x) => (int64[2,8] k) <float[8,8] w = {${w}}> {
  y = MatMul (x, w)
  k = Cast <to = 7> (y)
}`);
    const r = await quantize(ints, { mode: 'int8-dynamic', passes });
    expect(r.report.tensors.length).toBe(1);
    expect(r.report.outputError).toBeUndefined();
  });
});

describe('quantize: half precision', () => {
  it('fp16 reports the weights newly stored as float16, bf16 those stored as bfloat16', async () => {
    const two = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,8] x) => (float[2,8] y) <float[8,8] w = {${w}}, float[8] b = {0.5, -0.5, 0.25, -0.25, 1.0, -1.0, 0.125, 0.0}> {
  m = MatMul (x, w)
  y = Add (m, b)
}`);
    const stored = (m: Model, dtype: number) => m.graph.initializers.filter((v) => m.graph.values[v]!.tensor!.dtype === dtype).length;
    const fp16 = await quantize(two, { mode: 'fp16', passes });
    expect(stored(fp16.model, D.FLOAT16)).toBe(2);
    expect(fp16.report.halved).toBe(2);
    const bf16 = await quantize(two, { mode: 'bf16', passes });
    expect(stored(bf16.model, D.BFLOAT16)).toBe(2);
    expect(bf16.report.halved).toBe(2);
    expect((await quantize(two, { mode: 'int8-dynamic', passes })).report.halved).toBeUndefined();
  });
});

describe('quantize: calibration samples', () => {
  it('an empty calibration source is "no calibration samples", as it is (not "the model failed on sample 1")', async () => {
    await expect(quantize(model, { mode: 'int8-static', passes, calibration: () => [] })).rejects.toThrow(/^no calibration samples$/);
  });

  it('an unknown mode is refused by name', async () => {
    await expect(quantize(model, { mode: 'int3' as QuantizeMode, passes })).rejects.toThrow(/unknown quantization mode 'int3'/);
  });

  it('generated samples: integers and booleans 0 or 1, floats in [-1, 1), inputs backed by an initializer left to it', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (int32[64] i, int64[64] j, bool[64] b, float[64] f, float[2] o) => (float[64] y) <float[2] o = {5.0, 6.0}> {
  y = Relu (f)
}`);
    const s = generatedSample(m, 0);
    expect([...s.keys()]).toEqual(['i', 'j', 'b', 'f']);
    const data = (k: string) => Array.from((s.get(k) as TensorValue).data as ArrayLike<number | bigint | boolean>, Number);
    for (const k of ['i', 'j', 'b']) expect(new Set(data(k)), k).toEqual(new Set([0, 1]));
    expect((s.get('j') as TensorValue).dtype).toBe(D.INT64);
    expect(data('f').every((x) => x >= -1 && x < 1)).toBe(true);
    // deterministic in (seed, index, name); another index gives other values
    expect(data('f')).toEqual(Array.from((generatedSample(m, 0).get('f') as TensorValue).data as Float32Array));
    expect(data('f')).not.toEqual(Array.from((generatedSample(m, 1).get('f') as TensorValue).data as Float32Array));
  });

  it('an input of strings or without a shape cannot be generated: an error naming it', () => {
    const str = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (string[2] t) => (string[2] u) {
  u = Identity (t)
}`);
    expect(() => generatedSample(str, 0)).toThrow(/input 't': cannot generate strings/);
    const noShape: Model = { ...str, graph: { ...str.graph, values: { ...str.graph.values, [str.graph.inputs[0]!]: { ...str.graph.values[str.graph.inputs[0]!]!, type: { kind: 'tensor', dtype: D.FLOAT } } } } };
    expect(() => generatedSample(noShape, 0)).toThrow(/input 't' has no tensor shape/);
  });
});
