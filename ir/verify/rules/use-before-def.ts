/**
 * `use-before-def`: a node reads a value defined later in its graph or in an enclosing graph.
 * (Where the late read is part of a cycle, the `cycle` rule takes the report back.)
 */
import type { GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';
import type { Diagnostic, Place } from '../diagnostic.js';

export function useBeforeDef(ctx: VerifyContext, p: GraphPath, name: string, place: Place): Diagnostic {
  return ctx.report('use-before-def', `input ${name} is read before it is defined`, p, place);
}
