/**
 * Function call cycles (F calls G calls F): inlining such a model would never end. Plain data:
 * the `function-cycle` rule turns what this finds into diagnostics.
 */
import type { Model, Node } from '../types.js';
import { entry, rootPaths, walkGraphTree } from '../walk.js';

/**
 * The call cycles among `model.functions`, each as function indices along the cycle (the first
 * is the one called again), found by an iterative DFS with colours. Bodies nested deeper than
 * `maxDepth` are not looked into.
 */
export function functionCycles(model: Model, callsLocal: (n: Node) => number | undefined, maxDepth: number): number[][] {
  const n = model.functions.length;
  const found: number[][] = [];
  if (n === 0) return found;
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
  // A grey successor closes a cycle.
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
          found.push(stack.slice(from).map((s) => s[0]));
        }
        continue;
      }
      colour[top[0]] = 2;
      stack.pop();
    }
  }
  return found;
}
