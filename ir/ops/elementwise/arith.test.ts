import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import { f32, run, t, vals } from './test-util.js';

describe('elementwise arithmetic', () => {
  const cases: { name: string; op: string; ins: ReturnType<typeof t>[]; attrs?: Record<string, any>; opset?: number; dims: number[]; out: (number | string)[]; dtype?: number }[] = [
    { name: 'Add same shape', op: 'Add', ins: [f32([2], [1, 2]), f32([2], [10, 20])], dims: [2], out: [11, 22] },
    { name: 'Add row broadcast', op: 'Add', ins: [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([3], [10, 20, 30])], dims: [2, 3], out: [11, 22, 33, 14, 25, 36] },
    { name: 'Add scalar left', op: 'Add', ins: [f32([], [100]), f32([3], [1, 2, 3])], dims: [3], out: [101, 102, 103] },
    // A scalar on the left of a non-commutative op, per storage loop (float32, float64, any):
    // fold-affine computes 1/c as Div(float64 scalar 1, c).
    { name: 'Sub float scalar left', op: 'Sub', ins: [f32([], [100]), f32([3], [1, 2, 3])], dims: [3], out: [99, 98, 97] },
    { name: 'Div double scalar left', op: 'Div', ins: [t(D.DOUBLE, [], [1]), t(D.DOUBLE, [3], [2, 4, -8])], dims: [3], out: [0.5, 0.25, -0.125] },
    { name: 'Sub int32 scalar left', op: 'Sub', ins: [t(D.INT32, [], [10]), t(D.INT32, [3], [1, 2, 3])], dims: [3], out: [9, 8, 7] },
    { name: 'Sub double scalar right', op: 'Sub', ins: [t(D.DOUBLE, [3], [1, 2, 3]), t(D.DOUBLE, [1], [10])], dims: [3], out: [-9, -8, -7] },
    { name: 'Add outer broadcast', op: 'Add', ins: [f32([2, 1], [1, 2]), f32([1, 3], [10, 20, 30])], dims: [2, 3], out: [11, 21, 31, 12, 22, 32] },
    { name: 'Add int8 wraps', op: 'Add', ins: [t(D.INT8, [2], [100, -100]), t(D.INT8, [2], [100, -100])], dims: [2], out: [-56, 56] },
    { name: 'Add uint64 wraps', op: 'Add', ins: [t(D.UINT64, [1], [2n ** 64n - 1n]), t(D.UINT64, [1], [2])], dims: [1], out: [1] },
    { name: 'Sub uint8 wraps', op: 'Sub', ins: [t(D.UINT8, [1], [1]), t(D.UINT8, [1], [2])], dims: [1], out: [255] },
    { name: 'Mul int32 low bits exact', op: 'Mul', ins: [t(D.INT32, [1], [123456789]), t(D.INT32, [1], [987654321])], dims: [1], out: [-67153019] },
    { name: 'Mul uint32 wraps', op: 'Mul', ins: [t(D.UINT32, [2], [65536, 0xffffffff]), t(D.UINT32, [2], [65536, 2])], dims: [2], out: [0, 0xfffffffe] },
    { name: 'Mul int64 wraps', op: 'Mul', ins: [t(D.INT64, [1], [2n ** 62n]), t(D.INT64, [1], [4])], dims: [1], out: [0] },
    { name: 'Mul float32 rounds', op: 'Mul', ins: [f32([1], [0.1]), f32([1], [3])], dims: [1], out: [Math.fround(Math.fround(0.1) * 3)] },
    { name: 'Div float', op: 'Div', ins: [f32([2], [1, -3]), f32([2], [4, 2])], dims: [2], out: [0.25, -1.5] },
    { name: 'Div int truncates', op: 'Div', ins: [t(D.INT32, [4], [-7, 7, 7, 5]), t(D.INT32, [4], [2, -2, 2, 0])], dims: [4], out: [-3, -3, 3, 0] },
    { name: 'Div int64 truncates', op: 'Div', ins: [t(D.INT64, [3], [-7, 9, 1]), t(D.INT64, [3], [2, -4, 0])], dims: [3], out: [-3, -2, 0] },
    { name: 'Div uint64 large', op: 'Div', ins: [t(D.UINT64, [1], [2n ** 64n - 2n]), t(D.UINT64, [1], [2])], dims: [1], out: [Number(2n ** 63n - 1n)] },
    { name: 'Mod int sign of divisor', op: 'Mod', ins: [t(D.INT32, [4], [-7, 7, -7, 6]), t(D.INT32, [4], [3, -3, -3, 3])], dims: [4], out: [2, -2, -1, 0] },
    { name: 'Mod int64 sign of divisor', op: 'Mod', ins: [t(D.INT64, [2], [-7, 7]), t(D.INT64, [2], [3, -3])], dims: [2], out: [2, -2] },
    { name: 'Mod fmod=1 int', op: 'Mod', attrs: { fmod: 1n }, ins: [t(D.INT64, [2], [-7, 7]), t(D.INT64, [2], [3, -3])], dims: [2], out: [-1, 1] },
    { name: 'Mod fmod=1 float', op: 'Mod', attrs: { fmod: 1n }, ins: [f32([2], [-7.5, 7.5]), f32([2], [2, -2])], dims: [2], out: [-1.5, 1.5] },
    {
      name: 'Mod fmod=0 float edges', op: 'Mod',
      ins: [f32([8], [0, -0, -3, 3, -1, 1, Infinity, 1]), f32([8], [-2, 2, Infinity, Infinity, -Infinity, -Infinity, 2, 0])],
      dims: [8], out: [-0, 0, Infinity, 3, -1, -Infinity, NaN, NaN],
    },
    { name: 'Pow float', op: 'Pow', ins: [f32([2], [2, 4]), f32([2], [0.5, -1])], dims: [2], out: [Math.fround(Math.SQRT2), 0.25] },
    { name: 'Pow int32 wraps', op: 'Pow', ins: [t(D.INT32, [3], [-2, 3, -5]), t(D.INT32, [3], [3, 19, 13])], dims: [3], out: [-8, 1162261467, -1220703125] },
    { name: 'Pow int64 exact', op: 'Pow', ins: [t(D.INT64, [1], [3]), t(D.INT64, [1], [41])], dims: [1], out: [Number(-420491770248316829n)] },
    // Negative integer exponents: 1/x^n truncated toward zero, the same in the bigint path as in
    // the number path (±1 keep their parity: (-1)^-3 = -1).
    { name: 'Pow int64 negative exponents', op: 'Pow', ins: [t(D.INT64, [5], [-1, -1, 1, 2, -2]), t(D.INT64, [5], [-3, -2, -5, -1, -1])], dims: [5], out: [-1, 1, 1, 0, 0] },
    { name: 'Pow int32 negative exponents', op: 'Pow', ins: [t(D.INT32, [5], [-1, -1, 1, 2, -2]), t(D.INT32, [5], [-3, -2, -5, -1, -1])], dims: [5], out: [-1, 1, 1, 0, 0] },
    { name: 'Pow float base int64 exponent', op: 'Pow', ins: [f32([2], [2, 3]), t(D.INT64, [2], [3, -1])], dims: [2], out: [8, Math.fround(1 / 3)] },
    { name: 'Pow int base float exponent', op: 'Pow', ins: [t(D.INT32, [2], [2, 10]), f32([2], [0.5, 2])], dims: [2], out: [1, 100] },
    { name: 'Pow int64 base float exponent', op: 'Pow', ins: [t(D.INT64, [2], [4, 10]), f32([2], [0.5, 3])], dims: [2], out: [2, 1000] },
    { name: 'Sum three with broadcast', op: 'Sum', ins: [f32([2, 1], [1, 2]), f32([3], [10, 20, 30]), f32([], [100])], dims: [2, 3], out: [111, 121, 131, 112, 122, 132] },
    { name: 'Sum one', op: 'Sum', ins: [f32([2], [1, 2])], dims: [2], out: [1, 2] },
    { name: 'Mean', op: 'Mean', ins: [f32([2], [1, 2]), f32([2], [3, 5]), f32([2], [2, 2])], dims: [2], out: [2, 3] },
    { name: 'Max NaN propagates', op: 'Max', ins: [f32([3], [1, NaN, 5]), f32([3], [2, 0, NaN])], dims: [3], out: [2, NaN, NaN] },
    { name: 'Max uint64', op: 'Max', ins: [t(D.UINT64, [2], [2n ** 63n, 1]), t(D.UINT64, [2], [5, 7])], dims: [2], out: [Number(2n ** 63n), 7] },
    { name: 'Min int8 broadcast', op: 'Min', ins: [t(D.INT8, [2], [-5, 5]), t(D.INT8, [1], [0])], dims: [2], out: [-5, 0] },
    {
      name: 'Add legacy axis broadcast (opset 6)', op: 'Add', opset: 6, attrs: { broadcast: 1n, axis: 0n },
      ins: [f32([2, 3], [1, 2, 3, 4, 5, 6]), f32([2], [10, 20])], dims: [2, 3], out: [11, 12, 13, 24, 25, 26],
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const out = run(c.op, c.ins, c.attrs ?? {}, c.opset ?? 100);
      expect(out.dims).toEqual(c.dims);
      expect(out.dtype).toBe(c.dtype ?? c.ins[0].dtype);
      const got = vals(out);
      expect(got.length).toBe(c.out.length);
      c.out.forEach((e, i) => {
        if (typeof e === 'number' && Number.isNaN(e)) expect(Number.isNaN(got[i])).toBe(true);
        else expect(Object.is(got[i], e) || (got[i] === e && e !== 0)).toBe(true);
      });
    });
  }

  it('rejects shapes that do not broadcast, naming the op', () => {
    expect(() => run('Add', [f32([2], [1, 2]), f32([3], [1, 2, 3])])).toThrow(LatheError);
    expect(() => run('Add', [f32([2], [1, 2]), f32([3], [1, 2, 3])])).toThrow(/Add/);
  });
  it('rejects mixed dtypes and unsupported dtypes', () => {
    expect(() => run('Mul', [f32([1], [1]), t(D.INT32, [1], [1])])).toThrow(/different dtypes/);
    expect(() => run('Add', [t(D.STRING, [1], ['a']), t(D.STRING, [1], ['b'])])).toThrow(/does not support string/);
    expect(() => run('Sum', [t(D.INT32, [1], [1])])).toThrow(LatheError);
    // int4 storage (Int8Array) would not wrap to 4 bits: no arithmetic on sub-byte types.
    expect(() => run('Add', [t(D.INT4, [1], [7]), t(D.INT4, [1], [1])])).toThrow(/does not support int4/);
  });
  it('does not alias the input of a one-input Mean', () => {
    const x = f32([2], [1, 2]);
    const out = run('Mean', [x]);
    expect(out.data).not.toBe(x.data);
    expect(vals(out)).toEqual([1, 2]);
  });

  it('broadcasts like explicit multi-index arithmetic (property)', () => {
    const shapes = fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 0, maxLength: 3 }).chain((dims) =>
      fc.tuple(
        fc.constant(dims),
        fc.array(fc.boolean(), { minLength: dims.length, maxLength: dims.length }),
        fc.array(fc.boolean(), { minLength: dims.length, maxLength: dims.length }),
        fc.integer({ min: 0, max: dims.length }),
      ));
    fc.assert(fc.property(shapes, ([dims, ka, kb, drop]) => {
      const ad = dims.map((d, i) => (ka[i] ? d : 1)).slice(drop); // a may have lower rank
      const bd = dims.map((d, i) => (kb[i] ? d : 1));
      const na = ad.reduce((x, y) => x * y, 1);
      const nb = bd.reduce((x, y) => x * y, 1);
      const a = t(D.INT32, ad, Array.from({ length: na }, (_, i) => i * 1000));
      const b = t(D.INT32, bd, Array.from({ length: nb }, (_, i) => i));
      const out = run('Add', [a, b]);
      const od = bd.map((d, i) => Math.max(d, i - (bd.length - ad.length) >= 0 ? ad[i - (bd.length - ad.length)] : 1));
      expect(out.dims).toEqual(od);
      const got = vals(out);
      const flat = (idx: number[], sh: number[]) => {
        const off = idx.length - sh.length;
        return sh.reduce((acc, d, i) => acc * d + (d === 1 ? 0 : idx[i + off]), 0);
      };
      const total = od.reduce((x, y) => x * y, 1);
      for (let k = 0; k < total; k++) {
        const idx: number[] = [];
        let r = k;
        for (let i = od.length - 1; i >= 0; i--) { idx.unshift(r % od[i]); r = Math.floor(r / od[i]); }
        expect(got[k]).toBe(flat(idx, ad) * 1000 + flat(idx, bd));
      }
    }), { seed: 42, numRuns: 200 });
  });
  it('refuses broadcasts whose output exceeds the element limit', () => {
    expect(() => run('Add', [f32([1 << 15, 1], new Array(1 << 15).fill(0)), f32([1, 1 << 15], new Array(1 << 15).fill(0))])).toThrow(/exceeds/);
  });
  it('float32 + − × ÷ of one shape or with a single element give each element rounded once, whatever the fast loop', () => {
    const exact: Record<string, (x: number, y: number) => number> = { Add: (x, y) => x + y, Sub: (x, y) => x - y, Mul: (x, y) => x * y, Div: (x, y) => x / y };
    const float = fc.float({ noDefaultInfinity: false });
    fc.assert(fc.property(
      fc.constantFrom('Add', 'Sub', 'Mul', 'Div'),
      fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 3 }),
      fc.constantFrom('same', 'scalar-left', 'scalar-right', 'one-of-rank-1'),
      fc.array(float, { minLength: 64, maxLength: 64 }),
      (op, dims, form, pool) => {
        const n = dims.reduce((p, d) => p * d, 1);
        const full = f32(dims, pool.slice(0, n));
        const one = f32(form === 'one-of-rank-1' && dims.length >= 1 ? [1] : [], [pool[63]]);
        const [a, b] = form === 'same' ? [full, f32(dims, pool.slice(32, 32 + n))] : form === 'scalar-left' ? [one, full] : [full, one];
        const out = run(op, [a, b]);
        expect(out.dims).toEqual(dims);
        const xa = vals(a) as number[];
        const xb = vals(b) as number[];
        const want = Array.from({ length: n }, (_, i) => Math.fround(exact[op](xa[xa.length === 1 ? 0 : i], xb[xb.length === 1 ? 0 : i])));
        expect(vals(out)).toEqual(want);
      },
    ));
  });
});
