import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { f32, maxAbsDiff, randF32, runT } from './test-util.js';

interface Geo { nsp: number; N: number; C: number; M: number; group: number; inSp: number[]; k: number[]; s: number[]; d: number[]; p: number[] }

/** Direct convolution straight from the definition. */
function naiveConv(x: Float32Array, w: Float32Array, b: Float32Array | null, g: Geo): { data: number[]; dims: number[] } {
  const { nsp, N, C, M, group, inSp, k, s, d, p } = g;
  const out = inSp.map((L, i) => Math.floor((L + p[i] + p[i + nsp] - ((k[i] - 1) * d[i] + 1)) / s[i]) + 1);
  const Cg = C / group, Mg = M / group;
  const data: number[] = [];
  const P = out.reduce((a, c) => a * c, 1);
  const K = k.reduce((a, c) => a * c, 1);
  const idx = (flat: number, dims: number[]): number[] => {
    const r: number[] = [];
    for (let i = dims.length - 1; i >= 0; i--) { r.unshift(flat % dims[i]); flat = Math.floor(flat / dims[i]); }
    return r;
  };
  for (let n = 0; n < N; n++) for (let m = 0; m < M; m++) for (let o = 0; o < P; o++) {
    const oc = idx(o, out);
    const gi = Math.floor(m / Mg);
    let acc = b ? b[m] : 0;
    for (let c = 0; c < Cg; c++) for (let kk = 0; kk < K; kk++) {
      const kc = idx(kk, k);
      let inside = true, flat = 0;
      for (let i = 0; i < nsp; i++) {
        const pos = oc[i] * s[i] - p[i] + kc[i] * d[i];
        if (pos < 0 || pos >= inSp[i]) inside = false;
        flat = flat * inSp[i] + pos;
      }
      if (!inside) continue;
      const xi = (n * C + gi * Cg + c) * inSp.reduce((a, v) => a * v, 1) + flat;
      acc += x[xi] * w[(m * Cg + c) * K + kk];
    }
    data.push(acc);
  }
  return { data, dims: [N, M, ...out] };
}

const geoArb = fc.integer({ min: 1, max: 3 }).chain((nsp) => fc.record({
  nsp: fc.constant(nsp),
  N: fc.integer({ min: 1, max: 2 }),
  group: fc.integer({ min: 1, max: 2 }),
  cg: fc.integer({ min: 1, max: 3 }),
  mg: fc.integer({ min: 1, max: 3 }),
  inSp: fc.array(fc.integer({ min: 3, max: nsp === 3 ? 5 : 8 }), { minLength: nsp, maxLength: nsp }),
  k: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: nsp, maxLength: nsp }),
  s: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: nsp, maxLength: nsp }),
  d: fc.array(fc.integer({ min: 1, max: 2 }), { minLength: nsp, maxLength: nsp }),
  p: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 2 * nsp, maxLength: 2 * nsp }),
  bias: fc.boolean(),
}));

describe('Conv', () => {
  it('matches the direct definition (1-D/2-D/3-D, groups, strides, dilations, pads)', () => {
    fc.assert(fc.property(geoArb, (r) => {
      const g: Geo = { ...r, C: r.cg * r.group, M: r.mg * r.group };
      // the padded input must hold one dilated kernel
      for (let i = 0; i < r.nsp; i++) if (g.inSp[i] + g.p[i] + g.p[i + r.nsp] < (g.k[i] - 1) * g.d[i] + 1) return;
      const X = randF32([g.N, g.C, ...g.inSp], 3), W = randF32([g.M, r.cg, ...g.k], 5), B = r.bias ? randF32([g.M], 9) : null;
      const y = runT('Conv', [X, W, B], {
        group: BigInt(g.group), strides: g.s.map(BigInt), dilations: g.d.map(BigInt), pads: g.p.map(BigInt),
      });
      const want = naiveConv(X.data as Float32Array, W.data as Float32Array, B ? (B.data as Float32Array) : null, g);
      expect(y.dims).toEqual(want.dims);
      expect(maxAbsDiff(y.data as Float32Array, want.data)).toBeLessThan(1e-5);
    }), { seed: 42, numRuns: 120 });
  });

  it('takes the depthwise path (group = channels) correctly, including strides, dilations and pads', () => {
    for (const [s, d, p] of [[1, 1, 1], [2, 1, 1], [2, 2, 2], [3, 1, 0]]) {
      const g: Geo = { nsp: 2, N: 2, C: 5, M: 5, group: 5, inSp: [9, 7], k: [3, 3], s: [s, s], d: [d, d], p: [p, p, p, 0] };
      const X = randF32([2, 5, 9, 7], 31 + s), W = randF32([5, 1, 3, 3], 37), B = randF32([5], 41);
      const y = runT('Conv', [X, W, B], { group: 5n, strides: [BigInt(s), BigInt(s)], dilations: [BigInt(d), BigInt(d)], pads: [p, p, p, 0].map(BigInt) });
      const want = naiveConv(X.data as Float32Array, W.data as Float32Array, B.data as Float32Array, g);
      expect(y.dims).toEqual(want.dims);
      expect(maxAbsDiff(y.data as Float32Array, want.data)).toBeLessThan(1e-5);
    }
  });

  it('SAME_UPPER / SAME_LOWER give ceil(in/stride) outputs with the odd pad at the end / start', () => {
    const X = f32([1, 1, 4], [1, 2, 3, 4]), W = f32([1, 1, 2], [1, 10]);
    const up = runT('Conv', [X, W], { auto_pad: 'SAME_UPPER' });
    const lo = runT('Conv', [X, W], { auto_pad: 'SAME_LOWER' });
    expect(Array.from(up.data as Float32Array)).toEqual([21, 32, 43, 4]);
    expect(Array.from(lo.data as Float32Array)).toEqual([10, 21, 32, 43]);
  });

  it('rejects channel mismatches with a LatheError', () => {
    expect(() => runT('Conv', [f32([1, 3, 4, 4]), f32([2, 2, 3, 3])])).toThrow(LatheError);
  });
});

