/** `duplicate-initializer`: two initializers of one graph with the same name. */
import type { Graph } from '../../types.js';
import type { GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

/** Reports each repeated name and records it in `ctx.dupInitNames` (duplicate-name then skips it). */
export function duplicateInitializer(ctx: VerifyContext, g: Graph, p: GraphPath): void {
  const seen = new Set<string>();
  for (const v of g.initializers) {
    const name = Object.hasOwn(g.values, v) ? g.values[v].name : undefined;
    if (name === undefined) continue;
    if (seen.has(name)) {
      ctx.report('duplicate-initializer', `initializer name ${name} is used twice`, p, { value: name });
      let names = ctx.dupInitNames.get(g);
      if (!names) ctx.dupInitNames.set(g, (names = new Set()));
      names.add(name);
    }
    seen.add(name);
  }
}
