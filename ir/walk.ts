/**
 * Walking every graph of a model: the main graph, every subgraph held in an attribute (at any
 * depth) and every function body. Forgetting subgraphs or functions is the classic pass bug, so
 * these walkers visit them by default.
 *
 * Everything here is iterative (explicit stacks): a crafted model with 10,000 nested `If`s must not
 * overflow the call stack. Paths are linked lists (parent pointers), so reaching depth d costs O(1)
 * per graph instead of copying an O(d) array.
 */
import type { Graph, Model, Node, NodeId } from './types.js';

/** How a graph is reached from its parent (or from the model, for the roots). */
export type PathStep =
  | { readonly kind: 'main' }
  | { readonly kind: 'function'; readonly index: number }
  /** `attr` indexes `node.attrs`; `item` indexes a 'graphs' list, -1 for a 'graph' attribute. */
  | { readonly kind: 'attr'; readonly node: NodeId; readonly attr: number; readonly item: number };

/** Where a graph sits in a model; `graph` is the graph reached (as it was when walked). */
export interface GraphPath {
  readonly parent: GraphPath | null;
  readonly step: PathStep;
  readonly graph: Graph;
  /** 0 for the main graph and function bodies. */
  readonly depth: number;
}

/** A subgraph held by a node attribute. */
export interface SubgraphRef {
  readonly graph: Graph;
  readonly attr: number;
  readonly item: number;
}

/** The subgraphs of one node, in attribute order. */
export function subgraphsOf(node: Node): SubgraphRef[] {
  const out: SubgraphRef[] = [];
  const attrs = node.attrs;
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i];
    if (a.kind === 'graph') out.push({ graph: a.value, attr: i, item: -1 });
    else if (a.kind === 'graphs') a.value.forEach((g, j) => out.push({ graph: g, attr: i, item: j }));
  }
  return out;
}

/** True when the node holds at least one subgraph (cheap pre-check before `subgraphsOf`). */
export function hasSubgraphs(node: Node): boolean {
  const attrs = node.attrs;
  for (let i = 0; i < attrs.length; i++) {
    const k = attrs[i].kind;
    if (k === 'graph' || k === 'graphs') return true;
  }
  return false;
}

/**
 * The nodes of `graph` that hold subgraphs, in order. Every pass walks the graph tree at least once
 * and most graphs hold none, so the scan (a table lookup per node) is memoized per graph object:
 * graphs are immutable once built; the memo also checks `order` and `nodes` by identity and the
 * order's length, so a graph still being built is scanned again.
 */
const holderMemo = new WeakMap<Graph, { order: Graph['order']; nodes: Graph['nodes']; length: number; ids: readonly NodeId[] }>();

export function subgraphHolders(graph: Graph): readonly NodeId[] {
  const m = holderMemo.get(graph);
  if (m && m.order === graph.order && m.nodes === graph.nodes && m.length === graph.order.length) return m.ids;
  const ids: NodeId[] = [];
  const order = graph.order;
  for (let k = 0; k < order.length; k++) {
    const node = graph.nodes[order[k]];
    if (node && node.attrs.length > 0 && hasSubgraphs(node)) ids.push(order[k]);
  }
  holderMemo.set(graph, { order, nodes: graph.nodes, length: order.length, ids });
  return ids;
}

/** The root paths of a model: the main graph, then each function body. */
export function rootPaths(model: Model): GraphPath[] {
  const roots: GraphPath[] = [{ parent: null, step: { kind: 'main' }, graph: model.graph, depth: 0 }];
  model.functions.forEach((f, index) => roots.push({ parent: null, step: { kind: 'function', index }, graph: f.graph, depth: 0 }));
  return roots;
}

/**
 * Visits the graphs under `root` (included) in pre-order: a graph before its subgraphs, subgraphs
 * in node order then attribute order. Returning `false` from `visit` skips that graph's subgraphs.
 */
