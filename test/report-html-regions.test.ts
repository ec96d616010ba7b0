/**
 * The HTML report's regions and legend (src/report-html/regions.ts, legend.ts): nodes that read
 * only weights go with their first consumer, wherever topological order put them (bert-base's 119
 * Identity-of-initializer nodes come first and once filled region 1 with a row of unconnected
 * boxes); the legend's counts add up to the summary's node counts, Constant nodes counted and said
 * to be undrawn, and a node a rule made is "rewritten" exactly when it names the rule.
 */
import { describe, expect, it } from 'vitest';
import { optimize } from '../node/index.js';
import { parseModel } from '../ir/text/parse.js';
import type { Graph, Model, NodeId, ValueId } from '../ir/types.js';
import { REGION_NODES, report } from '../src/report-html/index.js';
import { diffGraphs } from '../src/report-html/diff.js';
import { tally } from '../src/report-html/legend.js';
import { constantOnly, splitRegions } from '../src/report-html/regions.js';

/**
 * `k` Identity nodes of initializers and a two-deep chain from a Constant node, all first in
 * order, then a chain of `n` nodes in which node 10*j+5 reads Identity j (and the last the chain).
 */
function weightsFirst(k: number, n: number): Model {
  const inits = Array.from({ length: k }, (_, j) => `float[1] c${j} = {${j}}`).join(', ');
  const lines = [
    ...Array.from({ length: k }, (_, j) => `  w${j} = Identity (c${j})`),
    '  q0 = Constant <value = float[1] {2}> ()',
    '  q1 = Neg (q0)',
    '  q2 = Abs (q1)',
    ...Array.from({ length: n }, (_, i) => {
      const prev = i === 0 ? 'x' : `t${i - 1}`;
      if (i % 10 === 5 && i / 10 < k) return `  t${i} = Add (${prev}, w${(i - 5) / 10})`;
      if (i === n - 1) return `  t${i} = Mul (${prev}, q2)`;
      return `  t${i} = Relu (${prev})`;
    }),
  ];
  return parseModel(`<ir_version: 9, opset_import: ["" : 20]>\ng (float[B,1] x) => (t${n - 1}) <${inits}> {\n${lines.join('\n')}\n}`);
}

const byName = (g: Graph, name: string) => g.order.find((id) => g.nodes[id].name === name || g.values[g.nodes[id].outputs[0]!]?.name === name)!;

/** The regions (data-region) of the before pane whose drawing holds a node box making `value`. */
function regionsDrawing(html: string, value: string): number[] {
  const pane = html.slice(html.indexOf('id="graph-before"'), html.indexOf('id="graph-after"'));
  const box = new RegExp(`<g class="node \\w+"><title>[^<]*\\nout 0: ${value}[:\\n<]`);
  const out: number[] = [];
  for (const m of pane.matchAll(/<div class="region" data-region="(\d+)"[^>]*>([\s\S]*?)<\/div>/g)) {
    if (box.test(m[2])) out.push(Number(m[1]));
  }
  return out;
}

describe('regions: nodes that read only weights', () => {
  const k = 40;
  const n = 3 * REGION_NODES;
  const m = weightsFirst(k, n);
  const g = m.graph;
  const d = diffGraphs(g, g);
  const regions = splitRegions(g, g, d.match, REGION_NODES);

  it('are recognized, through Constant nodes and chains of them, and nothing else is', () => {
    const consts = constantOnly(g);
    const names = [...consts].map((id) => g.values[g.nodes[id].outputs[0]!].name).sort();
    expect(names).toEqual([...Array.from({ length: k }, (_, j) => `w${j}`), 'q1', 'q2'].sort());
  });

  it('go to the region of their first consumer, though they come first in order', () => {
    expect(regions.count).toBe(Math.ceil((k + 2 + n) / REGION_NODES));
    const seen = new Set<number>();
    for (let j = 0; j < k; j++) {
      const w = byName(g, `w${j}`);
      const consumer = byName(g, `t${10 * j + 5}`);
      expect(regions.before.get(w), `w${j}`).toBe(regions.before.get(consumer));
      seen.add(regions.before.get(w)!);
    }
    expect(seen.size).toBeGreaterThan(1); // the consumers are spread over several regions
    const last = byName(g, `t${n - 1}`);
    expect(regions.before.get(byName(g, 'q2'))).toBe(regions.before.get(last));
    expect(regions.before.get(byName(g, 'q1'))).toBe(regions.before.get(last));
    // region 1 holds only the Identity nodes whose consumers are there
    const inFirst = [...regions.before].filter(([id, r]) => r === 0 && g.nodes[id].op === 'Identity').length;
    const consumersInFirst = Array.from({ length: k }, (_, j) => byName(g, `t${10 * j + 5}`)).filter((id) => regions.before.get(id) === 0).length;
    expect(inFirst).toBe(consumersInFirst);
    expect(inFirst).toBeLessThan(k);
  });

  it('are drawn in that region beside their consumer, never as a stub from another region', () => {
    const html = report(m, m);
    for (const j of [0, 17, k - 1]) {
      const consumer = byName(g, `t${10 * j + 5}`);
      const expected = regions.before.get(consumer)!;
      expect(regionsDrawing(html, `w${j}`), `w${j}`).toEqual([expected]);
      expect(regionsDrawing(html, `t${10 * j + 5}`)).toEqual([expected]);
    }
    expect(html).not.toMatch(/<g class="stub ext"[^>]*><title>w\d+/); // never a value from another region
  });

  it('in the after graph, new ones go with their first consumer too', () => {
    // every node of `m` is new against a one-node model: placed by position, save the weight readers
    const one = parseModel(`<ir_version: 9, opset_import: ["" : 20]>\ng (float[B,1] x) => (y) {\n  y = Relu (x)\n}`);
    const reg = splitRegions(one.graph, g, new Map(), REGION_NODES);
    expect(reg.count).toBe(Math.ceil((k + 2 + n) / REGION_NODES));
    for (let j = 0; j < k; j++) expect(reg.after.get(byName(g, `w${j}`)), `w${j}`).toBe(reg.after.get(byName(g, `t${10 * j + 5}`)));
    expect(reg.after.get(byName(g, 'q1'))).toBe(reg.count - 1);
    expect(new Set(reg.after.values()).size).toBe(reg.count);
  });
});

