/**
 * Large graphs are shown one region at a time: `before`'s topological order cut into runs of at
 * most `size` nodes, and each node of `after` put in the region of the node it is in `before`, or,
 * for a new node, the latest region among its producers and its own relative position. So region
 * k of both graphs shows the same part of the model, and one selector turns both.
 *
 * `Constant` nodes get no region and are not drawn (their consumers' tooltips count them, the op
 * histogram shows them): exporters emit hundreds (bert-base: 286 of 1,061 nodes), each a box with
 * no input that would make every layer of the drawing several times wider than the computation.
 */
import type { Graph, Node, NodeId, ValueId } from '../../ir/types.js';

/** Whether the graph drawing shows this node (see the file comment). */
export function drawn(n: Node | undefined): n is Node {
  return n !== undefined && !(n.op === 'Constant' && n.domain === '');
}

export interface Regions {
  readonly count: number;
  readonly before: ReadonlyMap<NodeId, number>;
  readonly after: ReadonlyMap<NodeId, number>;
}

export function splitRegions(before: Graph, after: Graph, match: ReadonlyMap<NodeId, NodeId>, size: number): Regions {
  const beforeIds = before.order.filter((id) => drawn(before.nodes[id]));
  const afterIds = after.order.filter((id) => drawn(after.nodes[id]));
  const count = Math.max(1, Math.ceil(beforeIds.length / size), Math.ceil(afterIds.length / size));
  // Equal runs rather than `size` then a small rest.
  const per = Math.max(1, Math.ceil(beforeIds.length / count));
  const b = new Map<NodeId, number>();
  beforeIds.forEach((id, i) => b.set(id, Math.min(count - 1, Math.floor(i / per))));
  const a = new Map<NodeId, number>();
  const valueRegion = new Map<ValueId, number>();
  const n = afterIds.length;
  afterIds.forEach((id, i) => {
    const node = after.nodes[id];
    const same = match.get(id);
    let r: number;
    if (same !== undefined && b.has(same)) r = b.get(same)!;
    else {
      r = Math.min(count - 1, Math.floor((i * count) / Math.max(1, n)));
      for (const v of node?.inputs ?? []) if (v !== null) r = Math.max(r, valueRegion.get(v) ?? 0);
    }
    a.set(id, r);
    for (const v of node?.outputs ?? []) if (v !== null) valueRegion.set(v, r);
  });
  return { count, before: b, after: a };
}
