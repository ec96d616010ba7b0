import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DataType as D, dtypeName } from '../dtype.js';
import { decodeNarrow, encodeNarrow, NARROW_FLOATS, narrowBits, roundArrayInPlace, roundToDtype } from './float-formats.js';

const isNanBits = (dtype: number, b: number) => Number.isNaN(decodeNarrow(dtype, b));

describe('every bit pattern round-trips decode → encode', () => {
  for (const dtype of NARROW_FLOATS) {
    test(dtypeName(dtype), () => {
      const n = 2 ** narrowBits(dtype);
      let finite = 0;
      for (let b = 0; b < n; b++) {
        const v = decodeNarrow(dtype, b);
        if (Number.isNaN(v)) {
          // NaN encodes to some NaN pattern of the format
          expect(isNanBits(dtype, encodeNarrow(dtype, v, false, 'nearest')), `NaN ${b}`).toBe(true);
          continue;
        }
        finite++;
        // saturate=false keeps infinities (e5m2, float16, bfloat16)
        expect(encodeNarrow(dtype, v, false, 'nearest'), `${dtypeName(dtype)} bits ${b} = ${v}`).toBe(b);
        expect(Math.fround(v)).toBe(v); // exact in float32
      }
      expect(finite).toBeGreaterThan(n / 2);
    });
  }
});

describe('known values', () => {
  const cases: Array<[number, number, number]> = [
    [D.FLOAT16, 0x3c00, 1], [D.FLOAT16, 0x7bff, 65504], [D.FLOAT16, 0x0001, 2 ** -24], [D.FLOAT16, 0xfc00, -Infinity],
    [D.FLOAT16, 0xc000, -2], [D.FLOAT16, 0x8000, -0],
    [D.BFLOAT16, 0x3f80, 1], [D.BFLOAT16, 0x7f7f, 3.3895313892515355e38], [D.BFLOAT16, 0x0001, 2 ** -133],
    [D.FLOAT8E4M3FN, 0x38, 1], [D.FLOAT8E4M3FN, 0x7e, 448], [D.FLOAT8E4M3FN, 0x01, 2 ** -9], [D.FLOAT8E4M3FN, 0xfe, -448],
    [D.FLOAT8E4M3FNUZ, 0x40, 1], [D.FLOAT8E4M3FNUZ, 0x7f, 240], [D.FLOAT8E4M3FNUZ, 0x01, 2 ** -10],
    [D.FLOAT8E5M2, 0x3c, 1], [D.FLOAT8E5M2, 0x7b, 57344], [D.FLOAT8E5M2, 0x01, 2 ** -16], [D.FLOAT8E5M2, 0x7c, Infinity],
    [D.FLOAT8E5M2FNUZ, 0x40, 1], [D.FLOAT8E5M2FNUZ, 0x7f, 57344], [D.FLOAT8E5M2FNUZ, 0x01, 2 ** -17],
    [D.FLOAT8E8M0, 0x7f, 1], [D.FLOAT8E8M0, 0x00, 2 ** -127], [D.FLOAT8E8M0, 0xfe, 2 ** 127],
    [D.FLOAT4E2M1, 0x1, 0.5], [D.FLOAT4E2M1, 0x7, 6], [D.FLOAT4E2M1, 0x5, 3], [D.FLOAT4E2M1, 0xf, -6], [D.FLOAT4E2M1, 0x8, -0],
  ];
  test.each(cases)('dtype %i bits %i = %d', (dtype, bits, value) => {
    expect(decodeNarrow(dtype, bits)).toBe(value);
    expect(encodeNarrow(dtype, value, false, 'nearest')).toBe(bits);
  });
  test('NaN patterns', () => {
    expect(decodeNarrow(D.FLOAT8E4M3FN, 0x7f)).toBeNaN();
    expect(decodeNarrow(D.FLOAT8E4M3FN, 0xff)).toBeNaN();
    expect(decodeNarrow(D.FLOAT8E4M3FNUZ, 0x80)).toBeNaN();
    expect(decodeNarrow(D.FLOAT8E5M2FNUZ, 0x80)).toBeNaN();
    expect(decodeNarrow(D.FLOAT8E8M0, 0xff)).toBeNaN();
    expect(encodeNarrow(D.FLOAT8E4M3FNUZ, NaN)).toBe(0x80);
    expect(encodeNarrow(D.FLOAT16, NaN)).toBe(0x7e00);
  });
});

