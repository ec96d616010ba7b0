import { describe, expect, it } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import type { Model, ValueId } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { checkPassProperties } from '../../test/support/pass-properties.js';
import { eliminateDeadCode } from './eliminate-dead-code.js';

const run = (m: Model) => {
  const ctx = createPassContext();
  return { out: eliminateDeadCode().run(m, ctx.scoped('eliminate-dead-code')), counts: ctx.counts };
};

describe('eliminate-dead-code', () => {
  it('removes dead chains, initializers, functions and opsets, and counts them', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (y) <float[2] w = {1, 2}> {
  a = Neg (x)
  b = Add (a, w)
  c = f.F (b)
  y = Relu (x)
}
<domain: "f", opset_import: ["" : 17]> F (p) => (q) { q = Neg (p) }`);
    const { out, counts } = run(m);
    expect(out.graph.order.map((id) => out.graph.nodes[id].op)).toEqual(['Relu']);
    expect(out.graph.initializers).toEqual([]);
    expect(out.functions).toEqual([]);
    expect(out.opsets).toEqual([{ domain: '', version: 17 }]);
    expect(counts.get('eliminate-dead-code/nodes')).toBe(3);
    expect(counts.get('eliminate-dead-code/initializers')).toBe(1);
    expect(counts.get('eliminate-dead-code/functions')).toBe(1);
  });

  it('keeps a node one of whose later outputs is read, also when only a subgraph reads it', () => {
    // Split's first output and TopK's values are unread: the nodes live through their other outputs.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 18]>
g (float[4] x, bool c) => (y, z) <int64[1] k = {2}> {
  first, second = Split <num_outputs = 2> (x)
  dead = Neg (first)
  y = Relu (second)
  vals, idx = TopK (x, k)
  z = If (c) <then_branch = t () => (o) { o = Cast <to = 1> (idx) }, else_branch = e () => (o2) { o2 = Neg (y) }>
}`);
    const { out, counts } = run(m);
    expect(out.graph.order.map((id) => out.graph.nodes[id].op)).toEqual(['Split', 'Relu', 'TopK', 'If']);
    expect(counts.get('eliminate-dead-code/nodes')).toBe(1);
    expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('keeps the model import of a domain only a kept function body uses', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1, "ai.onnx.ml" : 3]>
g (float[2] x) => (y) { y = f.A (x) }
<domain: "f", opset_import: ["" : 17, "ai.onnx.ml" : 3]> A (p) => (q) { q = ai.onnx.ml.Binarizer (p) }`);
    expect(run(m).out).toBe(m);
  });

  it('keeps the only opset import of a model whose last node of that domain is gone', () => {
    // Found by optimizing ai.onnx.ml node tests with their inputs folded in: a model with no
    // opset import is invalid ONNX, and onnxruntime refuses to load it.
    const m = parseModel(`<ir_version: 8, opset_import: ["ai.onnx.ml" : 1]>
g (float[2] x) => (x) { dead = ai.onnx.ml.Binarizer (x) }`);
    const { out, counts } = run(m);
    expect(out.graph.order).toEqual([]);
    expect(out.opsets).toEqual([{ domain: 'ai.onnx.ml', version: 1 }]);
    expect(counts.get('eliminate-dead-code/opsets')).toBeUndefined();
  });

  it('returns the same object when nothing is dead', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool c) => (y, x) { y = If (c) <then_branch = t () => (o) { o = Neg (x) }, else_branch = e () => (o2) { o2 = Relu (x) }> }`);
    expect(run(m).out).toBe(m);
  });

  it('keeps an initializer that is also a graph input, and one only a subgraph reads', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool c, float[2] opt = {1, 1}) => (y) <float[2] k = {2, 2}> {
  y = If (c) <then_branch = t () => (o) { o = Add (x, k) }, else_branch = e () => (o2) { o2 = Neg (x) }>
}`);
    expect(run(m).out).toBe(m);
  });

  it('a capture by a dead subgraph node no longer keeps the outer value alive', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool c) => (y) {
  only_inner = Neg (x)
  y = If (c) <then_branch = t () => (o) { dead = Relu (only_inner)  o = Neg (x) }, else_branch = e () => (o2) { o2 = Relu (x) }>
}`);
    const text = printModel(run(m).out);
    expect(text).not.toContain('only_inner');
    expect(text).not.toContain('dead');
  });

  it('drops a subgraph value_info of an outer value the subgraph no longer reads', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool c) => (y) {
  only_inner = Neg (x)
  y = If (c) <then_branch = t () => (o) <float[2] only_inner> { dead = Relu (only_inner)  o = Neg (x) }, else_branch = e () => (o2) { o2 = Relu (x) }>
}`);
    const out = run(m).out;
    expect(printModel(out)).not.toContain('only_inner');
    expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('keeps a function called only from a subgraph and from another function', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x, bool c) => (y) {
  y = If (c) <then_branch = t () => (o) { o = f.A (x) }, else_branch = e () => (o2) { o2 = Relu (x) }>
}
<domain: "f", opset_import: ["" : 17, "f" : 1]> A (p) => (q) { q = f.B (p) }
<domain: "f", opset_import: ["" : 17]> B (p) => (q) { q = Neg (p) }
<domain: "f", opset_import: ["" : 17]> C (p) => (q) { q = Neg (p) }`);
    const out = run(m).out;
    expect(out.functions.map((f) => f.name)).toEqual(['A', 'B']);
    expect(out.opsets.map((o) => o.domain)).toEqual(['', 'f']);
  });

  it("drops a function's imports of domains its body does not use", () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (y) { y = f.A (x) }
<domain: "f", opset_import: ["" : 17, "ai.onnx.ml" : 3, "f" : 1]> A (p) => (q) { q = Neg (p) }`);
    expect(run(m).out.functions[0].opsets).toEqual([{ domain: '', version: 17 }]);
  });

  it('cleans function bodies', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (y) { y = f.A (x) }
<domain: "f", opset_import: ["" : 17]> A (p) => (q) { unused = Relu (p)  q = Neg (p) }`);
    const out = run(m).out;
    expect(out.functions[0].graph.order.length).toBe(1);
  });

  it('drops the quantization annotations of removed values, keeps the others', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g @{quantization: [["dead", ["scale": "s"]], ["y", ["scale": "s"]]]} (float[2] x) => (y) { dead = Neg (x)\n y = Relu (x) }`);
    const out = run(m).out;
    expect(out.graph.quantization?.map((q) => q.tensor)).toEqual(['y']);
  });

  it('removes a sparse initializer nothing reads, its value entry with it', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] x) => (y) { y = Relu (x) }`);
    const tensor = (dtype: number, dims: number[], bytes: number[]) => ({ dtype, dims, data: { kind: 'raw' as const, bytes: new Uint8Array(bytes) } });
    const sparse = { dims: [3], values: tensor(1, [1], [0, 0, 128, 63]), indices: tensor(7, [1], [1, 0, 0, 0, 0, 0, 0, 0]) };
    const sp = 'sp_unread' as ValueId;
    const withSparse: Model = {
      ...m,
      graph: { ...m.graph, sparseInitializers: [sp], values: { ...m.graph.values, [sp]: { id: sp, name: 'sp_unread', sparse, type: { kind: 'tensor', dtype: 1, shape: [3] } } } },
    };
    expect(verify(withSparse).filter((d) => d.severity === 'error')).toEqual([]);
    const { out, counts } = run(withSparse);
    expect(out.graph.sparseInitializers).toEqual([]);
    expect(Object.hasOwn(out.graph.values, sp)).toBe(false);
    expect(counts.get('eliminate-dead-code/initializers')).toBe(1);
    expect(printModel(out)).toBe(printModel(m));
  });

  it('handles a 20,000-long dead chain without recursion', () => {
    const lines = ['a0 = Neg (x)'];
    for (let i = 1; i < 20000; i++) lines.push(`a${i} = Neg (a${i - 1})`);
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>\ng (float[2] x) => (y) {\n${lines.join('\n')}\ny = Relu (x)\n}`);
    expect(run(m).out.graph.order.length).toBe(1);
  });

  it('properties on generated models (verifier clean, same outputs, idempotent)', () => {
    checkPassProperties(() => eliminateDeadCode(), { exact: true });
  });
});
