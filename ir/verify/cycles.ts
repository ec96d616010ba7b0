/**
 * Cycles among the nodes of one graph, for the verifier's `cycle` rule (rules/cycle.ts).
 * Only called for a graph where some node read a value defined later.
 */
import type { Node, ValueId } from '../types.js';
import { capturesOf } from '../uses.js';

export interface GraphCycles {
  /** Each cycle found, as positions in `order`, in dependency order (a reads b reads … reads a). */
  readonly cycles: readonly number[][];
  /** Positions of the nodes left over by Kahn's algorithm: on a cycle or depending on one. */
  readonly left: ReadonlySet<number>;
}

/**
 * Kahn's algorithm on the graph's local dependencies; a leftover node lies on or after a cycle.
 * `list[i]` is the node at position i of `order` (undefined where the table lacks it);
 * `localDef(v)` is the position of the node defining `v` in this graph, or -1.
 * Returns undefined when every node can be ordered.
 */
export function findCycles(list: readonly (Node | undefined)[], localDef: (v: ValueId) => number): GraphCycles | undefined {
  const n = list.length;
  const deps: number[][] = [];
  const users: number[][] = [];
  for (let i = 0; i < n; i++) {
    deps.push([]);
    users.push([]);
  }
  for (let i = 0; i < n; i++) {
    const node = list[i];
    if (!node) continue;
    const seen = new Set<number>();
    const see = (v: ValueId | null) => {
      if (v === null) return;
      const pos = localDef(v);
      if (pos < 0 || seen.has(pos)) return;
      seen.add(pos);
      deps[i].push(pos);
      users[pos].push(i);
    };
    node.inputs.forEach(see);
    capturesOf(node).forEach(see);
  }
  const indeg = deps.map((d) => d.length);
  const queue: number[] = [];
  indeg.forEach((k, i) => k === 0 && queue.push(i));
  for (let q = 0; q < queue.length; q++) for (const u of users[queue[q]]) if (--indeg[u] === 0) queue.push(u);
  if (queue.length === n) return undefined;
  const left = new Set<number>();
  indeg.forEach((k, i) => k > 0 && left.add(i));
  const cycles: number[][] = [];
  const reported = new Set<number>();
  for (const start of left) {
    if (reported.has(start)) continue;
    // Every leftover node has a leftover dependency: walk them until a node repeats.
    const seenAt = new Map<number, number>();
    const walk: number[] = [];
    let at = start;
    while (!seenAt.has(at) && !reported.has(at)) {
      seenAt.set(at, walk.length);
      walk.push(at);
      at = deps[at].find((d) => left.has(d))!;
    }
    for (const x of walk) reported.add(x);
    if (!seenAt.has(at)) continue; // ran into a cycle reported already
    cycles.push(walk.slice(seenAt.get(at)!).reverse());
  }
  return { cycles, left };
}
