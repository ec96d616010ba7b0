/**
 * Copies of a function body's subgraphs for inlining: every value and node gets a fresh id (a
 * function inlined twice must not define one id twice), reads of values the copy maps (the body's
 * values, already copied) are rewired, attributes pass through `attrsOf` (attribute references
 * resolved), and the copies are unnamed (hygiene: a body's names can never clash with the
 * caller's; emit names them). Nesting is bounded: past MAX_CLONE_DEPTH the copy is refused.
 */
import type { IdAllocator } from '../../ir/ids.js';
import type { Attr, Graph, Node, NodeId, Value, ValueId } from '../../ir/types.js';

export const MAX_CLONE_DEPTH = 64;

/** Thrown (and caught by the pass) when a body nests deeper than MAX_CLONE_DEPTH. */
export class TooDeep extends Error {}

/** `attrs` with every subgraph replaced by a fresh copy (see the module comment). */
export function cloneAttrs(
  attrs: readonly Attr[], ids: IdAllocator, map: Map<ValueId, ValueId | null>, attrsOf: (a: readonly Attr[]) => Attr[], depth = 0,
): Attr[] {
  return attrsOf(attrs).map((a) => {
    if (a.kind === 'graph') return { ...a, value: cloneGraph(a.value, ids, map, attrsOf, depth + 1) };
    if (a.kind === 'graphs') return { ...a, value: a.value.map((g) => cloneGraph(g, ids, map, attrsOf, depth + 1)) };
    return a;
  });
}

function cloneGraph(g: Graph, ids: IdAllocator, map: Map<ValueId, ValueId | null>, attrsOf: (a: readonly Attr[]) => Attr[], depth: number): Graph {
  if (depth > MAX_CLONE_DEPTH) throw new TooDeep();
  const values: Record<ValueId, Value> = {};
  const fresh = (v: ValueId, def?: Value['def']): ValueId => {
    const id = ids.value();
    map.set(v, id);
    const { name: _name, def: _def, ...rest } = g.values[v] ?? { id: v };
    values[id] = { ...rest, id, ...(def && { def }) };
    return id;
  };
  const read = (v: ValueId | null) => (v === null ? null : map.has(v) ? map.get(v)! : v);
  const inputs = g.inputs.map((v) => fresh(v));
  const initializers = g.initializers.map((v) => fresh(v));
  const sparseInitializers = g.sparseInitializers.map((v) => fresh(v));
  const nodes: Record<NodeId, Node> = {};
  const order: NodeId[] = [];
  for (const nid of g.order) {
    const n = g.nodes[nid];
    const id = ids.node();
    const inputsOf = n.inputs.map(read);
    const attrs = cloneAttrs(n.attrs, ids, map, attrsOf, depth);
    const outputs = n.outputs.map((v, index) => (v === null ? null : fresh(v, { node: id, index })));
    const { name: _name, ...rest } = n;
    nodes[id] = { ...rest, id, inputs: inputsOf, outputs, attrs };
    order.push(id);
  }
  const outputs = g.outputs.map((v) => read(v)!);
  const { quantization: _q, ...rest } = g;
  return { ...rest, inputs, outputs, initializers, sparseInitializers, order, nodes, values };
}
