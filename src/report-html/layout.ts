/**
 * One region of one graph as an inline SVG, laid out by @dagrejs/dagre (layered, top to bottom).
 * Node boxes carry their mark as a class (`kept`, `removed`, `added`, `rewritten`) and a rewritten
 * node names its rule; edges carry the value's type where it is known. Values from outside the
 * region are drawn as small stubs: a graph input, or a value made in another region (named, with
 * the region's number), so every edge has both ends. Initializers and Constant nodes are not drawn
 * (a node's tooltip counts them): they are weights, never embedded, and mostly noise in a drawing.
 */
import dagre from '@dagrejs/dagre';
import type { Graph, NodeId, Type, ValueId } from '../../ir/types.js';
import { subgraphsOf } from '../../ir/walk.js';
import { formatType, opLabel } from '../inspect.js';
import { ruleOf, type Mark } from './diff.js';
import { elide, esc } from './escape.js';

export interface RegionInput {
  readonly graph: Graph;
  /** Which side: part of element ids (`before`, `after`). */
  readonly side: string;
  readonly region: number;
  readonly regionOf: ReadonlyMap<NodeId, number>;
  readonly marks: ReadonlyMap<NodeId, Mark>;
  /** Best known type of each value (declared, else inferred). */
  readonly typeOf: (v: ValueId) => Type | undefined;
  /**
   * Whether the view may open on this node (default: every node). The first such node in order is
   * where the region's computation starts; its centre is the svg's `data-start="X Y"`.
   */
  readonly start?: (id: NodeId) => boolean;
}

interface Box {
  readonly key: string;
  readonly cls: string;
  readonly lines: readonly string[];
  readonly title: string;
  /** For a stub of a value from another region: that region (a click goes there). */
  readonly goto?: number;
  width: number;
  height: number;
  x?: number;
  y?: number;
}

const CHAR_W = 7;
/** Width of a character of a shape label (9 px monospace). */
const SHAPE_CHAR_W = 5.5;
const LINE_H = 14;
const NAME_MAX = 40;
const SHAPE_MAX = 34;
const TITLE_MAX = 1500;

const r = (n: number) => Math.round(n);

function shapeText(t: Type | undefined): string {
  return t === undefined || t.kind === 'none' ? '' : elide(formatType(t), SHAPE_MAX);
}

function box(key: string, cls: string, lines: string[], title: string): Box {
  const w = Math.max(48, ...lines.map((l) => Array.from(l).length * CHAR_W + 16));
  return { key, cls, lines, title: elide(title, TITLE_MAX), width: w, height: lines.length * LINE_H + 12 };
}

