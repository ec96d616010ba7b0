import { describe, expect, it } from 'vitest';
import { DataType as D } from '../dtype.js';
import { parseModel } from '../text/parse.js';
import type { Model, Type, ValueId } from '../types.js';
import { inferTypes, mergeTypes, typeConflict } from './infer.js';
import type { InferRule, InferTable } from './types.js';
import { dimAdd } from './dims.js';
import { tableOf } from './test-util.js';

/** Tiny rules, enough to drive the driver independently of the real rule tables. */
const same: InferRule = { domain: '', name: 'Relu', infer: (ins) => [ins[0] ? { type: ins[0].type! } : null] };
const shape: InferRule = {
  domain: '', name: 'Shape',
  infer: (ins) => {
    const t = ins[0]?.type;
    if (t?.kind !== 'tensor' || !t.shape) return [{ type: { kind: 'tensor', dtype: D.INT64, shape: [null] } }];
    return [{ type: { kind: 'tensor', dtype: D.INT64, shape: [t.shape.length] }, dims: t.shape }];
  },
};
const addOne: InferRule = {
  domain: '', name: 'Add',
  infer: (ins) => {
    const a = ins[0];
    const b = ins[1];
    const bd = b?.dims;
    return [{ type: a?.type ?? { kind: 'tensor', dtype: 0 }, ...(a?.dims && bd && bd.length === 1 ? { dims: a.dims.map((d) => dimAdd(d, bd[0]!)) } : {}) }];
  },
};
const ofShape: InferRule = {
  domain: '', name: 'ConstantOfShape',
  infer: (ins) => [{ type: { kind: 'tensor', dtype: D.FLOAT, ...(ins[0]?.dims ? { shape: ins[0].dims } : {}) } }],
};
const ifRule: InferRule = {
  domain: '', name: 'If',
  infer: (_ins, ctx) => {
    const then = ctx.attrs.graph('then_branch')!;
    return ctx.inferGraph(then, []);
  },
};
const boom: InferRule = { domain: '', name: 'Sigmoid', infer: () => { throw new TypeError('rule bug'); } };
const rules: InferTable = [same, shape, addOne, ofShape, ifRule, boom];

function typeOf(m: Model, name: string, types: Map<ValueId, Type>): Type | undefined {
  const search = (g: Model['graph']): Type | undefined => {
    for (const v of Object.values(g.values)) if (v.name === name) return types.get(v.id);
    for (const n of Object.values(g.nodes)) for (const a of n.attrs) if (a.kind === 'graph') {
      const t = search(a.value);
      if (t) return t;
    }
    return undefined;
  };
  return search(m.graph);
}

