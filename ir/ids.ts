/**
 * Fresh ids. Ids are lathe's own (`v<N>` for values, `n<N>` for nodes), unique across a whole
 * model (all graphs, subgraphs and function bodies), so an id never needs a scope to be resolved.
 * They are never integer-like, so `Record` tables keep insertion order.
 */
import type { Model, NodeId, ValueId } from './types.js';
import { walkGraphs } from './walk.js';

export interface IdAllocator {
  value(): ValueId;
  node(): NodeId;
}

/** A counter-based allocator starting after the given numbers. */
export function counterAllocator(nextValue = 0, nextNode = 0): IdAllocator {
  let v = nextValue;
  let n = nextNode;
  return {
    value: () => `v${v++}` as ValueId,
    node: () => `n${n++}` as NodeId,
  };
}

const cache = new WeakMap<Model, IdAllocator>();

const numbered = /^[vn](\d{1,15})$/;

function suffix(id: string): number {
  const m = numbered.exec(id);
  return m ? Number(m[1]) : -1;
}

/**
 * An allocator whose ids are fresh for `model`: it scans the model once (every id defined or
 * referenced anywhere) and is cached per Model object, so repeated edits of the same model do not
 * rescan. Ids handed out are never handed out again by the same allocator.
 */
export function idAllocator(model: Model): IdAllocator {
  const cached = cache.get(model);
  if (cached) return cached;
  let maxV = -1;
  let maxN = -1;
  const seeValue = (id: string | null) => {
    if (id !== null && id.charCodeAt(0) === 118 /* v */) maxV = Math.max(maxV, suffix(id));
  };
  walkGraphs(model, (g) => {
    for (const id of Object.keys(g.values)) seeValue(id);
    for (const id of g.inputs) seeValue(id);
    for (const id of g.outputs) seeValue(id);
    for (const id of g.initializers) seeValue(id);
    for (const id of Object.keys(g.nodes)) {
      if (id.charCodeAt(0) === 110 /* n */) maxN = Math.max(maxN, suffix(id));
      const node = g.nodes[id as NodeId];
      for (const v of node.inputs) seeValue(v);
      for (const v of node.outputs) seeValue(v);
    }
    for (const id of g.order) if (id.charCodeAt(0) === 110) maxN = Math.max(maxN, suffix(id));
  });
  const alloc = counterAllocator(maxV + 1, maxN + 1);
  cache.set(model, alloc);
  return alloc;
}

/**
 * Records that `alloc` is fresh for `model` too (an edit result: same ids plus ones `alloc` made),
 * so the next edit of the result does not rescan.
 */
export function shareAllocator(model: Model, alloc: IdAllocator): void {
  if (!cache.has(model)) cache.set(model, alloc);
}
