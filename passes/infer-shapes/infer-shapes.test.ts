import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../ir/dtype.js';
import { inferTypes } from '../../ir/infer/infer.js';
import { tableOf } from '../../ir/infer/test-util.js';
import type { InferTable } from '../../ir/infer/types.js';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import type { Type, ValueId } from '../../ir/types.js';
import { createPassContext } from '../../src/pass.js';
import { inferShapes, writeInferredTypes } from './infer-shapes.js';

const rules: InferTable = [{ domain: '', name: 'Relu', infer: (ins) => [ins[0]?.type ? { type: ins[0].type } : null] }];

const src = `<ir_version: 8, opset_import: ["" : 17]>
g (float[N,3] x, bool c) => (y, z) {
  t = Relu (x)
  y = Relu (t)
  z = If (c) <then_branch = a () => (o) { o = Relu (t) }, else_branch = b () => (o2) { o2 = Relu (x) }>
}`;

describe('infer-shapes', () => {
  it('writes inferred types on intermediates, outputs and subgraph values', () => {
    const m = parseModel(src);
    const { types } = inferTypes(m, { ops: tableOf([...rules, { domain: '', name: 'If', infer: (_i, ctx) => ctx.inferGraph(ctx.attrs.graph('then_branch')!, []) }]) });
    let writes = 0;
    const out = writeInferredTypes(m, types, () => writes++);
    const text = printModel(out);
    expect(text).toContain('=> (float[N,3] y, float[N,3] z)');
    expect(text).toContain('<float[N,3] t>');
    expect(text).toMatch(/a \(\) => \(float\[N,3\] o\)/);
    expect(writes).toBe(4); // t, y, z, o (this If rule infers only then_branch: o2 stays untyped)
    // a second run changes nothing and returns the same object
    expect(writeInferredTypes(out, types)).toBe(out);
  });

  it('never writes into function bodies (typed per call site), even when given types for their values', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2,3] x) => (y) { y = f.F (x) }
<domain: "f", opset_import: ["" : 17]> F (p) => (q) { a = Relu (p)\n q = Neg (a) }`);
    const a = Object.values(m.functions[0].graph.values).find((v) => v.name === 'a')!.id;
    expect(writeInferredTypes(m, new Map<ValueId, Type>([[a, { kind: 'tensor', dtype: D.FLOAT, shape: [2, 3] }]]))).toBe(m);
    const out = inferShapes().run(m, createPassContext().scoped('infer-shapes'));
    expect(out.functions).toBe(m.functions);
  });

  it('returns the same model when nothing is new', () => {
    const m = parseModel(src);
    expect(writeInferredTypes(m, new Map())).toBe(m);
    const unknown: Type = { kind: 'tensor', dtype: 0 };
    const t = Object.values(m.graph.values).find((v) => v.name === 't')!.id;
    expect(writeInferredTypes(m, new Map<ValueId, Type>([[t, unknown]]))).toBe(m);
  });

  it('never writes a shape without its dtype (onnxruntime refuses data_type 0)', () => {
    // An op lathe has no schema for (com.microsoft.Gelu), reshaped to a constant shape: the shape
    // is known, the dtype is not. Written, the file had `dtype0[2,2] r` and onnxruntime refused it.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 13, "com.microsoft" : 1]>
g (float[1,4] x) => (float[2,2] y) <int64[2] s = {2, 2}> {
  t = com.microsoft.Gelu (x)
  r = Reshape (t, s)
  y = Relu (r)
}`);
    const ctx = createPassContext();
    const out = inferShapes().run(m, ctx.scoped('infer-shapes'));
    const r = Object.values(out.graph.values).find((v) => v.name === 'r')!;
    expect(r.type).toBeUndefined();
    const partial: Type = { kind: 'sequence', elem: { kind: 'tensor', dtype: 0, shape: [2] } };
    expect(writeInferredTypes(m, new Map<ValueId, Type>([[r.id, partial]]))).toBe(m);
  });

  it('writes a nested type only when every tensor in it has a dtype and every map a key type', () => {
    // Each candidate type is offered for the untyped intermediate `t`; a written one shows in the
    // printed value_info, an unwritable one leaves the model as it is.
    const m = parseModel(src);
    const t = Object.values(m.graph.values).find((v) => v.name === 't')!.id;
    const f2: Type = { kind: 'tensor', dtype: D.FLOAT, shape: [2] };
    const offer = (type: Type) => writeInferredTypes(m, new Map<ValueId, Type>([[t, type]]));
    const written = (type: Type) => Object.values(offer(type).graph.values).find((v) => v.name === 't')!.type;
    expect(written({ kind: 'map', key: D.INT64, value: f2 })).toEqual({ kind: 'map', key: D.INT64, value: f2 });
    expect(written({ kind: 'optional', elem: { kind: 'sequence', elem: f2 } })).toEqual({ kind: 'optional', elem: { kind: 'sequence', elem: f2 } });
    // a map without a key type, or whose values lack a dtype; a sequence of unknown elements; an opaque type
    expect(offer({ kind: 'map', key: 0, value: f2 })).toBe(m);
    expect(offer({ kind: 'map', key: D.INT64, value: { kind: 'tensor', dtype: 0, shape: [2] } })).toBe(m);
    expect(offer({ kind: 'map', key: D.INT64 })).toBe(m);
    expect(offer({ kind: 'sequence' })).toBe(m);
    expect(offer({ kind: 'optional', elem: { kind: 'sequence', elem: { kind: 'tensor', dtype: 0 } } })).toBe(m);
    expect(offer({ kind: 'opaque', domain: 'd', name: 'n' })).toBe(m);
  });

  it('the pass logs contradictions and never overwrites the declared type', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) <int64[5] t> {
  t = Identity (x)
  y = Identity (t)
}`);
    const ctx = createPassContext();
    const out = inferShapes().run(m, ctx.scoped('infer-shapes'));
    // Identity infers float[2] for `t`, declared int64[5]: the declared type stays, the clash is a warning.
    expect(Object.values(out.graph.values).find((v) => v.name === 't')!.type).toEqual({ kind: 'tensor', dtype: D.INT64, shape: [5] });
    expect(out).toBe(m); // every value already declared: nothing to write
    expect(ctx.warnings.filter((w) => /value 't' has dtype float but is declared int64/.test(w))).toHaveLength(1);
  });

  it('writes floor-division dims as dim_params that print and parse back', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N,3,H,W] x, float[8,3,3,3] w) => (y) {
  t = Conv <strides = [2, 2], pads = [1, 1, 1, 1]> (x, w)
  y = MaxPool <kernel_shape = [2, 2], strides = [2, 2]> (t)
}`);
    const out = inferShapes().run(m, createPassContext().scoped('infer-shapes'));
    const text = printModel(out);
    expect(text).toContain('float[N,8,"(H+1)//2","(W+1)//2"] t');
    expect(text).toContain('float[N,8,"(H+1)//4","(W+1)//4"] y');
    expect(printModel(parseModel(text))).toBe(text);
  });
});

