import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../dtype.js';
import { formatFloat, parseNumber } from './cast.js';
import { f32, run, t, vals } from './test-util.js';

function same(got: (number | string)[], want: (number | string)[]): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => {
    if (typeof w === 'number' && Number.isNaN(w)) expect(Number.isNaN(got[i])).toBe(true);
    else expect(Object.is(got[i], w), `element ${i}: ${String(got[i])} vs ${String(w)}`).toBe(true);
  });
}

const castTo = (x: ReturnType<typeof t>, to: number, attrs: Record<string, any> = {}, opset = 100) =>
  run('Cast', [x], { to: BigInt(to), ...attrs }, opset);

describe('Cast numeric', () => {
  it('float <-> double round to nearest and keep NaN, infinities and -0', () => {
    const xs = [0.1, 1 / 3, 3.4028235677973366e38, 1e300, -1e-50, NaN, Infinity, -0];
    const y = castTo(t(D.DOUBLE, [xs.length], xs), D.FLOAT);
    expect(Array.from(y.data as Float32Array)).toEqual(xs.map(Math.fround));
    expect(y.data).toBeInstanceOf(Float32Array);
    const back = castTo(y, D.DOUBLE);
    expect(back.data).toBeInstanceOf(Float64Array);
    expect(Array.from(back.data as Float64Array)).toEqual(xs.map(Math.fround));
  });

  const range = Array.from({ length: 25 }, (_, i) => i - 9);
  const cases: { name: string; x: ReturnType<typeof t>; to: number; attrs?: Record<string, any>; want: (number | string)[] }[] = [
    { name: 'float → int4 wraps', x: f32([25], range), to: D.INT4, want: range.map((v) => ((((v % 16) + 16) % 16) ^ 8) - 8) },
    { name: 'float → uint4 wraps', x: f32([25], range), to: D.UINT4, want: range.map((v) => ((v % 16) + 16) % 16) },
    { name: 'float → int2 wraps', x: f32([7], [-3, -2, -1, 0, 1, 2, 3]), to: D.INT2, want: [1, -2, -1, 0, 1, -2, -1] },
    { name: 'float → uint2 wraps', x: f32([7], [-3, -2, -1, 0, 1, 2, 3]), to: D.UINT2, want: [1, 2, 3, 0, 1, 2, 3] },
    { name: 'int64 → int4 keeps low bits', x: t(D.INT64, [2], [9, -(2n ** 40n) + 3n]), to: D.INT4, want: [-7, 3] },
    {
      name: 'float → e4m3fn saturates', x: f32([7], [1e6, Infinity, -Infinity, NaN, 0.4789254665374756, -1e-7, 470]),
      to: D.FLOAT8E4M3FN, want: [448, 448, -448, NaN, 0.46875, -0, 448],
    },
    {
      name: 'float → e4m3fn without saturate', x: f32([5], [1e6, Infinity, -Infinity, 470, 460]), to: D.FLOAT8E4M3FN,
      attrs: { saturate: 0n }, want: [NaN, NaN, NaN, NaN, 448],
    },
    { name: 'float → e5m2 without saturate', x: f32([3], [1e6, -Infinity, 3]), to: D.FLOAT8E5M2, attrs: { saturate: 0n }, want: [Infinity, -Infinity, 3] },
    { name: 'float → e5m2fnuz saturates, no -0', x: f32([3], [1e6, -1e-9, -Infinity]), to: D.FLOAT8E5M2FNUZ, want: [57344, 0, -57344] },
    { name: 'float → e4m3fnuz', x: f32([2], [1e6, 0.5]), to: D.FLOAT8E4M3FNUZ, want: [240, 0.5] },
    { name: 'float → e8m0 (up)', x: f32([5], [0, 0.124, 0.25, 1.1, 2]), to: D.FLOAT8E8M0, want: [2 ** -127, 0.125, 0.25, 2, 2] },
    { name: 'float → e8m0 (down)', x: f32([2], [1.9, 0.3]), to: D.FLOAT8E8M0, attrs: { round_mode: 'down' }, want: [1, 0.25] },
    { name: 'float → e8m0 (nearest)', x: f32([2], [1.4, 1.6]), to: D.FLOAT8E8M0, attrs: { round_mode: 'nearest' }, want: [1, 2] },
    {
      name: 'float → float4e2m1', x: f32([8], [0.48, 0.25, 1.05, -3.5, -8, 9, NaN, -0]), to: D.FLOAT4E2M1,
      want: [0.5, 0, 1, -4, -6, 6, -0, -0],
    },
    // 1 + 2^-11 + 2^-40 rounds up in float16, but to 1 through float32 (a tie): no double rounding.
    { name: 'double → float16 rounds once', x: t(D.DOUBLE, [2], [1 + 2 ** -11 + 2 ** -40, 1e6]), to: D.FLOAT16, want: [1 + 2 ** -10, Infinity] },
    { name: 'double → bfloat16 rounds once', x: t(D.DOUBLE, [1], [1 + 2 ** -8 + 2 ** -30]), to: D.BFLOAT16, want: [1 + 2 ** -7] },
    { name: 'float → int32 truncates and wraps', x: f32([4], [1.9, -1.9, NaN, 3e9]), to: D.INT32, want: [1, -1, 0, 3e9 - 2 ** 32] },
    { name: 'float → uint8 wraps', x: f32([2], [-1, 256.5]), to: D.UINT8, want: [255, 0] },
    { name: 'float → int64', x: f32([3], [-1.5, 2 ** 60, NaN]), to: D.INT64, want: [-1, 2 ** 60, -(2 ** 63)] },
    { name: 'int64 → int8 keeps low bits', x: t(D.INT64, [2], [200, 2n ** 40n + 5n]), to: D.INT8, want: [-56, 5] },
    { name: 'uint64 → float', x: t(D.UINT64, [1], [2n ** 64n - 1n]), to: D.FLOAT, want: [2 ** 64] },
    { name: 'int32 → uint64 wraps', x: t(D.INT32, [1], [-1]), to: D.UINT64, want: [2 ** 64] },
    { name: 'float → bool', x: f32([4], [0, -0, NaN, 2]), to: D.BOOL, want: [0, 0, 1, 1] },
    { name: 'int64 → bool', x: t(D.INT64, [2], [0, 2n ** 62n]), to: D.BOOL, want: [0, 1] },
    { name: 'bool → float', x: t(D.BOOL, [2], [1, 0]), to: D.FLOAT, want: [1, 0] },
    { name: 'bool → int64', x: t(D.BOOL, [2], [1, 0]), to: D.INT64, want: [1, 0] },
    { name: 'int4 → float', x: t(D.INT4, [2], [-8, 7]), to: D.FLOAT, want: [-8, 7] },
    { name: 'uint2 → uint8', x: t(D.UINT2, [2], [3, 0]), to: D.UINT8, want: [3, 0] },
    { name: 'int4 → uint4 wraps', x: t(D.INT4, [2], [-1, 7]), to: D.UINT4, want: [15, 7] },
    { name: 'float16 value → double', x: t(D.FLOAT16, [1], [0.5]), to: D.DOUBLE, want: [0.5] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = castTo(c.x, c.to, c.attrs);
      expect(out.dtype).toBe(c.to);
      expect(out.dims).toEqual(c.x.dims);
      same(vals(out), c.want);
    });
  }
  it('reads Cast-1 string targets and rejects unknown ones', () => {
    const out = run('Cast', [f32([1], [2.5])], { to: 'INT32' }, 1);
    expect(out.dtype).toBe(D.INT32);
    expect(vals(out)).toEqual([2]);
    expect(() => run('Cast', [f32([1], [2.5])], { to: '__proto__' }, 1)).toThrow(/unknown target type/);
    expect(() => castTo(f32([1], [1]), 99)).toThrow(/unknown target dtype/);
  });
  it('ignores saturate before opset 19', () => {
    same(vals(castTo(f32([1], [1e6]), D.FLOAT8E4M3FN, { saturate: 0n }, 13)), [448]);
  });
  it('casting to the same dtype copies', () => {
    const x = f32([2], [1, 2]);
    const out = castTo(x, D.FLOAT);
    expect(out.data).not.toBe(x.data);
    expect(vals(out)).toEqual([1, 2]);
  });
});

