import { describe, expect, test } from 'vitest';
import { longChainModel, nestedIfModel } from '../test/arbitraries/model.js';
import { GraphBuilder, modelOf, tensorType } from './edit/build.js';
import { idAllocator } from './ids.js';
import type { Graph, Model } from './types.js';
import { mapGraphs, pathLabel, pathSteps, resolvePath, subgraphHolders, walkGraphs, walkNodes } from './walk.js';

/** main: If(c) { then: Loop-like node holding graphs [g1, g2] ; else: Neg } ; function F: Relu. */
function fixture(): Model {
  const b = new GraphBuilder();
  const c = b.input('c', tensorType(9, []));
  const x = b.input('x');
  const g1 = b.subgraph('g1');
  g1.output(g1.op('Abs', [x]));
  const g2 = b.subgraph('g2');
  g2.output(g2.op('Sigmoid', [x]));
  const t = b.subgraph('then');
  t.output(t.op('Custom', [x], { bodies: [g1.build(), g2.build()] }, { domain: 'local' }));
  const e = b.subgraph('else');
  e.output(e.op('Neg', [x]));
  b.output(b.op('If', [c], { then_branch: t.build(), else_branch: e.build() }, { name: 'the_if' }), 'y');
  const fb = new GraphBuilder('F', b.ids);
  fb.output(fb.op('Relu', [fb.input('a')]));
  const fn = { name: 'F', domain: 'local', params: [], paramDefaults: [], opsets: [{ domain: '', version: 17 }], graph: fb.build() };
  return modelOf(b.build(), [{ domain: '', version: 17 }], { functions: [fn] });
}

describe('walkGraphs / walkNodes', () => {
  test('visit main, nested subgraphs (graph and graphs attrs) and function bodies, pre-order', () => {
    const names: string[] = [];
    const labels: string[] = [];
    const m = fixture();
    walkGraphs(m, (g, p) => {
      names.push(`${g.name}@${p.depth}`);
      labels.push(pathLabel(m, p));
    });
    expect(names).toEqual(['main@0', 'then@1', 'g1@2', 'g2@2', 'else@1', 'F@0']);
    expect(labels).toContain('main/the_if.then_branch/#0 Custom.bodies[1]');
    expect(labels).toContain('function local::F');
  });

  test('walkNodes sees every op', () => {
    const ops: string[] = [];
    walkNodes(fixture(), (n) => ops.push(n.op));
    expect(ops.sort()).toEqual(['Abs', 'Custom', 'If', 'Neg', 'Relu', 'Sigmoid']);
  });

  test('returning false skips subgraphs', () => {
    const names: string[] = [];
    walkGraphs(fixture(), (g) => {
      names.push(g.name);
      return g.name !== 'then';
    });
    expect(names).toEqual(['main', 'then', 'else', 'F']);
  });

  test('paths resolve back to their graphs', () => {
    const m = fixture();
    walkGraphs(m, (g, p) => {
      expect(resolvePath(m, pathSteps(p))).toBe(g);
    });
  });

  test('10,000-deep nesting and 10,000-long chain do not overflow', () => {
    let deepest = 0;
    walkGraphs(nestedIfModel(10_000), (_g, p) => {
      deepest = Math.max(deepest, p.depth);
    });
    expect(deepest).toBe(10_000);
    let count = 0;
    walkNodes(longChainModel(10_000), () => count++);
    expect(count).toBe(10_000);
    const m = nestedIfModel(10_000);
    expect(mapGraphs(m, (g) => g)).toBe(m);
    expect(idAllocator(m).value()).toMatch(/^v\d+$/);
  });
});

describe('mapGraphs', () => {
  test('identity map returns the same model', () => {
    const m = fixture();
    expect(mapGraphs(m, (g) => g)).toBe(m);
  });

  test('changing one deep subgraph rebuilds only its ancestors', () => {
    const m = fixture();
    const out = mapGraphs(m, (g) => (g.name === 'g2' ? { ...g, name: 'g2x' } : g));
    expect(out).not.toBe(m);
    const names: string[] = [];
    walkGraphs(out, (g) => {
      names.push(g.name);
    });
    expect(names).toEqual(['main', 'then', 'g1', 'g2x', 'else', 'F']);
    // Untouched siblings and functions keep identity.
    const orig = new Map<string, Graph>();
    walkGraphs(m, (g) => {
      orig.set(g.name, g);
    });
    walkGraphs(out, (g) => {
      if (['g1', 'else', 'F'].includes(g.name)) expect(g).toBe(orig.get(g.name));
      if (['main', 'then'].includes(g.name)) expect(g).not.toBe(orig.get(g.name));
    });
    expect(out.functions).toBe(m.functions);
  });

  test('fn sees children already replaced (bottom-up)', () => {
    const seen: string[] = [];
    mapGraphs(fixture(), (g) => {
      seen.push(g.name);
      return g.name === 'g1' ? { ...g, name: 'G1' } : g;
    });
    expect(seen.indexOf('G1')).toBe(-1);
    expect(seen.indexOf('g1')).toBeLessThan(seen.indexOf('then'));
    expect(seen.indexOf('then')).toBeLessThan(seen.indexOf('main'));
  });
});

describe('subgraphHolders', () => {
  test('finds the nodes holding subgraphs, in order, and sees a graph that grew or was rebuilt', () => {
    const m = nestedIfModel(2);
    const g = m.graph;
    const holders = subgraphHolders(g);
    expect(holders).toEqual(g.order.filter((id) => g.nodes[id]!.attrs.some((a) => a.kind === 'graph' || a.kind === 'graphs')));
    expect(holders.length).toBeGreaterThan(0);
    expect(subgraphHolders(g)).toBe(holders);
    const id = holders[0];
    const copy = `${id}_copy` as typeof id;
    const grown: Graph = { ...g, nodes: { ...g.nodes, [copy]: { ...g.nodes[id]!, id: copy } }, order: [...g.order, copy] };
    expect(subgraphHolders(grown)).toEqual([...holders, copy]);
    const mutable = { ...g, order: [...g.order] } as Graph & { order: string[] };
    expect(subgraphHolders(mutable)).toEqual(holders);
    mutable.order.push(copy);
    (mutable as { nodes: Graph['nodes'] }).nodes = grown.nodes;
    expect(subgraphHolders(mutable)).toEqual([...holders, copy]);
  });
});
