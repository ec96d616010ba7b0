/**
 * The editor's bookkeeping checked against what a fresh walk of the edited graph says: the use
 * map it keeps while editing, main-graph output names, subgraphs held in `graphs` lists, and
 * fresh ids in a model whose subgraphs hold the highest ones.
 */
import { describe, expect, test } from 'vitest';
import { GraphBuilder, modelOf, tensorType } from './build.js';
import { edit, editGraph } from './edit.js';
import { counterAllocator } from '../ids.js';
import type { Graph, Tensor, ValueId } from '../types.js';
import { capturesOf, usesOf } from '../uses.js';
import { walkGraphs } from '../walk.js';
import { verify } from '../verify/verify.js';

const bool = tensorType(9, []);

/** Uses as a comparable list (the editor's may be in another order than a fresh index). */
const sorted = (uses: readonly unknown[]) => uses.map((u) => JSON.stringify(u)).sort();

describe('the use map kept while editing', () => {
  test('replacing a value read by a branch that already reads the target: one capture use, as a fresh index says', () => {
    const b = new GraphBuilder();
    const c = b.input('c', bool);
    const x = b.input('x');
    const a = b.op('Relu', [x]);
    const z = b.op('Neg', [x]);
    const t = b.subgraph('then');
    t.output(t.op('Add', [a, z])); // the branch reads both a and z
    const e = b.subgraph('else');
    e.output(e.op('Neg', [z]));
    b.output(b.op('If', [c], { then_branch: t.build(), else_branch: e.build() }), 'y');
    const model = modelOf(b.build());
    let during: readonly unknown[] = [];
    const out = edit(model, (ed) => {
      ed.replaceAllUses(a, z);
      during = ed.uses(z);
      expect(ed.consumers(z).filter((u) => u.kind === 'capture')).toHaveLength(1);
    });
    expect(verify(out)).toEqual([]);
    expect(sorted(during)).toEqual(sorted(usesOf(out.graph).get(z) ?? []));
  });
});

describe('main-graph output names', () => {
  test('replacing one output by another output: both names stay, the second slot gets an Identity', () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType(1, [2]));
    const r = b.op('Relu', [x]);
    const i = b.op('Identity', [r]);
    b.output(r, 'r').output(i, 'i');
    const model = modelOf(b.build());
    const out = edit(model, (e) => {
      expect(e.canTakeOutputName(r)).toBe(false); // r already names an output
      const n = e.producer(i)!.node;
      e.replaceAllUses(i, r);
      e.remove(n.id);
    });
    const g = out.graph;
    expect(verify(out)).toEqual([]);
    expect(g.outputs.map((v) => g.values[v].name)).toEqual(['r', 'i']);
    expect(g.outputs[0]).toBe(r);
    expect(g.nodes[g.values[g.outputs[1]].def!.node].op).toBe('Identity');
  });
});

describe('subgraphs held in a graphs list', () => {
  test('their outer reads are captures, are walked, and are renamed by replaceAllUses', () => {
    const b = new GraphBuilder();
    const x = b.input('x');
    const a = b.op('Relu', [x]);
    const z = b.op('Neg', [x]);
    const s1 = b.subgraph('s1');
    s1.output(s1.op('Sigmoid', [a]));
    const s2 = b.subgraph('s2');
    s2.output(s2.op('Tanh', [a]));
    const y = b.op('Custom', [], { bodies: [s1.build(), s2.build()] }, { domain: 'com.example' });
    b.output(y, 'y');
    const g = b.build();
    const holder = g.nodes[g.order[2]];
    expect(capturesOf(holder)).toEqual([a]);
    expect(usesOf(g).get(a)).toEqual([{ kind: 'capture', node: holder.id }]);
    const model = modelOf(g, [{ domain: '', version: 17 }, { domain: 'com.example', version: 1 }]);
    const names: string[] = [];
    walkGraphs(model, (sub) => void names.push(sub.name));
    expect(names).toEqual(['main', 's1', 's2']);
    const out = edit(model, (e) => e.replaceAllUses(a, z));
    const attr = out.graph.nodes[holder.id].attrs[0];
    const bodies: readonly Graph[] = attr.kind === 'graphs' ? attr.value : [];
    expect(bodies).toHaveLength(2);
    for (const body of bodies) expect(body.nodes[body.order[0]].inputs).toEqual([z]);
    expect(verify(out)).toEqual([]);
  });
});