describe('Cast strings', () => {
  it('formats floats as numpy astype(str)', () => {
    const x = f32([10], [0.1, 3, 1e6, 1e-5, 1.5e-4, -0, NaN, -Infinity, 123456789, 0.4789254665374756]);
    expect(vals(castTo(x, D.STRING))).toEqual(['0.1', '3.0', '1e+06', '1e-05', '0.00015', '-0.0', 'nan', '-inf', '1.2345679e+08', '0.47892547']);
    const d = t(D.DOUBLE, [5], [0.1, 1e16, 1e15, 1.23e-5, 1.5e300]);
    expect(vals(castTo(d, D.STRING))).toEqual(['0.1', '1e+16', '1000000000000000.0', '1.23e-05', '1.5e+300']);
    expect(formatFloat(999.5, D.FLOAT16)).toBe('999.5');
    expect(formatFloat(1000, D.FLOAT16)).toBe('1e+03');
    expect(formatFloat(999999.875, D.FLOAT)).toBe('999999.9');
  });
  it('formats integers and bools', () => {
    expect(vals(castTo(t(D.INT64, [2], [-5, 2n ** 62n]), D.STRING))).toEqual(['-5', String(2n ** 62n)]);
    expect(vals(castTo(t(D.BOOL, [2], [1, 0]), D.STRING))).toEqual(['True', 'False']);
  });
  it('parses numbers, inf and nan case-insensitively', () => {
    const s = t(D.STRING, [7], ['1e-5', 'INF', '-inf', 'NaN', '+INF', ' 3.5', '100.5']);
    same(vals(castTo(s, D.FLOAT)), [Math.fround(1e-5), Infinity, -Infinity, NaN, Infinity, 3.5, 100.5]);
    const big = castTo(t(D.STRING, [3], ['12', '-7', '9007199254740993']), D.INT64);
    expect(Array.from(big.data as BigInt64Array)).toEqual([12n, -7n, 9007199254740993n]);
    expect(vals(castTo(t(D.STRING, [1], ['100.5']), D.INT32))).toEqual([100]);
    expect(Number.isNaN(parseNumber(''))).toBe(true);
  });
});