/** The SVG of region `input.region` (an empty-region note when it holds no node). */
export function regionSvg(input: RegionInput): { svg: string; nodes: number } {
  const { graph, region, regionOf, marks, typeOf } = input;
  const ids = graph.order.filter((id) => regionOf.get(id) === region && graph.nodes[id] !== undefined);
  if (ids.length === 0) return { svg: '<p class="empty">No nodes of this graph in this region.</p>', nodes: 0 };
  const valueName = (v: ValueId) => graph.values[v]?.name ?? v;
  const typed = (v: ValueId) => {
    const t = shapeText(typeOf(v));
    return `${valueName(v)}${t ? `: ${t}` : ''}`;
  };
  const boxes = new Map<string, Box>();
  const edges = new Map<string, { from: string; to: string; label: string }>();
  const inputs = new Set(graph.inputs);
  const addEdge = (from: string, to: string, v: ValueId) => {
    const k = `${from}\u0000${to}`;
    if (!edges.has(k)) edges.set(k, { from, to, label: shapeText(typeOf(v)) });
  };
  for (const id of ids) {
    const n = graph.nodes[id];
    const mark = marks.get(id) ?? 'kept';
    const rule = ruleOf(n);
    const lines = [elide(opLabel(n), NAME_MAX)];
    if (n.name) lines.push(elide(n.name, NAME_MAX));
    if (mark === 'rewritten' && rule !== undefined) lines.push(`rule: ${elide(rule, NAME_MAX)}`);
    const weights = n.inputs.filter((v) => v !== null && (graph.values[v]?.tensor || graph.values[v]?.sparse)).length;
    const constants = n.inputs.filter((v) => {
      const d = v === null ? undefined : graph.values[v]?.def;
      return d !== undefined && !regionOf.has(d.node);
    }).length;
    const sub = subgraphsOf(n).length;
    const title = [
      `${opLabel(n)}${n.name ? ` ${n.name}` : ''} (${mark})`,
      ...(rule !== undefined ? [`rule: ${rule}`] : []),
      ...n.inputs.map((v, i) => `in ${i}: ${v === null ? '(omitted)' : typed(v)}`),
      ...n.outputs.map((v, i) => `out ${i}: ${v === null ? '(omitted)' : typed(v)}`),
      ...(weights > 0 ? [`${weights} initializer input${weights === 1 ? '' : 's'} (weights not shown)`] : []),
      ...(constants > 0 ? [`${constants} input${constants === 1 ? '' : 's'} from Constant nodes (not drawn)`] : []),
      ...(sub > 0 ? [`${sub} subgraph${sub === 1 ? '' : 's'} (not drawn)`] : []),
    ].join('\n');
    boxes.set(id, box(id, `node ${mark}`, lines, title));
  }
  for (const id of ids) {
    const n = graph.nodes[id];
    for (const v of n.inputs) {
      if (v === null) continue;
      const val = graph.values[v];
      const def = val?.def;
      if (def && regionOf.get(def.node) === region) {
        addEdge(def.node, id, v);
      } else if (def && regionOf.has(def.node)) {
        const key = `x:${v}`;
        if (!boxes.has(key)) {
          const from = regionOf.get(def.node)! + 1;
          boxes.set(key, { ...box(key, 'stub ext', [`${elide(valueName(v), NAME_MAX)} (region ${from})`], `${typed(v)}\nmade in region ${from} (click to go there)`), goto: from - 1 });
        }
        addEdge(key, id, v);
      } else if (inputs.has(v) && !val?.tensor && !val?.sparse) {
        const key = `i:${v}`;
        if (!boxes.has(key)) boxes.set(key, box(key, 'stub io', [`input ${elide(valueName(v), NAME_MAX)}`], `graph input ${typed(v)}`));
        addEdge(key, id, v);
      }
    }
  }
  for (const v of graph.outputs) {
    const def = graph.values[v]?.def;
    if (!def || regionOf.get(def.node) !== region) continue;
    const key = `o:${v}`;
    if (!boxes.has(key)) boxes.set(key, box(key, 'stub io', [`output ${elide(valueName(v), NAME_MAX)}`], `graph output ${typed(v)}`));
    addEdge(def.node, key, v);
  }

  const g = new dagre.graphlib.Graph();
  g.setGraph({ rankdir: 'TB', nodesep: 16, ranksep: 34, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const b of boxes.values()) g.setNode(b.key, b);
  for (const e of edges.values()) g.setEdge(e.from, e.to, { label: e.label });
  dagre.layout(g);

  const marker = `arrow-${input.side}-${region}`;
  const first = boxes.get(ids.find((id) => input.start?.(id) ?? true) ?? ids[0])!;
  const body: string[] = [];
  // dagre sizes the drawing by its boxes; a shape label beside the rightmost edge reaches further
  let right = g.graph().width ?? 100;
  for (const e of g.edges()) {
    const pts = (g.edge(e) as { points?: { x: number; y: number }[] }).points ?? [];
    if (pts.length === 0) continue;
    body.push(`<path d="M${pts.map((p) => `${r(p.x)},${r(p.y)}`).join('L')}" marker-end="url(#${marker})"/>`);
    const label = edges.get(`${e.v}\u0000${e.w}`)?.label;
    if (label) {
      const mid = pts[Math.floor(pts.length / 2)];
      body.push(`<text class="shape" x="${r(mid.x) + 4}" y="${r(mid.y) - 2}">${esc(label)}</text>`);
      right = Math.max(right, r(mid.x) + 4 + Array.from(label).length * SHAPE_CHAR_W + 4);
    }
  }
  const W = r(right);
  const H = r(g.graph().height ?? 100);
  const out: string[] = [];
  out.push(`<svg class="dag" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" data-nodes="${ids.length}" data-start="${r(first.x ?? 0)} ${r(first.y ?? 0)}">`);
  out.push(`<defs><marker id="${marker}" viewBox="0 0 8 8" refX="8" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0L8,4L0,8z"/></marker></defs><g class="edges">`);
  out.push(...body);
  out.push('</g>');
  for (const b of boxes.values()) {
    const x = r((b.x ?? 0) - b.width / 2);
    const y = r((b.y ?? 0) - b.height / 2);
    out.push(`<g class="${b.cls}"${b.goto !== undefined ? ` data-goto="${b.goto}"` : ''}><title>${esc(b.title)}</title><rect x="${x}" y="${y}" width="${r(b.width)}" height="${r(b.height)}" rx="4"/>`);
    b.lines.forEach((l, i) => out.push(`<text x="${x + 8}" y="${y + 17 + i * LINE_H}"${i === 0 ? ' class="op"' : ''}>${esc(l)}</text>`));
    out.push('</g>');
  }
  out.push('</svg>');
  return { svg: out.join(''), nodes: ids.length };
}