export function walkGraphTree(root: GraphPath, visit: (graph: Graph, path: GraphPath) => void | boolean): void {
  const stack: GraphPath[] = [root];
  while (stack.length > 0) {
    const path = stack.pop()!;
    const graph = path.graph;
    if (visit(graph, path) === false) continue;
    const children: GraphPath[] = [];
    for (const id of subgraphHolders(graph)) {
      const node = graph.nodes[id]!;
      for (const s of subgraphsOf(node)) {
        children.push({ parent: path, step: { kind: 'attr', node: id, attr: s.attr, item: s.item }, graph: s.graph, depth: path.depth + 1 });
      }
    }
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]);
  }
}

/** Visits every graph of the model: main graph tree first, then each function body's tree. */
export function walkGraphs(model: Model, visit: (graph: Graph, path: GraphPath) => void | boolean): void {
  for (const root of rootPaths(model)) walkGraphTree(root, visit);
}

/** Visits every node of every graph (in each graph's `order`), subgraphs and functions included. */
export function walkNodes(model: Model, visit: (node: Node, graph: Graph, path: GraphPath) => void): void {
  walkGraphs(model, (graph, path) => {
    for (const id of graph.order) {
      const node = graph.nodes[id];
      if (node) visit(node, graph, path);
    }
  });
}

/** The steps from the root to `path`, root first. */
export function pathSteps(path: GraphPath): PathStep[] {
  const steps: PathStep[] = [];
  for (let p: GraphPath | null = path; p; p = p.parent) steps.push(p.step);
  return steps.reverse();
}

/**
 * A readable location for messages: `main`, `function ::Foo`, `main/If_3.then_branch`,
 * `main/#2 Loop.body/…`. Nodes by ONNX name when they have one.
 */
export function pathLabel(model: Model, path: GraphPath): string {
  const parts: string[] = [];
  for (let p: GraphPath | null = path; p; p = p.parent) {
    const s = p.step;
    if (s.kind === 'main') parts.push('main');
    else if (s.kind === 'function') {
      const f = model.functions[s.index];
      parts.push(f ? `function ${f.domain}::${f.name}${f.overload ? ':' + f.overload : ''}` : `function #${s.index}`);
    } else {
      const parent = p.parent!.graph;
      const node = parent.nodes[s.node];
      const attr = node?.attrs[s.attr];
      const who = node ? nodeLabel(node, parent.order.indexOf(node.id)) : s.node;
      parts.push(`${who}.${attr ? attr.name : '#' + s.attr}${s.item >= 0 ? `[${s.item}]` : ''}`);
    }
  }
  return parts.reverse().join('/');
}

/**
 * A node for messages (diagnostics, errors, path labels): its ONNX name, else `#<index> <op>`
 * with its position in its graph's `order`, else (position unknown) its op.
 */
export function nodeLabel(node: Node, index?: number): string {
  if (node.name) return node.name;
  return index === undefined ? node.op : `#${index} ${node.op}`;
}

/** The graph a path points to in `model` (which may differ from `path.graph`), or undefined. */
export function resolvePath(model: Model, steps: readonly PathStep[]): Graph | undefined {
  let graph: Graph | undefined;
  for (const s of steps) {
    if (s.kind === 'main') graph = model.graph;
    else if (s.kind === 'function') graph = model.functions[s.index]?.graph;
    else {
      const a = graph?.nodes[s.node]?.attrs[s.attr];
      graph = a?.kind === 'graph' && s.item < 0 ? a.value : a?.kind === 'graphs' ? a.value[s.item] : undefined;
    }
    if (!graph) return undefined;
  }
  return graph;
}

/**
 * Rebuilds the graph tree under `root` bottom-up: `fn` sees each graph with its subgraphs already
 * replaced by their results, and returns the graph to use. Unchanged graphs keep their identity,
 * and so does every ancestor whose subgraphs all came back unchanged. `descend` may prune subtrees.
 */