describe('inferTypes', () => {
  it('fresh symbols: deterministic in node order, never one the model uses (subgraphs included)', () => {
    const fresh: InferRule = { domain: '', name: 'NonZero', infer: (_ins, ctx) => [{ type: { kind: 'tensor', dtype: D.INT64, shape: [1, ctx.freshDim()] } }] };
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[unk__0,3] x, bool c) => (int64[?,?] z) {
  a = NonZero (x)
  b = NonZero (a)
  y = If (c) <then_branch = t () => (float[unk__2] o) { o = Relu (x) }, else_branch = e () => (float[unk__2] o2) { o2 = Relu (x) }>
  z = NonZero (b)
}`);
    const first = inferTypes(m, { ops: tableOf([...rules, fresh]) });
    const dimsOf = (name: string): unknown => {
      const t = typeOf(m, name, first.types);
      return t?.kind === 'tensor' ? t.shape : undefined;
    };
    expect([dimsOf('a'), dimsOf('b'), dimsOf('z')]).toEqual([[1, 'unk__1'], [1, 'unk__3'], [1, 'unk__4']]);
    expect(inferTypes(m, { ops: tableOf([...rules, fresh]) }).types).toEqual(first.types);
  });

  it('fresh symbols skip a run of taken names, not just one', () => {
    const fresh: InferRule = { domain: '', name: 'NonZero', infer: (_ins, ctx) => [{ type: { kind: 'tensor', dtype: D.INT64, shape: [1, ctx.freshDim()] } }] };
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[unk__0,unk__1,unk__2] x) => (int64[?,?] z) {
  z = NonZero (x)
}`);
    const t = typeOf(m, 'z', inferTypes(m, { ops: tableOf([...rules, fresh]) }).types);
    expect(t).toEqual({ kind: 'tensor', dtype: D.INT64, shape: [1, 'unk__3'] });
  });

  it('propagates types, symbols and data (Shape → Add → ConstantOfShape)', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N,3] x) => (float[?,?] y) <int64[1] one = {1}> {
  r = Relu (x)
  s = Shape (r)
  s1 = Add (s, one)
  y = ConstantOfShape (s1)
}`);
    const { types, diagnostics } = inferTypes(m, { ops: tableOf(rules) });
    expect(diagnostics).toEqual([]);
    expect(typeOf(m, 'r', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: ['N', 3] });
    expect(typeOf(m, 's', types)).toEqual({ kind: 'tensor', dtype: D.INT64, shape: [2] });
    // the declared unknown dims take the inferred ones
    expect(typeOf(m, 'y', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: ['N+1', 4] });
  });

  it('a contradicting declaration is a warning and stays', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N,3] x) => (float[N,5] y) {
  y = Relu (x)
}`);
    const { types, diagnostics } = inferTypes(m, { ops: tableOf(rules) });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.severity).toBe('warning');
    expect(diagnostics[0]!.message).toMatch(/'y'.*dim 1 = 3 but is declared 5/);
    expect(diagnostics[0]!.message).toMatch(/Relu/);
    expect(typeOf(m, 'y', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: ['N', 5] });
  });

  it('a declared symbol stays; unknown ops keep declared types; failing rules are diagnostics', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] x) => (float[M,3] y, float[7] z, w) {
  y = Relu (x)
  z = Mystery (x)
  w = Sigmoid (x)
}`);
    const { types, diagnostics } = inferTypes(m, { ops: tableOf(rules) });
    expect(typeOf(m, 'y', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: ['M', 3] });
    expect(typeOf(m, 'z', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: [7] });
    expect(typeOf(m, 'w', types)).toBeUndefined();
    expect(diagnostics.map((d) => d.severity)).toEqual(['error']);
    expect(diagnostics[0]!.message).toMatch(/Sigmoid.*rule bug/);
  });

  it("an intermediate's declared symbol that inference proves a number takes the number; the interface's stays", () => {
    // An exporter's value_info `S` after the input dims were fixed: kept, it hid 2 from Reshape.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] x) => (float[M,3] y) <float[S,3] t> {
  t = Relu (x)
  y = Relu (t)
}`);
    const { types } = inferTypes(m, { ops: tableOf(rules) });
    expect(typeOf(m, 't', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: [2, 3] });
    expect(typeOf(m, 'y', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: ['M', 3] });
  });

  it('infers through subgraphs with outer-scope values, and through local functions', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[N,3] x, bool c) => (y, z) {
  y = If (c) <then_branch = t () => (o) { o = Relu (x) }, else_branch = e () => (o2) { o2 = Relu (x) }>
  z = local.F (x)
}
<domain: "local", opset_import: ["" : 17]>
F (a) => (b) { s = Shape (a)
 b = ConstantOfShape (s) }
