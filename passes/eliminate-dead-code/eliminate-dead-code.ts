/**
 * eliminate-dead-code: removes what nothing reads, in every graph (main, subgraphs, function bodies):
 *
 * - nodes none of whose outputs is read (by a node input, a subgraph capture or a graph output);
 *   ONNX ops have no side effects, so this holds for every op, custom domains included;
 * - initializers and sparse initializers nothing reads (one that is also a graph input is an
 *   input: the interface, kept);
 * - value_info of outer-scope values no longer read in that graph, and quantization annotations of
 *   values removed;
 * - local functions no node calls (transitively from the main graph);
 * - model opset imports of domains no node and no kept function uses, and a function's imports of
 *   domains its body does not use (the ONNX domain is always kept, and a model keeps at least one
 *   import: ONNX requires one).
 *
 * Graphs are handled bottom-up (`mapGraphs`): a subgraph is cleaned before the node holding it, so
 * captures that vanish with dead subgraph nodes stop keeping outer values alive. Within a graph one
 * reverse sweep over `order` finds every dead node (a node is live when one of its outputs is).
 * Returns the same model when nothing is dead.
 */
import type { Graph, Model, Node, NodeId, OnnxFunction, OpsetId, Value, ValueId } from '../../ir/types.js';
import { nodesInOrder, tableKeys } from '../../ir/table-keys.js';
import { capturesOf } from '../../ir/uses.js';
import { mapGraphs, walkGraphTree } from '../../ir/walk.js';
import { definePass, type PassStats } from '../../src/pass.js';
import { normalizeDomain } from '../../ir/domain.js';

/** Counts of what one graph lost. */
interface Removed {
  nodes: number;
  initializers: number;
}

/** `graph` without its dead nodes, initializers and stale value_info; `graph` itself when none. */
export function eliminateDeadInGraph(graph: Graph, removed: Removed = { nodes: 0, initializers: 0 }): Graph {
  const live = new Set<ValueId>(graph.outputs);
  const deadNodes = new Set<NodeId>();
  const listed = nodesInOrder(graph);
  for (let i = graph.order.length - 1; i >= 0; i--) {
    const node = listed[i];
    if (!node) continue;
    if (!node.outputs.some((v) => v !== null && live.has(v))) {
      deadNodes.add(node.id);
      continue;
    }
    for (const v of node.inputs) if (v !== null) live.add(v);
    for (const v of capturesOf(node)) live.add(v);
  }
  const inputs = new Set(graph.inputs);
  const keepInit = (v: ValueId) => live.has(v) || inputs.has(v);
  const initializers = graph.initializers.filter(keepInit);
  const sparseInitializers = graph.sparseInitializers.filter(keepInit);
  // Values to drop: outputs of dead nodes, dropped initializers, typed references no longer read.
  const drop = new Set<ValueId>();
  for (const id of deadNodes) for (const v of graph.nodes[id].outputs) if (v !== null) drop.add(v);
  for (const v of graph.initializers) if (!keepInit(v)) drop.add(v);
  for (const v of graph.sparseInitializers) if (!keepInit(v)) drop.add(v);
  for (const key of tableKeys(graph.values)) {
    const v = graph.values[key];
    if (isReference(v) && !live.has(v.id) && !inputs.has(v.id) && !drop.has(v.id)) drop.add(v.id);
  }
  if (deadNodes.size === 0 && drop.size === 0) return graph;
  removed.nodes += deadNodes.size;
  removed.initializers += graph.initializers.length - initializers.length + graph.sparseInitializers.length - sparseInitializers.length;
  const nodes: Record<NodeId, Node> = {};
  const order = graph.order.filter((id) => !deadNodes.has(id));
  for (const id of order) nodes[id] = graph.nodes[id];
  const values: Record<ValueId, Value> = {};
  for (const key of tableKeys(graph.values)) if (!drop.has(key)) values[key] = graph.values[key];
  return { ...graph, order, nodes, values, initializers, sparseInitializers, ...quantizationKept(graph, drop, values) };
}

/** Quantization annotations (by tensor name) of values that are gone are dropped with them. */
function quantizationKept(graph: Graph, drop: ReadonlySet<ValueId>, values: Readonly<Record<ValueId, Value>>): Pick<Graph, 'quantization'> {
  const q = graph.quantization;
  if (!q) return {};
  const goneNames = new Set<string>();
  for (const v of drop) {
    const name = graph.values[v]?.name;
    if (name !== undefined) goneNames.add(name);
  }
  if (goneNames.size === 0) return { quantization: q };
  for (const v of Object.values(values)) if (v.name !== undefined) goneNames.delete(v.name);
  const kept = q.filter((e) => !goneNames.has(e.tensor));
  return { quantization: kept.length === q.length ? q : kept };
}

