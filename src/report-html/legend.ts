/**
 * The graph legend (`#legend`): how many nodes each mark covers, so the counts add up to the node
 * counts of the summary (before = kept + removed, after = kept + added + rewritten), and how many
 * of them are Constant nodes, which the drawing leaves out (`regions.ts`). bert-base removes 730
 * nodes, but 286 of them are Constants: without the note the drawing seems to show far fewer.
 */
import type { Graph, NodeId } from '../../ir/types.js';
import { formatCount } from '../inspect.js';
import type { GraphDiff, Mark } from './diff.js';
import { drawn } from './regions.js';

export interface MarkCount {
  /** Nodes with this mark (before's for kept and removed, after's for added and rewritten). */
  readonly all: number;
  /** Of them, the ones not drawn (Constant nodes). */
  readonly hidden: number;
}

export type Tally = Readonly<Record<Mark, MarkCount>>;

function countIn(g: Graph, marks: ReadonlyMap<NodeId, Mark>, m: Mark): MarkCount {
  let all = 0;
  let hidden = 0;
  for (const [id, x] of marks) {
    if (x !== m) continue;
    all++;
    if (!drawn(g.nodes[id])) hidden++;
  }
  return { all, hidden };
}

/** How many nodes each mark covers. */
export function tally(before: Graph, after: Graph, diff: GraphDiff): Tally {
  return {
    kept: countIn(before, diff.before, 'kept'),
    removed: countIn(before, diff.before, 'removed'),
    added: countIn(after, diff.after, 'added'),
    rewritten: countIn(after, diff.after, 'rewritten'),
  };
}

const n = formatCount;

function item(mark: Mark, label: string, c: MarkCount): string {
  const hidden = c.hidden > 0 ? ` (${n(c.hidden)} of them Constant nodes, not drawn)` : '';
  return `<span class="key ${mark}"></span> ${label} <b class="count ${mark}">${n(c.all)}</b>${hidden}`;
}

/** `p#legend`: the marks with their counts, and what the drawing leaves out. */
export function legendHtml(t: Tally): string {
  const before = t.kept.all + t.removed.all;
  const after = t.kept.all + t.added.all + t.rewritten.all;
  return (
    `<p class="legend" id="legend">${item('removed', 'removed', t.removed)} · ${item('added', 'added', t.added)} · ` +
    `${item('rewritten', 'rewritten by a rule', t.rewritten)} · ${item('kept', 'kept', t.kept)}. ` +
    `Before: ${n(t.kept.all)} kept + ${n(t.removed.all)} removed = ${n(before)} nodes; after: ${n(t.kept.all)} kept + ${n(t.added.all)} added + ${n(t.rewritten.all)} rewritten = ${n(after)}. ` +
    `A node a rule made is "rewritten" and names the rule; one a pass made without a rule (or with --no-provenance) is "added". ` +
    `Constant nodes, initializers and subgraphs are not drawn; a node that reads only weights sits just above its first consumer. ` +
    `Hover a node for its inputs, outputs and types; click a value from another region to go there.</p>`
  );
}