describe('rounding and out-of-range rules (Cast spec)', () => {
  test('round to nearest, ties to even', () => {
    expect(roundToDtype(D.FLOAT16, 1 + 2 ** -11)).toBe(1);
    expect(roundToDtype(D.FLOAT16, 1 + 3 * 2 ** -11)).toBe(1 + 2 ** -9);
    expect(roundToDtype(D.FLOAT16, 65519)).toBe(65504);
    expect(roundToDtype(D.FLOAT16, 65520)).toBe(Infinity);
    expect(roundToDtype(D.BFLOAT16, 1 + 2 ** -8)).toBe(1);
    expect(roundToDtype(D.BFLOAT16, 1 + 3 * 2 ** -8)).toBe(1 + 2 ** -6);
    expect(roundToDtype(D.FLOAT4E2M1, 2.5)).toBe(2);
    expect(roundToDtype(D.FLOAT4E2M1, 3.5)).toBe(4);
    expect(roundToDtype(D.FLOAT4E2M1, 5)).toBe(4);
    expect(roundToDtype(D.FLOAT4E2M1, 0.25)).toBe(0);
    expect(roundToDtype(D.FLOAT4E2M1, 0.26)).toBe(0.5);
  });
  test('no double rounding through float32', () => {
    // just above a float16 tie, but float32 would round it onto the tie (then to even, down)
    const x = 1 + 2 ** -11 + 2 ** -40;
    expect(roundToDtype(D.FLOAT16, x)).toBe(1 + 2 ** -10);
  });
  test('float8 saturate clamps; without it inf/NaN per format', () => {
    expect(roundToDtype(D.FLOAT8E4M3FN, 464)).toBe(448); // tie rounds to even, stays finite
    expect(roundToDtype(D.FLOAT8E4M3FN, 470, true)).toBe(448);
    expect(roundToDtype(D.FLOAT8E4M3FN, 470, false)).toBeNaN();
    expect(encodeNarrow(D.FLOAT8E4M3FN, -Infinity, false)).toBe(0xff);
    expect(roundToDtype(D.FLOAT8E4M3FN, Infinity, true)).toBe(448);
    expect(roundToDtype(D.FLOAT8E5M2, 1e6, true)).toBe(57344);
    expect(roundToDtype(D.FLOAT8E5M2, -1e6, false)).toBe(-Infinity);
    expect(roundToDtype(D.FLOAT8E5M2, -Infinity, true)).toBe(-57344);
    expect(encodeNarrow(D.FLOAT8E5M2FNUZ, Infinity, false)).toBe(0x80);
    expect(roundToDtype(D.FLOAT8E4M3FNUZ, 1000, true)).toBe(240);
    expect(roundToDtype(D.FLOAT16, 1e6, true)).toBe(Infinity); // saturate is for float8 only
    expect(roundToDtype(D.FLOAT4E2M1, 100, false)).toBe(6);
    expect(roundToDtype(D.FLOAT4E2M1, -Infinity)).toBe(-6);
    expect(roundToDtype(D.FLOAT4E2M1, NaN)).toBe(6);
  });
  test('fnuz formats have no negative zero', () => {
    expect(encodeNarrow(D.FLOAT8E4M3FNUZ, -0)).toBe(0);
    expect(encodeNarrow(D.FLOAT8E5M2FNUZ, -1e-30)).toBe(0);
    expect(encodeNarrow(D.FLOAT8E4M3FN, -1e-30)).toBe(0x80);
    expect(Object.is(roundToDtype(D.FLOAT16, -1e-30), -0)).toBe(true);
  });
  test('float8e8m0 rounding modes and saturation', () => {
    expect(roundToDtype(D.FLOAT8E8M0, 3, true, 'up')).toBe(4);
    expect(roundToDtype(D.FLOAT8E8M0, 3, true, 'down')).toBe(2);
    expect(roundToDtype(D.FLOAT8E8M0, 3, true, 'nearest')).toBe(4);
    expect(roundToDtype(D.FLOAT8E8M0, 2.5, true, 'nearest')).toBe(2);
    expect(roundToDtype(D.FLOAT8E8M0, 0)).toBe(2 ** -127);
    expect(roundToDtype(D.FLOAT8E8M0, 3e38, true, 'up')).toBe(2 ** 127);
    expect(roundToDtype(D.FLOAT8E8M0, 3e38, false, 'up')).toBeNaN();
  });
});

