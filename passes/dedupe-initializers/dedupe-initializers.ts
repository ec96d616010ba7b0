/**
 * dedupe-initializers: initializers with the same dtype, dims and bytes are stored once. Readers of
 * a duplicate read the first one (in initializer order, or an enclosing graph's, which is in scope
 * in every subgraph) and the duplicate is dropped.
 *
 * Cheap first: tensors are grouped by dtype, dims and payload length, then by a hash of three small
 * windows of their bytes, and only groups of two or
 * more are hashed (read in chunks, so lazy payloads are never held whole) and then compared byte
 * for byte: a hash collision never merges two tensors.
 *
 * Never merged: initializers that are also graph inputs (they can be fed), sparse initializers,
 * unreadable payloads (stripped skeletons), and a duplicate that is itself a graph output (its
 * name is the interface; replacing it would add an Identity).
 * Returns the same model when nothing repeats.
 */
import { editAll, type Editor } from '../../ir/edit/edit.js';
import { rawPayloadLength } from '../../ir/onnx/tensor.js';
import type { Graph, Model, Tensor, Value, ValueId } from '../../ir/types.js';
import { usesOf } from '../../ir/uses.js';
import { mapGraphs, type GraphPath } from '../../ir/walk.js';
import { definePass, type PassStats } from '../../src/pass.js';
import { sameTensor, tensorKey, tensorSampleKey } from '../../src/tensor-identity.js';

interface Candidate {
  readonly id: ValueId;
  readonly tensor: Tensor;
  readonly local: boolean;
}

function sizeKey(t: Tensor): string | undefined {
  if (t.data.kind === 'none') return undefined;
  const n = t.data.kind === 'strings' ? `s${t.data.values.length}` : rawPayloadLength(t);
  return n === undefined ? undefined : `${t.dtype}|${t.dims.join(',')}|${n}`;
}

/** Initializers of `g` that may be merged (not inputs, with a readable payload). */
function candidates(g: Graph, local: boolean): Candidate[] {
  const inputs = new Set(g.inputs);
  const out: Candidate[] = [];
  for (const id of g.initializers) {
    const t = g.values[id]?.tensor;
    if (t && !inputs.has(id)) out.push({ id, tensor: t, local });
  }
  return out;
}

function dedupeGraph(e: Editor, path: GraphPath, dropped: Set<ValueId>, stats?: PassStats): void {
  // Enclosing graphs first (outermost first): their initializers are in scope here.
  const chain: Graph[] = [];
  for (let p = path.parent; p; p = p.parent) chain.unshift(p.graph);
  const all: Candidate[] = [...chain.flatMap((g) => candidates(g, false)), ...candidates(path.graph, true)];
  const bySize = new Map<string, Candidate[]>();
  for (const c of all) {
    const k = sizeKey(c.tensor);
    if (k === undefined) continue;
    const list = bySize.get(k);
    if (list) list.push(c);
    else bySize.set(k, [c]);
  }
  for (const sized of bySize.values()) {
    if (sized.length < 2 || !sized.some((c) => c.local)) continue;
    for (const group of bySample(sized)) dedupeGroup(e, group, dropped, stats);
  }
}

/** Splits a size group by sample key (three small windows), dropping singletons: only candidates that may be equal go on to full hashing. */
function bySample(group: readonly Candidate[]): Candidate[][] {
  const m = new Map<string, Candidate[]>();
  for (const c of group) {
    const k = tensorSampleKey(c.tensor);
    if (k === undefined) continue;
    const list = m.get(k);
    if (list) list.push(c);
    else m.set(k, [c]);
  }
  return [...m.values()].filter((g) => g.length > 1 && g.some((c) => c.local));
}

function dedupeGroup(e: Editor, group: readonly Candidate[], dropped: Set<ValueId>, stats?: PassStats): void {
  const byHash = new Map<string, Candidate[]>();
  for (const c of group) {
    const h = tensorKey(c.tensor);
    if (h === undefined) continue;
    const kept = byHash.get(h);
    if (!kept) {
      byHash.set(h, [c]);
      continue;
    }
    const same = kept.find((k) => sameTensor(k.tensor, c.tensor));
    if (!same) {
      kept.push(c);
      continue;
    }
    if (!c.local || e.isGraphOutput(c.id)) continue;
    e.replaceAllUses(c.id, same.id);
    dropped.add(c.id);
    stats?.count('initializers');
  }
}

/** Removes the merged duplicates (now unread) from their graphs. */
function dropMerged(model: Model, dropped: ReadonlySet<ValueId>): Model {
  return mapGraphs(model, (g) => {
    const uses = usesOf(g);
    const gone = g.initializers.filter((v) => dropped.has(v) && !uses.has(v));
    if (gone.length === 0) return g;
    const drop = new Set(gone);
    const values: Record<ValueId, Value> = {};
    for (const key of Object.keys(g.values)) if (!drop.has(key as ValueId)) values[key as ValueId] = g.values[key as ValueId];
    return { ...g, values, initializers: g.initializers.filter((v) => !drop.has(v)) };
  });
}

export function dedupeInitializersIn(model: Model, stats?: PassStats): Model {
  const dropped = new Set<ValueId>();
  const out = editAll(model, (e, path) => dedupeGraph(e, path, dropped, stats));
  return out === model ? model : dropMerged(out, dropped);
}

export const dedupeInitializers = definePass({
  name: 'dedupe-initializers',
  summary: 'Store identical initializers once (same dtype, dims and bytes; never graph inputs).',
  defaults: {},
  run: (model, ctx) => dedupeInitializersIn(model, ctx.stats),
});
