/** `null-graph-io`: a null or non-id in a graph's input, initializer or output list. */
import type { ValueId } from '../../types.js';
import type { GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

/** True when `v` is an id; otherwise reports it (`what` names the list). */
export function graphIoId(ctx: VerifyContext, p: GraphPath, v: unknown, what: string): v is ValueId {
  if (typeof v === 'string') return true;
  ctx.report('null-graph-io', `graph ${what} list holds ${String(v)}`, p);
  return false;
}
