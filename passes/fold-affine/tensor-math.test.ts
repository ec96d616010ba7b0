import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../ir/dtype.js';
import type { TensorValue } from '../../ir/ops/types.js';
import { cast, f64, mul, scaleBy } from './tensor-math.js';

const f32 = (xs: number[]): TensorValue => ({ kind: 'tensor', dtype: D.FLOAT, dims: [xs.length], data: Float32Array.from(xs) });
const f64s = (x: number): TensorValue => ({ kind: 'tensor', dtype: D.DOUBLE, dims: [], data: Float64Array.of(x) });
const viaDouble = (t: TensorValue, factor: TensorValue) => cast(mul(f64(t), factor), t.dtype);
const bits = (t: TensorValue) => Array.from(new Uint32Array((t.data as Float32Array).slice().buffer));

describe('scaleBy', () => {
  it('gives the bits of the float64 computation for float32 factors (the float32 product is exact in float64)', () => {
    const floats = fc.float({ noDefaultInfinity: false, noNaN: false });
    fc.assert(fc.property(fc.array(floats, { minLength: 1, maxLength: 40 }), floats, (xs, k) => {
      const t = f32(xs);
      const out = scaleBy(t, f64s(k), D.FLOAT);
      expect(out.dtype).toBe(D.FLOAT);
      expect(out.dims).toEqual([xs.length]);
      expect(bits(out)).toEqual(bits(viaDouble(t, f64s(k))));
    }));
  });
  it('rounds once from float64 when the factor is no float32 value (0.1, 1/3, 1/sqrt(768))', () => {
    const xs = Array.from({ length: 4096 }, (_, i) => Math.sin(i) * 10 ** ((i % 9) - 4));
    for (const k of [0.1, 1 / 3, 1 / Math.sqrt(768)]) {
      expect(bits(scaleBy(f32(xs), f64s(k), D.FLOAT))).toEqual(bits(viaDouble(f32(xs), f64s(k))));
    }
  });
});
