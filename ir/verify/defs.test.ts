/**
 * Regression tests for the bookkeeping verify.ts does by definition number (the first definition
 * is number 0), for the stale-def check that only looks values up when their count does not add
 * up, and for root-level duplicate names found with one map operation.
 */
import { describe, expect, test } from 'vitest';
import { chainModel, nestedIfModel } from '../../test/arbitraries/model.js';
import type { Graph, Model, ValueId } from '../types.js';
import { verify } from './verify.js';

const codes = (m: Model) => verify(m).map((d) => `${d.code} ${d.value ?? d.node ?? ''}`);

function withGraph(m: Model, patch: Partial<Graph>): Model {
  return { ...m, graph: { ...m.graph, ...patch } };
}

describe('definition numbers', () => {
  test('the first definition of the model (number 0) defined again is a duplicate', () => {
    const { model, x } = chainModel();
    expect(model.graph.inputs[0]).toBe(x);
    expect(codes(withGraph(model, { inputs: [x, x] }))).toEqual([`duplicate-value-id x`]);
  });

  test('a subgraph input reusing the id of the main graph\'s first input is a duplicate', () => {
    const model = nestedIfModel(1);
    const g = model.graph;
    const first = g.inputs[0];
    const ifNode = g.nodes[g.order[0]];
    const thenG = (ifNode.attrs[0] as { value: Graph }).value;
    const sub: Graph = { ...thenG, inputs: [first], values: { ...thenG.values, [first]: { id: first, name: 'shadow' } } };
    const attrs = [{ ...ifNode.attrs[0], kind: 'graph' as const, value: sub }, ifNode.attrs[1]];
    const broken = withGraph(model, { nodes: { ...g.nodes, [ifNode.id]: { ...ifNode, attrs } } });
    expect(codes(broken)).toContain('duplicate-value-id shadow');
  });
});

describe('stale defs', () => {
  test('a value claiming a def no node produces is reported, in table order among the other value checks', () => {
    const { model, x, r, y } = chainModel();
    const g = model.graph;
    const stale = 'v_stale' as ValueId;
    // Table order x, r, stale, y: the stale report sits between the two bad-dims reports.
    const values = {
      [x]: g.values[x],
      [r]: { ...g.values[r], name: 'r', type: { kind: 'tensor' as const, dtype: 1, shape: [-1] } },
      [stale]: { id: stale, name: 'stale', def: { node: g.order[0], index: 3 } },
      [y]: { ...g.values[y], type: { kind: 'tensor' as const, dtype: 1, shape: [1.5] } },
    };
    expect(codes(withGraph(model, { values }))).toEqual(['bad-dims r', 'value-table stale', 'bad-dims y']);
  });

  test('a graph input whose value names a def is not stale (it is defined here)', () => {
    const { model, x, relu } = chainModel();
    const g = model.graph;
    const values = { ...g.values, [x]: { ...g.values[x], def: { node: relu, index: 0 } } };
    expect(codes(withGraph(model, { values }))).toEqual([]);
  });
});

describe('names at root level', () => {
  test('each repeated name in the main graph is reported once per repetition', () => {
    const { model, r, y } = chainModel();
    const g = model.graph;
    const values = { ...g.values, [r]: { ...g.values[r], name: 'x' }, [y]: { ...g.values[y], name: 'x' } };
    expect(codes(withGraph(model, { values }))).toEqual(['duplicate-name x', 'duplicate-name x']);
  });

  test('sibling subgraphs may reuse a name; a root name repeated after the subgraphs is still a duplicate', () => {
    // The then- and else-branches of each If both name their output the same (leaf/level outputs).
    const model = nestedIfModel(2);
    const g = model.graph;
    const names = (gr: Graph) => Object.values(gr.values).map((v) => v.name);
    const ifNode = g.nodes[g.order[0]];
    const branches = ifNode.attrs.map((a) => (a as { value: Graph }).value);
    const shared = 'same';
    const renamed = branches.map((b) => ({ ...b, values: Object.fromEntries(Object.entries(b.values).map(([k, v]) => [k, v.def ? { ...v, name: shared } : v])) }) as Graph);
    const attrs = ifNode.attrs.map((a, i) => ({ ...a, value: renamed[i] }) as typeof a);
    const ok = withGraph(model, { nodes: { ...g.nodes, [ifNode.id]: { ...ifNode, attrs } } });
    expect(renamed.every((b) => names(b).includes(shared))).toBe(true);
    expect(codes(ok).filter((c) => !c.startsWith('shadowed-name'))).toEqual([]);
    const y = g.outputs[0];
    const dup = withGraph(ok, { values: { ...ok.graph.values, [y]: { ...ok.graph.values[y], name: 'x' } } });
    expect(codes(dup)).toContain('duplicate-name x');
    // Verifying twice gives the same answer: the visible-name state is reset between runs.
    expect(verify(dup)).toEqual(verify(dup));
  });
});
