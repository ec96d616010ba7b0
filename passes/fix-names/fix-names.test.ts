import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, modelOf, tensorType } from '../../ir/edit/build.js';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { rootPaths, walkGraphTree } from '../../ir/walk.js';
import { createPassContext } from '../../src/pass.js';
import { arbModel, floatTensor } from '../../test/arbitraries/model.js';
import { checkPassProperties } from '../../test/support/pass-properties.js';
import { evaluate } from '../../ir/eval/index.js';
import { loadModelFromBytes, saveModelToBytes } from '../../src/io.js';
import { fixNames } from './fix-names.js';

const run = (m: Model) => fixNames().run(m, createPassContext());

/** Names of the values defined in each graph tree: every one named, none twice. */
function expectUniqueNames(m: Model): void {
  for (const root of rootPaths(m)) {
    const names: string[] = [];
    walkGraphTree(root, (g) => {
      for (const id of [...g.inputs, ...g.initializers]) names.push(g.values[id].name ?? '');
      for (const nid of g.order) for (const v of g.nodes[nid].outputs) if (v !== null) names.push(g.values[v].name ?? '');
    });
    expect(names.filter((n) => n === '')).toEqual([]);
    expect(new Set(names).size).toBe(names.length);
  }
}

describe('fix-names', () => {
  it('names unnamed values by what defines them', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', tensorType(1, [2]));
    const w = b.initializer(undefined, floatTensor([2], [1, 2]));
    const a = b.op('Add', [x, w]);
    const r = b.op('Relu', [a], undefined, { name: 'act' });
    const n = b.op('Neg', [r]);
    b.output(b.op('Neg', [n]), 'y');
    const m = modelOf(b.build());
    const out = run(m);
    const names = Object.values(out.graph.values).map((v) => v.name);
    expect(names).toEqual(['x', 'init_0', 'Add_0', 'act_out', 'Neg_0', 'y']);
    expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
    expect(run(out)).toBe(out);
  });

  it('names the unnamed outputs of a named node by their position, the first without a number, and skips omitted ones', () => {
    // TopK named "top" with both outputs unnamed: `top_out` and `top_out1`; a Split named "cut"
    // with its first output omitted: its second output is `cut_out1` (the index is the slot's).
    const b = new GraphBuilder('g');
    const x = b.input('x', tensorType(1, [4]));
    const k = b.initializer('k', { dtype: 7, dims: [1], data: { kind: 'raw', bytes: new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0]) } });
    const [v, i] = b.ops('TopK', [x, k], undefined, { outputs: 2, name: 'top' });
    const [, s1] = b.ops('Split', [x], { num_outputs: 2n }, { outputs: [null, undefined as unknown as string], name: 'cut' });
    b.output(b.op('Neg', [v!]), 'y');
    b.output(b.op('Cast', [i!], { to: 1n }), 'z');
    b.output(b.op('Neg', [s1!]), 'w');
    const out = run(modelOf(b.build(), [{ domain: '', version: 18 }]));
    const names = out.graph.order.flatMap((id) => out.graph.nodes[id].outputs.map((o) => (o === null ? null : out.graph.values[o].name)));
    expect(names).toEqual(['top_out', 'top_out1', null, 'cut_out1', 'y', 'z', 'w']);
    expectUniqueNames(out);
  });

  it('keeps the interface: an inner value named like a graph output is renamed, not the output', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', tensorType(1, [2]));
    const inner = b.ops('Relu', [x], undefined, { outputs: ['y'] })[0]!;
    b.output(b.ops('Neg', [inner], undefined, { outputs: ['y'] })[0]!);
    const out = run(modelOf(b.build()));
    expect(Object.values(out.graph.values).map((v) => v.name)).toEqual(['x', 'y_1', 'y']);
  });

  it('a renamed initializer whose tensor carries its name is written under the new name', () => {
    // A tensor may carry its value's name (edits that copy a value's name onto a constant do); the
    // ONNX file names the initializer by it, so it must follow the rename or readers of `w_1`
    // find nothing (and two initializers are called `w`).
    const b = new GraphBuilder('g');
    const x = b.input('x', tensorType(1, [2]));
    const w1 = b.initializer('w', { ...floatTensor([2], [1, 2]), name: 'w' });
    const w2 = b.initializer('w', { ...floatTensor([2], [3, 5]), name: 'w' });
    b.output(b.op('Mul', [b.op('Add', [x, w1]), w2]), 'y');
    const m = modelOf(b.build());
    const back = loadModelFromBytes(saveModelToBytes(run(m)));
    expect(verify(back).filter((d) => d.severity === 'error')).toEqual([]);
    expect(back.graph.initializers.map((v) => back.graph.values[v].name)).toEqual(['w', 'w_1']);
    const feed = { x: { kind: 'tensor', dtype: 1, dims: [2], data: Float32Array.of(1, -1) } } as const;
    expect(evaluate(back, feed).get('y')).toMatchObject({ data: Float32Array.of(6, 5) });
  });

  it('a suffix skips every name in use: an inner `t` beside outer `t` and `t_1` becomes `t_2`', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool c) => (y, z) {
  t = Relu (x)
  t_1 = Neg (t)
  y = Neg (t_1)
  z = If (c) <then_branch = a () => (t) { t = Abs (x) }, else_branch = b () => (o) { o = Neg (x) }>
}`);
    const out = run(m);
    expectUniqueNames(out);
    const text = printModel(out);
    expect(text).toContain('t_2 = Abs (x)');
    expect(text).toContain('t_1 = Neg (t)');
    expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('function bodies are their own namespace: a body may reuse a main-graph name', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] t) => (y) { y = f.F (t) }
<domain: "f", opset_import: ["" : 17]> F (p) => (q) { t = Relu (p)\n q = Neg (t) }`);
    expect(run(m)).toBe(m);
  });

  it('returns the same object when every name is fine', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]> g (float[2] x) => (y) { a = Relu (x)\n y = Neg (a) }`);
    expect(run(m)).toBe(m);
  });

  it('generated models (unnamed intermediates, nested Ifs) come out fully and uniquely named', () => {
    fc.assert(
      fc.property(arbModel(), (m) => {
        const out = run(m);
        expectUniqueNames(out);
        expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
        const outputNames = (x: Model) => x.graph.outputs.map((id) => x.graph.values[id].name);
        expect(outputNames(out)).toEqual(outputNames(m));
      }),
      { numRuns: 100, seed: 3 },
    );
  });

  it('properties on generated models (verifier clean, same outputs, idempotent)', () => {
    checkPassProperties(() => fixNames(), { exact: true });
  });
});