`);
    const { types, diagnostics } = inferTypes(m, { ops: tableOf(rules) });
    expect(diagnostics).toEqual([]);
    expect(typeOf(m, 'o', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: ['N', 3] });
    expect(typeOf(m, 'y', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: ['N', 3] });
    expect(typeOf(m, 'z', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: ['N', 3] });
    // function bodies are per call: their values are not reported
    expect(m.functions[0]!.graph.values).toBeDefined();
    for (const id of Object.keys(m.functions[0]!.graph.values)) expect(types.has(id as ValueId)).toBe(false);
  });

  it('small initializers give values and dims; an overridable input initializer gives only its type', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N] x, int64[1] k) => (a, b) <int64[2] c = {5, 6}, int64[1] k = {9}> {
  a = ConstantOfShape (c)
  b = ConstantOfShape (k)
}`);
    const { types, values } = inferTypes(m, { ops: tableOf(rules) });
    expect(typeOf(m, 'a', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: [5, 6] });
    expect(typeOf(m, 'b', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT });
    expect([...values.values()].map((v) => v.dims)).toEqual([[2]]);
  });

  it('before IR version 4, an initializer listed as an input is a constant', () => {
    const m = parseModel(`<ir_version: 3, opset_import: ["" : 8]>
g (float[N] x, int64[1] k) => (b) <int64[1] k = {9}> {
  b = ConstantOfShape (k)
}`);
    const { types } = inferTypes(m, { ops: tableOf(rules) });
    expect(typeOf(m, 'b', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: [9] });
    // From IR version 4 on (4 included) it is a default the caller may override: its contents are unknown.
    const m4 = parseModel(`<ir_version: 4, opset_import: ["" : 8]>
g (float[N] x, int64[1] k) => (b) <int64[1] k = {9}> {
  b = ConstantOfShape (k)
}`);
    expect(typeOf(m4, 'b', inferTypes(m4, { ops: tableOf(rules) }).types)).toEqual({ kind: 'tensor', dtype: D.FLOAT });
  });

  it('reports a diagnostic once even when a subgraph is inferred twice', () => {
    const twice: InferRule = {
      domain: '', name: 'If',
      infer: (_i, ctx) => {
        ctx.inferGraph(ctx.attrs.graph('then_branch')!, []);
        return ctx.inferGraph(ctx.attrs.graph('then_branch')!, []);
      },
    };
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N,3] x, bool c) => (y) {
  y = If (c) <then_branch = t () => (float[N,4] o) { o = Relu (x) }, else_branch = e () => (o2) { o2 = Relu (x) }>
}`);
    const { diagnostics } = inferTypes(m, { ops: tableOf([same, twice]) });
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.message).toMatch(/'o' has dim 1 = 3 but is declared 4/);
  });

  it('a rule returning a small int value gives its type and dims; a large value is dropped', () => {
    const konst: InferRule = {
      domain: '', name: 'Constant',
      infer: (_i, ctx) => {
        const n = ctx.attrs.int('n', 2);
        return [{ value: { kind: 'tensor', dtype: D.INT64, dims: [n], data: new BigInt64Array(n).fill(3n) } }];
      },
    };
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N] x) => (a, b) {
  s = Constant ()
  a = ConstantOfShape (s)
  big = Constant <n = 2000> ()
  b = ConstantOfShape (big)
}`);
    const { types, values } = inferTypes(m, { ops: tableOf([konst, ofShape]) });
    expect(typeOf(m, 's', types)).toEqual({ kind: 'tensor', dtype: D.INT64, shape: [2] });
    expect(typeOf(m, 'a', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT, shape: [3, 3] });
    expect(typeOf(m, 'big', types)).toEqual({ kind: 'tensor', dtype: D.INT64, shape: [2000] });
    expect(typeOf(m, 'b', types)).toEqual({ kind: 'tensor', dtype: D.FLOAT });
    expect(values.size).toBe(1);
  });

  it('refuses runaway function recursion with a LatheError', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[N] x) => (y) { y = local.F (x) }
<domain: "local", opset_import: ["" : 17, "local" : 1]>
F (a) => (b) { b = local.F (a) }
`);
    expect(() => inferTypes(m, { ops: tableOf(rules) })).toThrow(/nest deeper than/);
  });

  it('merge and conflict helpers', () => {
    const t = (dtype: number, shape?: (number | string | null)[]): Type => ({ kind: 'tensor', dtype, ...(shape ? { shape } : {}) });
    expect(typeConflict(t(1, [2]), t(7, [2]))).toMatch(/dtype/);
    expect(typeConflict(t(1, [2]), t(1, [2, 3]))).toMatch(/rank/);
    expect(typeConflict(t(1, ['a']), t(1, [4]))).toBeUndefined();
    expect(typeConflict(t(0), t(1, [4]))).toBeUndefined();
    // a declared symbol proven a number takes it, but for the model's interface (keepSymbols)
    expect(mergeTypes(t(0, [null, 'a', 3]), t(1, [2, 5, 3]))).toEqual(t(1, [2, 5, 3]));
    expect(mergeTypes(t(0, [null, 'a', 3]), t(1, [2, 5, 3]), true)).toEqual(t(1, [2, 'a', 3]));
    expect(mergeTypes(t(1, ['a', 3]), t(1, ['b', 3]))).toEqual(t(1, ['a', 3]));
    expect(mergeTypes(undefined, t(1))).toEqual(t(1));
    expect(mergeTypes(t(1, [2]), undefined)).toEqual(t(1, [2]));
  });
});