/** The finite values of a format, ascending, for a brute-force nearest check. */
function finiteValues(dtype: number): number[] {
  const out: number[] = [];
  for (let b = 0; b < 2 ** narrowBits(dtype); b++) {
    const v = decodeNarrow(dtype, b);
    if (Number.isFinite(v)) out.push(v);
  }
  return [...new Set(out)].sort((a, b) => a - b);
}

describe('encode picks the nearest value (brute force, random inputs)', () => {
  for (const dtype of [D.FLOAT8E4M3FN, D.FLOAT8E4M3FNUZ, D.FLOAT8E5M2, D.FLOAT8E5M2FNUZ, D.FLOAT4E2M1, D.FLOAT16]) {
    test(dtypeName(dtype), () => {
      const values = finiteValues(dtype);
      const max = values[values.length - 1];
      const scale = dtype === D.FLOAT16 ? 70000 : max * 1.05;
      fc.assert(
        fc.property(fc.double({ min: -1, max: 1, noNaN: true }), fc.integer({ min: 0, max: 30 }), (u, k) => {
          const x = Math.fround(u * scale * 2 ** -k);
          const r = roundToDtype(dtype, x, true);
          if (Math.abs(x) > max) return; // saturation checked above
          let best = Infinity;
          for (const v of values) best = Math.min(best, Math.abs(v - x));
          expect(Math.abs(r - x)).toBe(best);
        }),
        { seed: 42, numRuns: 300 },
      );
    });
  }
});

test('roundArrayInPlace agrees with roundToDtype for float16 and bfloat16', () => {
  fc.assert(
    fc.property(fc.float({ noNaN: true }), (x) => {
      for (const dtype of [D.FLOAT16, D.BFLOAT16, D.FLOAT8E4M3FN]) {
        const a = new Float32Array([x]);
        roundArrayInPlace(dtype, a);
        expect(a[0]).toBe(Math.fround(roundToDtype(dtype, x)));
      }
    }),
    { seed: 42, numRuns: 500 },
  );
  const nan = new Float32Array([NaN]);
  roundArrayInPlace(D.BFLOAT16, nan);
  expect(nan[0]).toBeNaN();
});

// Random floats almost never land on a tie, so the bit-arithmetic paths of roundArrayInPlace
// (float16 subnormals and normals, bfloat16) are checked on every midpoint between neighbouring
// values (exact in float32), of both signs: each must round to the even neighbour.
test('roundArrayInPlace rounds every float16 / bfloat16 midpoint to the even neighbour', () => {
  for (const [dtype, step] of [[D.FLOAT16, 1], [D.BFLOAT16, 7]] as const) {
    const mids: number[] = [];
    const maxFinite = dtype === D.FLOAT16 ? 0x7bff : 0x7f7f;
    for (let b = 0; b < maxFinite; b += step) {
      const m = (decodeNarrow(dtype, b) + decodeNarrow(dtype, b + 1)) / 2;
      mids.push(m, -m);
    }
    const a = Float32Array.from(mids);
    expect(a.every((v, i) => v === mids[i])).toBe(true); // the midpoints are float32 values
    roundArrayInPlace(dtype, a);
    const wrong: string[] = [];
    for (let i = 0; i < mids.length; i++) {
      if ((encodeNarrow(dtype, a[i]) & 1) !== 0 || a[i] !== Math.fround(roundToDtype(dtype, mids[i]))) {
        wrong.push(`${dtypeName(dtype)} midpoint ${mids[i]} -> ${a[i]}`);
      }
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  }
});
