/**
 * Topological order repair for one graph: keep the given order when it is already valid, else a
 * stable re-sort. Iterative (explicit stack), so a 10,000-long chain cannot overflow.
 */
import { LatheError } from '../error.js';
import type { Model, Node, NodeId, Value, ValueId } from '../types.js';
import { capturesOf } from '../uses.js';
import { mapGraphs, pathLabel } from '../walk.js';

/** Local definitions a node reads (inputs and captures), as defining node ids. */
function localDeps(node: Node, values: Readonly<Record<ValueId, Value>>): NodeId[] {
  const out: NodeId[] = [];
  const see = (v: ValueId | null) => {
    if (v === null || !Object.hasOwn(values, v)) return;
    const d = values[v].def;
    if (d) out.push(d.node);
  };
  node.inputs.forEach(see);
  capturesOf(node).forEach(see);
  return out;
}

/**
 * True when each node in `touched` comes after the local definitions it reads. When only these
 * nodes changed, that is the whole order's validity, checked without indexing every node.
 */
export function orderedFor(
  order: readonly NodeId[],
  touched: ReadonlySet<NodeId>,
  nodes: Readonly<Record<NodeId, Node>>,
  values: Readonly<Record<ValueId, Value>>,
): boolean {
  const deps = new Map<NodeId, NodeId[]>();
  const wanted = new Set<NodeId>();
  for (const id of touched) {
    const node = Object.hasOwn(nodes, id) ? nodes[id] : undefined;
    if (!node) continue;
    const d = localDeps(node, values);
    deps.set(id, d);
    wanted.add(id);
    for (const x of d) wanted.add(x);
  }
  const pos = new Map<NodeId, number>();
  for (let i = 0; i < order.length && pos.size < wanted.size; i++) if (wanted.has(order[i])) pos.set(order[i], i);
  for (const [id, d] of deps) {
    const at = pos.get(id)!;
    for (const x of d) {
      const p = pos.get(x);
      if (p !== undefined && p >= at) return false;
    }
  }
  return true;
}

/**
 * `order` if every node comes after the local definitions it reads (inputs and captures), else a
 * stable topological re-sort (iterative DFS in current order). Throws LatheError on a cycle.
 */
export function repairOrder(order: NodeId[], nodes: Readonly<Record<NodeId, Node>>, values: Readonly<Record<ValueId, Value>>, graphName: string): NodeId[] {
  const pos = new Map<NodeId, number>();
  order.forEach((id, i) => pos.set(id, i));
  const deps = (node: Node): NodeId[] => {
    const out: NodeId[] = [];
    const see = (v: ValueId | null) => {
      if (v === null || !Object.hasOwn(values, v)) return;
      const d = values[v].def;
      if (d && pos.has(d.node)) out.push(d.node);
    };
    node.inputs.forEach(see);
    capturesOf(node).forEach(see);
    return out;
  };
  let ok = true;
  for (let i = 0; ok && i < order.length; i++) for (const d of deps(nodes[order[i]])) if (pos.get(d)! >= i) ok = false;
  if (ok) return order;
  const state = new Map<NodeId, 1 | 2>(); // 1 = on the stack, 2 = emitted
  const out: NodeId[] = [];
  for (const root of order) {
    if (state.has(root)) continue;
    const stack: [NodeId, NodeId[], number][] = [[root, deps(nodes[root]), 0]];
    state.set(root, 1);
    while (stack.length > 0) {
      const frame = stack[stack.length - 1];
      if (frame[2] < frame[1].length) {
        const d = frame[1][frame[2]++];
        const s = state.get(d);
        if (s === 1) throw new LatheError(`edit created a cycle through node ${nodes[d].name ?? d} (${nodes[d].op}) in graph ${graphName}`);
        if (s === undefined) {
          state.set(d, 1);
          stack.push([d, deps(nodes[d]), 0]);
        }
        continue;
      }
      stack.pop();
      state.set(frame[0], 2);
      out.push(frame[0]);
    }
  }
  return out;
}


/**
 * Every graph of `model` (main, subgraphs, function bodies) put in a valid order by
 * `repairOrder`; the same Model when every order was valid. A graph with a cycle keeps its order
 * and is reported to `onCycle` with its path label and the reason.
 */
export function sortModel(model: Model, onCycle?: (graph: string, message: string) => void, onSorted?: () => void): Model {
  return mapGraphs(model, (g, path) => {
    const copy = [...g.order];
    let order: NodeId[];
    try {
      order = repairOrder(copy, g.nodes, g.values, g.name);
    } catch (e) {
      if (!(e instanceof LatheError)) throw e;
      onCycle?.(pathLabel(model, path), e.message);
      return g;
    }
    if (order === copy) return g;
    onSorted?.();
    return { ...g, order };
  });
}
