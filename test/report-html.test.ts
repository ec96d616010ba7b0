/**
 * The HTML report (src/report-html): its figures, both graphs with their marks and shapes, a
 * structural check of the whole document (every `<` opens a known tag, tags nest, ids are unique,
 * the documented hooks exist), hostile names kept inert, weights never embedded, and a size bound
 * on a generated graph of thousands of nodes. No golden file: the checks read the document.
 */
import { describe, expect, it } from 'vitest';
import { optimize } from '../node/index.js';
import { parseModel } from '../ir/text/parse.js';
import type { Model, Node, NodeId, Value, ValueId } from '../ir/types.js';
import { buildReport, type OptimizeReport } from '../src/report.js';
import { REGION_NODES, report, reportHtml } from '../src/report-html/index.js';
import { diffGraphs } from '../src/report-html/diff.js';
import { esc } from '../src/report-html/escape.js';

const GELU = `<ir_version: 9, opset_import: ["" : 20]>
g (float[B,8] x) => (y) <float sqrt2 = {1.4142135}, float one = {1}, float half = {0.5}> {
  d = Div (x, sqrt2)
  e = Erf (d)
  a = Add (e, one)
  m = Mul (x, a)
  g = Mul (m, half)
  y = Relu (g)
}`;

const TAGS = new Set('html head meta title style body header main div section h1 h2 h3 table thead tbody tr th td p b code span ul li label select option input script svg defs marker path g rect text'.split(' '));
const VOID = new Set(['meta', 'input']);
const ATTRS = new Set(
  'class id lang charset http-equiv content name title style type value hidden data-region data-nodes data-start data-goto placeholder xmlns viewBox width height x y rx refX refY markerWidth markerHeight orient d marker-end'.split(' '),
);

interface Tag {
  readonly name: string;
  readonly attrs: ReadonlyMap<string, string>;
}

/**
 * Every tag of the document, after checking that each `<` outside script and style opens a tag of
 * the report's vocabulary with known attributes, that elements nest, and that ids are unique.
 */
