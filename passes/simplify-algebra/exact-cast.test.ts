/**
 * exactCast's table against the Cast kernel: every cast it calls lossless must bring each sample
 * value of S back unchanged through S → T → S. cast-cast drops the first Cast of a chain on that
 * claim, so one wrong entry (uint16 → float16 rounds 2049, float16 → bfloat16 drops mantissa bits)
 * silently changes a model's values.
 */
import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../ir/dtype.js';
import { evalOpTensor } from '../../ir/eval/op.js';
import type { TensorValue } from '../../ir/ops/types.js';
import { exactCast, plainDtype } from './exact-cast.js';

const cast = (t: TensorValue, to: number): TensorValue => evalOpTensor('Cast', [t], { to: BigInt(to) });

/** Values that tell the formats apart: mantissa widths, integer ranges, subnormals, specials. */
const samples = [
  0, -0, 1, -1, 0.5, 1 / 3, 1 + 2 ** -7, 1 + 2 ** -8, 1 + 2 ** -10, 1 + 2 ** -11, 1 + 2 ** -23, 1 + 2 ** -52,
  127, -128, 255, 256, 257, 2049, 32767, -32768, 65504, 65535, 65537, 16777217, 2 ** 31 - 1, -(2 ** 31), 2 ** 32 - 1, 2 ** 53 - 1,
  3.3895313892515355e38, 3.4028234663852886e38, 1e300, 2 ** -24, 2 ** -133, 2 ** -149, 5e-324, Infinity, -Infinity, NaN,
];

const ranges: Readonly<Record<number, readonly [number, number]>> = {
  [D.BOOL]: [0, 1], [D.UINT8]: [0, 255], [D.INT8]: [-128, 127], [D.UINT16]: [0, 65535], [D.INT16]: [-32768, 32767],
  [D.UINT32]: [0, 2 ** 32 - 1], [D.INT32]: [-(2 ** 31), 2 ** 31 - 1], [D.UINT64]: [0, 2 ** 53 - 1], [D.INT64]: [-(2 ** 53 - 1), 2 ** 53 - 1],
};

/** The samples as a tensor of dtype `s`: integers in range for integer types, every sample rounded to `s` for floats. */
function valuesOf(s: number): TensorValue {
  const r = ranges[s];
  const picked = r ? samples.filter((v) => Number.isInteger(v) && v >= r[0] && v <= r[1]) : samples;
  return cast({ kind: 'tensor', dtype: D.DOUBLE, dims: [picked.length], data: Float64Array.from(picked) }, s);
}

const roundTrip = (s: number, t: number): unknown[] => Array.from(cast(cast(valuesOf(s), t), s).data as ArrayLike<unknown>);
const dtypes = Object.values(D).filter((d) => plainDtype(d));

describe('exactCast', () => {
  it('calls a cast lossless only when every sample survives S → T → S', () => {
    const pairs = dtypes.flatMap((s) => dtypes.filter((t) => t !== s && exactCast(s, t)).map((t) => [s, t] as const));
    expect(pairs.length).toBeGreaterThan(40);
    for (const [s, t] of pairs) {
      expect(roundTrip(s, t), `${s} → ${t} → ${s}`).toEqual(Array.from(valuesOf(s).data as ArrayLike<unknown>));
    }
  });

  it('the samples tell lossy casts apart (the check above can fail)', () => {
    for (const [s, t] of [[D.UINT16, D.FLOAT16], [D.FLOAT16, D.BFLOAT16], [D.INT32, D.FLOAT], [D.FLOAT, D.FLOAT16], [D.INT16, D.FLOAT16], [D.UINT32, D.FLOAT]]) {
      expect(exactCast(s, t)).toBe(false);
      expect(roundTrip(s, t), `${s} → ${t} → ${s}`).not.toEqual(Array.from(valuesOf(s).data as ArrayLike<unknown>));
    }
  });
});
