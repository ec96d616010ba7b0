/**
 * fix-names: every value defined in a model gets a name, unique in its graph tree (the main graph
 * with its subgraphs, or one function body with its subgraphs: ONNX names are one namespace
 * there, a subgraph cannot reuse an outer name).
 *
 * - Kept: the main graph's input and output names (the model's interface), and the first
 *   definition of any other name, in walk order (a graph before its subgraphs; inputs,
 *   initializers, then node outputs in node order).
 * - Named: an unnamed value gets a readable name from what defines it: `<node name>_out`,
 *   `<Op>_<n>` for an unnamed node, `init_<n>`, `input_<n>`; a clashing value keeps its name with
 *   a suffix (`x_1`). Suffixes skip every name in use, so the result is stable and deterministic.
 * - References to a renamed value (value_info in subgraphs) follow it (names are looked up by id).
 * Node names are left as they are. Returns the same model when every value is already fine.
 */
import type { Graph, Model, Node, Value, ValueId } from '../../ir/types.js';
import { mapGraphs, rootPaths, walkGraphTree } from '../../ir/walk.js';
import { definePass, type PassStats } from '../../src/pass.js';

/** Fresh names from bases, skipping every name in `taken` (which they join). */
function namer(taken: Set<string>) {
  const next = new Map<string, number>();
  return (base: string): string => {
    if (!taken.has(base)) {
      taken.add(base);
      return base;
    }
    let n = next.get(base) ?? 1;
    while (taken.has(`${base}_${n}`)) n++;
    next.set(base, n + 1);
    const name = `${base}_${n}`;
    taken.add(name);
    return name;
  };
}

/** Each defined value of a graph with the base name it would get, in definition order. */
function definitions(g: Graph): { id: ValueId; base: string }[] {
  const out: { id: ValueId; base: string }[] = [];
  g.inputs.forEach((id) => out.push({ id, base: 'input' }));
  g.initializers.forEach((id) => out.push({ id, base: 'init' }));
  g.sparseInitializers.forEach((id) => out.push({ id, base: 'init' }));
  for (const nid of g.order) {
    const node: Node | undefined = g.nodes[nid];
    if (!node) continue;
    node.outputs.forEach((id, k) => {
      if (id !== null) out.push({ id, base: node.name ? `${node.name}_out${k > 0 ? k : ''}` : node.op });
    });
  }
  return out;
}

/** New names by value id, for one graph tree. */
function planTree(root: Graph, rootPath: Parameters<typeof walkGraphTree>[0], isMain: boolean, renames: Map<ValueId, string>): void {
  const taken = new Set<string>();
  const fresh = namer(taken);
  const interfaceIds = new Set<ValueId>();
  if (isMain) {
    for (const id of [...root.inputs, ...root.outputs]) {
      const name = root.values[id]?.name;
      if (name) {
        taken.add(name);
        interfaceIds.add(id);
      }
    }
  }
  const counters = new Map<string, number>();
  const derived = (base: string): string => {
    // Unnamed: a numbered name per kind (`Relu_0`, `init_0`), or the node's own name.
    if (base.endsWith('_out') || /_out\d+$/.test(base)) return fresh(base);
    const n = counters.get(base) ?? 0;
    counters.set(base, n + 1);
    return fresh(`${base}_${n}`);
  };
  const seen = new Set<ValueId>();
  walkGraphTree(rootPath, (g) => {
    for (const { id, base } of definitions(g)) {
      if (seen.has(id) || interfaceIds.has(id)) continue;
      seen.add(id);
      const name = g.values[id]?.name;
      if (name && !taken.has(name)) {
        taken.add(name);
        continue;
      }
      renames.set(id, name ? fresh(name) : derived(base));
    }
  });
}

function renameValue(v: Value, name: string): Value {
  const old = v.name;
  const tensor = v.tensor && v.tensor.name !== undefined && v.tensor.name === old ? { ...v.tensor, name } : v.tensor;
  return { ...v, name, ...(tensor && { tensor }) };
}

export function fixNamesIn(model: Model, stats?: PassStats): Model {
  const renames = new Map<ValueId, string>();
  const roots = rootPaths(model);
  roots.forEach((p, i) => planTree(p.graph, p, i === 0, renames));
  if (renames.size === 0) return model;
  stats?.count('values', renames.size);
  return mapGraphs(model, (g) => {
    let values: Record<ValueId, Value> | null = null;
    for (const key of Object.keys(g.values) as ValueId[]) {
      const name = renames.get(key);
      if (name === undefined) continue;
      values ??= { ...g.values };
      values[key] = renameValue(g.values[key], name);
    }
    return values ? { ...g, values } : g;
  });
}

export const fixNames = definePass({
  name: 'fix-names',
  summary: 'Give unnamed or clashing values stable, readable, unique names (interface names kept).',
  defaults: {},
  run: (model, ctx) => fixNamesIn(model, ctx.stats),
});
