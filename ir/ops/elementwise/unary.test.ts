import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../dtype.js';
import { f32, run, t, vals } from './test-util.js';
import { erf, roundHalfEven } from './unary.js';

/** Compares element lists: NaN matches NaN, numbers within a relative tolerance. */
function close(got: (number | string)[], want: number[], rtol = 1e-6): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    const g = got[i] as number;
    if (Number.isNaN(w)) expect(Number.isNaN(g)).toBe(true);
    else if (!Number.isFinite(w)) expect(g).toBe(w);
    else expect(Math.abs(g - w)).toBeLessThanOrEqual(rtol * Math.max(1e-30, Math.abs(w)) + 1e-7);
  });
}

const xs = [-2, -0.5, 0, 0.5, 2];

describe('erf', () => {
  const table: [number, number][] = [
    [0.01, 0.011283415555849616], [0.5, 0.5204998778130465], [1, 0.8427007929497149], [2, 0.9953222650189527],
    [2.9, 0.9999589021219005], [3.1, 0.9999883513426328], [3.5, 0.9999992569016276], [-1.5, -0.9661051464753108],
    [5.5, 0.9999999999999927], [1e-10, 1.1283791670955126e-10],
  ];
  for (const [x, e] of table) it(`erf(${x})`, () => expect(Math.abs(erf(x) - e)).toBeLessThan(1e-13 * Math.abs(e) + 1e-16));
  it('is odd and saturates', () => {
    expect(erf(-0.7)).toBe(-erf(0.7));
    expect(erf(40)).toBe(1);
    expect(Number.isNaN(erf(NaN))).toBe(true);
  });
});