const GELU_CONST = `<ir_version: 9, opset_import: ["" : 20]>
g (float[B,8] x) => (y) <float sqrt2 = {1.4142135}, float one = {1}> {
  half = Constant <value = float {0.5}> ()
  d = Div (x, sqrt2)
  e = Erf (d)
  a = Add (e, one)
  m = Mul (x, a)
  g = Mul (m, half)
  y = Relu (g)
}`;

/** The legend's text without tags. */
const legendText = (html: string) => /<p class="legend" id="legend">([\s\S]*?)<\/p>/.exec(html)![1].replace(/<[^>]*>/g, '');
const counts = (html: string) => Object.fromEntries([...html.matchAll(/<b class="count (\w+)">([\d,]+)<\/b>/g)].map((m) => [m[1], Number(m[2].replace(/,/g, ''))]));

describe('legend counts', () => {
  const before = parseModel(GELU_CONST);

  it('a rule fusing five nodes and a Constant: removed 6 (1 Constant, not drawn), rewritten 1, kept 1', () => {
    const r = optimize(before);
    expect(r.report.nodes).toEqual({ before: 7, after: 2 });
    const html = report(before, r);
    expect(counts(html)).toEqual({ removed: 6, added: 0, rewritten: 1, kept: 1 });
    const text = legendText(html);
    expect(text).toContain('removed 6 (1 of them Constant nodes, not drawn)');
    expect(text).toContain('Before: 1 kept + 6 removed = 7 nodes; after: 1 kept + 0 added + 1 rewritten = 2.');
    expect(html.match(/<g class="node removed">/g)).toHaveLength(5); // the Constant is not drawn
    expect(html.match(/<g class="node rewritten">/g)).toHaveLength(1);
  });

  it('without provenance the same node is "added", and names no rule', () => {
    const r = optimize(before, { provenance: false });
    const html = report(before, r);
    expect(counts(html)).toEqual({ removed: 6, added: 1, rewritten: 0, kept: 1 });
    expect(html).not.toContain('>rule: ');
    expect(html.match(/<g class="node added">/g)).toHaveLength(1);
  });

  it('a node stamped by a rule is rewritten even when its id, op and name are a removed node\'s', () => {
    const g = before.graph;
    const relu = g.order.find((id) => g.nodes[id].op === 'Relu') as NodeId;
    const stamped = { ...g.nodes[relu], meta: [{ key: 'lathe.rule', value: 'some-rule' }] };
    const after: Model = { ...before, graph: { ...g, nodes: { ...g.nodes, [relu]: stamped } } };
    const d = diffGraphs(g, after.graph);
    expect(d.after.get(relu)).toBe('rewritten');
    expect(d.before.get(relu)).toBe('removed');
    const t = tally(g, after.graph, d);
    expect(t.kept.all + t.removed.all).toBe(g.order.length);
    expect(t.kept.all + t.added.all + t.rewritten.all).toBe(after.graph.order.length);
    expect(t.removed).toEqual({ all: 1, hidden: 0 });
    expect(t.kept).toEqual({ all: 6, hidden: 1 });
    // the same stamp on both sides (a model lathe already optimized) is kept
    const again = diffGraphs(after.graph, after.graph);
    expect(again.after.get(relu)).toBe('kept');
  });
});

describe('node matching by id', () => {
  it('a new node given a removed node\'s id (same op, no name) but other outputs is added, not kept', () => {
    const before = parseModel(GELU_CONST);
    const g = before.graph;
    const relu = g.order.find((id) => g.nodes[id].op === 'Relu') as NodeId;
    const fresh = 'v_fresh' as ValueId;
    const node = { ...g.nodes[relu], outputs: [fresh] };
    const after: Model = { ...before, graph: { ...g, nodes: { ...g.nodes, [relu]: node }, values: { ...g.values, [fresh]: { id: fresh } } } };
    const d = diffGraphs(g, after.graph);
    expect(d.after.get(relu)).toBe('added');
    expect(d.before.get(relu)).toBe('removed');
    expect(diffGraphs(g, g).after.get(relu)).toBe('kept');
  });
});
