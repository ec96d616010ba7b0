import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { arbModel, chainModel, nestedIfModel } from '../../test/arbitraries/model.js';
import { GraphBuilder, modelOf, tensorType } from './build.js';
import { LatheError } from '../error.js';
import { float } from '../attrs.js';
import { parseModel } from '../text/parse.js';
import { edit, editAll, editGraph, type Editor } from './edit.js';
import type { Graph, Model, NodeId } from '../types.js';
import { usesOf } from '../uses.js';
import { verify as verifyAll } from '../verify/verify.js';

/** The verifier less `attr-unknown`: these edits write made-up attribute names on purpose. */
const verify = (m: Parameters<typeof verifyAll>[0]) => verifyAll(m).filter((d) => d.code !== 'attr-unknown');
import { walkGraphs, walkNodes, type GraphPath } from '../walk.js';

const f32 = tensorType(1, [2, 2]);

function ops(g: Graph): string[] {
  return g.order.map((id) => g.nodes[id].op);
}

describe('edit', () => {
  test('a no-op recipe returns the same model; so do no-op writes', () => {
    const { model, relu, x } = chainModel();
    expect(edit(model, () => {})).toBe(model);
    expect(
      edit(model, (e) => {
        for (const n of e.nodes()) void n;
        e.replaceAllUses(x, x);
        e.setAttr(relu, 'alpha', float(1));
        e.removeAttr(relu, 'alpha');
      }),
    ).not.toBe(model); // setAttr then removeAttr is two real writes
    expect(
      edit(model, (e) => {
        e.removeAttr(relu, 'missing');
        e.setValue(x, { name: 'x' });
        e.setInput(relu, 0, x);
      }),
    ).toBe(model);
  });

  test('eliminate an Identity: replaceAllUses + remove; untouched data is shared', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32);
    const w = b.initializer('w', { dtype: 1, dims: [1], data: { kind: 'raw', bytes: new Uint8Array(4) } });
    const a = b.op('Relu', [x]);
    const i = b.op('Identity', [a]);
    b.output(b.op('Add', [i, w]), 'y');
    const model = modelOf(b.build());
    const out = edit(model, (e) => {
      for (const n of e.nodes({ op: 'Identity' })) {
        e.replaceAllUses(n.outputs[0]!, n.inputs[0]!);
        e.remove(n.id);
      }
    });
    expect(ops(out.graph)).toEqual(['Relu', 'Add']);
    expect(verify(out)).toEqual([]);
    const reluId = out.graph.order[0];
    expect(out.graph.nodes[reluId]).toBe(model.graph.nodes[reluId]);
    expect(out.graph.values[w]).toBe(model.graph.values[w]);
    expect(usesOf(out.graph).get(a)).toEqual([{ kind: 'input', node: out.graph.order[1], index: 0 }]);
  });

  test('remove refuses while outputs are used (LatheError naming the node)', () => {
    const { model, relu } = chainModel();
    expect(() => edit(model, (e) => e.remove(relu))).toThrow(LatheError);
    expect(() => edit(model, (e) => e.remove(relu))).toThrow(/still used/);
    expect(() => edit(model, (e) => e.remove('n999' as NodeId))).toThrow(LatheError);
    expect(() => edit(model, (e) => e.add('Relu', ['v999' as never]))).toThrow(/not defined/);
  });

  test('add inserts before the node being visited, so replacing keeps topological order', () => {
    const { model, x } = chainModel();
    const out = edit(model, (e) => {
      for (const n of e.nodes({ op: 'Neg' })) {
        const [m] = e.add('Mul', [n.inputs[0], x]);
        e.replaceAllUses(n.outputs[0]!, m!);
        e.remove(n.id);
      }
    });
    expect(ops(out.graph)).toEqual(['Relu', 'Mul']);
    expect(verify(out)).toEqual([]);
  });

  test('adding at the end then rewiring an earlier consumer re-sorts the order', () => {
    const { model, x, relu } = chainModel();
    const out = edit(model, (e) => {
      const [s] = e.add('Sigmoid', [x]); // appended after Neg
      e.setInput(relu, 0, s); // Relu now reads it: order must change
    });
    expect(ops(out.graph)).toEqual(['Sigmoid', 'Relu', 'Neg']);
    expect(verify(out)).toEqual([]);
  });

  test('a recipe that creates a cycle fails with LatheError', () => {
    const { model, relu, r } = chainModel();
    expect(() => edit(model, (e) => e.setInput(relu, 0, r))).toThrow(/cycle/);
  });

  test('graph output name moves to the replacement when it can', () => {
    const { model, r, y, neg } = chainModel();
    const out = edit(model, (e) => {
      e.replaceAllUses(y, r);
      e.remove(neg);
    });
    expect(out.graph.outputs).toEqual([r]);
    expect(out.graph.values[r].name).toBe('y');
    expect(verify(out)).toEqual([]);
  });

  test('graph output replaced by a graph input keeps its name through an Identity', () => {
    const { model, x, y, neg, relu } = chainModel();
    const out = edit(model, (e) => {
      expect(e.canTakeOutputName(x)).toBe(false);
      e.replaceAllUses(y, x);
      e.remove(neg);
      e.remove(relu);
    });
    expect(ops(out.graph)).toEqual(['Identity']);
    const o = out.graph.outputs[0];
    expect(out.graph.values[o].name).toBe('y');
    expect(out.graph.values[o].type).toEqual(f32);
    expect(verify(out)).toEqual([]);
  });

  test('a value in two output slots keeps one name and one value after replacement', () => {
    const b = new GraphBuilder();
    const x = b.input('x', f32);
    const r = b.op('Relu', [x]);
    b.output(r, 'y').output(r);
    const model = modelOf(b.build());
    const out = edit(model, (e) => {
      e.replaceAllUses(r, x);
      e.remove(model.graph.order[0]);
    });
    const [o1, o2] = out.graph.outputs;
    expect(o1).toBe(o2);
    expect(out.graph.values[o1].name).toBe('y');
    expect(ops(out.graph)).toEqual(['Identity']);
    expect(verify(out)).toEqual([]);
  });

  test('replaceAllUses rewrites reads inside subgraphs (captures)', () => {
    const b = new GraphBuilder();
    const c = b.input('c', tensorType(9, []));
    const x = b.input('x');
    const a = b.op('Abs', [x]);
    const i = b.op('Identity', [a]);
    const t = b.subgraph('then');
    const inner1 = t.subgraph('inner1');
    inner1.output(inner1.op('Relu', [i]));
    const inner2 = t.subgraph('inner2');
    inner2.output(inner2.op('Neg', [x]));
    t.output(t.op('If', [c], { then_branch: inner1.build(), else_branch: inner2.build() }));
    const e = b.subgraph('else');
    e.output(i);
    b.output(b.op('If', [c], { then_branch: t.build(), else_branch: e.build() }), 'y');
    const model = modelOf(b.build());
    expect(usesOf(model.graph).get(i)?.map((u) => u.kind)).toEqual(['capture']);
    const out = edit(model, (ed) => {
      ed.replaceAllUses(i, a);
      ed.remove(model.graph.order[1]);
    });
    expect(verify(out)).toEqual([]);
    let reads = 0;
    walkGraphs(out, (g) => {
      for (const id of g.order) for (const v of g.nodes[id].inputs) if (v === i) reads++;
      if (g.outputs.includes(i)) reads++;
    });
    expect(reads).toBe(0);
    expect(usesOf(out.graph).get(a)?.map((u) => u.kind)).toEqual(['capture']);
  });

  test('editGraph edits one subgraph; editAll reaches every graph and function', () => {
    const m = nestedIfModel(3);
    let target: GraphPath | undefined;
    walkGraphs(m, (g, p) => {
      if (g.name === 'level2') target = p;
    });
    const out = editGraph(m, target!, (e) => {
      for (const n of e.nodes({ op: 'If' })) e.setAttr(n.id, 'marker', 1n);
    });
    expect(verify(out)).toEqual([]);
    const marked: string[] = [];
    walkGraphs(out, (g) => {
      for (const id of g.order) if (g.nodes[id].attrs.some((a) => a.name === 'marker')) marked.push(g.name);
    });
    expect(marked).toEqual(['level2']);
    expect(editGraph(m, target!, () => {})).toBe(m);

    const all = editAll(m, (e) => {
      for (const n of e.nodes({ op: 'Neg' })) e.setAttr(n.id, 'seen', 1n);
    });
    let seen = 0;
    walkGraphs(all, (g) => {
      for (const id of g.order) if (g.nodes[id].attrs.some((a) => a.name === 'seen')) seen++;
    });
    expect(seen).toBe(3); // the else-branch leaf of each of the 3 Ifs
    expect(verify(all)).toEqual([]);
    expect(editAll(m, () => {})).toBe(m);
  });

  test('fresh ids across successive edits never collide', () => {
    let m: Model = chainModel().model;
    const x = m.graph.inputs[0];
    for (let k = 0; k < 5; k++) {
      m = edit(m, (e) => {
        const [s] = e.add('Sigmoid', [x]);
        e.add('Relu', [s]);
      });
    }
    expect(verify(m)).toEqual([]);
    expect(m.graph.order.length).toBe(12);
  });

  test('editing the main graph of a 10,000-deep nesting does not overflow', () => {
    const m = nestedIfModel(10_000);
    const out = edit(m, (e) => {
      for (const n of e.nodes({ op: 'If' })) e.setAttr(n.id, 'marker', 1n);
    });
    expect(out).not.toBe(m);
    expect(out.graph.nodes[out.graph.order[0]].attrs.length).toBe(3);
  });
});

