/** `node-table`: `order` and `nodes` disagree (a node missing from either, or under another key). */
import type { Graph, NodeId } from '../../types.js';
import { tableKeys } from '../../table-keys.js';
import type { GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

/** `order` names `id`, which the nodes table lacks. */
export function missingNode(ctx: VerifyContext, p: GraphPath, id: NodeId): void {
  ctx.report('node-table', `order names node ${id}, which is not in the nodes table (under that id)`, p, { node: id });
}

/** Reports the table's nodes that `order` does not list; `listed` is how many it does. */
export function unlistedNodes(ctx: VerifyContext, g: Graph, p: GraphPath, listed: number): void {
  const keys = tableKeys(g.nodes);
  if (keys.length === listed) return;
  const inOrder = new Set(g.order);
  for (const id of keys) {
    if (!inOrder.has(id)) ctx.report('node-table', `node ${id} is in the nodes table but not in order`, p, { node: g.nodes[id].name ?? id });
  }
}
