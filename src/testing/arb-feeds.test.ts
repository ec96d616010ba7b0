/**
 * arbFeeds draws inputs a model can be run on: integers mostly small and non-negative (they often
 * index or size something), sometimes negative where the type is signed, rarely the type's
 * extremes; values every dtype holds (64-bit ones as bigints, strings as strings); symbolic dims
 * bound to one size per symbol, unknown dims as 2, and an input without a shape as a scalar.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import type { TensorValue } from '../../ir/ops/types.js';
import { arbFeeds } from './arb-feeds.js';

describe('arbFeeds', () => {
  test('integer inputs: their own typed arrays, small values mostly, negatives only where signed, and the extremes sometimes', () => {
    const m = parseModel(`<ir_version: 10, opset_import: ["" : 21]>
g (int32[6] a, int8[6] b, uint8[6] c, uint16[6] d, uint64[6] e, int16[6] f) => (a2) { a2 = Identity (a) }`);
    const draws = fc.sample(arbFeeds(m), { seed: 1, numRuns: 60 });
    const types = { a: Int32Array, b: Int8Array, c: Uint8Array, d: Uint16Array, e: BigUint64Array, f: Int16Array };
    const range = { a: [-(2 ** 31), 2 ** 31 - 1], b: [-128, 127], c: [0, 255], d: [0, 65535], e: [0, 4], f: [-32768, 32767] };
    const seen = Object.fromEntries(Object.keys(types).map((k) => [k, new Set<number>()]));
    let small = 0;
    let all = 0;
    for (const f of draws) {
      for (const [k, type] of Object.entries(types)) {
        const data = (f[k] as TensorValue).data;
        expect(data, k).toBeInstanceOf(type);
        for (const raw of data as Int32Array) {
          const x = Number(raw);
          const [lo, hi] = range[k as keyof typeof range];
          expect(x).toBeGreaterThanOrEqual(lo);
          expect(x).toBeLessThanOrEqual(hi);
          seen[k].add(x);
          all++;
          if (x >= 0 && x <= 4) small++;
        }
      }
    }
    expect(small / all).toBeGreaterThan(0.6);
    for (const k of ['a', 'b', 'f']) {
      expect([...seen[k]].some((x) => x < 0), `${k} negative`).toBe(true);
      expect(seen[k].has(range[k as 'a'][0]) || seen[k].has(range[k as 'a'][1]), `${k} extreme`).toBe(true);
    }
    for (const k of ['c', 'd']) expect(seen[k].has(range[k as 'c'][1]), `${k} largest`).toBe(true);
    expect([...seen.e].sort()).toEqual([0, 1, 2, 3, 4]);
  });
  test('string inputs get strings, bool inputs 0 and 1', () => {
    const m = parseModel(`<ir_version: 10, opset_import: ["" : 21]>
g (string[4] s, bool[4] t) => (s2) { s2 = Identity (s) }`);
    for (const f of fc.sample(arbFeeds(m), { seed: 3, numRuns: 10 })) {
      for (const x of (f.s as TensorValue).data as string[]) expect(typeof x).toBe('string');
      for (const x of (f.t as TensorValue).data as Uint8Array) expect([0, 1]).toContain(x);
    }
  });
  test('one size per symbol across inputs; an unknown dim is 2; no shape is a scalar', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N,?] x, float[N] y) => (x2) { x2 = Identity (x) }`);
    // An input whose type has no shape at all.
    const noShape = { ...m, graph: { ...m.graph, values: { ...m.graph.values, [m.graph.inputs[1]]: { ...m.graph.values[m.graph.inputs[1]], type: { kind: 'tensor' as const, dtype: 1 } } } } };
    for (const f of fc.sample(arbFeeds(m, { symbolSizes: [3, 1] }), { seed: 2, numRuns: 10 })) {
      const [n, q] = (f.x as TensorValue).dims;
      expect(q).toBe(2);
      expect((f.y as TensorValue).dims).toEqual([n]);
    }
    for (const f of fc.sample(arbFeeds(noShape), { seed: 2, numRuns: 5 })) expect((f.y as TensorValue).dims).toEqual([]);
  });
});