/** eliminate-identity as DESIGN.md sketches it, with the output-name rule of edit.ts. */
function dropIdentities(e: Editor) {
  for (const n of e.nodes({ op: 'Identity' })) {
    const [x] = n.inputs;
    const y = n.outputs[0]!;
    if (x == null || (e.isGraphOutput(y) && !e.canTakeOutputName(x) && e.value(y)?.name !== undefined)) continue;
    e.replaceAllUses(y, x);
    e.remove(n.id);
  }
}

describe('editAll on generated models', () => {
  test('removing Identity nodes everywhere keeps models valid and converges in one run', () => {
    fc.assert(
      fc.property(arbModel(), (m) => {
        const once = editAll(m, dropIdentities);
        expect(verify(once)).toEqual([]);
        expect(editAll(once, dropIdentities)).toBe(once);
        // Output names of the main graph are unchanged.
        const names = (x: Model) => x.graph.outputs.map((v) => x.graph.values[v]?.name ?? '');
        expect(names(once)).toEqual(names(m));
        // Identity survives only where it carries a main-graph output name it cannot hand on.
        walkNodes(once, (n, g, p) => {
          if (n.op !== 'Identity') return;
          expect(p.depth).toBe(0);
          expect(g.outputs).toContain(n.outputs[0]);
        });
      }),
      { seed: 42, numRuns: 200 },
    );
  });
});

