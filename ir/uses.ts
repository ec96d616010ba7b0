/**
 * Use–def index, derived and memoized per Graph object (immutable data: a changed graph is a new
 * object, so the cache invalidates itself). Only `def` is stored on values; uses are computed here.
 *
 * A node whose subgraph reads a value of an enclosing graph "captures" it: for the enclosing graph
 * that read is a use by the node owning the subgraph (ONNX's implicit inputs).
 */
import type { Graph, Node, NodeId, ValueId } from './types.js';
import { hasSubgraphs, mapGraphTree, subgraphsOf } from './walk.js';

export type Use =
  /** `node.inputs[index]` reads the value. */
  | { readonly kind: 'input'; readonly node: Node['id']; readonly index: number }
  /** A subgraph of `node` (at any depth) reads the value. */
  | { readonly kind: 'capture'; readonly node: Node['id'] }
  /** `graph.outputs[index]` is the value. */
  | { readonly kind: 'output'; readonly index: number };

export type UseIndex = ReadonlyMap<ValueId, readonly Use[]>;

const useCache = new WeakMap<Graph, UseIndex>();
const captureCache = new WeakMap<Node, readonly ValueId[]>();

const none: readonly Use[] = [];
const noCaptures: readonly ValueId[] = [];

/** Uses of every value read in `graph` (values never read are absent). */
export function usesOf(graph: Graph): UseIndex {
  const cached = useCache.get(graph);
  if (cached) return cached;
  const index = new Map<ValueId, Use[]>();
  const add = (v: ValueId, u: Use) => {
    const list = index.get(v);
    if (list) list.push(u);
    else index.set(v, [u]);
  };
  for (const id of graph.order) {
    const node = graph.nodes[id];
    if (!node) continue;
    node.inputs.forEach((v, i) => {
      if (v !== null) add(v, { kind: 'input', node: id, index: i });
    });
    for (const v of capturesOf(node)) add(v, { kind: 'capture', node: id });
  }
  graph.outputs.forEach((v, i) => add(v, { kind: 'output', index: i }));
  useCache.set(graph, index);
  return index;
}

/** Uses of one value in `graph`. */
export function usesOfValue(graph: Graph, v: ValueId): readonly Use[] {
  return usesOf(graph).get(v) ?? none;
}

/**
 * The values the graph file stores, dense or sparse initializers: a graph input among them has a
 * default (ONNX IR 4 on) and may be left unfed.
 */
export function storedIn(graph: Graph): Set<ValueId> {
  return new Set([...graph.initializers, ...graph.sparseInitializers]);
}

/** The values a graph defines: inputs, initializers, sparse initializers, node outputs. */
export function definedIn(graph: Graph, into: Set<ValueId> = new Set()): Set<ValueId> {
  for (const v of graph.inputs) into.add(v);
  for (const v of graph.initializers) into.add(v);
  for (const v of graph.sparseInitializers) into.add(v);
  for (const id of graph.order) {
    const node = graph.nodes[id];
    if (node) for (const v of node.outputs) if (v !== null) into.add(v);
  }
  return into;
}

/**
 * Values read by the subgraphs of `node` (at any depth) that those subgraphs do not define: the
 * node's implicit inputs, in first-read order. Computed bottom-up with an explicit stack and
 * memoized per Node object, so nested graphs cost O(total size) overall.
 */
export function capturesOf(node: Node): readonly ValueId[] {
  // Most nodes hold no subgraph: answer without touching the cache.
  if (!hasSubgraphs(node)) return noCaptures;
  const cached = captureCache.get(node);
  if (cached) return cached;
  const stack: Node[] = [node];
  const expanded = new Set<Node>();
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    if (captureCache.has(top)) {
      stack.pop();
      continue;
    }
    if (!expanded.has(top)) {
      expanded.add(top);
      for (const s of subgraphsOf(top)) {
        for (const id of s.graph.order) {
          const inner = s.graph.nodes[id];
          if (inner && hasSubgraphs(inner) && !captureCache.has(inner)) stack.push(inner);
        }
      }
      continue;
    }
    stack.pop();
    captureCache.set(top, computeCaptures(top));
  }
  return captureCache.get(node)!;
}

function computeCaptures(node: Node): ValueId[] {
  const seen = new Set<ValueId>();
  const out: ValueId[] = [];
  for (const s of subgraphsOf(node)) {
    const g = s.graph;
    const defined = definedIn(g);
    const read = (v: ValueId | null) => {
      if (v !== null && !defined.has(v) && !seen.has(v)) {
        seen.add(v);
        out.push(v);
      }
    };
    for (const id of g.order) {
      const inner = g.nodes[id];
      if (!inner) continue;
      for (const v of inner.inputs) read(v);
      if (hasSubgraphs(inner)) for (const v of captureCache.get(inner) ?? noCaptures) read(v);
    }
    for (const v of g.outputs) read(v);
  }
  return out;
}

/** The node with every read of `from` inside its subgraphs turned into `to`. */
export function renameCaptured(node: Node, from: ValueId, to: ValueId): Node {
  const attrs = node.attrs.map((a) => {
    if (a.kind !== 'graph' && a.kind !== 'graphs') return a;
    const rename = (g: Graph) =>
      mapGraphTree({ parent: null, step: { kind: 'main' }, graph: g, depth: 0 }, (sub) => renameReads(sub, from, to));
    if (a.kind === 'graph') return { ...a, value: rename(a.value) };
    return { ...a, value: a.value.map(rename) };
  });
  return { ...node, attrs };
}

function renameReads(g: Graph, from: ValueId, to: ValueId): Graph {
  let nodes: Record<NodeId, Node> | null = null;
  for (const id of g.order) {
    const node = (nodes ?? g.nodes)[id];
    if (!node || !node.inputs.includes(from)) continue;
    nodes ??= { ...g.nodes };
    nodes[id] = { ...node, inputs: node.inputs.map((v) => (v === from ? to : v)) };
  }
  const outputs = g.outputs.includes(from) ? g.outputs.map((v) => (v === from ? to : v)) : g.outputs;
  if (!nodes && outputs === g.outputs) return g;
  return { ...g, nodes: nodes ?? g.nodes, outputs };
}