export function mapGraphTree(
  root: GraphPath,
  fn: (graph: Graph, path: GraphPath) => Graph,
  descend?: (graph: Graph, path: GraphPath) => boolean,
): Graph {
  const entries: GraphPath[] = [];
  const parentOf: number[] = [];
  const index = new Map<GraphPath, number>();
  // Pre-order collection; reverse pre-order then handles every child before its parent.
  const stack: [GraphPath, number][] = [[root, -1]];
  while (stack.length > 0) {
    const [path, parent] = stack.pop()!;
    const me = entries.length;
    entries.push(path);
    parentOf.push(parent);
    index.set(path, me);
    if (descend && !descend(path.graph, path)) continue;
    for (const id of subgraphHolders(path.graph)) {
      const node = path.graph.nodes[id]!;
      for (const s of subgraphsOf(node)) {
        stack.push([{ parent: path, step: { kind: 'attr', node: id, attr: s.attr, item: s.item }, graph: s.graph, depth: path.depth + 1 }, me]);
      }
    }
  }
  const results: Graph[] = new Array(entries.length);
  const changes: (GraphPath[] | undefined)[] = new Array(entries.length);
  for (let i = entries.length - 1; i >= 0; i--) {
    const path = entries[i];
    let graph = path.graph;
    const changed = changes[i];
    if (changed) graph = replaceSubgraphs(graph, changed, (p) => results[index.get(p)!]);
    const out = fn(graph, path);
    results[i] = out;
    if (out !== path.graph && parentOf[i] >= 0) (changes[parentOf[i]] ??= []).push(path);
  }
  return results[0];
}

/** Puts new subgraphs into the nodes named by `paths` (each an 'attr' step under `graph`). */
function replaceSubgraphs(graph: Graph, paths: readonly GraphPath[], result: (p: GraphPath) => Graph): Graph {
  const nodes: Record<NodeId, Node> = { ...graph.nodes };
  const newAttrs = new Map<NodeId, Node['attrs'][number][]>();
  for (const p of paths) {
    const s = p.step;
    if (s.kind !== 'attr') continue;
    let attrs = newAttrs.get(s.node);
    if (!attrs) newAttrs.set(s.node, (attrs = [...graph.nodes[s.node].attrs]));
    const a = attrs[s.attr];
    if (a.kind === 'graph') attrs[s.attr] = { ...a, value: result(p) };
    else if (a.kind === 'graphs') {
      const list = [...a.value];
      list[s.item] = result(p);
      attrs[s.attr] = { ...a, value: list };
    }
  }
  for (const [id, attrs] of newAttrs) nodes[id] = { ...graph.nodes[id], attrs };
  return { ...graph, nodes };
}

/**
 * Applies `fn` to every graph of the model (bottom-up within each tree, see `mapGraphTree`) and
 * returns the same Model object when every graph came back unchanged.
 */
export function mapGraphs(model: Model, fn: (graph: Graph, path: GraphPath) => Graph): Model {
  const roots = rootPaths(model);
  const main = mapGraphTree(roots[0], fn);
  let functions = model.functions;
  for (let i = 0; i < model.functions.length; i++) {
    const body = mapGraphTree(roots[i + 1], fn);
    if (body === model.functions[i].graph) continue;
    if (functions === model.functions) functions = [...model.functions];
    (functions as OnnxFunctionList)[i] = { ...model.functions[i], graph: body };
  }
  if (main === model.graph && functions === model.functions) return model;
  return { ...model, graph: main, functions };
}

type OnnxFunctionList = Model['functions'][number][];

/** `table[key]` when it is an entry of that table (prototype members such as `constructor` are not). */
export function entry<T extends { readonly id: string }>(table: Readonly<Record<string, T>>, key: string): T | undefined {
  const x = table[key];
  return x !== null && typeof x === 'object' && x.id === key ? x : undefined;
}
