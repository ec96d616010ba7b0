/**
 * `value-table`: a defined value without a `values` entry, or an entry with a wrong def or
 * payload: a graph input or initializer without its entry (or an initializer without a tensor),
 * a node output whose entry does not record that node as its definition, or an entry naming a
 * definition nothing produces (stale).
 */
import type { Node, Value, ValueId } from '../../types.js';
import { nodeLabel, type GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

/** The entry of graph input / initializer `id`; `what` names its list. */
export function ioEntry(ctx: VerifyContext, p: GraphPath, id: ValueId, value: Value | undefined, what: string): void {
  if (!value) ctx.report('value-table', `value ${id} (${what}) has no matching entry in the values table`, p, { value: id });
  else if (what === 'initializer' && value.tensor === undefined) ctx.report('value-table', `initializer ${value.name ?? id} has no tensor`, p, { value: value.name ?? id });
  else if (what === 'sparse initializer' && value.sparse === undefined) ctx.report('value-table', `sparse initializer ${value.name ?? id} has no sparse tensor`, p, { value: value.name ?? id });
}

/** The entry of output `index` (value `v`) of `node` at `pos`. */
export function outputEntry(ctx: VerifyContext, p: GraphPath, node: Node, pos: number, index: number, v: ValueId, value: Value | undefined): void {
  if (value && value.def && value.def.node === node.id && value.def.index === index) return;
  const label = nodeLabel(node, pos);
  if (!value) ctx.report('value-table', `output ${v} of node ${label} has no matching entry in the values table`, p, { node: label, value: v });
  else {
    ctx.report('value-table', `value ${value.name ?? v} does not record node ${label} output ${index} as its definition`, p, { node: label, value: value.name ?? v });
  }
}

/** An entry whose `def` names a node output that does not produce it. */
export function staleDef(ctx: VerifyContext, p: GraphPath, id: ValueId, value: Value): void {
  const name = value.name ?? id;
  const def = value.def!;
  ctx.report('value-table', `value ${name} names a definition (node ${def.node} output ${def.index}) that does not produce it`, p, { value: name });
}