describe('CastLike and BitCast', () => {
  it('CastLike takes the dtype of its second input and the saturate attribute', () => {
    const out = run('CastLike', [f32([2], [1e6, 2.7]), t(D.FLOAT8E4M3FN, [0], [])], { saturate: 0n });
    expect(out.dtype).toBe(D.FLOAT8E4M3FN);
    same(vals(out), [NaN, 2.75]);
  });
  it('BitCast reinterprets little-endian bytes of equal width', () => {
    const bits = (x: ReturnType<typeof t>, to: number) => vals(run('BitCast', [x], { to: BigInt(to) }));
    expect(bits(f32([2], [1, -2]), D.INT32)).toEqual([0x3f800000, -0x40000000]);
    expect(bits(t(D.INT32, [1], [0x3f800000]), D.FLOAT)).toEqual([1]);
    expect(bits(t(D.DOUBLE, [1], [1]), D.INT64)).toEqual([Number(0x3ff0000000000000n)]);
    expect(bits(t(D.BOOL, [2], [1, 0]), D.UINT8)).toEqual([1, 0]);
    expect(bits(t(D.INT8, [1], [-1]), D.UINT8)).toEqual([255]);
    expect(bits(t(D.FLOAT16, [1], [1]), D.INT16)).toEqual([0x3c00]);
    expect(bits(t(D.UINT16, [1], [0x3c00]), D.FLOAT16)).toEqual([1]);
    const out = run('BitCast', [t(D.UINT32, [2, 1], [1, 2])], { to: BigInt(D.INT32) });
    expect(out.dims).toEqual([2, 1]);
    expect(() => run('BitCast', [f32([1], [1])], { to: BigInt(D.INT64) })).toThrow(/differ in width/);
    expect(() => run('BitCast', [t(D.STRING, [1], ['a'])], { to: BigInt(D.INT64) })).toThrow(/cannot bitcast/);
  });
});
