/**
 * Folds across subgraph boundaries: nodes inside If/Loop/Scan bodies whose large constant inputs
 * belong to an enclosing graph (silero VAD cuts its LSTM gate weights apart inside both branches
 * of an If on the sample rate). Alone, each such fold adds its result while the outer weight stays
 * (over budget). Together, when the nodes are all of the readers of the outer constants anywhere
 * in the model, folding them frees those constants, and equal results (the same cut in two
 * branches) are stored once: as initializers of the graph that owns the constants, read by the
 * bodies as captures. Done when the distinct results fit in what is freed (plus `limit`), and only
 * then: the nodes stay where they are otherwise.
 */
import { editAll } from '../../ir/edit/edit.js';
import type { Model, NodeId, Tensor, ValueId } from '../../ir/types.js';
import { pathSteps, walkGraphs, type GraphPath } from '../../ir/walk.js';
import type { PassStats } from '../../src/pass.js';
import { sameTensor, tensorKey } from '../../src/tensor-identity.js';
import { tensorBytes } from '../../src/tensor-bytes.js';

/** A node in a body, over budget alone because it reads large constants of an enclosing graph. */
export interface HoistCandidate {
  readonly graph: string;
  readonly node: NodeId;
  /** Its results (null for omitted outputs). */
  readonly made: readonly (Tensor | null)[];
  readonly bytes: number;
  /** What folding it frees besides the outer constants (its exclusive local inputs, itself). */
  readonly freed: number;
  /** The large constants of enclosing graphs it reads. */
  readonly large: readonly ValueId[];
}

/** A graph's key, the same for the same graph across edits that keep its holder nodes. */
export function graphKey(path: GraphPath): string {
  return JSON.stringify(pathSteps(path));
}

/** A key equal for equal results (src/tensor-identity.ts); undefined when one cannot be keyed. */
function resultKey(made: readonly (Tensor | null)[]): string | undefined {
  const parts: string[] = [];
  for (const t of made) {
    const k = t === null ? '-' : tensorKey(t);
    if (k === undefined) return undefined;
    parts.push(k);
  }
  return parts.join('|');
}

function sameResults(a: readonly (Tensor | null)[], b: readonly (Tensor | null)[]): boolean {
  return a.every((t, k) => {
    const u = b[k];
    return t === null || u === null ? t === u : sameTensor(t, u);
  });
}

interface Owner {
  readonly graph: string;
  readonly bytes: number;
}

/** Folds the candidates that qualify (see the module comment); `read` collects the inputs of folded nodes. */
export function hoistFolds(model: Model, candidates: readonly HoistCandidate[], limit: number, read: Set<ValueId>, stats: PassStats | undefined): Model {
  if (candidates.length === 0) return model;
  const wanted = new Set(candidates.flatMap((c) => c.large));
  // Who owns each outer constant, who reads it anywhere, and whether a graph output is it.
  const owners = new Map<ValueId, Owner>();
  const readers = new Map<ValueId, string[]>();
  const exposed = new Set<ValueId>();
  walkGraphs(model, (g, path) => {
    const key = graphKey(path);
    for (const v of g.outputs) if (wanted.has(v)) exposed.add(v);
    for (const v of wanted) {
      // (Constant nodes of graphs are initializers by now: the sweep before turned them into ones.)
      const val = Object.hasOwn(g.values, v) ? g.values[v] : undefined;
      if (val?.tensor && g.initializers.includes(v) && !g.inputs.includes(v)) owners.set(v, { graph: key, bytes: tensorBytes(val.tensor) });
    }
    for (const id of g.order) {
      for (const v of g.nodes[id].inputs) if (v !== null && wanted.has(v)) (readers.get(v) ?? readers.set(v, []).get(v)!).push(`${key}#${id}`);
    }
  });
  // Components: constants joined by the candidates that read them together.
  const parent = new Map<ValueId, ValueId>();
  const find = (v: ValueId): ValueId => {
    let r = v;
    while (parent.has(r) && parent.get(r) !== r) r = parent.get(r)!;
    return r;
  };
  for (const c of candidates) for (const v of c.large.slice(1)) parent.set(find(v), find(c.large[0]));
  const components = new Map<ValueId, HoistCandidate[]>();
  for (const c of candidates) {
    const r = find(c.large[0]);
    (components.get(r) ?? components.set(r, []).get(r)!).push(c);
  }
  const plans: { owner: string; results: (readonly (Tensor | null)[])[]; uses: { c: HoistCandidate; result: number }[] }[] = [];
  for (const group of components.values()) {
    const constants = [...new Set(group.flatMap((c) => c.large))];
    const mine = new Set(group.map((c) => `${c.graph}#${c.node}`));
    const owner = owners.get(constants[0]);
    if (!owner || constants.some((v) => exposed.has(v) || owners.get(v)?.graph !== owner.graph || owners.get(v)!.bytes === 0)) continue;
    if (!constants.every((v) => (readers.get(v) ?? []).every((r) => mine.has(r)))) continue;
    // Equal results once.
    const results: (readonly (Tensor | null)[])[] = [];
    const keys: string[] = [];
    const uses: { c: HoistCandidate; result: number }[] = [];
    let made = 0;
    let ok = true;
    for (const c of group) {
      const key = resultKey(c.made);
      if (key === undefined) {
        ok = false;
        break;
      }
      let at = keys.findIndex((k, i) => k === key && sameResults(results[i], c.made));
      if (at < 0) {
        at = results.push(c.made) - 1;
        keys.push(key);
        made += c.bytes;
      }
      uses.push({ c, result: at });
    }
    const freed = constants.reduce((n, v) => n + owners.get(v)!.bytes, 0) + group.reduce((n, c) => n + c.freed, 0);
    if (!ok || made > freed + limit) {
      stats?.count('over-budget', group.length);
      continue;
    }
    plans.push({ owner: owner.graph, results, uses });
  }
  if (plans.length === 0) return model;
  // The results become initializers of the owning graphs, then the bodies read them.
  const ids = new Map<(typeof plans)[number], ValueId[][]>();
  const withResults = editAll(model, (e, path) => {
    const key = graphKey(path);
    for (const p of plans) {
      if (p.owner !== key) continue;
      ids.set(p, p.results.map((r) => r.map((t) => (t === null ? (null as unknown as ValueId) : e.addInitializer(t)))));
    }
  });
  const byGraph = new Map<string, { c: HoistCandidate; outs: ValueId[] }[]>();
  for (const p of plans) {
    const made = ids.get(p)!;
    for (const u of p.uses) (byGraph.get(u.c.graph) ?? byGraph.set(u.c.graph, []).get(u.c.graph)!).push({ c: u.c, outs: made[u.result] });
  }
  return editAll(withResults, (e, path) => {
    const todo = byGraph.get(graphKey(path));
    if (!todo) return;
    for (const { c, outs } of todo) {
      const node = e.node(c.node);
      if (!node) continue;
      node.outputs.forEach((y, k) => {
        if (y !== null && outs[k] !== null) e.replaceAllUses(y, outs[k]);
      });
      for (const v of node.inputs) if (v !== null) read.add(v);
      e.remove(c.node);
      stats?.count('nodes');
      stats?.count('hoisted');
    }
  });
}
