/**
 * arbFeeds draws inputs a model can be run on: small non-negative integers for int32/int8/uint8
 * (they often index or size something; uint8 cannot hold a negative), symbolic dims bound to
 * one size per symbol, unknown dims as 2, and an input without a shape as a scalar.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import type { TensorValue } from '../../ir/ops/types.js';
import { arbFeeds } from './arb-feeds.js';

describe('arbFeeds', () => {
  test('int32, int8 and uint8 inputs get integers in [0, 4] in their own typed arrays', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (int32[6] a, int8[6] b, uint8[6] c) => (a2) { a2 = Identity (a) }`);
    const draws = fc.sample(arbFeeds(m), { seed: 1, numRuns: 40 });
    const seen = new Set<number>();
    for (const f of draws) {
      expect((f.a as TensorValue).data).toBeInstanceOf(Int32Array);
      expect((f.b as TensorValue).data).toBeInstanceOf(Int8Array);
      expect((f.c as TensorValue).data).toBeInstanceOf(Uint8Array);
      for (const k of ['a', 'b', 'c']) {
        for (const x of (f[k] as TensorValue).data as Int32Array) {
          expect(x).toBeGreaterThanOrEqual(0);
          expect(x).toBeLessThanOrEqual(4);
          seen.add(x);
        }
      }
    }
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4]);
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
