/**
 * `duplicate-node-id`: a node id listed twice. It shows up as the node's first output already
 * defined, by a node with the same id (a node id reused in another graph is harmless to lathe:
 * nodes are only looked up per graph).
 */
import type { Node } from '../../types.js';
import { nodeLabel, type GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

/** True (and reported) when definition `prior` of the first output of `node` (at `pos`) is by a node with its id. */
export function duplicateNodeId(ctx: VerifyContext, p: GraphPath, node: Node, pos: number, prior: number | undefined): boolean {
  if (prior === undefined) return false;
  const { defs, graphs } = ctx;
  const id = node.id;
  if (defs.pos[prior] < 0 || graphs[defs.graph[prior]].graph.order[defs.pos[prior]] !== id) return false;
  ctx.report('duplicate-node-id', `node id ${id} appears more than once`, p, { node: nodeLabel(node, pos) });
  return true;
}
