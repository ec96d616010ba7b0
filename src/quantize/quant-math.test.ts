/**
 * Quantization arithmetic: dequantize(quantize(x)) is within half a step of the scale for values
 * inside the range (one step at the saturated ends of a symmetric range), per tensor and per
 * channel; parameters hold zero exactly; rounding is half to even as QuantizeLinear's.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../ir/dtype.js';
import { evalOpTensor } from '../../ir/eval/op.js';
import { channelIndexer, channelRanges, dequantizeValue, paramsFromRange, quantizeTensor, relativeL2, roundHalfEven, type QuantDtype } from './quant-math.js';

const floats = fc.float({ min: -1000, max: 1000, noNaN: true, noDefaultInfinity: true }).map(Math.fround);

describe('quantization arithmetic', () => {
  it('rounds half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, 3]);
  });

  it('int8 symmetric weights: scale max|w|/127, ties to even, infinities saturate and leave the scale alone, NaN is the zero point', () => {
    const q = quantizeTensor([1, -0.5, 0.25, Infinity, -Infinity, NaN], [6], { dtype: D.INT8, symmetric: true });
    expect(q.params.scale[0]).toBe(Math.fround(1 / 127));
    // -0.5 / (1/127) = -63.5 exactly in float32: to even, -64 (Math.round would give -63)
    expect(Array.from(q.data)).toEqual([127, -64, 32, 127, -127, 0]);
    // per channel along axis 0: each row its own scale, and an infinite element only saturates its row
    const pc = quantizeTensor([2, -1, Infinity, 0.5], [2, 2], { dtype: D.INT8, symmetric: true, axis: 0 });
    expect(Array.from(pc.params.scale)).toEqual([Math.fround(2 / 127), Math.fround(0.5 / 127)]);
    expect(Array.from(pc.data)).toEqual([127, -64, 127, 127]);
  });

  it('parameters of a range: asymmetric over [min, max] widened to 0 with qmin in the zero point; symmetric zero point 0 (int8) or 128 (uint8, the middle of 0…255)', () => {
    expect(paramsFromRange(-1, 3, D.UINT8, false)).toEqual({ scale: Math.fround(4 / 255), zeroPoint: 64 });
    expect(paramsFromRange(-1, 3, D.INT8, false)).toEqual({ scale: Math.fround(4 / 255), zeroPoint: -64 });
    expect(paramsFromRange(0.5, 3, D.UINT8, false)).toEqual({ scale: Math.fround(3 / 255), zeroPoint: 0 });
    expect(paramsFromRange(-1, 2, D.INT8, true)).toEqual({ scale: Math.fround(2 / 127), zeroPoint: 0 });
    expect(paramsFromRange(-1, 2, D.UINT8, true)).toEqual({ scale: Math.fround(2 / 127.5), zeroPoint: 128 });
  });

  it('a zero point halfway between two integers rounds to even, as QuantizeLinear does (onnxruntime: np.round)', () => {
    // -lo / scale = 126.5 exactly
    expect(paramsFromRange(-126.5, 128.5, D.UINT8, false)).toEqual({ scale: 1, zeroPoint: 126 });
    expect(paramsFromRange(-127.5, 127.5, D.UINT8, false)).toEqual({ scale: 1, zeroPoint: 128 });
  });

  it('a range so narrow that its scale would be below 1e-30 gets scale 1 (x / scale would overflow), though that scale is a positive float32', () => {
    expect(paramsFromRange(-1e-38, 1e-38, D.INT8, true)).toEqual({ scale: 1, zeroPoint: 0 });
    expect(paramsFromRange(0, 1e-30, D.UINT8, false)).toEqual({ scale: 1, zeroPoint: 0 });
    expect(paramsFromRange(-1e-27, 1e-27, D.INT8, true).scale).toBe(Math.fround(1e-27 / 127));
  });

  it('keeps zero exact for any range', () => {
    fc.assert(
      fc.property(floats, floats, fc.constantFrom<QuantDtype>(D.INT8, D.UINT8), fc.boolean(), (a, b, dtype, symmetric) => {
        const { scale, zeroPoint } = paramsFromRange(Math.min(a, b), Math.max(a, b), dtype, symmetric);
        expect(scale).toBeGreaterThan(0);
        expect(dequantizeValue(zeroPoint, scale, zeroPoint)).toBe(0);
      }),
    );
  });

  it('round-trips within one step of the scale, per tensor and per channel', () => {
    const arb = fc
      .record({ rows: fc.integer({ min: 1, max: 4 }), cols: fc.integer({ min: 1, max: 5 }), perChannel: fc.boolean(), symmetric: fc.boolean(), dtype: fc.constantFrom<QuantDtype>(D.INT8, D.UINT8) })
      .chain((s) => fc.array(floats, { minLength: s.rows * s.cols, maxLength: s.rows * s.cols }).map((xs) => ({ ...s, xs })));
    fc.assert(
      fc.property(arb, ({ rows, cols, perChannel, symmetric, dtype, xs }) => {
        const dims = [rows, cols];
        const axis = perChannel ? 1 : undefined;
        const q = quantizeTensor(xs, dims, { dtype, symmetric, ...(axis !== undefined && { axis }) });
        const ch = channelIndexer(dims, axis);
        xs.forEach((x, i) => {
          const c = ch(i);
          const s = q.params.scale[c];
          const back = dequantizeValue(q.data[i], s, q.params.zeroPoint[c]);
          // half a step from rounding, plus float32 slack; one step bounds the asymmetric rounding of the range's ends
          expect(Math.abs(back - x)).toBeLessThanOrEqual(s * 1.0001 + 1e-6 * Math.abs(x));
        });
        expect(q.error.maxAbs).toBeLessThanOrEqual(Math.max(...q.params.scale) * 1.0001 + 1e-3);
      }),
      { numRuns: 300 },
    );
  });

  it('agrees with the evaluator QuantizeLinear/DequantizeLinear kernels', () => {
    fc.assert(
      fc.property(fc.array(floats, { minLength: 1, maxLength: 12 }), fc.boolean(), (xs, symmetric) => {
        const q = quantizeTensor(xs, [xs.length], { dtype: symmetric ? D.INT8 : D.UINT8, symmetric });
        const x = { kind: 'tensor' as const, dtype: D.FLOAT, dims: [xs.length], data: Float32Array.from(xs) };
        const s = { kind: 'tensor' as const, dtype: D.FLOAT, dims: [], data: Float32Array.of(q.params.scale[0]) };
        const zpData = symmetric ? Int8Array.of(q.params.zeroPoint[0]) : Uint8Array.of(q.params.zeroPoint[0]);
        const zp = { kind: 'tensor' as const, dtype: symmetric ? D.INT8 : D.UINT8, dims: [], data: zpData };
        const ref = evalOpTensor('QuantizeLinear', [x, s, zp], {}, { opset: 19 });
        // symmetric int8 is clamped to [-127, 127]; the kernel may reach -128 only for x below -absmax, which cannot happen
        expect(Array.from(ref.data as ArrayLike<number>)).toEqual(Array.from(q.data));
      }),
      { numRuns: 200 },
    );
  });

  it('a channel with no finite value gets the range [0, 0] (scale from an empty range, never Infinity/-Infinity), beside a normal channel', () => {
    // dims [2, 2], axis 0: channel 0 is all NaN/Infinity, channel 1 is {-2, 4}
    const r = channelRanges([NaN, Infinity, -2, 4], [2, 2], 0);
    expect([...r.min]).toEqual([0, -2]);
    expect([...r.max]).toEqual([0, 4]);
    const q = quantizeTensor([NaN, Infinity, -2, 4], [2, 2], { dtype: D.INT8, symmetric: true, axis: 0 });
    expect(Number.isFinite(q.params.scale[0])).toBe(true);
    expect(q.params.scale[1]).toBeCloseTo(4 / 127, 7);
  });
});

describe('relative L2 distance of two outputs', () => {
  it('is ||a - b|| / ||a||, Infinity for different lengths or a zero reference against a nonzero result, 0 for two zeros, and skips positions NaN in both', () => {
    expect(relativeL2([3, 4], [3, 4])).toBe(0);
    expect(relativeL2([3, 4], [0, 4])).toBeCloseTo(3 / 5, 12);
    expect(relativeL2([1, 2], [1, 2, 3])).toBe(Infinity);
    expect(relativeL2([0, 0], [0, 0])).toBe(0);
    expect(relativeL2([0, 0], [0, 1])).toBe(Infinity);
    // NaN where both have NaN is agreement, not an error; NaN on one side only is an error (NaN)
    expect(relativeL2([NaN, 3, 4], [NaN, 3, 4])).toBe(0);
    expect(relativeL2([1, 3, 4], [NaN, 3, 4])).toBeNaN();
  });
});
