/** `function-cycle`: functions calling each other recursively (inlining would never end). */
import { functionCycles } from '../functions.js';
import type { VerifyContext } from '../context.js';

export function functionCycle(ctx: VerifyContext): void {
  const fns = ctx.model.functions;
  for (const cycle of functionCycles(ctx.model, ctx.callsLocal, ctx.maxDepth)) {
    const names = cycle.map((i) => `${fns[i].domain}::${fns[i].name}`);
    const f = fns[cycle[0]];
    ctx.out.push({
      severity: 'error',
      code: 'function-cycle',
      message: `functions call each other recursively: ${cycleText(names)}`,
      graph: `function ${f.domain}::${f.name}${f.overload ? ':' + f.overload : ''}`,
    });
  }
}

/** `a → b → c → a`, with the middle of a long cycle elided so a diagnostic stays one short line. */
function cycleText(names: readonly string[]): string {
  const shown = names.length <= 8 ? names : [...names.slice(0, 4), `… ${names.length - 7} more …`, ...names.slice(-3)];
  return [...shown, names[0]].join(' → ');
}
