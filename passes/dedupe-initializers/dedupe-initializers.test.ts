import { describe, expect, it } from 'vitest';
import { Blob, memorySource } from '../../ir/blob.js';
import { parseModel } from '../../ir/text/parse.js';
import type { Model, ValueId } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { checkPassProperties, expectSameOutputs } from '../../test/support/pass-properties.js';
import { dedupeInitializers } from './dedupe-initializers.js';

const header = '<ir_version: 8, opset_import: ["" : 17]>';

function run(m: Model): Model {
  const ctx = createPassContext();
  const out = dedupeInitializers().run(m, ctx);
  expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
  return out;
}

describe('dedupe-initializers', () => {
  it('stores equal tensors once, across subgraphs, and counts them', () => {
    const m = parseModel(`${header}
g (float[2] x, bool c) => (y, z) <float[2] a = {1, 2}, float[2] b = {1, 2}> {
  s = Add (x, a)
  y = Mul (s, b)
  z = If (c) <then_branch = t () => (o) <float[2] k = {1, 2}> { o = Add (x, k) }, else_branch = e () => (o2) { o2 = Neg (x) }>
}`);
    const ctx = createPassContext();
    const out = dedupeInitializers().run(m, ctx.scoped('dedupe-initializers'));
    expect(out.graph.initializers.length).toBe(1);
    expect(ctx.counts.get('dedupe-initializers/initializers')).toBe(2);
    expectSameOutputs(m, out, 4, true);
    expect(run(out)).toBe(out);
  });

  it('returns the same object when nothing repeats', () => {
    const m = parseModel(`${header} g (float[2] x) => (y) <float[2] a = {1, 2}, float[2] b = {2, 1}> { s = Add (x, a)\n y = Add (s, b) }`);
    expect(run(m)).toBe(m);
  });

  it('never merges a graph input, another dtype or dims, or a duplicate that is a graph output', () => {
    const m = parseModel(`${header}
g (float[2] x, float[2] fed = {1, 2}) => (y, b) <float[2] a = {1, 2}, float[2] b = {1, 2}, float[1,2] r = {1, 2}, int32[2] i = {1065353216, 1073741824}> {
  s = Add (x, a)
  t = Add (s, fed)
  y = Add (t, r)
  f = Cast <to = 1> (i)
}`);
    expect(run(m)).toBe(m);
  });

  it('compares bytes after the hash: a lazy payload read in chunks equals the same bytes in memory', () => {
    const base = parseModel(`${header} g (float[2] x) => (y) <float[2] a = {1, 2}, float[2] b = {1, 2}> { s = Add (x, a)\n y = Mul (s, b) }`);
    const bytes = new Uint8Array(new Float32Array([1, 2]).buffer);
    const b = base.graph.initializers[1] as ValueId;
    const lazy: Model = { ...base, graph: { ...base.graph, values: { ...base.graph.values, [b]: { ...base.graph.values[b], tensor: { dtype: 1, dims: [2], data: { kind: 'blob', blob: new Blob(memorySource(bytes), 0, 8) } } } } } };
    expect(run(lazy).graph.initializers.length).toBe(1);
    const other: Model = { ...lazy, graph: { ...lazy.graph, values: { ...lazy.graph.values, [b]: { ...lazy.graph.values[b], tensor: { dtype: 1, dims: [2], data: { kind: 'raw', bytes: new Uint8Array(new Float32Array([1, 3]).buffer) } } } } } };
    expect(run(other)).toBe(other);
  });

  it('properties on generated models (verifier clean, same outputs, idempotent)', () => {
    checkPassProperties(() => dedupeInitializers(), { exact: true });
  });
});
