/**
 * Named model properties a pass `requires` or `ensures` (onnx-ir's pre/postconditions), each with a
 * checker the runner calls. A checker returns undefined when the property holds, else a short
 * reason (`2 local functions`).
 */
import type { Model, ValueId } from '../ir/types.js';
import { capturesOf } from '../ir/uses.js';
import { verify } from '../ir/verify/verify.js';
import { walkGraphs } from '../ir/walk.js';
import type { Invariant } from './pass.js';

export type InvariantChecker = (model: Model) => string | undefined;

/** No local functions, so no node calls one (what passes that run after inlining need). */
function noFunctions(model: Model): string | undefined {
  const n = model.functions.length;
  return n === 0 ? undefined : `${n} local function${n === 1 ? '' : 's'} (${model.functions.slice(0, 3).map((f) => f.name).join(', ')}${n > 3 ? ', …' : ''})`;
}

/** Every graph's `order` defines each value before a node (or a node's subgraph) reads it. */
function topoSorted(model: Model): string | undefined {
  let reason: string | undefined;
  walkGraphs(model, (g) => {
    if (reason) return false;
    const done = new Set<ValueId>();
    // Only values defined by a node of this graph can come too late; inputs, initializers and
    // outer values are there from the start.
    const late = (v: ValueId | null) => v !== null && g.values[v]?.def !== undefined && !done.has(v);
    for (const id of g.order) {
      const n = g.nodes[id];
      if (!n) continue;
      const bad = n.inputs.find(late) ?? capturesOf(n).find(late);
      if (bad !== undefined && bad !== null) {
        reason = `graph ${g.name}: node ${n.name ?? id} (${n.op}) reads ${g.values[bad]?.name ?? bad} before its definition`;
        return false;
      }
      for (const o of n.outputs) if (o !== null) done.add(o);
    }
    return undefined;
  });
  return reason;
}

/** The verifier reports no error. */
function verified(model: Model): string | undefined {
  const e = verify(model).find((d) => d.severity === 'error');
  return e && `[${e.code}] ${e.graph}${e.node !== undefined ? `/${e.node}` : ''}: ${e.message}`;
}

/** The invariants passes may name. */
export const invariants: Readonly<Record<string, InvariantChecker>> = {
  'no-functions': noFunctions,
  'topo-sorted': topoSorted,
  verified,
};

/** The checker of `name`; undefined for an unknown name. */
export function invariantChecker(name: Invariant): InvariantChecker | undefined {
  return Object.hasOwn(invariants, name) ? invariants[name] : undefined;
}
