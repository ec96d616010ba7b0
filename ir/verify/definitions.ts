/**
 * The verifier's first walk: where every value and node is defined. It numbers the definitions
 * into the context's tables (for the scope walk) and applies the rules that judge definitions
 * and tables: nesting-depth, null-graph-io, duplicate-value-id, duplicate-node-id, node-table,
 * value-table, duplicate-initializer, and bad-dims / tensor-size of value types and payloads.
 */
import type { Graph, Node, ValueId } from '../types.js';
import { nodesInOrder, tableKeys } from '../table-keys.js';
import { entry, nodeLabel, rootPaths, walkGraphTree, type GraphPath } from '../walk.js';
import type { VerifyContext } from './context.js';
import { badTypeDims } from './rules/bad-dims.js';
import { duplicateInitializer } from './rules/duplicate-initializer.js';
import { duplicateNodeId } from './rules/duplicate-node-id.js';
import { duplicateValueId } from './rules/duplicate-value-id.js';
import { nestingDepth } from './rules/nesting-depth.js';
import { missingNode, unlistedNodes } from './rules/node-table.js';
import { graphIoId } from './rules/null-graph-io.js';
import { tensorPayload } from './rules/tensor-payload.js';
import { ioEntry, outputEntry, staleDef } from './rules/value-table.js';

/** Walks every graph (main, function bodies, their subgraphs up to `maxDepth`) filling `ctx`'s tables. */
export function collectDefinitions(ctx: VerifyContext): void {
  let tooDeep = false;
  for (const root of rootPaths(ctx.model)) {
    walkGraphTree(root, (g, p) => {
      if (p.depth > ctx.maxDepth) {
        if (!tooDeep) nestingDepth(ctx, p);
        tooDeep = true;
        return false;
      }
      const gi = ctx.graphs.length;
      ctx.graphs.push(p);
      if (!ctx.graphIndex.has(g)) ctx.graphIndex.set(g, gi);
      graphDefinitions(ctx, g, p, gi);
      return true;
    });
  }
}

function addDef(ctx: VerifyContext, id: ValueId, graph: number, pos: number, name: string | undefined): number {
  const D = ctx.defs;
  const d = D.graph.length;
  D.index.set(id, d);
  D.graph.push(graph);
  D.pos.push(pos);
  D.name.push(name);
  return d;
}

function graphDefinitions(ctx: VerifyContext, g: Graph, p: GraphPath, gi: number): void {
  const defs = ctx.defs.index;
  /** Values defined here (first definition of their id) whose table entry has a def. */
  let defsHere = 0;
  const inputs = new Set<ValueId>();
  const define = (v: unknown, what: string) => {
    if (!graphIoId(ctx, p, v, what)) return;
    // ONNX: an input may have a default, dense or sparse (onnx's checker allows a sparse one too)
    if ((what === 'initializer' || what === 'sparse initializer') && inputs.has(v)) return;
    const value = entry(g.values, v);
    if (defs.has(v)) duplicateValueId(ctx, p, v, { value: value?.name ?? v });
    else {
      addDef(ctx, v, gi, -1, value?.name);
      if (value?.def) defsHere++;
    }
    if (what === 'input') inputs.add(v);
    ioEntry(ctx, p, v, value, what);
  };
  for (const v of g.inputs) define(v, 'input');
  for (const v of g.initializers) define(v, 'initializer');
  for (const v of g.sparseInitializers) define(v, 'sparse initializer');
  for (const v of g.outputs) graphIoId(ctx, p, v, 'output');
  const list: (Node | undefined)[] = new Array(g.order.length);
  ctx.nodeLists[gi] = list;
  const slots: number[] = [];
  ctx.outputDefs[gi] = slots;
  let listed = 0;
  const order = g.order;
  const table = g.values;
  const inOrder = nodesInOrder(g);
  for (let pos = 0; pos < order.length; pos++) {
    const id = order[pos];
    // `entry`'s test (an own entry whose id is its key) on the memoized list the passes reuse.
    const found = inOrder[pos];
    const node = found !== null && typeof found === 'object' && found.id === id ? found : undefined;
    if (!node) {
      missingNode(ctx, p, id);
      continue;
    }
    const outputs = node.outputs;
    let firstIndex = -1;
    for (let k = 0; k < outputs.length; k++) {
      if (outputs[k] !== null) {
        firstIndex = k;
        break;
      }
    }
    const prior = firstIndex >= 0 ? defs.get(outputs[firstIndex]!) : undefined;
    if (duplicateNodeId(ctx, p, node, pos, prior)) continue;
    list[pos] = node;
    listed++;
    for (let index = 0; index < outputs.length; index++) {
      const v = outputs[index];
      if (v === null) {
        slots.push(-1);
        continue;
      }
      const value = entry(table, v);
      let d = index === firstIndex ? prior : defs.get(v);
      if (d !== undefined) duplicateValueId(ctx, p, v, { node: nodeLabel(node, pos), value: value?.name ?? v });
      else {
        d = addDef(ctx, v, gi, pos, value?.name);
        if (value?.def) defsHere++;
      }
      slots.push(typeof v === 'string' ? d : -1); // the scope walk defines only string ids
      outputEntry(ctx, p, node, pos, index, v, value);
    }
  }
  unlistedNodes(ctx, g, p, listed);
  // Values that nodes do define were matched above; a def elsewhere is stale. The first loop
  // assumes none is (no lookup per value) and only counts the values with a def: when they are
  // exactly the `defsHere` values defined in this graph, none is stale; otherwise its reports
  // are taken back and the loop runs again with the check.
  const ids = tableKeys(table);
  const reported = ctx.out.length;
  if (valueChecks(ctx, table, ids, p, gi, false) !== defsHere) {
    ctx.out.length = reported;
    valueChecks(ctx, table, ids, p, gi, true);
  }
  duplicateInitializer(ctx, g, p);
}

/** Per-value rules in table order; returns the number of values with a def. */
function valueChecks(ctx: VerifyContext, table: Graph['values'], ids: readonly ValueId[], p: GraphPath, gi: number, stale: boolean): number {
  let withDef = 0;
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i];
    const value = table[id];
    if (value.def) {
      withDef++;
      const d = stale ? ctx.defs.index.get(id) : gi;
      if (d === undefined || (stale && ctx.defs.graph[d] !== gi)) staleDef(ctx, p, id, value);
    }
    const name = value.name ?? id;
    if (value.type) badTypeDims(ctx, value.type, p, name);
    if (value.tensor) tensorPayload(ctx, value.tensor, p, name);
    if (value.sparse) {
      tensorPayload(ctx, value.sparse.values, p, name);
      tensorPayload(ctx, value.sparse.indices, p, name);
    }
  }
  return withDef;
}
