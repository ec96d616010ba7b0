/**
 * `tensor-size` (payload length ≠ dtype × dims) and `bad-dims` of a tensor (negative or
 * non-integer dims, or an element count past 2^53), and `bad-dtype` (see tensor.ts), as
 * `tensorProblems` finds them, for initializers, sparse tensors and tensor attributes.
 */
import type { Node, Tensor } from '../../types.js';
import { nodeLabel, type GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';
import type { Place } from '../diagnostic.js';
import { tensorProblems } from '../tensor.js';

/** Reports the problems of `t`, named by `value` or else by `node` at `pos` (its label built only for a report). */
export function tensorPayload(ctx: VerifyContext, t: Tensor, p: GraphPath, value: string | undefined, node?: Node, pos = 0): void {
  const problems = tensorProblems(t);
  if (problems.length === 0) return;
  const where: Place = node ? { node: nodeLabel(node, pos) } : { value };
  for (const [code, message] of problems) {
    ctx.report(code, `${where.value ? `${where.value}: ` : `${where.node}: `}${message}`, p, where);
  }
}
