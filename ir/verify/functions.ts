/**
 * Function call cycles (F calls G calls F): inlining such a model would never end. Split from
 * verify.ts to keep files small.
 */
import type { Diagnostic } from './verify.js';
import type { Model, Node } from '../types.js';
import { entry, rootPaths, walkGraphTree } from '../walk.js';

/** Appends one `function-cycle` diagnostic per cycle found (iterative DFS with colours). */
export function checkFunctionCycles(
  model: Model,
  callsLocal: (n: Node) => number | undefined,
  maxDepth: number,
  out: Diagnostic[],
) {
  const n = model.functions.length;
  if (n === 0) return;
  const calls: number[][] = model.functions.map(() => []);
  const roots = rootPaths(model);
  for (let i = 0; i < n; i++) {
    const set = new Set<number>();
    walkGraphTree(roots[i + 1], (g, p) => {
      if (p.depth > maxDepth) return false;
      for (const id of g.order) {
        const node = entry(g.nodes, id);
        const callee = node && callsLocal(node);
        if (callee !== undefined) set.add(callee);
      }
      return true;
    });
    calls[i] = [...set];
  }
  // Iterative DFS with colours; a grey successor closes a cycle.
  const colour = new Uint8Array(n);
  for (let r = 0; r < n; r++) {
    if (colour[r]) continue;
    const stack: [number, number][] = [[r, 0]];
    colour[r] = 1;
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top[1] < calls[top[0]].length) {
        const next = calls[top[0]][top[1]++];
        if (colour[next] === 0) {
          colour[next] = 1;
          stack.push([next, 0]);
        } else if (colour[next] === 1) {
          const from = stack.findIndex((s) => s[0] === next);
          const names = stack.slice(from).map((s) => `${model.functions[s[0]].domain}::${model.functions[s[0]].name}`);
          const f = model.functions[next];
          out.push({
            severity: 'error',
            code: 'function-cycle',
            message: `functions call each other recursively: ${cycleText(names)}`,
            graph: `function ${f.domain}::${f.name}${f.overload ? ':' + f.overload : ''}`,
          });
        }
        continue;
      }
      colour[top[0]] = 2;
      stack.pop();
    }
  }
}

/** `a → b → c → a`, with the middle of a long cycle elided so a diagnostic stays one short line. */
function cycleText(names: readonly string[]): string {
  const shown = names.length <= 8 ? names : [...names.slice(0, 4), `… ${names.length - 7} more …`, ...names.slice(-3)];
  return [...shown, names[0]].join(' → ');
}