describe('unary math and activations', () => {
  const cases: { op: string; x: number[]; want: number[]; attrs?: Record<string, any> }[] = [
    { op: 'Neg', x: [1, -2, 0], want: [-1, 2, -0] },
    { op: 'Abs', x: [-1.5, 2], want: [1.5, 2] },
    { op: 'Reciprocal', x: [4, -0.5], want: [0.25, -2] },
    { op: 'Sqrt', x: [4, -1], want: [2, NaN] },
    { op: 'Exp', x: [0, 1], want: [1, Math.E] },
    { op: 'Log', x: [1, Math.E, 0], want: [0, 1, -Infinity] },
    { op: 'Ceil', x: [-1.5, 1.2], want: [-1, 2] },
    { op: 'Floor', x: [-1.5, 1.2], want: [-2, 1] },
    { op: 'Round', x: [0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6], want: [0, 2, 2, -0, -2, 2, 3] },
    { op: 'Sign', x: [-3, 0, 2, NaN], want: [-1, 0, 1, NaN] },
    { op: 'Sin', x: [0, Math.PI / 2], want: [0, 1] },
    { op: 'Cos', x: [0], want: [1] },
    { op: 'Tan', x: [Math.PI / 4], want: [1] },
    { op: 'Asin', x: [1], want: [Math.PI / 2] },
    { op: 'Acos', x: [1], want: [0] },
    { op: 'Atan', x: [1], want: [Math.PI / 4] },
    { op: 'Sinh', x: [1], want: [Math.sinh(1)] },
    { op: 'Cosh', x: [1], want: [Math.cosh(1)] },
    { op: 'Asinh', x: [1], want: [Math.asinh(1)] },
    { op: 'Acosh', x: [2], want: [Math.acosh(2)] },
    { op: 'Atanh', x: [0.5], want: [Math.atanh(0.5)] },
    { op: 'Relu', x: [-1, 0, 3, NaN], want: [0, 0, 3, NaN] },
    { op: 'LeakyRelu', x: [-1, 2], want: [-0.01, 2] },
    { op: 'LeakyRelu', x: [-1, 2], want: [-0.1, 2], attrs: { alpha: 0.1 } },
    { op: 'Elu', x: [-1, 2], want: [Math.expm1(-1), 2] },
    { op: 'Elu', x: [-1], want: [2 * Math.expm1(-1)], attrs: { alpha: 2 } },
    { op: 'Selu', x: xs, want: [-1.5201664733475926, -0.6917581899652426, 0, 0.5253505110740662, 2.1014020442962646] },
    { op: 'Celu', x: [-1, 2], want: [2 * Math.expm1(-0.5), 2], attrs: { alpha: 2 } },
    { op: 'ThresholdedRelu', x: [0.5, 1, 1.5], want: [0, 0, 1.5] },
    { op: 'HardSigmoid', x: [-10, 0, 1, 10], want: [0, 0.5, 0.7, 1] },
    { op: 'HardSwish', x: [-4, 0, 1, 4], want: [0, 0, 1 * (1 / 6 + 0.5), 4] },
    { op: 'Sigmoid', x: xs, want: [0.11920292202211755, 0.3775406687981454, 0.5, 0.6224593312018546, 0.8807970779778823] },
    { op: 'Tanh', x: [0.5], want: [Math.tanh(0.5)] },
    { op: 'Softplus', x: xs, want: [0.1269280110429725, 0.4740769841801067, 0.6931471805599453, 0.9740769841801067, 2.1269280110429727] },
    { op: 'Softplus', x: [100, -100], want: [100, Math.exp(-100)] },
    { op: 'Softsign', x: [-1, 3], want: [-0.5, 0.75] },
    { op: 'Mish', x: xs, want: [-0.2525014826957089, -0.22074377465173, 0, 0.3752452113048951, 1.9439589595339946] },
    { op: 'Gelu', x: xs, want: [-0.04550026389635842, -0.15426876936299344, 0, 0.34573123063700656, 1.9544997361036416] },
    {
      op: 'Gelu', x: xs, attrs: { approximate: 'tanh' },
      want: [-0.04540230591222494, -0.15428599017485606, 0, 0.34571400982514394, 1.954597694087775],
    },
    { op: 'Swish', x: [1, -1], want: [1 / (1 + Math.exp(-1)), -1 / (1 + Math.exp(1))] },
    { op: 'Swish', x: [1], want: [1 / (1 + Math.exp(-2))], attrs: { alpha: 2 } },
    { op: 'Shrink', x: [-2, -0.3, 0.3, 2], want: [-2, 0, 0, 2] },
    { op: 'Shrink', x: [-2, -0.3, 0.3, 2], want: [-1.5, 0, 0, 1.5], attrs: { bias: 0.5, lambd: 1 } },
  ];
  for (const c of cases) {
    it(`${c.op} ${JSON.stringify(c.attrs ?? {})} on float32 and double`, () => {
      const f = run(c.op, [f32([c.x.length], c.x)], c.attrs ?? {});
      expect(f.dtype).toBe(D.FLOAT);
      expect(f.data).toBeInstanceOf(Float32Array);
      close(vals(f), c.want.map(Math.fround), 1e-6);
      const d = run(c.op, [t(D.DOUBLE, [c.x.length], c.x)], c.attrs ?? {});
      close(vals(d), c.want, 1e-12);
    });
  }

  it('roundHalfEven keeps the sign of zero', () => {
    expect(Object.is(roundHalfEven(-0.2), -0)).toBe(true);
    expect(roundHalfEven(Infinity)).toBe(Infinity);
  });

  const intCases: { op: string; dtype: number; x: (number | bigint)[]; want: number[] }[] = [
    { op: 'Neg', dtype: D.INT8, x: [-128, 5], want: [-128, -5] },
    { op: 'Neg', dtype: D.INT64, x: [-(2n ** 63n), 5], want: [Number(-(2n ** 63n)), -5] },
    { op: 'Abs', dtype: D.INT64, x: [-7, 3], want: [7, 3] },
    { op: 'Abs', dtype: D.UINT8, x: [200], want: [200] },
    { op: 'Sign', dtype: D.INT64, x: [-7, 0, 3], want: [-1, 0, 1] },
    { op: 'Sign', dtype: D.UINT16, x: [0, 9], want: [0, 1] },
    { op: 'Relu', dtype: D.INT32, x: [-7, 3], want: [0, 3] },
    { op: 'Relu', dtype: D.INT64, x: [-7, 3], want: [0, 3] },
    { op: 'Shrink', dtype: D.INT8, x: [-3, 0, 3], want: [-3, 0, 3] },
    { op: 'Erf', dtype: D.INT32, x: [0, 3], want: [0, 0] },
  ];
  for (const c of intCases) {
    it(`${c.op} on dtype ${c.dtype}`, () => {
      const out = run(c.op, [t(c.dtype, [c.x.length], c.x)]);
      expect(out.dtype).toBe(c.dtype);
      expect(vals(out)).toEqual(c.want);
    });
  }

  it('IsNaN and IsInf give bool', () => {
    const x = f32([4], [NaN, Infinity, -Infinity, 1]);
    expect(run('IsNaN', [x]).dtype).toBe(D.BOOL);
    expect(vals(run('IsNaN', [x]))).toEqual([1, 0, 0, 0]);
    expect(vals(run('IsInf', [x]))).toEqual([0, 1, 1, 0]);
    expect(vals(run('IsInf', [x], { detect_negative: 0n }))).toEqual([0, 1, 0, 0]);
    expect(vals(run('IsInf', [x], { detect_positive: 0n }))).toEqual([0, 0, 1, 0]);
  });

  it('float-only ops reject integers', () => {
    expect(() => run('Sqrt', [t(D.INT32, [1], [4])])).toThrow(/Sqrt.*int32/);
    expect(() => run('Gelu', [f32([1], [1])], { approximate: 'fast' })).toThrow(/approximate/);
  });
});

