import { describe, expect, it } from 'vitest';
import { Blob, memorySource } from '../../ir/blob.js';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import type { Model, ValueId } from '../../ir/types.js';
import { transposedBlob } from '../../ir/transposed-blob.js';
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

  it('two levels down, a duplicate reads the outermost copy, and the middle copy goes too', () => {
    const m = parseModel(`${header}
g (float[2] x, bool c) => (z) <float[2] a = {1, 2}> {
  s = Add (x, a)
  z = If (c) <then_branch = t () => (o) <float[2] b = {1, 2}> {
    u = Mul (s, b)
    o = If (c) <then_branch = t2 () => (o3) <float[2] k = {1, 2}> { o3 = Sub (u, k) }, else_branch = e2 () => (o4) { o4 = Neg (u) }>
  }, else_branch = e () => (o2) { o2 = Neg (x) }>
}`);
    const out = run(m);
    const text = printModel(out);
    expect(text).toContain('u = Mul (s, a)');
    expect(text).toContain('o3 = Sub (u, a)');
    expect(text).not.toMatch(/float\[2\] [bk] =/);
    expectSameOutputs(m, out, 4, true);
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

  it('string tensors: equal items merge; the same characters split into other items ({"ab", "c"} and {"a", "bc"}) do not', () => {
    const m = parseModel(`${header}
g (string[2] x) => (y, z, w) <string[2] a = {"ab", "c"}, string[2] b = {"a", "bc"}, string[2] c = {"ab", "c"}> {
  y = Concat <axis = 0> (x, a)
  z = Concat <axis = 0> (x, b)
  w = Concat <axis = 0> (x, c)
}`);
    const out = run(m);
    expect(out.graph.initializers.map((v) => out.graph.values[v].name)).toEqual(['a', 'b']);
    const text = printModel(out);
    expect(text).toContain('z = Concat <axis = 0> (x, b)');
    expect(text).toContain('w = Concat <axis = 0> (x, a)');
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

  it('keys lazily transposed weights by their source: equal sources merge, a difference in the middle does not, and the transposes are not read element by element', () => {
    const zeros = `{${new Array(900).fill(0).join(', ')}}`;
    const base = parseModel(`${header} g (float[300] x) => (y) <float[300,3] a = ${zeros}, float[300,3] b = ${zeros}> { s = MatMul (x, a)\n t = MatMul (x, b)\n y = Add (s, t) }`);
    // Lazily transposed [300,3] payloads of [3,300] sources (as fold-constants makes them), each
    // source in its own memory source that counts the reads made of it.
    const matrix = (poke?: number) => Float32Array.from({ length: 900 }, (_, i) => (i === poke ? -1 : i * 0.25));
    let reads = 0;
    const transposed = (data: Float32Array): Blob => {
      const mem = memorySource(new Uint8Array(data.buffer));
      const counted = { ...mem, size: mem.size, label: mem.label, read: (o: number, n: number, into?: Uint8Array) => (reads++, mem.read(o, n, into)) };
      return transposedBlob(new Blob(counted, 0, data.byteLength), 3, 300)!;
    };
    const withBlobs = (x: Blob, y: Blob): Model => {
      const [a, b] = base.graph.initializers as ValueId[];
      const tensor = (blob: Blob) => ({ dtype: 1, dims: [300, 3], data: { kind: 'blob' as const, blob } });
      return { ...base, graph: { ...base.graph, values: { ...base.graph.values, [a]: { ...base.graph.values[a], tensor: tensor(x) }, [b]: { ...base.graph.values[b], tensor: tensor(y) } } } };
    };
    expect(run(withBlobs(transposed(matrix()), transposed(matrix()))).graph.initializers.length).toBe(1);
    reads = 0;
    const differ = withBlobs(transposed(matrix()), transposed(matrix(451)));
    expect(run(differ)).toBe(differ);
    // The sample windows are read from the sources (a few reads each), not one read per element.
    expect(reads).toBeLessThan(40);
  });

  it('properties on generated models (verifier clean, same outputs, idempotent)', () => {
    checkPassProperties(() => dedupeInitializers(), { exact: true });
  });
});
