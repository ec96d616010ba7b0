/**
 * Generated chain models for the benchmarks: `x` → node 0 → node 1 → … → output, built as plain
 * IR tables (no builder: the builder's cost is not what the benchmarks measure).
 */
import type { Attr, Graph, Model, Node, NodeId, Value, ValueId } from '../ir/types.js';

/** Node `i` of a chain: its op, its inputs (`prev` is the previous node's output) and attributes. */
export type ChainStep = (i: number, prev: ValueId) => { op: string; inputs: ValueId[]; attrs?: Attr[] };

/**
 * A graph `name` of `n` nodes made by `step`, input `x`, value `v<i+1>` named `t<i>` made by node
 * `n<i>` named `node_<i>`. Values are typed float[4,4]: every one, or (`typeEvery` false) only
 * the input and the output.
 */
export function chainOf(name: string, n: number, step: ChainStep, typeEvery: boolean): Model {
  const values: Record<ValueId, Value> = {};
  const nodes: Record<NodeId, Node> = {};
  const order: NodeId[] = [];
  const type = { kind: 'tensor' as const, dtype: 1, shape: [4, 4] };
  const x = 'v0' as ValueId;
  values[x] = { id: x, name: 'x', type };
  let prev = x;
  for (let i = 0; i < n; i++) {
    const id = `n${i}` as NodeId;
    const y = `v${i + 1}` as ValueId;
    const { op, inputs, attrs = [] } = step(i, prev);
    nodes[id] = { id, op, domain: '', inputs, outputs: [y], attrs, name: `node_${i}` };
    values[y] = typeEvery ? { id: y, name: `t${i}`, def: { node: id, index: 0 }, type } : { id: y, name: `t${i}`, def: { node: id, index: 0 } };
    order.push(id);
    prev = y;
  }
  if (!typeEvery) values[prev] = { ...values[prev], type };
  const graph: Graph = { name, inputs: [x], outputs: [prev], initializers: [], sparseInitializers: [], order, nodes, values };
  return { irVersion: 8, opsets: [{ domain: '', version: 17 }], graph, functions: [], meta: [] };
}
