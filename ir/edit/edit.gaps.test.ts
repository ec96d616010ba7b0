/**
 * Editor paths no other test ran (found by a coverage run): editGraph on a function body and on
 * a subgraph inside one, bad paths, and setInput past the end of a node's inputs or clearing its
 * last one. A slip in these writes an edit into the wrong graph, or drops it, silently.
 */
import { describe, expect, test } from 'vitest';
import { parseModel } from '../text/parse.js';
import type { Graph, Model, NodeId, ValueId } from '../types.js';
import { verify } from '../verify/verify.js';
import { edit, editAll, editGraph } from './edit.js';

const ops = (g: Graph) => g.order.map((id) => g.nodes[id].op);
const idOf = (g: Graph, name: string) => Object.values(g.values).find((v) => v.name === name)!.id as ValueId;

const withFunctions = () => parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (bool c, float[3] p) => (y, z) { y = local.F (c, p)  z = local.G (p) }
<domain: "local", opset_import: ["" : 17]>
F (c, a) => (b) {
  b = If (c) <then_branch = t () => (o1) { o1 = Neg (a) }, else_branch = e () => (o2) { o2 = Relu (a) }>
}
<domain: "local", opset_import: ["" : 17]>
G (a) => (b) { b = Relu (a) }`);

const errors = (m: Model) => verify(m).filter((d) => d.severity === 'error');

describe('editGraph on function bodies', () => {
  test('edits the function at the index given, and only it', () => {
    const m = withFunctions();
    const out = editGraph(m, [{ kind: 'function', index: 1 }], (e) => {
      for (const n of e.nodes({ op: 'Relu' })) {
        const [abs] = e.add('Abs', [n.inputs[0]]);
        e.replaceAllUses(n.outputs[0]!, abs);
        e.remove(n.id);
      }
    });
    expect(errors(out)).toEqual([]);
    expect(ops(out.functions[1].graph)).toEqual(['Abs']);
    expect(out.functions[1].name).toBe('G');
    expect(out.functions[0]).toBe(m.functions[0]);
    expect(out.graph).toBe(m.graph);
    expect(m.functions[1].graph.order.map((id) => m.functions[1].graph.nodes[id].op)).toEqual(['Relu']);
  });

  test('a recipe that changes nothing returns the model itself', () => {
    const m = withFunctions();
    expect(editGraph(m, [{ kind: 'function', index: 0 }], () => {})).toBe(m);
  });

  test('edits a branch inside a function body; the main graph and the other function stay', () => {
    const m = withFunctions();
    const body = m.functions[0].graph;
    const ifId = body.order[0];
    const thenAttr = body.nodes[ifId].attrs.findIndex((a) => a.name === 'then_branch');
    const out = editGraph(m, [{ kind: 'function', index: 0 }, { kind: 'attr', node: ifId, attr: thenAttr, item: -1 }], (e) => {
      for (const n of e.nodes({ op: 'Neg' })) e.setAttr(n.id, 'marker', 1n);
    });
    const ifNode = out.functions[0].graph.nodes[ifId];
    const branch = (name: string) => {
      const a = ifNode.attrs.find((x) => x.name === name)!;
      if (a.kind !== 'graph') throw new Error('not a graph');
      return a.value;
    };
    const then = branch('then_branch');
    expect(then.nodes[then.order[0]].attrs.map((a) => a.name)).toEqual(['marker']);
    expect(branch('else_branch')).toBe((body.nodes[ifId].attrs.find((x) => x.name === 'else_branch') as { value: Graph }).value);
    expect(out.graph).toBe(m.graph);
    expect(out.functions[1]).toBe(m.functions[1]);
  });

  test('a path that is not main/function then attribute steps, or leads nowhere, is refused', () => {
    const m = withFunctions();
    expect(() => editGraph(m, [{ kind: 'main' }, { kind: 'function', index: 0 }], () => {})).toThrow(/step 1 of the path is not an attribute step/);
    expect(() => editGraph(m, [{ kind: 'function', index: 5 }], () => {})).toThrow(/does not lead to a graph/);
    const ifId = m.functions[0].graph.order[0];
    expect(() => editGraph(m, [{ kind: 'function', index: 0 }, { kind: 'attr', node: ifId, attr: 0, item: 3 }], () => {})).toThrow(/does not lead to a graph/);
    expect(() => editGraph(m, [{ kind: 'main' }, { kind: 'attr', node: 'nope' as NodeId, attr: 0, item: -1 }], () => {})).toThrow(/does not lead to a graph/);
  });
});

describe('setInput', () => {
  const clip = () => parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p, float lo, float hi) => (y) { y = Clip (p, lo, hi) }`);

  test('clearing the last input drops it, and the nulls before it (Clip(p, lo, hi) -> Clip(p))', () => {
    const m = clip();
    const n = m.graph.order[0];
    const out = edit(m, (e) => {
      e.setInput(n, 1, null);
      e.setInput(n, 2, null);
    });
    expect(out.graph.nodes[n].inputs).toEqual([idOf(m.graph, 'p')]);
    expect(errors(out)).toEqual([]);
  });

  test('clearing a middle input leaves a null hole (Clip(p, , hi))', () => {
    const m = clip();
    const n = m.graph.order[0];
    const out = edit(m, (e) => e.setInput(n, 1, null));
    expect(out.graph.nodes[n].inputs).toEqual([idOf(m.graph, 'p'), null, idOf(m.graph, 'hi')]);
  });

  test('setting past the end pads with omitted inputs (Clip(p) -> Clip(p, , hi))', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p, float hi) => (y) { y = Clip (p) }`);
    const n = m.graph.order[0];
    const hi = idOf(m.graph, 'hi');
    let uses: unknown;
    const out = edit(m, (e) => {
      e.setInput(n, 2, hi);
      uses = e.uses(hi);
    });
    expect(out.graph.nodes[n].inputs).toEqual([idOf(m.graph, 'p'), null, hi]);
    expect(uses).toEqual([{ kind: 'input', node: n, index: 2 }]);
    expect(errors(out)).toEqual([]);
  });

  test('setting two past the end pads every slot between (Resize(x) -> Resize(x, , , sizes))', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[1,1,2,2] x) => (y) <int64[4] sizes = {1, 1, 4, 4}> { y = Resize (x) }`);
    const n = m.graph.order[0];
    const sizes = idOf(m.graph, 'sizes');
    const out = edit(m, (e) => e.setInput(n, 3, sizes));
    const inputs = out.graph.nodes[n].inputs;
    expect(inputs).toHaveLength(4);
    expect([0, 1, 2, 3].map((i) => inputs[i])).toEqual([idOf(m.graph, 'x'), null, null, sizes]);
    expect(errors(out)).toEqual([]);
  });

  test('an unknown value, a negative or fractional index are refused', () => {
    const m = clip();
    const n = m.graph.order[0];
    expect(() => edit(m, (e) => e.setInput(n, 0, 'v999' as ValueId))).toThrow(/setInput: v999 is not defined/);
    expect(() => edit(m, (e) => e.setInput(n, -1, idOf(m.graph, 'p')))).toThrow(/bad input index -1/);
    expect(() => edit(m, (e) => e.setInput(n, 1.5, idOf(m.graph, 'p')))).toThrow(/bad input index 1.5/);
  });

  test('replaceAllUses to, and setValue of, a value not in the graph are refused', () => {
    const m = clip();
    expect(() => edit(m, (e) => e.replaceAllUses(idOf(m.graph, 'lo'), 'v999' as ValueId))).toThrow(/replaceAllUses: v999 is not defined/);
    expect(() => edit(m, (e) => e.setValue('v999' as ValueId, { name: 'x' }))).toThrow(/setValue: v999 is not defined/);
  });
});

