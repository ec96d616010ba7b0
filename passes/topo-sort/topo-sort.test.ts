import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { orderedFor } from '../../ir/edit/topo.js';
import { parseModel } from '../../ir/text/parse.js';
import type { Graph, Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { mapGraphs } from '../../ir/walk.js';
import { createPassContext } from '../../src/pass.js';
import { arbModel } from '../../test/arbitraries/model.js';
import { checkPassProperties, expectSameOutputs } from '../../test/support/pass-properties.js';
import { topoSort } from './topo-sort.js';

const header = '<ir_version: 8, opset_import: ["" : 17]>';

describe('topo-sort', () => {
  it('sorts a function body and reports nothing else changed', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x) => (y) { y = f.F (x) }
<domain: "f", opset_import: ["" : 17]> F (p) => (q) { q = Neg (a)\n a = Relu (p) }`);
    const ctx = createPassContext();
    const out = topoSort().run(m, ctx.scoped('topo-sort'));
    const body = out.functions[0].graph;
    expect(body.order.map((id) => body.nodes[id].op)).toEqual(['Relu', 'Neg']);
    expect(out.graph).toBe(m.graph);
    expect(ctx.counts.get('topo-sort/graphs')).toBe(1);
    expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('the quick order check after an edit counts subgraph captures as reads', () => {
    // The If's branch reads `late`, defined after the If: the order is invalid although no
    // input of the If is.
    const m = parseModel(`${header}
g (float[2] x, bool c) => (y) {
  y = If (c) <then_branch = t () => (o) { o = Neg (late) }, else_branch = e () => (o2) { o2 = Relu (x) }>
  late = Relu (x)
}`);
    const g = m.graph;
    const ifId = g.order.find((id) => g.nodes[id].op === 'If')!;
    expect(orderedFor(g.order, new Set([ifId]), g.nodes, g.values)).toBe(false);
    const sorted = topoSort().run(m, createPassContext().scoped('topo-sort')).graph;
    expect(sorted.order.map((id) => sorted.nodes[id].op)).toEqual(['Relu', 'If']);
    expect(orderedFor(sorted.order, new Set([ifId]), sorted.nodes, sorted.values)).toBe(true);
  });

  it('leaves a graph with a cycle unchanged and warns', () => {
    const m = parseModel(`${header} g (float[2] x) => (y) { a = Add (x, b)\n b = Neg (a)\n y = Relu (x) }`);
    const ctx = createPassContext();
    expect(topoSort().run(m, ctx)).toBe(m);
    expect(ctx.warnings.join()).toMatch(/cycle/);
  });

  it('a node reading its own output is a cycle too: left as it is, with a warning', () => {
    const m = parseModel(`${header} g (float[2] x) => (y) { a = Add (x, a)\n y = Relu (a) }`);
    const ctx = createPassContext();
    expect(topoSort().run(m, ctx)).toBe(m);
    expect(ctx.warnings.join()).toMatch(/cycle/);
  });

  it('a shuffled generated model comes back valid with the same outputs', () => {
    const shuffle = (g: Graph, seed: number): Graph => {
      const order = [...g.order];
      let s = seed;
      for (let i = order.length - 1; i > 0; i--) {
        s = (s * 1103515245 + 12345) >>> 0;
        const j = s % (i + 1);
        [order[i], order[j]] = [order[j], order[i]];
      }
      return { ...g, order };
    };
    fc.assert(
      fc.property(arbModel(), fc.nat(), (model: Model, seed) => {
        const shuffled = mapGraphs(model, (g) => shuffle(g, seed));
        const out = topoSort().run(shuffled, createPassContext());
        expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
        expectSameOutputs(model, out, seed % 1000, true);
        expect(topoSort().run(out, createPassContext())).toBe(out);
      }),
      { numRuns: 100, seed: 5 },
    );
  });

  it('properties on generated models (verifier clean, same outputs, idempotent)', () => {
    checkPassProperties(() => topoSort(), { exact: true });
  });
});
