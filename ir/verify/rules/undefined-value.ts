/** `undefined-value`: a node reads a value defined nowhere. */
import type { GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';
import type { Place } from '../diagnostic.js';

export function undefinedValue(ctx: VerifyContext, p: GraphPath, name: string, place: Place): void {
  ctx.report('undefined-value', `input ${name} is not defined anywhere`, p, place);
}
