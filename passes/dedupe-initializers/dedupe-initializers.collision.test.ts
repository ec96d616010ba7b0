/**
 * dedupe-initializers when content hashes collide: every tensor of one size gets the same sample
 * key and the same content key (mocked), so only the byte comparison tells them apart. A tensor
 * whose hash matches but whose bytes differ must stay its own initializer, and later copies of it
 * must still merge into it. (With a real 64-bit hash no test can find a collision, so without the
 * mock the "hash matches, bytes differ" branch never runs.)
 */
import { describe, expect, it, vi } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import type { ValueId } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { expectSameOutputs } from '../../test/support/pass-properties.js';
import { dedupeInitializers } from './dedupe-initializers.js';

vi.mock('../../src/tensor-identity.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/tensor-identity.js')>();
  return { ...real, tensorKey: () => 'collide', tensorSampleKey: () => 'collide' };
});

describe('dedupe-initializers under hash collisions', () => {
  it('merges only byte-equal tensors: a colliding but different tensor is kept, and its own copy merges into it', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (y) <float[2] a = {1, 2}, float[2] b = {3, 4}, float[2] c = {1, 2}, float[2] d = {3, 4}> {
  p = Add (x, a)
  q = Add (p, b)
  r = Add (q, c)
  y = Add (r, d)
}`);
    const out = dedupeInitializers().run(m, createPassContext());
    expect(verify(out).filter((e) => e.severity === 'error')).toEqual([]);
    const name = (v: ValueId) => out.graph.values[v].name;
    // c reads a, d reads b: two initializers are left, with their own contents.
    expect(out.graph.initializers.map(name)).toEqual(['a', 'b']);
    const adds = out.graph.order.map((id) => out.graph.nodes[id].inputs[1]).map((v) => name(v!));
    expect(adds).toEqual(['a', 'b', 'a', 'b']);
    expectSameOutputs(m, out, 1);
  });
});
