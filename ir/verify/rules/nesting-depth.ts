/**
 * `nesting-depth`: subgraphs nested deeper than `maxDepth` (not verified further). Reported for
 * the first such graph only: every deeper graph would say the same.
 */
import type { GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

export function nestingDepth(ctx: VerifyContext, p: GraphPath): void {
  ctx.report('nesting-depth', `subgraphs nested more than ${ctx.maxDepth} levels deep`, p);
}
