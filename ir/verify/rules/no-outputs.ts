/** `no-outputs`: a node without any output (every output omitted, or none listed). */
import type { Node } from '../../types.js';
import { nodeLabel, type GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

export function noOutputs(ctx: VerifyContext, p: GraphPath, node: Node, pos: number): void {
  const outputs = node.outputs;
  for (let k = 0; k < outputs.length; k++) if (outputs[k] !== null) return;
  const where = nodeLabel(node, pos);
  ctx.report('no-outputs', `node ${where} (${node.op}) has no outputs`, p, { node: where });
}
