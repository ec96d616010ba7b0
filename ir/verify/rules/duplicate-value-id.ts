/** `duplicate-value-id`: a ValueId defined twice in the model (ids are model-wide). */
import type { Place } from '../diagnostic.js';
import type { GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

export function duplicateValueId(ctx: VerifyContext, p: GraphPath, id: string, place: Place): void {
  ctx.report('duplicate-value-id', `value id ${id} is defined more than once`, p, place);
}
