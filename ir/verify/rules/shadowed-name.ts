/**
 * `shadowed-name` (a warning): a subgraph redefines a visible outer name. ONNX forbids it, but
 * exporters emit it, runtimes resolve it innermost-first, and lathe's ids make it harmless.
 */
import type { GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

export function shadowedName(ctx: VerifyContext, p: GraphPath, name: string): void {
  ctx.report('shadowed-name', `value name ${name} shadows a value of an enclosing graph`, p, { value: name }, 'warning');
}