describe('fresh ids', () => {
  test('an edit of the main graph does not reuse an id that only a subgraph holds', () => {
    // Main: c v0, x v1, If output v2 (node n0). The branch has its own allocator: v3, v4 / n1, n2.
    const b = new GraphBuilder();
    const c = b.input('c', bool);
    const x = b.input('x');
    const sub = counterAllocator(3, 1);
    const t = new GraphBuilder('then', sub);
    t.output(t.op('Neg', [x]));
    const e = new GraphBuilder('else', sub);
    e.output(e.op('Relu', [x]));
    b.output(b.op('If', [c], { then_branch: t.build(), else_branch: e.build() }), 'y');
    const model = modelOf(b.build());
    expect(verify(model)).toEqual([]);
    const out = edit(model, (ed) => {
      const [s] = ed.add('Sigmoid', [x]);
      ed.add('Relu', [s]);
    });
    expect(verify(out)).toEqual([]);
    const seen = new Set<ValueId>();
    walkGraphs(out, (g) => {
      for (const id of Object.keys(g.values) as ValueId[]) {
        expect(seen.has(id)).toBe(false);
        seen.add(id);
      }
    });
  });
});

describe('outerTensor', () => {
  test('a branch sees an outer initializer\'s tensor, but not one that is also a graph input (a caller may override it)', () => {
    const b = new GraphBuilder();
    const c = b.input('c', bool);
    const t4: Tensor = { dtype: 1, dims: [1], data: { kind: 'raw', bytes: new Uint8Array(4) } };
    const w = b.initializer('w', t4);
    const d = b.initializer('d', t4);
    const t = b.subgraph('then');
    t.output(t.op('Add', [w, d]));
    const e = b.subgraph('else');
    e.output(e.op('Neg', [w]));
    b.output(b.op('If', [c], { then_branch: t.build(), else_branch: e.build() }), 'y');
    const g = b.build();
    const model = modelOf({ ...g, inputs: [...g.inputs, d] }); // d: an input with a default
    expect(verify(model)).toEqual([]);
    const seen: (Tensor | undefined)[] = [];
    editGraph(model, [{ kind: 'main' }, { kind: 'attr', node: g.order[0], attr: 0, item: -1 }], (ed) => {
      seen.push(ed.outerTensor(w), ed.outerTensor(d), ed.outerTensor(c));
    });
    expect(seen).toEqual([t4, undefined, undefined]);
  });
});

describe('nodes() filter', () => {
  test('by op and domain: a custom op of the same name in another domain is not an ONNX node', () => {
    const b = new GraphBuilder();
    const x = b.input('x');
    const r1 = b.op('Relu', [x]);
    const r2 = b.op('Relu', [r1], undefined, { domain: 'com.example' });
    b.output(b.op('Neg', [r2]), 'y');
    const model = modelOf(b.build(), [{ domain: '', version: 17 }, { domain: 'com.example', version: 1 }]);
    edit(model, (e) => {
      expect([...e.nodes({ op: 'Relu', domain: '' })].map((n) => n.outputs[0])).toEqual([r1]);
      expect([...e.nodes({ domain: 'com.example' })].map((n) => n.outputs[0])).toEqual([r2]);
      expect([...e.nodes({ op: 'Relu' })]).toHaveLength(2);
    });
  });
});

describe('setValue', () => {
  test('undefined clears a name or type; an absent key leaves it', () => {
    const b = new GraphBuilder();
    const x = b.input('x', tensorType(1, [2]));
    const r = b.op('Relu', [x], undefined, { types: [tensorType(1, [2])] });
    b.output(b.op('Neg', [r]), 'y');
    const model = modelOf(b.build());
    const out = edit(model, (e) => {
      e.setValue(r, { name: 'r' });
      e.setValue(r, { type: undefined });
    });
    expect(out.graph.values[r]).toEqual({ id: r, name: 'r', def: { node: out.graph.order[0], index: 0 } });
    const back = edit(out, (e) => e.setValue(r, { name: undefined }));
    expect('name' in back.graph.values[r]).toBe(false);
  });
});
