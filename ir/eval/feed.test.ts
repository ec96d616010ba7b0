/**
 * checkFeed: a value fed to a graph input, or bound to a function input, must be of the declared
 * kind (tensor, sequence, optional, map), dtype and static dims. Without the check a kernel would
 * read a sequence as a tensor, or an int64-keyed map as a string-keyed one, and compute garbage.
 */
import { describe, expect, test } from 'vitest';
import { DataType as D } from '../dtype.js';
import type { RtValue, TensorValue } from '../ops/types.js';
import type { Type } from '../types.js';
import { checkFeed } from './feed.js';

const f32 = (...dims: number[]): TensorValue => ({ kind: 'tensor', dtype: D.FLOAT, dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) });
const tensorT = (dtype: number, shape?: (number | string | null)[]): Type => ({ kind: 'tensor', dtype, ...(shape && { shape }) }) as Type;
const seqOf = (...items: RtValue[]): RtValue => ({ kind: 'sequence', items });
const map = (keyDtype: number): RtValue => ({ kind: 'map', keyDtype, keys: [], values: { kind: 'sequence', items: [] } });
const ok = (v: RtValue | null, t: Type | undefined) => expect(() => checkFeed(v, t, 'x')).not.toThrow();
const bad = (v: RtValue | null, t: Type | undefined, re: RegExp) => expect(() => checkFeed(v, t, 'x')).toThrow(re);

describe('checkFeed', () => {
  test('no type, or a none/opaque type, accepts anything', () => {
    ok(seqOf(), undefined);
    ok(f32(2), { kind: 'none' });
    ok(f32(2), { kind: 'opaque', domain: 'd', name: 'n' });
  });
  test('a missing value where a type is declared is refused', () => bad(null, tensorT(D.FLOAT, [2]), /x: no value where a tensor is declared/));
  test('tensor: the kind, dtype, rank and static dims must agree; symbolic and unknown dims take any size', () => {
    ok(f32(2, 3), tensorT(D.FLOAT, [2, 'N']));
    ok(f32(2, 3), tensorT(D.FLOAT, [null, 3]));
    ok(f32(2, 3), tensorT(D.FLOAT));
    bad(seqOf(f32(2)), tensorT(D.FLOAT, [2]), /got a seq\(1 × float\[2\]\), declared a tensor/);
    bad(f32(2), tensorT(D.INT64, [2]), /dtype float, declared int64/);
    bad(f32(2, 1), tensorT(D.FLOAT, [2]), /has rank 2/);
    bad(f32(3), tensorT(D.FLOAT, [2]), /differs from declared \[2\] at dim 0/);
  });
  test('sequence: a tensor is refused, and each item is checked against the element type', () => {
    const t: Type = { kind: 'sequence', elem: tensorT(D.FLOAT, [2]) };
    ok(seqOf(f32(2), f32(2)), t);
    bad(f32(2), t, /got a float\[2\], declared a sequence/);
    bad(seqOf(f32(2), f32(3)), t, /x\[1\]: shape \[3\] differs/);
  });
  test('optional: a bare tensor is refused; an empty optional passes; a present value is checked', () => {
    const t: Type = { kind: 'optional', elem: tensorT(D.FLOAT, [2]) };
    ok({ kind: 'optional', value: null }, t);
    ok({ kind: 'optional', value: f32(2) }, t);
    bad(f32(2), t, /got a float\[2\], declared an optional/);
    bad({ kind: 'optional', value: f32(4) }, t, /differs from declared \[2\]/);
  });
  test('map: the kind and the key dtype must agree', () => {
    const t: Type = { kind: 'map', key: D.INT64, value: { kind: 'sequence', elem: tensorT(D.FLOAT) } };
    ok(map(D.INT64), t);
    bad(f32(1), t, /got a float\[1\], declared a map/);
    bad(map(D.STRING), t, /map key string, declared int64/);
  });
});
