/**
 * The keys of a graph table (`nodes`, `values`), listed once per table object. Tables are
 * immutable once built (an edit writes a copy), and a large one is a dictionary-mode object whose
 * `Object.keys` sorts its entries by insertion: on a 200,000-value graph that is tens of
 * milliseconds, paid again by each pass and by the verifier for the same unchanged table.
 */
import type { Graph, Node, NodeId } from './types.js';

const memo = new WeakMap<object, readonly string[]>();

/** `Object.keys(table)`, memoized by table identity (do not call it on a table still being filled). */
export function tableKeys<K extends string>(table: Readonly<Record<K, unknown>>): readonly K[] {
  let keys = memo.get(table);
  if (keys === undefined) memo.set(table, (keys = Object.keys(table)));
  return keys as readonly K[];
}

/** Records that `table` has exactly `keys`, in that order (a table just built from another's keys). */
export function sameKeys(table: object, keys: readonly string[]): void {
  memo.set(table, keys);
}

interface OrderMemo {
  readonly nodes: object;
  readonly length: number;
  readonly list: readonly (Node | undefined)[];
}

const orderMemo = new WeakMap<readonly NodeId[], OrderMemo>();

/**
 * The node objects of `graph.order`, in order (undefined where the table lacks an id), listed once
 * per (order, nodes table) pair: passes that keep a graph's nodes share one list, and walking an
 * array is far cheaper than a lookup per node in a dictionary-mode table of 200,000 entries. The
 * length is checked too, like `subgraphHolders`, so a graph still being built is listed again.
 */
export function nodesInOrder(graph: Graph): readonly (Node | undefined)[] {
  const m = orderMemo.get(graph.order);
  if (m && m.nodes === graph.nodes && m.length === graph.order.length) return m.list;
  const table = graph.nodes as Record<string, unknown>;
  const order = graph.order;
  const list = new Array<Node | undefined>(order.length);
  for (let k = 0; k < order.length; k++) {
    const id = order[k];
    const v = table[id];
    // Own entries only (what a plain object inherits is a function or Object.prototype).
    list[k] = v === undefined || ((typeof v === 'function' || v === Object.prototype) && !Object.hasOwn(table, id)) ? undefined : (v as Node);
  }
  orderMemo.set(order, { nodes: graph.nodes, length: order.length, list });
  return list;
}
