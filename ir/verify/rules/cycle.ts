/**
 * `cycle`: nodes of one graph that depend on each other, reported once per cycle found. The
 * use-before-def reports of late reads inside the tangle are taken back: the cycle explains them.
 */
import type { NodeId } from '../../types.js';
import { nodeLabel, type GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';
import { findCycles } from '../cycles.js';
import type { Diagnostic } from '../diagnostic.js';

/** A read of a value defined later in the reader's own graph, and the report it got. */
export interface LateRead {
  readonly reader: NodeId;
  readonly def: NodeId;
  readonly diag: Diagnostic;
}

/** Checks graph `gi` (at `p`), in which `lateReads` were found, once its walk is done. */
export function cycle(ctx: VerifyContext, gi: number, p: GraphPath, lateReads: readonly LateRead[]): void {
  const g = p.graph;
  const { defs } = ctx;
  const found = findCycles(ctx.nodeLists[gi], (v) => {
    const d = defs.index.get(v);
    return d !== undefined && defs.graph[d] === gi ? defs.pos[d] : -1;
  });
  if (!found) return;
  for (const c of found.cycles) {
    const names = c.map((i) => nodeLabel(g.nodes[g.order[i]], i));
    ctx.report('cycle', `nodes form a cycle: ${names.join(' → ')} → ${names[0]}`, p, { node: names[0] });
  }
  const local = new Map<NodeId, number>();
  g.order.forEach((id, i) => local.set(id, i));
  const left = found.left;
  const drop = new Set<Diagnostic>();
  for (const r of lateReads) if (left.has(local.get(r.reader)!) && left.has(local.get(r.def)!)) drop.add(r.diag);
  if (drop.size > 0) {
    const out = ctx.out;
    let w = 0;
    for (const d of out) if (!drop.has(d)) out[w++] = d;
    out.length = w;
  }
}
