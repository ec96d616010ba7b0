/** `out-of-scope`: a node reads a value of a graph that does not enclose it. */
import type { GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';
import type { Place } from '../diagnostic.js';

export function outOfScope(ctx: VerifyContext, p: GraphPath, name: string, place: Place): void {
  ctx.report('out-of-scope', `input ${name} belongs to a graph that does not enclose this one`, p, place);
}
