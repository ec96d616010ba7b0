/**
 * infer-shapes: writes the inferred type of every node output it can type (ONNX `value_info` and
 * graph output types), from `inferTypes`. Declared types are only refined (unknown dtype, rank or
 * dims filled in), never overwritten; contradictions are logged as warnings. Returns the same
 * model when nothing changes.
 */
import { mapEntries } from '../../ir/edit/draft.js';
import { plainEqual } from '../../ir/object.js';
import type { Model, Type, Value, ValueId } from '../../ir/types.js';
import { mapGraphs, type GraphPath } from '../../ir/walk.js';
import { definePass } from '../../src/pass.js';

/**
 * True when `t` can be written as a value_info: every tensor in it has a dtype (at any depth of
 * sequence, optional and map types). A shape without a dtype (the output of an op lathe has no
 * schema for, reshaped to a constant shape) would be written as data_type 0, and onnxruntime
 * refuses such a file ("Invalid tensor data type 0").
 */
function writable(t: Type | undefined): boolean {
  if (!t) return false;
  if (t.kind === 'tensor' || t.kind === 'sparse') return t.dtype !== 0;
  if (t.kind === 'sequence' || t.kind === 'optional') return writable(t.elem);
  if (t.kind === 'map') return t.key !== 0 && writable(t.value);
  return false;
}

/**
 * `{ ...v, type }`, built directly for the shape lift gives node outputs (`id, name, def`, in that
 * order): the generic spread costs several times more, once per value of a large graph.
 */
function withType(v: Value, type: Type): Value {
  if (v.type === undefined) {
    const keys = Object.keys(v);
    if (keys.length === 3 && keys[0] === 'id' && keys[1] === 'name' && keys[2] === 'def') return { id: v.id, name: v.name, def: v.def, type };
  }
  return { ...v, type };
}

/**
 * Writes `types` (from `inferTypes`) onto the node outputs of the main graph and its subgraphs
 * whose type differs; function bodies are left alone (typed per call site). Returns `model` itself
 * when nothing differs. `onWrite` counts the writes.
 */
export function writeInferredTypes(model: Model, types: ReadonlyMap<ValueId, Type>, onWrite?: () => void): Model {
  if (types.size === 0) return model;
  // Only value entries change (nodes, order and lists stay), often all of them: each graph's
  // value table is rebuilt in one pass rather than written through an edit session, whose copy
  // and per-write bookkeeping were most of this pass on large graphs.
  return mapGraphs(model, (g, path) => {
    let root: GraphPath = path;
    while (root.parent) root = root.parent;
    if (root.step.kind === 'function') return g;
    const values = mapEntries(g.values, (v) => {
      if (!v.def) return v;
      const t = types.get(v.id);
      if (!t || !writable(t) || (v.type && plainEqual(v.type, t))) return v;
      onWrite?.();
      return withType(v, t);
    });
    return values === g.values ? g : { ...g, values };
  });
}

/**
 * Models this pass returned: running it again on one changes nothing (the pass is idempotent, a
 * property test checks), so a pipeline whose later passes changed nothing does not pay for a second
 * inference. Keyed weakly by the immutable model object, like the use index.
 */
const typed = new WeakSet<Model>();

export const inferShapes = definePass({
  name: 'infer-shapes',
  summary: 'Infer dtypes and (symbolic) shapes of intermediate values and write them as value_info.',
  defaults: {},
  run: (model, ctx) => {
    if (typed.has(model)) return model;
    const result = ctx.analyses.get(model, 'types');
    for (const d of result.diagnostics) ctx.log.warn(d.message);
    let written = 0;
    const out = writeInferredTypes(model, result.types, () => written++);
    if (written > 0) ctx.stats.count('values-typed', written); // once, not a keyed map update per value
    typed.add(out);
    // The written model declares exactly what inference found: the passes after this one reuse it.
    ctx.analyses.seed(out, 'types', result);
    return out;
  },
});