/** A value entry that defines nothing here: value_info of a value from an enclosing graph. */
function isReference(v: Value): boolean {
  return v.def === undefined && v.tensor === undefined && v.sparse === undefined;
}

function fnKey(domain: string, name: string, overload: string | undefined): string {
  return `${domain}\u0000${name}\u0000${overload ?? ''}`;
}

/** Nodes of a graph tree (the graph and every subgraph in it). */
function eachNode(root: Graph, visit: (node: Node) => void): void {
  walkGraphTree({ parent: null, step: { kind: 'main' }, graph: root, depth: 0 }, (g) => {
    for (const node of nodesInOrder(g)) visit(node!);
  });
}

/** The functions reachable from the main graph, and the domains their nodes and the main graph use. */
function reachable(model: Model): { keep: boolean[]; domains: Set<string> } {
  const index = new Map<string, number>();
  model.functions.forEach((f, i) => {
    const k = fnKey(f.domain, f.name, f.overload);
    if (!index.has(k)) index.set(k, i);
  });
  const keep = model.functions.map(() => false);
  const domains = new Set<string>(['']);
  const queue: number[] = [];
  const see = (node: Node) => {
    domains.add(node.domain);
    const i = index.get(fnKey(node.domain, node.op, node.overload));
    if (i !== undefined && !keep[i]) {
      keep[i] = true;
      queue.push(i);
    }
  };
  eachNode(model.graph, see);
  while (queue.length > 0) {
    const f = model.functions[queue.pop()!];
    domains.add(f.domain);
    eachNode(f.graph, see);
  }
  return { keep, domains };
}

/** Domains a function body (with its subgraphs) uses, and the ONNX domain (always kept). */
function bodyDomains(f: OnnxFunction): Set<string> {
  const out = new Set<string>(['']);
  eachNode(f.graph, (n) => out.add(normalizeDomain(n.domain)));
  return out;
}

/** The model without unused local functions and opset imports, its own or a function's (same object when none). */
function pruneFunctionsAndOpsets(model: Model, stats?: PassStats): Model {
  const { keep, domains } = reachable(model);
  let trimmed = false;
  const functions: OnnxFunction[] = model.functions.filter((_, i) => keep[i]).map((f) => {
    const own = bodyDomains(f);
    const opsets = f.opsets.filter((o) => own.has(normalizeDomain(o.domain)));
    if (opsets.length === f.opsets.length) return f;
    trimmed = true;
    return { ...f, opsets };
  });
  let opsets: OpsetId[] = model.opsets.filter((o) => domains.has(normalizeDomain(o.domain)));
  // ONNX requires a model to import at least one opset (onnxruntime refuses one without): a model
  // that imports only another domain (ai.onnx.ml) and whose nodes all folded away keeps its first.
  if (opsets.length === 0 && model.opsets.length > 0) opsets = [model.opsets[0]];
  if (!trimmed && functions.length === model.functions.length && opsets.length === model.opsets.length) return model;
  stats?.count('functions', model.functions.length - functions.length);
  stats?.count('opsets', model.opsets.length - opsets.length);
  return { ...model, functions, opsets };
}

/** Removes dead nodes, initializers, value_info, functions and opset imports (see the module comment). */
export function removeDeadCode(model: Model, stats?: PassStats): Model {
  const removed: Removed = { nodes: 0, initializers: 0 };
  // Unreachable functions go first, so their bodies are not cleaned for nothing.
  const pruned = pruneFunctionsAndOpsets(model, stats);
  let out = mapGraphs(pruned, (g) => eliminateDeadInGraph(g, removed));
  // Dead nodes may have been the last callers of a function or users of a domain (with none,
  // pruning again would find what it just found: a walk over every node saved).
  if (out !== pruned) out = pruneFunctionsAndOpsets(out, stats);
  if (removed.nodes > 0) stats?.count('nodes', removed.nodes);
  if (removed.initializers > 0) stats?.count('initializers', removed.initializers);
  return out;
}

export const eliminateDeadCode = definePass({
  name: 'eliminate-dead-code',
  summary: 'Remove nodes, initializers, value_info, local functions and opset imports nothing uses.',
  defaults: {},
  run: (model, ctx) => removeDeadCode(model, ctx.stats),
});