describe('ConvTranspose', () => {
  it('is the adjoint of Conv: <conv(x, w), y> = <x, convT(y, w)>', () => {
    fc.assert(fc.property(geoArb, (r) => {
      if (r.nsp === 3) return;
      const g: Geo = { ...r, C: r.cg * r.group, M: r.mg * r.group };
      for (let i = 0; i < r.nsp; i++) if (g.inSp[i] + g.p[i] + g.p[i + r.nsp] < (g.k[i] - 1) * g.d[i] + 1) return;
      const attrs = { group: BigInt(g.group), strides: g.s.map(BigInt), dilations: g.d.map(BigInt), pads: g.p.map(BigInt) };
      const X = randF32([g.N, g.C, ...g.inSp], 3), W = randF32([g.M, r.cg, ...g.k], 5);
      const y = runT('Conv', [X, W], attrs);
      const Yr = randF32(y.dims as number[], 17);
      // ConvTranspose weight layout is (C_in_of_transpose = M, C_out/group, k…): the same W
      const outPad = g.inSp.map((L, i) => L - ((y.dims[2 + i] - 1) * g.s[i] + (g.k[i] - 1) * g.d[i] + 1 - g.p[i] - g.p[i + r.nsp]));
      const xt = runT('ConvTranspose', [Yr, W], { ...attrs, output_padding: outPad.map(BigInt) });
      expect(xt.dims).toEqual(X.dims);
      let lhs = 0, rhs = 0;
      for (let i = 0; i < y.data.length; i++) lhs += (y.data[i] as number) * (Yr.data[i] as number);
      for (let i = 0; i < X.data.length; i++) rhs += (X.data[i] as number) * (xt.data[i] as number);
      expect(Math.abs(lhs - rhs)).toBeLessThan(1e-3 * (1 + Math.abs(lhs)));
    }), { seed: 42, numRuns: 80 });
  });

  // The spec's total padding (full output − output_shape) splits with the odd unit at the start
  // unless auto_pad is SAME_UPPER: with the default NOTSET the output is the full one cut at the start.
  it('output_shape with an odd total padding cuts the start by default and with SAME_LOWER, the end with SAME_UPPER', () => {
    const x = f32([1, 1, 2], [1, 2]), w = f32([1, 1, 2], [1, 10]);
    expect(Array.from(runT('ConvTranspose', [x, w]).data as Float32Array)).toEqual([1, 12, 20]);
    const cut = (autoPad?: string) => Array.from(runT('ConvTranspose', [x, w], { output_shape: [2n], ...(autoPad && { auto_pad: autoPad }) }).data as Float32Array);
    expect(cut()).toEqual([12, 20]);
    expect(cut('SAME_LOWER')).toEqual([12, 20]);
    expect(cut('SAME_UPPER')).toEqual([1, 12]);
  });

  it('honours output_shape', () => {
    const y = runT('ConvTranspose', [f32([1, 1, 3, 3]), f32([1, 2, 3, 3])], { strides: [3n, 2n], output_shape: [10n, 8n] });
    expect(y.dims).toEqual([1, 2, 10, 8]);
  });
});
