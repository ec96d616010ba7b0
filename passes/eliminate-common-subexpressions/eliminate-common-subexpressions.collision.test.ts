/**
 * eliminate-common-subexpressions when content hashes collide: every tensor gets the same content
 * key (mocked), so only the byte comparison tells constants apart, as inputs (initializers) and as
 * Constant nodes' tensor attributes. (With a real 64-bit hash no test can find a collision, so
 * without the mock the "key matches, bytes differ" branches never run.)
 */
import { describe, expect, it, vi } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { expectSameOutputs } from '../../test/support/pass-properties.js';
import { eliminateCommonSubexpressions } from './eliminate-common-subexpressions.js';

vi.mock('../../src/tensor-identity.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/tensor-identity.js')>();
  return { ...real, tensorKey: () => 'collide', tensorSampleKey: () => 'collide' };
});

describe('eliminate-common-subexpressions under hash collisions', () => {
  it('merges only byte-equal constants: colliding but different ones stay apart, equal ones merge', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (y, z) <float[2] a = {1, 2}, float[2] b = {3, 4}, float[2] c = {1, 2}> {
  p = Add (x, a)
  q = Add (x, b)
  r = Add (x, c)
  y = Sum (p, q, r)
  k1 = Constant <value = float[2] {5, 6}> ()
  k2 = Constant <value = float[2] {7, 8}> ()
  z = Sub (k1, k2)
}`);
    const out = eliminateCommonSubexpressions().run(m, createPassContext());
    expect(verify(out).filter((e) => e.severity === 'error')).toEqual([]);
    const g = out.graph;
    // Only r (reading c, equal to a) goes: 6 nodes of 7.
    expect(g.order.map((id) => g.nodes[id].op)).toEqual(['Add', 'Add', 'Sum', 'Constant', 'Constant', 'Sub']);
    expectSameOutputs(m, out, 1);
  });
});
