import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { loadModelFromBytes, saveModelToBytes } from '../../src/io.js';
import { arbModel } from '../../test/arbitraries/model.js';
import { checkPassProperties, expectSameOutputs } from '../../test/support/pass-properties.js';
import type { ValueId } from '../../ir/types.js';
import { walkNodes } from '../../ir/walk.js';
import { inlineFunctions } from './inline-functions.js';

function run(m: Model): Model {
  const out = inlineFunctions().run(m, createPassContext());
  expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
  return out;
}

const ops = (m: Model) => m.graph.order.map((id) => m.graph.nodes[id].op);

describe('inline-functions', () => {
  it('inlines nested calls with attribute references and defaults; outputs keep their names', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (y) { y = f.Outer <beta = 2.0> (x) }
<domain: "f", opset_import: ["" : 17, "f" : 1]> Outer <beta> (p) => (q) { t = f.Scaled <alpha: float = @beta> (p)\n u = f.Scaled (t)\n q = Add (t, u) }
<domain: "f", opset_import: ["" : 17]> Scaled <alpha: float = 0.25> (p) => (q) { q = LeakyRelu <alpha: float = @alpha> (p) }`);
    const out = run(m);
    expect(ops(out)).toEqual(['LeakyRelu', 'LeakyRelu', 'Add']);
    expect(printModel(out)).toContain('y = Add (');
    expect(printModel(out)).toContain('LeakyRelu <alpha = 2.0>');
    expect(printModel(out)).toContain('LeakyRelu <alpha = 0.25>');
    expectSameOutputs(m, out, 1);
    expect(run(out)).toBe(out);
  });

  it('hygiene: body names never clash with the caller; two calls of one function get separate values', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (y) { t = Neg (x)\n a = f.F (t)\n b = f.F (a)\n y = Add (a, b) }
<domain: "f", opset_import: ["" : 17]> F (p) => (q) { t = Relu (p)\n q = Neg (t) }`);
    const out = run(m);
    expect(ops(out)).toEqual(['Neg', 'Relu', 'Neg', 'Relu', 'Neg', 'Add']);
    expectSameOutputs(m, out, 2);
  });

  it('imports a domain the caller lacks, and refuses a body at another opset version', () => {
    const ok = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[1,2] x) => (y) { y = f.F (x) }
<domain: "f", opset_import: ["" : 17, "ai.onnx.ml" : 3]> F (p) => (q) { q = Neg (p) }`);
    expect(run(ok).opsets.map((o) => o.domain)).toEqual(['', 'f', 'ai.onnx.ml']);
    const other = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (y) { y = f.F (x) }
<domain: "f", opset_import: ["" : 13]> F (p) => (q) { q = Neg (p) }`);
    expect(run(other)).toBe(other);
  });

  it('If with a constant condition: the branch may output an initializer or an outer value', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (y, z, w) <bool yes = {1}> {
  k = Constant <value = float[2] {5, 6}> ()
  y = If (yes) <then_branch = t () => (o) <float[2] c = {1, 2}> { o = Identity (c) }, else_branch = e () => (o2) { o2 = Neg (x) }>
  z = If (yes) <then_branch = t2 () => (o3) { o3 = Identity (k) }, else_branch = e2 () => (o4) { o4 = Neg (x) }>
  w = If (yes) <then_branch = t3 () => (o5) { o5 = Add (x, k) }, else_branch = e3 () => (o6) { o6 = Neg (x) }>
}`);
    const out = run(m);
    expect(ops(out)).not.toContain('If');
    expectSameOutputs(m, out, 3, true);
    expect(run(out)).toBe(out);
  });

  it('If with a constant condition in a function body: the branch initializers become Constant nodes (a FunctionProto holds no initializers)', () => {
    // They were moved in as initializers of the body, which saving drops: the reloaded body read an undefined value.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (y) { y = f.Pick (x, ) }
<domain: "f", opset_import: ["" : 17]> Pick (p, q) => (r) {
  yes = Constant <value = bool {1}> ()
  r = If (yes) <then_branch = t () => (o) <float[2] k = {1, 2}> { o = Add (p, k) }, else_branch = e () => (o2) { o2 = Neg (p) }>
}`);
    const out = run(m);
    const body = out.functions[0].graph;
    expect(body.initializers).toEqual([]);
    expect(body.order.map((id) => body.nodes[id].op)).toEqual(['Constant', 'Constant', 'Add']);
    const back = loadModelFromBytes(saveModelToBytes(out));
    expect(verify(back).filter((d) => d.severity === 'error')).toEqual([]);
    expectSameOutputs(m, back, 2);
  });

  it('an inlined branch keeps its nested subgraph, reading the moved values', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool c) => (y) <bool yes = {1}> {
  y = If (yes) <then_branch = t () => (o) {
    inner = Neg (x)
    o = If (c) <then_branch = t2 () => (p) { p = Relu (inner) }, else_branch = e2 () => (p2) { p2 = Abs (inner) }>
  }, else_branch = e () => (o2) { o2 = Neg (x) }>
}`);
    const out = run(m);
    expect(ops(out)).toEqual(['Neg', 'If']);
    expectSameOutputs(m, out, 4, true);
  });

  it('leaves calls it cannot inline: a call also in the op table, a missing input', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (z, w) { z = Relu (x)\n w = f.Two (x, ) }
<domain: "", opset_import: ["" : 17]> Relu (p) => (q) { q = Neg (p) }
<domain: "f", opset_import: ["" : 17]> Two (p, r) => (q) { q = Add (p, r) }`);
    expect(run(m)).toBe(m);
  });

  it('never takes a custom-domain If for the ONNX If: its branches are not known to mean what ONNX If means', () => {
    // A planted bug dropping the domain check inlined the then branch of com.example.If unnoticed.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "com.example" : 1]>
g (float[2] x) => (y) <bool yes = {1}> {
  y = com.example.If (yes) <then_branch = t () => (o) { o = Neg (x) }, else_branch = e () => (o2) { o2 = Relu (x) }>
}`);
    expect(run(m)).toBe(m);
  });

  it('a body holding subgraphs is copied with fresh ids at every call, references resolved inside', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x, bool c) => (y, z) { y = f.B <s = 2.0> (x, c)\n z = f.B (y, c) }
<domain: "f", opset_import: ["" : 17]> B <s: float = 3.0> (p, k) => (q) {
  h = Relu (p)
  q = If (k) <then_branch = t () => (o) { o = LeakyRelu <alpha: float = @s> (h) }, else_branch = e () => (o2) { o2 = Neg (p) }>
}`);
    const out = run(m);
    expect(ops(out)).toEqual(['Relu', 'If', 'Relu', 'If']);
    const text = printModel(out);
    expect(text).toContain('LeakyRelu <alpha = 2.0>');
    expect(text).toContain('LeakyRelu <alpha = 3.0>');
    expectSameOutputs(m, out, 6, true);
    // Ids are unique model-wide (ir/ids.ts), nodes included.
    const nodeIds: string[] = [];
    walkNodes(out, (n) => nodeIds.push(n.id));
    expect(new Set(nodeIds).size).toBe(nodeIds.length);
    expect(run(out)).toBe(out);
  });

  it('a list-of-graphs attribute (a custom op) in a body is copied with fresh ids too', () => {
    // No standard op takes a `graphs` list, but a custom one may; each call needs its own copy of
    // every graph in it, or the two inlined copies define the same value ids.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1, "c" : 1]>
g (float[2] x) => (y, z) { y = f.M (x)\n z = f.M (y) }
<domain: "f", opset_import: ["" : 17, "c" : 1]> M (p) => (q) {
  h = Relu (p)
  q = c.Branches <gs = [a () => (o) { o = Neg (h) }, b () => (o2) { o2 = Abs (h) }]> (h)
}`);
    const out = run(m);
    expect(ops(out)).toEqual(['Relu', 'Branches', 'Relu', 'Branches']);
    const defined: string[] = [];
    walkNodes(out, (n) => n.outputs.forEach((v) => v !== null && defined.push(v)));
    expect(new Set(defined).size).toBe(defined.length);
  });

  it('properties on generated models (verifier clean, same outputs, idempotent)', () => {
    checkPassProperties(() => inlineFunctions(), { exact: true });
  });

  it('generated models whose If condition is made a constant: every If goes, outputs stay', () => {
    /** The model with its `cond` input turned into an initializer holding `value`. */
    const constantCond = (m: Model, value: boolean): Model => {
      const cond = m.graph.inputs.find((v) => m.graph.values[v].name === 'cond');
      if (!cond) return m;
      const tensor = { dtype: 9, dims: [], data: { kind: 'raw' as const, bytes: Uint8Array.of(value ? 1 : 0) } };
      return {
        ...m,
        graph: {
          ...m.graph,
          inputs: m.graph.inputs.filter((v) => v !== cond),
          initializers: [...m.graph.initializers, cond as ValueId],
          values: { ...m.graph.values, [cond]: { ...m.graph.values[cond], tensor } },
        },
      };
    };
    fc.assert(
      fc.property(arbModel(), fc.boolean(), fc.nat(1000), (model, value, seed) => {
        const m = constantCond(model, value);
        const out = run(m);
        expect(printModel(out)).not.toContain(' If ');
        expectSameOutputs(m, out, seed, true);
        expect(run(out)).toBe(out);
      }),
      { numRuns: 100, seed: 9 },
    );
  });
});