describe('nodes() while editing', () => {
  test('a node removed ahead of the cursor is skipped, not yielded as undefined', () => {
    // Three independent Relus; at the first, the third (unused: its output is no graph output) goes.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] p) => (a, b) { a = Relu (p)  b = Neg (p)  c = Abs (p) }`);
    const seen: string[] = [];
    const out = edit(m, (e) => {
      const abs = [...e.nodes({ op: 'Abs' })][0];
      for (const n of e.nodes()) {
        seen.push(n.op);
        if (n.op === 'Relu') e.remove(abs.id);
      }
    });
    expect(seen).toEqual(['Relu', 'Neg']);
    expect(ops(out.graph)).toEqual(['Relu', 'Neg']);
  });
});

describe('outer values seen from a subgraph editor', () => {
  const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[3] p, float[3] z) => (y) <float[3] w = {1, 2, 3}, float[3] z = {0, 0, 0}> {
  t = Neg (p)
  y = If (c) <then_branch = th () => (o1) <float[3] k = {4, 5, 6}> { o1 = Add (t, w)  o2 = Add (z, k) }, else_branch = el () => (o3) { o3 = Relu (t) }>
}`);
  test('outerTensor: an outer initializer yes; a local one, an overridable outer one, a computed value no', () => {
    const got: Record<string, unknown> = {};
    editAll(m, (e, path) => {
      if (path.graph.name !== 'th') return;
      const id = (g: Graph, n: string) => idOf(g, n);
      const outer = m.graph;
      got.w = e.outerTensor(id(outer, 'w'))?.dims;
      got.z = e.outerTensor(id(outer, 'z'));
      got.t = e.outerTensor(id(outer, 't'));
      got.k = e.outerTensor(id(path.graph, 'k'));
    });
    expect(got).toEqual({ w: [3], z: undefined, t: undefined, k: undefined });
  });
  test('consumers: a subgraph reading a value counts as a capture by the node holding it', () => {
    let kinds: unknown;
    edit(m, (e) => {
      kinds = e.consumers(idOf(m.graph, 't')).map((c) => `${c.kind}:${c.kind === 'output' ? '' : c.node.op}`);
    });
    expect(kinds).toEqual(['capture:If']);
  });
});