describe('producer and consumers across scopes', () => {
  test('a subgraph sees the outer node defining a captured value; the outer graph sees the capture', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool c) => (float[2] y) {
  a = Relu (x)
  y = If (c) <then_branch = t () => (float[2] r) { r = Neg (a) }, else_branch = e () => (float[2] s) { s = Identity (x) }>
}`);
    const seen: string[] = [];
    editAll(m, (e, path) => {
      for (const n of e.nodes()) {
        for (const v of n.inputs) {
          if (v === null) continue;
          const p = e.producer(v);
          seen.push(`${path.graph.name}: ${n.op} reads ${p ? `${p.node.op}#${p.index}${p.outer ? ' (outer)' : ''}` : 'an input'}`);
          if (path.step.kind === 'main' && p?.node.op === 'Relu') {
            expect(e.consumers(v).map((c) => (c.kind === 'output' ? 'output' : `${c.kind} ${c.node.op}`))).toEqual(['capture If']);
          }
        }
        for (const v of n.outputs) if (v !== null && e.isGraphOutput(v)) expect(e.consumers(v)).toEqual([{ kind: 'output', index: 0 }]);
      }
    });
    expect(seen.sort()).toEqual(['e: Identity reads an input', 'g: If reads an input', 'g: Relu reads an input', 't: Neg reads Relu#0 (outer)']);
  });
});

describe('subgraph outputs', () => {
  test('replacing a typed subgraph output by an untyped node output of that graph moves the type along', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool c) => (float[2] y) {
  y = If (c) <then_branch = t () => (float[2] r) { n = Neg (x)
    r = Identity (n) }, else_branch = e () => (float[2] s) { s = Relu (x) }>
}`);
    const out = editAll(m, (e, path) => {
      if (path.graph.name !== 't') return;
      const id = [...e.nodes({ op: 'Identity' })][0]!;
      e.replaceAllUses(id.outputs[0]!, id.inputs[0]!);
      e.remove(id.id);
    });
    const branch = (out.graph.nodes[out.graph.order[0]!]!.attrs[0] as { value: Graph }).value;
    const o = branch.values[branch.outputs[0]!]!;
    expect([o.name, o.type]).toEqual(['n', { kind: 'tensor', dtype: 1, shape: [2] }]);
  });
});
