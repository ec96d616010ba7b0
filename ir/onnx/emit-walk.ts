/**
 * Walks over a model for emit (and for `loadModel`'s check of which files payloads still read):
 * every graph in a fixed order, and the facts emit gathers about them in one pass. Split from
 * emit.ts to keep files small.
 */
import type { Attr, Graph, Model, Tensor, ValueId } from '../types.js';
import { tableKeys } from '../table-keys.js';

const NO_ATTRS: readonly Attr[] = [];

/** The subgraphs held by `attrs`, appended in attribute order. */
function subgraphs(attrs: readonly Attr[], out: Graph[]): void {
  for (let i = 0; i < attrs.length; i++) {
    const a = attrs[i];
    if (a.kind === 'graph') out.push(a.value);
    else if (a.kind === 'graphs') for (const g of a.value) out.push(g);
  }
}

/** Visits the main graph, every subgraph (attributes) and every function body, iteratively. */
export function forEachGraph(model: Model, visit: (g: Graph) => void): void {
  const stack: Graph[] = [];
  for (let i = model.functions.length - 1; i >= 0; i--) stack.push(model.functions[i].graph);
  stack.push(model.graph);
  const subs: Graph[] = [];
  while (stack.length) {
    const g = stack.pop()!;
    visit(g);
    subs.length = 0;
    const order = g.order;
    for (let i = 0; i < order.length; i++) {
      const node = g.nodes[order[i]];
      if (node && node.attrs.length > 0) subgraphs(node.attrs, subs);
    }
    for (let i = subs.length - 1; i >= 0; i--) stack.push(subs[i]); // no spread: arrays may be huge
  }
  for (const f of model.functions) {
    const list: Graph[] = [];
    subgraphs(f.paramDefaults, list);
    for (const g of list) forEachGraph({ ...model, graph: g, functions: [] }, visit);
  }
}

/** Visits every dense tensor that may go external: initializers and tensor attributes, in walk order. */
export function forEachTensor(model: Model, visit: (t: Tensor) => void): void {
  const list: Tensor[] = [];
  forEachGraph(model, (g) => graphTensors(g, list));
  for (const t of list) visit(t);
}

/**
 * What emit needs to know about a model before writing it, gathered in one walk: the graphs in
 * `forEachGraph` order (a graph reached twice is listed twice), the keys of each values table
 * (enumerated once: enumerating a 200,000-entry object costs about as much as building it), and
 * the dense tensors in `forEachTensor` order.
 */
export interface ModelScan {
  readonly graphs: readonly Graph[];
  readonly keys: ReadonlyMap<Graph, readonly ValueId[]>;
  /** Σ over `graphs` (duplicates included) of nodes in order + entries of the values table. */
  readonly size: number;
  readonly tensors: readonly Tensor[];
}

export function scanModel(model: Model): ModelScan {
  const graphs: Graph[] = [];
  const keys = new Map<Graph, readonly ValueId[]>();
  const tensors: Tensor[] = [];
  let size = 0;
  forEachGraph(model, (g) => {
    graphs.push(g);
    let k = keys.get(g);
    if (k === undefined) keys.set(g, (k = tableKeys(g.values))); // listed once per table (ir/table-keys.ts)
    size += g.order.length + k.length;
    graphTensors(g, tensors);
  });
  return { graphs, keys, size, tensors };
}

/** Appends the dense tensors of one graph: initializers, then tensor attributes in node order. */
export function graphTensors(g: Graph, out: Tensor[]): void {
  for (const id of g.initializers) if (g.values[id]?.tensor) out.push(g.values[id].tensor!);
  const order = g.order;
  for (let i = 0; i < order.length; i++) {
    const attrs = g.nodes[order[i]]?.attrs ?? NO_ATTRS;
    for (let j = 0; j < attrs.length; j++) {
      const a = attrs[j];
      if (a.kind === 'tensor') out.push(a.value);
      else if (a.kind === 'tensors') for (const t of a.value) out.push(t);
    }
  }
}

