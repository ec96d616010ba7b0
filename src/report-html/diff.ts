/**
 * Which nodes of the main graph an optimization removed, added or rewrote. A node of `after` is
 * the same node as one of `before` when it has the same id, op, domain, name and output values (an
 * in-memory run keeps the ids of nodes it did not touch, and no edit changes a node's outputs; an
 * id freed by a removal can be handed out again, to a node with other outputs); failing that, when
 * its non-empty name is unique in both graphs with the same op (two models loaded from files get
 * unrelated ids). A new node carrying `lathe.rule` metadata is "rewritten" and names its rule;
 * other new nodes are "added" (a pass that is not a rule, or rules run with `--no-provenance`). A
 * node stamped with a rule its counterpart in `before` did not carry is a rule's work, never
 * "kept". So before = kept + removed and after = kept + added + rewritten, and a node shows
 * "rule: NAME" exactly when it is rewritten.
 */
import type { Graph, Node, NodeId } from '../../ir/types.js';

export type Mark = 'kept' | 'removed' | 'added' | 'rewritten';

export interface GraphDiff {
  /** Marks of `before`'s nodes: kept or removed. */
  readonly before: ReadonlyMap<NodeId, Mark>;
  /** Marks of `after`'s nodes: kept, added or rewritten. */
  readonly after: ReadonlyMap<NodeId, Mark>;
  /** after node → the before node it is. */
  readonly match: ReadonlyMap<NodeId, NodeId>;
}

/** The rule named by a node's `lathe.rule` metadata, if any. */
export function ruleOf(node: Node): string | undefined {
  return node.meta?.find((e) => e.key === 'lathe.rule')?.value;
}

function uniqueNames(g: Graph): Map<string, Node | null> {
  const m = new Map<string, Node | null>();
  for (const id of g.order) {
    const n = g.nodes[id];
    if (!n?.name) continue;
    m.set(n.name, m.has(n.name) ? null : n);
  }
  return m;
}

const sameOutputs = (a: Node, b: Node) => a.outputs.length === b.outputs.length && a.outputs.every((v, i) => v === b.outputs[i]);

/** Same op, and no rule stamp that `b` lacks. */
const same = (a: Node, b: Node) => a.op === b.op && a.domain === b.domain && ruleOf(a) === ruleOf(b);

export function diffGraphs(before: Graph, after: Graph): GraphDiff {
  const match = new Map<NodeId, NodeId>();
  const taken = new Set<NodeId>();
  for (const id of after.order) {
    const a = after.nodes[id];
    const b = Object.hasOwn(before.nodes, id) ? before.nodes[id] : undefined;
    if (a && b && same(a, b) && a.name === b.name && sameOutputs(a, b)) {
      match.set(id, id);
      taken.add(id);
    }
  }
  const namesBefore = uniqueNames(before);
  const namesAfter = uniqueNames(after);
  for (const id of after.order) {
    const a = after.nodes[id];
    if (!a || match.has(id) || !a.name || !namesAfter.get(a.name)) continue;
    const b = namesBefore.get(a.name);
    if (b && !taken.has(b.id) && same(a, b)) {
      match.set(id, b.id);
      taken.add(b.id);
    }
  }
  const marksBefore = new Map<NodeId, Mark>();
  for (const id of before.order) marksBefore.set(id, taken.has(id) ? 'kept' : 'removed');
  const marksAfter = new Map<NodeId, Mark>();
  for (const id of after.order) {
    const n = after.nodes[id];
    marksAfter.set(id, match.has(id) ? 'kept' : n && ruleOf(n) !== undefined ? 'rewritten' : 'added');
  }
  return { before: marksBefore, after: marksAfter, match };
}
