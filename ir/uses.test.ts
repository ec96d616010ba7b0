import { describe, expect, test } from 'vitest';
import { nestedIfModel } from '../test/arbitraries/model.js';
import { GraphBuilder } from './edit/build.js';
import { tensorType } from './edit/build.js';
import { capturesOf, usesOf, usesOfValue } from './uses.js';

describe('usesOf', () => {
  test('node inputs (with index), graph outputs, repeated reads', () => {
    const b = new GraphBuilder();
    const x = b.input('x');
    const y = b.op('Add', [x, x]);
    b.output(y).output(x);
    const g = b.build();
    const [add] = g.order;
    expect(usesOfValue(g, x)).toEqual([
      { kind: 'input', node: add, index: 0 },
      { kind: 'input', node: add, index: 1 },
      { kind: 'output', index: 1 },
    ]);
    expect(usesOfValue(g, y)).toEqual([{ kind: 'output', index: 0 }]);
    expect(usesOf(g)).toBe(usesOf(g)); // memoized per graph object
  });

  test('reads inside nested subgraphs are captures by the owning node; inner definitions are not', () => {
    const b = new GraphBuilder();
    const c = b.input('c', tensorType(9, []));
    const x = b.input('x');
    const w = b.input('w');
    const outer = b.subgraph('then');
    const mid = outer.op('Relu', [x]); // defined in the then-branch
    const inner = outer.subgraph('inner');
    inner.output(inner.op('Add', [mid, w])); // reads mid (then-branch) and w (main)
    const innerElse = outer.subgraph('innerElse');
    innerElse.output(mid);
    outer.output(outer.op('If', [c], { then_branch: inner.build(), else_branch: innerElse.build() }));
    const els = b.subgraph('else');
    els.output(x);
    b.output(b.op('If', [c], { then_branch: outer.build(), else_branch: els.build() }));
    const g = b.build();
    const ifNode = g.nodes[g.order[0]];
    expect(capturesOf(ifNode)).toEqual([x, c, w]);
    expect(usesOfValue(g, w)).toEqual([{ kind: 'capture', node: ifNode.id }]);
    expect(usesOfValue(g, c)).toEqual([
      { kind: 'input', node: ifNode.id, index: 0 },
      { kind: 'capture', node: ifNode.id },
    ]);
    expect(usesOfValue(g, mid)).toEqual([]);
  });

  test('captures of a 10,000-deep nesting are computed without overflow', () => {
    const m = nestedIfModel(10_000);
    const top = m.graph.nodes[m.graph.order[0]];
    expect([...capturesOf(top)].sort()).toEqual([...m.graph.inputs].sort());
  });
});