describe('PRelu and Clip', () => {
  it('PRelu broadcasts the slope onto X only', () => {
    const out = run('PRelu', [f32([2, 2], [-1, 2, -3, 4]), f32([2], [0.5, 0.25])]);
    expect(vals(out)).toEqual([-0.5, 2, -1.5, 4]);
    expect(() => run('PRelu', [f32([2], [-1, 2]), f32([2, 2], [1, 1, 1, 1])])).toThrow(/does not broadcast onto X/);
    expect(vals(run('PRelu', [t(D.INT64, [2], [-4, 4]), t(D.INT64, [1], [3])]))).toEqual([-12, 4]);
  });
  it('Clip by inputs (opset 11+), attributes (before 11), ints and min > max', () => {
    const x = f32([5], [-3, -1, 0, 1, 3]);
    expect(vals(run('Clip', [x, f32([], [-1]), f32([], [2])]))).toEqual([-1, -1, 0, 1, 2]);
    expect(vals(run('Clip', [x, null, f32([], [0])]))).toEqual([-3, -1, 0, 0, 0]);
    expect(vals(run('Clip', [x]))).toEqual([-3, -1, 0, 1, 3]);
    expect(vals(run('Clip', [x, f32([], [2]), f32([], [1])]))).toEqual([1, 1, 1, 1, 1]);
    expect(vals(run('Clip', [x], { min: -2, max: 0.5 }, 6))).toEqual([-2, -1, 0, 0.5, 0.5]);
    expect(vals(run('Clip', [t(D.INT8, [3], [-100, 0, 100]), t(D.INT8, [], [-5]), null]))).toEqual([-5, 0, 100]);
    const big = t(D.INT64, [2], [-(2n ** 62n), 2n ** 62n]);
    expect(vals(run('Clip', [big, t(D.INT64, [1], [-10]), t(D.INT64, [1], [10])]))).toEqual([-10, 10]);
    expect(() => run('Clip', [x, t(D.DOUBLE, [], [0])])).toThrow(/bound dtype/);
    expect(() => run('Clip', [x, f32([2], [0, 1])])).toThrow(/exactly one element/);
  });
});
