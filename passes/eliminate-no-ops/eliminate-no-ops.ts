/**
 * eliminate-no-ops: removes nodes whose output equals an input exactly (rules.ts: Identity,
 * inference-mode Dropout, Cast/CastLike to the same type, Reshape/Expand to the same shape,
 * Transpose with the identity perm, zero Pad, full Slice, single-input Sum/Max/Min/Mean, Concat
 * with one input not empty along its axis, Add/Sub of zero and Mul/Div by one where broadcasting
 * and dtype leave the input unchanged and the sign of zero survives), in every graph: readers of
 * the output read the input instead.
 *
 * Graph outputs: when the output is a graph output and the input cannot take its place (a graph
 * input, an initializer, an outer value, or already an output), the node stays: edit.ts would
 * otherwise insert an Identity for the output's name, and a subgraph would output an outer value.
 * Local functions: a node named like an ONNX op before that op's first opset (CastLike at opset
 * 13), or with an overload, calls a model-local function of that name and is left alone.
 * Constants the removed nodes read (a Reshape's shape) are left to eliminate-dead-code.
 * Returns the same model when nothing is a no-op.
 */
import { editAll, type Editor } from '../../ir/edit/edit.js';
import { standardOpCall } from '../../ir/ops/op-call.js';
import type { Model, Type, ValueId } from '../../ir/types.js';
import type { GraphPath } from '../../ir/walk.js';
import { constantReader, opsetsFor } from '../../src/constants.js';
import { definePass, type PassStats } from '../../src/pass.js';
import { rules, type RuleContext } from './rules.js';

function typeIn(e: Editor, path: GraphPath, v: ValueId): Type | undefined {
  const own = e.value(v);
  if (own) return own.type;
  for (let p = path.parent; p; p = p.parent) if (Object.hasOwn(p.graph.values, v)) return p.graph.values[v].type;
  return undefined;
}

function removeNoOps(e: Editor, path: GraphPath, model: Model, stats?: PassStats): void {
  const opsets = opsetsFor(model, path);
  const opset = opsets.get('');
  if (opset === undefined) return;
  const ctx: RuleContext = {
    constants: constantReader(e, path, opsets),
    type: (v) => typeIn(e, path, v),
    opset,
    unused: (v) => e.uses(v).length === 0,
  };
  for (const node of e.nodes()) {
    if (node.domain !== '' || !Object.hasOwn(rules, node.op)) continue;
    // Before the op's first opset (or with an overload) the node calls a local function of that name.
    if (!standardOpCall(node, opset)) continue;
    const y = node.outputs[0];
    if (!y) continue;
    const x = rules[node.op](node, ctx);
    if (x === null || x === y) continue;
    // An output slot needs a value that can take it (see the module comment).
    if (e.isGraphOutput(y) && !e.canTakeOutputName(x)) continue;
    e.replaceAllUses(y, x);
    e.remove(node.id);
    stats?.count(node.op);
  }
}

/** Sweeps are repeated (capped) because subgraphs are edited before the graph holding them. */
const MAX_SWEEPS = 16;

export function removeNoOpsIn(model: Model, stats?: PassStats): Model {
  let out = model;
  for (let i = 0; i < MAX_SWEEPS; i++) {
    const at = out;
    out = editAll(at, (e, path) => removeNoOps(e, path, at, stats));
    if (out === at) break;
  }
  return out;
}

export const eliminateNoOps = definePass({
  name: 'eliminate-no-ops',
  summary: 'Remove nodes whose output equals an input exactly (Identity, same-type Cast, x*1 …).',
  defaults: {},
  run: (model, ctx) => removeNoOpsIn(model, ctx.stats),
});
