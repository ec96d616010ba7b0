/**
 * Large graphs are shown one region at a time: `before`'s topological order cut into runs of at
 * most `size` nodes, and each node of `after` put in the region of the node it is in `before`, or,
 * for a new node, the latest region among its producers and its own relative position. So region
 * k of both graphs shows the same part of the model, and one selector turns both.
 *
 * `Constant` nodes get no region and are not drawn (their consumers' tooltips count them, the op
 * histogram shows them): exporters emit hundreds (bert-base: 286 of 1,061 nodes), each a box with
 * no input that would make every layer of the drawing several times wider than the computation.
 *
 * A node that reads only weights (every input an initializer, a Constant node's output or the
 * output of another such node, or no input at all: bert-base's 119 `Identity` of an initializer)
 * is "constant-only". Topological order often puts these first, all together, far from where they
 * are used: cut by position they would fill region 1 with a row of unconnected boxes and leave
 * their consumers' edges dangling. So they are left out of the cut and go to the region of their
 * first consumer instead, where their edge is drawn and the layout puts them just above it.
 */
import type { Graph, Node, NodeId, ValueId } from '../../ir/types.js';
import { capturesOf } from '../../ir/uses.js';

/** Whether the graph drawing shows this node (see the file comment). */
export function drawn(n: Node | undefined): n is Node {
  return n !== undefined && !(n.op === 'Constant' && n.domain === '');
}

export interface Regions {
  readonly count: number;
  readonly before: ReadonlyMap<NodeId, number>;
  readonly after: ReadonlyMap<NodeId, number>;
  /** The constant-only nodes of each graph (placed with their consumers). */
  readonly constBefore: ReadonlySet<NodeId>;
  readonly constAfter: ReadonlySet<NodeId>;
}

/** The drawn nodes of `g` that read only weights (see the file comment). */
export function constantOnly(g: Graph): Set<NodeId> {
  const inputs = new Set(g.inputs);
  const out = new Set<NodeId>();
  const weight = (v: ValueId): boolean => {
    const val = g.values[v];
    if (val === undefined) return false; // an outer-scope value: not known to be constant
    if (val.tensor !== undefined || val.sparse !== undefined) return true; // an initializer (even one also listed as an input)
    if (inputs.has(v) || val.def === undefined) return false;
    const d = g.nodes[val.def.node];
    return d !== undefined && (!drawn(d) || out.has(d.id));
  };
  for (const id of g.order) {
    const n = g.nodes[id];
    if (!drawn(n)) continue;
    if (n.inputs.every((v) => v === null || weight(v)) && capturesOf(n).every(weight)) out.add(id);
  }
  return out;
}

/** Each drawn node of `g` that reads the outputs of `id`, earliest in `g.order` first. */
function consumersIn(g: Graph): Map<NodeId, NodeId[]> {
  const byValue = new Map<ValueId, NodeId>();
  for (const id of g.order) for (const v of g.nodes[id]?.outputs ?? []) if (v !== null) byValue.set(v, id);
  const out = new Map<NodeId, NodeId[]>();
  for (const id of g.order) {
    const n = g.nodes[id];
    if (!drawn(n)) continue;
    for (const v of [...n.inputs, ...capturesOf(n)]) {
      const p = v === null ? undefined : byValue.get(v);
      if (p === undefined) continue;
      const list = out.get(p);
      if (list === undefined) out.set(p, [id]);
      else if (list[list.length - 1] !== id) list.push(id);
    }
  }
  return out;
}

/**
 * Puts each constant-only node of `g` without a region yet in the region of its first consumer,
 * latest first so that a chain of them follows its end; one nobody reads keeps `fallback`'s.
 */
function attachConstantOnly(g: Graph, regions: Map<NodeId, number>, floating: ReadonlySet<NodeId>, fallback: (id: NodeId) => number): void {
  const consumers = consumersIn(g);
  for (let i = g.order.length - 1; i >= 0; i--) {
    const id = g.order[i];
    if (!floating.has(id) || regions.has(id)) continue;
    const first = consumers.get(id)?.find((c) => regions.has(c));
    regions.set(id, first !== undefined ? regions.get(first)! : fallback(id));
  }
}

export function splitRegions(before: Graph, after: Graph, match: ReadonlyMap<NodeId, NodeId>, size: number): Regions {
  const beforeIds = before.order.filter((id) => drawn(before.nodes[id]));
  const afterIds = after.order.filter((id) => drawn(after.nodes[id]));
  const count = Math.max(1, Math.ceil(beforeIds.length / size), Math.ceil(afterIds.length / size));
  const position = (ids: readonly NodeId[]) => {
    const at = new Map<NodeId, number>();
    ids.forEach((id, i) => at.set(id, Math.min(count - 1, Math.floor((i * count) / Math.max(1, ids.length)))));
    return (id: NodeId) => at.get(id) ?? 0;
  };

  const floatingBefore = constantOnly(before);
  const cut = beforeIds.filter((id) => !floatingBefore.has(id));
  // Equal runs rather than `size` then a small rest.
  const per = Math.max(1, Math.ceil(cut.length / count));
  const b = new Map<NodeId, number>();
  cut.forEach((id, i) => b.set(id, Math.min(count - 1, Math.floor(i / per))));
  attachConstantOnly(before, b, floatingBefore, position(beforeIds));

  const floatingAfter = constantOnly(after);
  const a = new Map<NodeId, number>();
  const valueRegion = new Map<ValueId, number>();
  const n = afterIds.length;
  afterIds.forEach((id, i) => {
    const node = after.nodes[id];
    const same = match.get(id);
    let r: number;
    if (same !== undefined && b.has(same)) r = b.get(same)!;
    else if (floatingAfter.has(id)) return; // placed with its consumer below
    else {
      r = Math.min(count - 1, Math.floor((i * count) / Math.max(1, n)));
      for (const v of node?.inputs ?? []) if (v !== null) r = Math.max(r, valueRegion.get(v) ?? 0);
    }
    a.set(id, r);
    for (const v of node?.outputs ?? []) if (v !== null) valueRegion.set(v, r);
  });
  attachConstantOnly(after, a, floatingAfter, position(afterIds));
  return { count, before: b, after: a, constBefore: floatingBefore, constAfter: floatingAfter };
}