function structure(html: string): Tag[] {
  expect(html.startsWith('<!DOCTYPE html>\n')).toBe(true);
  const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/g)];
  for (const s of scripts) expect(s[1]).not.toContain('<');
  const text = html.slice('<!DOCTYPE html>\n'.length).replace(/<(script|style)\b([^>]*)>[\s\S]*?<\/\1>/g, '<$1$2></$1>');
  const tags: Tag[] = [];
  const stack: string[] = [];
  const ids = new Set<string>();
  const re = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)((?:\s+[a-zA-Z][a-zA-Z0-9-]*(?:="[^"<]*")?)*)\s*(\/?)>/y;
  let i = 0;
  while (i < text.length) {
    const lt = text.indexOf('<', i);
    if (lt < 0) break;
    re.lastIndex = lt;
    const m = re.exec(text);
    if (!m) throw new Error(`a '<' that opens no tag: ${JSON.stringify(text.slice(lt, lt + 80))}`);
    const [, close, name, attrText, selfClose] = m;
    expect(TAGS, name).toContain(name);
    if (close) expect(stack.pop(), `</${name}>`).toBe(name);
    else {
      const attrs = new Map<string, string>();
      for (const a of attrText.matchAll(/([a-zA-Z][a-zA-Z0-9-]*)(?:="([^"]*)")?/g)) {
        expect(ATTRS, `attribute ${a[1]} of <${name}>`).toContain(a[1]);
        attrs.set(a[1], a[2] ?? '');
      }
      const id = attrs.get('id');
      if (id !== undefined) {
        expect(ids.has(id), `duplicate id ${id}`).toBe(false);
        ids.add(id);
      }
      tags.push({ name, attrs });
      if (!selfClose && !VOID.has(name)) stack.push(name);
    }
    i = re.lastIndex;
  }
  expect(stack).toEqual([]);
  return tags;
}

const byId = (tags: Tag[], id: string) => tags.find((t) => t.attrs.get('id') === id);

/** The HTML between the element with this id and the next top-level pane (for pane-local checks). */
function pane(html: string, id: string): string {
  const start = html.indexOf(`id="${id}"`);
  expect(start).toBeGreaterThan(0);
  const end = html.indexOf('<div class="pane">', start);
  return html.slice(start, end < 0 ? undefined : end);
}

describe('reportHtml', () => {
  const before = parseModel(GELU);
  const r = optimize(before);
  const html = reportHtml({ before, after: r.model, report: r.report });
  const tags = structure(html);

  it('holds the documented hooks, once each', () => {
    for (const id of ['summary', 'row-nodes', 'row-parameters', 'row-tensors', 'row-parameter-bytes', 'times', 'pipeline', 'passes', 'rules', 'warnings', 'ops', 'ops-chart', 'graphs', 'region', 'fit', 'find', 'find-status', 'graph-before', 'graph-after', 'report-data']) {
      expect(byId(tags, id), id).toBeDefined();
    }
    expect(byId(tags, 'row-file-bytes')).toBeUndefined(); // the library knows no file sizes
    expect(html).not.toMatch(/\b(src|href)=/); // nothing to fetch
    expect(html).toContain(`content="default-src 'none';`);
  });

  it('shows the summary figures and the rules that fired', () => {
    const gelu = r.report.rules.find((x) => x.rule.startsWith('gelu'));
    expect(gelu).toBeDefined();
    expect(r.report.nodes).toEqual({ before: 6, after: 2 });
    expect(html).toMatch(/<tr id="row-nodes"><th>nodes<\/th><td class="num">6<\/td><td class="num">2<\/td><td class="num delta less">−4 \(−66\.7%\)<\/td><\/tr>/);
    expect(html).toContain(`<code>${gelu!.pass}/${gelu!.rule}</code></td><td class="num">${gelu!.count}</td>`);
    for (const p of r.report.passes) expect(html).toContain(`<td><code>${p.pass}</code></td><td class="num">${p.runs}</td><td class="num">${p.changed}</td>`);
    const data = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html);
    expect(JSON.parse(data![1])).toMatchObject({ nodes: r.report.nodes, rules: r.report.rules });
  });

  it('charts the op histogram before and after, changed ops marked', () => {
    const chart = html.slice(html.indexOf('<svg id="ops-chart"'), html.indexOf('</svg>', html.indexOf('<svg id="ops-chart"')));
    const rows = [...chart.matchAll(/<g class="op-row( changed)?"><title>([^<]*)<\/title>/g)].map((m) => [m[2], m[1] !== undefined]);
    expect(rows).toEqual(expect.arrayContaining([['Mul: 2 → 0', true], ['Relu: 1 → 1', false], ['Erf: 1 → 0', true]]));
    expect(rows.some(([t]) => (t as string).startsWith('Gelu: 0 → 1'))).toBe(true);
  });

  it('draws both graphs with removed and rewritten nodes marked, the rule named, shapes on edges', () => {
    const b = pane(html, 'graph-before');
    const a = pane(html, 'graph-after');
    expect(b.match(/<g class="node removed">/g)).toHaveLength(5);
    expect(b.match(/<g class="node kept">/g)).toHaveLength(1); // Relu
    expect(a.match(/<g class="node kept">/g)).toHaveLength(1);
    const rule = r.report.rules.find((x) => x.rule.startsWith('gelu'))!.rule;
    expect(a).toMatch(new RegExp(`<g class="node rewritten"><title>Gelu[^<]*\\(rewritten\\)\\nrule: ${rule}\\n`));
    expect(a).toContain(`>rule: ${rule}</text>`);
    expect(b).toContain('<text class="shape"');
    expect(b).toContain('>float[B,8]</text>');
    expect(b).toContain('>input x</text>');
    expect(a).toContain('>output y</text>');
  });

  it('every shape label lies inside its drawing (dagre sizes the drawing by the boxes alone)', () => {
    const fan = parseModel(`<ir_version: 9, opset_import: ["" : 20]>\ng (float[B,8] x) => (y) {\n${[0, 1, 2].map((i) => `  b${i} = Relu (x)`).join('\n')}\n  y = Sum (b0, b1, b2)\n}`);
    for (const doc of [html, report(fan, fan)]) {
      for (const svg of doc.match(/<svg class="dag"[\s\S]*?<\/svg>/g)!) {
        const width = Number(/viewBox="0 0 (\d+) /.exec(svg)![1]);
        for (const t of svg.matchAll(/<text class="shape" x="(-?\d+)"[^>]*>([^<]*)<\/text>/g)) {
          expect(Number(t[1]) + t[2].length * 5.5, t[2]).toBeLessThanOrEqual(width);
        }
      }
    }
  });

  it('report(model, result) and report(a, b) build the same document kinds', () => {
    expect(report(before, r)).toBe(html);
    const plain = report(before, r.model, { title: 'two models' });
    expect(plain).toContain('<title>two models</title>');
    expect(plain).toContain('<tr id="row-nodes"><th>nodes</th><td class="num">6</td><td class="num">2</td>');
    expect(plain).toContain('No pass ran.');
  });
});

const HOSTILE = `</script><img src=x onerror=alert(1)>"'&`;

/** Every name, op and rule of the model replaced by hostile text. */
function hostile(m: Model): Model {
  const g = m.graph;
  const nodes: Record<NodeId, Node> = {};
  for (const [id, n] of Object.entries(g.nodes) as [NodeId, Node][]) {
    nodes[id] = { ...n, name: `${HOSTILE}${id}`, ...(n.op === 'Relu' && { op: `<svg onload=alert(2)>`, domain: '"><b>x', meta: [{ key: 'lathe.rule', value: `<script>alert(3)</script>` }] }) };
  }
  const values: Record<ValueId, Value> = {};
  for (const [id, v] of Object.entries(g.values) as [ValueId, Value][]) values[id] = { ...v, name: `${HOSTILE}${v.name}` };
  return { ...m, graph: { ...g, name: HOSTILE, nodes, values } };
}

describe('degenerate models', () => {
  it('a graph without nodes still gives a whole document', () => {
    const m = parseModel(`<ir_version: 9, opset_import: ["" : 20]>\ng (float[2] x) => (x) {\n}`);
    const html = report(m, m);
    structure(html);
    expect(html).toContain('<p class="empty">No nodes of this graph in this region.</p>');
    expect(html).toContain('<tr id="row-nodes"><th>nodes</th><td class="num">0</td><td class="num">0</td><td class="num delta">=</td></tr>');
  });
});

describe('hostile models', () => {
  it('every model-provided string is inert text', () => {
    const before = hostile(parseModel(GELU));
    const after = { ...before, graph: { ...before.graph, nodes: { ...before.graph.nodes }, order: [...before.graph.order] } };
    const rep: OptimizeReport = {
      ...buildReport({ before, after, level: null, pipeline: HOSTILE, records: [], stats: new Map([[`fuse/rule/${HOSTILE}`, 1]]), warnings: [`${HOSTILE}\nsecond line`] }),
    };
    const html = reportHtml({ before, after, report: rep, title: HOSTILE });
    const tags = structure(html); // throws on any '<' that is not one of the report's own tags
    expect(tags.filter((t) => t.name === 'script')).toHaveLength(2);
    expect(tags.some((t) => t.name === 'img' || [...t.attrs.keys()].some((k) => k.startsWith('on')))).toBe(false);
    expect(html).toContain(esc(HOSTILE));
    expect(html).toContain('&lt;svg onload=alert(2)&gt;');
    expect(html).toContain('rule: &lt;script&gt;alert(3)&lt;/script&gt;');
    const data = /<script type="application\/json" id="report-data">([^<]*)<\/script>/.exec(html);
    expect(JSON.parse(data![1]).warnings).toEqual([`${HOSTILE}\nsecond line`]);
  });

  it('control characters never reach the document', () => {
    expect(esc('a\u0000b\u001bc\u007f\td\n')).toBe('a\ufffdb\ufffdc\ufffd\td\n');
  });
});

describe('node matching', () => {
  it('matches by unique name when ids differ (models loaded from two files)', () => {
    const before = parseModel(GELU);
    const named = (m: Model, prefix: string): Model => {
      const nodes: Record<NodeId, Node> = {};
      const order = m.graph.order.map((id) => `${prefix}${id}` as NodeId);
      m.graph.order.forEach((id, i) => (nodes[order[i]] = { ...m.graph.nodes[id], id: order[i], name: `node${i}` }));
      return { ...m, graph: { ...m.graph, nodes, order } };
    };
    const a = named(before, 'a');
    const b = named(before, 'b');
    const d = diffGraphs(a.graph, b.graph);
    expect([...d.before.values()]).toEqual(Array(6).fill('kept'));
    expect([...d.after.values()]).toEqual(Array(6).fill('kept'));
  });
});

describe('size', () => {
  it('never embeds weights', () => {
    const w = Array.from({ length: 4096 }, (_, i) => (i % 7) / 7).join(',');
    const m = parseModel(`<ir_version: 9, opset_import: ["" : 20]>
g (float[1,4096] x) => (y) <float[4096,64] w = {${Array(64).fill(w).join(',')}}> { y = MatMul (x, w) }`);
    const html = report(m, m);
    expect(html.length).toBeLessThan(40_000); // the 1 MB initializer is not in it
    expect(html).toContain('1 initializer input (weights not shown)');
  });

  it(`a graph of thousands of nodes stays small, one region of at most ~${REGION_NODES} nodes at a time`, () => {
    const n = 1500;
    const lines = Array.from({ length: n }, (_, i) => (i % 3 === 2 ? `  t${i} = Add (t${i - 1}, t${i - 2})` : `  t${i} = Relu (${i === 0 ? 'x' : `t${i - 1}`})`));
    const m = parseModel(`<ir_version: 9, opset_import: ["" : 20]>\ng (float[B,64] x) => (t${n - 1}) {\n${lines.join('\n')}\n}`);
    const t0 = performance.now();
    const html = report(m, m);
    const ms = performance.now() - t0;
    structure(html);
    const regions = Math.ceil(n / REGION_NODES);
    expect(html.match(/<option /g)).toHaveLength(regions);
    expect(html.match(/<div class="region" data-region="\d+" hidden>/g)).toHaveLength(2 * (regions - 1));
    expect(html.match(/<g class="node kept">/g)).toHaveLength(2 * n);
    // a value made in the region before is a stub that leads there
    const gotos = [...html.matchAll(/<g class="stub ext" data-goto="(\d+)">/g)].map((m) => Number(m[1]));
    expect(new Set(gotos)).toEqual(new Set(Array.from({ length: regions - 1 }, (_, k) => k)));
    // bert-base (1,061 nodes before, 430 after) gives 0.84 MB; 600 bytes a drawn node is the budget
    expect(html.length).toBeLessThan(600 * 2 * n);
    expect(ms).toBeLessThan(60_000); // a hang, not a speed target: the machine is shared
  }, 120_000);
});
