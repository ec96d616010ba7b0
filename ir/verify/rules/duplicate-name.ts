/** `duplicate-name`: an ONNX value name defined twice in one graph. */
import type { Graph, ValueId } from '../../types.js';
import { entry, type GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

/** Value `v` of graph `g` repeats `name`, already visible from the same graph. */
export function duplicateName(ctx: VerifyContext, g: Graph, p: GraphPath, name: string, v: ValueId): void {
  // Two initializers sharing a name are reported as duplicate-initializer already.
  if (ctx.dupInitNames.get(g)?.has(name) && entry(g.values, v)?.tensor !== undefined) return;
  ctx.report('duplicate-name', `value name ${name} is defined more than once in scope`, p, { value: name });
}
