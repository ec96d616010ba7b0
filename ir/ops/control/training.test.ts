import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import type { RtValue } from '../types.js';
import { trainingOps } from './training.js';
import { ctxOf, f32, find, i64, plain } from './test-util.js';

const DOMAIN = 'ai.onnx.preview.training';
const op = (name: string) => find(trainingOps, name, DOMAIN);
const run = (name: string, attrs: Record<string, unknown>, inputs: RtValue[], outputs: number) =>
  op(name).kernel(inputs, ctxOf(name, attrs as never, { inputs: inputs.length, outputs })).map((v) => plain(v).data as number[]);
const close = (got: number[], want: number[]) => got.forEach((g, i) => expect(g).toBeCloseTo(want[i], 5));

// Expected values are those of the ONNX node tests (test_adagrad, test_adam, test_momentum, test_nesterov_momentum).
describe('training optimizers', () => {
  const R = f32([], [0.1]);
  const T0 = i64([], [0]);
  const X = f32([2], [1.2, 2.8]);
  const G = f32([2], [-0.94, -2.5]);
  const V = f32([2], [1.7, 3.6]);
  it('Adagrad', () => {
    const [x, h] = run('Adagrad', { decay_factor: 0.1, epsilon: 1e-5, norm_coefficient: 0.001 }, [R, T0, f32([1], [1]), f32([1], [-1]), f32([1], [2])], 2);
    close(x, [1.0576962232589722]);
    close(h, [2.9980010986328125]);
  });
  it('Adam', () => {
    const [x, v, h] = run('Adam', { alpha: 0.95, beta: 0.1, epsilon: 1e-7, norm_coefficient: 0.001 }, [R, T0, X, G, V, f32([2], [0.1, 0.1])], 3);
    close(x, [1.025036334991455, 2.6610326766967773]);
    close(v, [1.568060040473938, 3.295139789581299]);
    close(h, [0.8032107949256897, 5.622406959533691]);
  });
  it('Momentum, standard and Nesterov', () => {
    const [x, v] = run('Momentum', { alpha: 0.95, beta: 0.1, mode: 'standard', norm_coefficient: 0.001 }, [R, T0, X, G, V], 2);
    close(x, [1.1323800086975098, 2.7077200412750244]);
    close(v, [0.6762000322341919, 0.922799825668335]);
    const [xn, vn] = run('Momentum', { alpha: 0.95, beta: 1, mode: 'nesterov', norm_coefficient: 0.01 }, [R, T0, X, G, V], 2);
    close(xn, [1.2275350093841553, 2.9571399688720703]);
    close(vn, [0.687000036239624, 0.9479999542236328]);
  });
  it('updates several tensors in one call and rejects ragged groups', () => {
    const out = run('Momentum', { alpha: 0.95, beta: 0.1, mode: 'standard', norm_coefficient: 0.001 },
      [R, T0, f32([1], [1.2]), X, f32([1], [-0.94]), G, f32([1], [1.7]), V], 4);
    close(out[0], [1.1323800086975098]);
    close(out[1], [1.1323800086975098, 2.7077200412750244]);
    expect(() => run('Adagrad', {}, [R, T0, X, G], 2)).toThrow(LatheError);
    expect(() => run('Momentum', { alpha: 1, beta: 1, mode: 'fast', norm_coefficient: 0 }, [R, T0, X, G, V], 2)).toThrow(/mode/);
  });
});
