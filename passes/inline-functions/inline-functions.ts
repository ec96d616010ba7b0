/**
 * inline-functions: replaces calls of local functions by their bodies, and `If` nodes with a
 * constant condition by the branch taken, in every graph.
 *
 * Function calls: the body's nodes are copied into the caller's graph with fresh ids; formal
 * inputs read the actual inputs, attribute references (`ref_attr_name`) take the caller's
 * attribute or the function's default (an attribute with neither is absent), and the call's
 * outputs keep their names (hygiene: the copied intermediate values are unnamed, so they can never
 * clash with a name of the caller; emit gives them fresh names). Calls inside function bodies are
 * inlined too, so nested functions flatten in a few sweeps. Subgraphs in a body are copied with
 * fresh ids (clone.ts), so a function inlined twice never defines an id twice. Not inlined (left as
 * calls): a call the op table also resolves (the evaluator runs the kernel, not the function), a
 * call leaving out an input, a body importing a domain at another version than the caller's graph,
 * and a body nesting subgraphs deeper than MAX_CLONE_DEPTH. A domain the caller (the model, or
 * the function whose body holds the call) does not import itself is imported at the function's
 * version: a function body needs its own import even of a domain the model imports. Functions no
 * longer called are left to eliminate-dead-code.
 *
 * `If` with a constant condition: the branch's nodes and initializers move into the graph (their
 * subgraphs kept, captures rewired; in a function body the initializers become Constant nodes, as a
 * FunctionProto holds none); the If's outputs are replaced by the branch outputs, which may
 * be an initializer or an outer-scope value (edit.ts then keeps a main-graph output's name with an
 * Identity).
 * Returns the same model when nothing is inlined.
 */
import { getAttr } from '../../ir/attrs.js';
import { editAll, type Editor } from '../../ir/edit/edit.js';
import { standardOps } from '../../ir/ops/index.js';
import { registryFor } from '../../ir/ops/registry.js';
import type { Attr, Graph, Model, Node, OnnxFunction, OpsetId, ValueId } from '../../ir/types.js';
import { capturesOf, renameCaptured } from '../../ir/uses.js';
import { hasSubgraphs, walkGraphTree, type GraphPath } from '../../ir/walk.js';
import { cloneAttrs, MAX_CLONE_DEPTH } from './clone.js';
import { constantReader, opsetsFor } from '../../src/constants.js';
import { definePass, type PassStats } from '../../src/pass.js';
import { normalizeDomain } from '../../ir/domain.js';

function fnKey(domain: string, name: string, overload: string | undefined): string {
  return `${domain}\u0000${name}\u0000${overload ?? ''}`;
}

/** True when the body's subgraphs nest no deeper than a copy may go (checked without recursion). */
function cloneable(body: Graph): boolean {
  let ok = true;
  walkGraphTree({ parent: null, step: { kind: 'main' }, graph: body, depth: 0 }, (_g, p) => {
    if (p.depth > MAX_CLONE_DEPTH) ok = false;
    return ok;
  });
  return ok;
}

/** The body node's attributes with references resolved against the call (see the module comment). */
function resolveAttrs(attrs: readonly Attr[], call: Node, fn: OnnxFunction): Attr[] {
  const out: Attr[] = [];
  for (const a of attrs) {
    if (a.kind !== 'ref') {
      out.push(a);
      continue;
    }
    const given = getAttr(call.attrs, a.ref) ?? getAttr(fn.paramDefaults, a.ref);
    if (given) out.push({ ...given, name: a.name });
  }
  return out;
}

/**
 * Copies `nodes` of a body or branch into the editor's graph before `before`; `map` takes body
 * values to the caller's. Captures of kept subgraphs are rewired to the copies.
 */
function copyNodes(e: Editor, body: Graph, map: Map<ValueId, ValueId | null>, before: Node, clone?: (a: readonly Attr[]) => Attr[]): Set<ValueId> {
  const made = new Set<ValueId>();
  const ids = clone ? e.subgraph('inlined').ids : undefined;
  for (const id of body.order) {
    const inner = body.nodes[id];
    let attrs: Attr[] = [...inner.attrs];
    if (clone) attrs = cloneAttrs(inner.attrs, ids!, map, clone);
    else if (hasSubgraphs(inner)) {
      // A branch being inlined: its subgraphs move as they are (the If goes), captures rewired.
      let moved: Node = { ...inner, attrs };
      for (const v of capturesOf(inner)) {
        const to = map.get(v);
        if (to) moved = renameCaptured(moved, v, to);
      }
      attrs = [...moved.attrs];
    }
    const inputs = inner.inputs.map((v) => (v === null ? null : map.has(v) ? map.get(v)! : v));
    const outs = e.add(inner.op, inputs, attrs, {
      before: before.id,
      domain: inner.domain,
      ...(inner.overload !== undefined && { overload: inner.overload }),
      ...(inner.name !== undefined && before.name !== undefined && { name: `${before.name}/${inner.name}` }),
      outputs: inner.outputs.map((v) => (v === null ? null : undefined)) as unknown as (string | null)[],
    });
    inner.outputs.forEach((v, k) => {
      const o = outs[k];
      if (v !== null) map.set(v, o);
      if (o !== null) made.add(o);
    });
  }
  return made;
}

/** Readers of `call`'s outputs read `results` instead; fresh values take the old names. */
function rewire(e: Editor, call: Node, results: readonly (ValueId | null | undefined)[], fresh: ReadonlySet<ValueId>): boolean {
  for (let k = 0; k < call.outputs.length; k++) {
    const y = call.outputs[k];
    if (y !== null && (results[k] === null || results[k] === undefined) && e.uses(y).length > 0) return false;
  }
  const named = new Set<ValueId>();
  call.outputs.forEach((y, k) => {
    const to = results[k];
    if (y === null || !to) return;
    const { name, type } = e.value(y)!;
    const take = fresh.has(to) && !named.has(to) && name !== undefined;
    if (take) e.setValue(y, { name: undefined });
    e.replaceAllUses(y, to);
    if (take) {
      named.add(to);
      e.setValue(to, { name, type });
    }
  });
  return true;
}

interface Sweep {
  readonly model: Model;
  readonly functions: ReadonlyMap<string, OnnxFunction>;
  /** Domains to import, per root ('main' or a function index). */
  readonly imports: Map<string, Map<string, number>>;
  readonly stats?: PassStats;
}

function inlineGraph(e: Editor, path: GraphPath, s: Sweep): void {
  const opsets = opsetsFor(s.model, path);
  let root = path;
  while (root.parent) root = root.parent;
  const rootKey = root.step.kind === 'function' ? `f${root.step.index}` : 'main';
  // A FunctionProto has no initializers: a branch's initializers land there as Constant nodes.
  const inFunction = root.step.kind === 'function';
  // The domains the root imports itself: a function body needs its own import of every domain
  // its nodes use, even one the model imports (`opsets` merges the model's in).
  const own = new Set((root.step.kind === 'function' ? s.model.functions[root.step.index].opsets : s.model.opsets).map((o) => normalizeDomain(o.domain)));
  const constants = constantReader(e, path, opsets);
  for (const node of e.nodes()) {
    if (node.op === 'If' && node.domain === '' && node.inputs[0]) {
      inlineIf(e, node, constants.value(node.inputs[0]), s, inFunction);
      continue;
    }
    const fn = s.functions.get(fnKey(node.domain, node.op, node.overload));
    if (!fn) continue;
    const opset = opsets.get(node.domain);
    if (opset !== undefined && registryFor(standardOps).resolve(node.domain, node.op, opset)) continue;
    if (fn.graph.inputs.some((_, i) => (node.inputs[i] ?? null) === null)) continue;
    // Every formal output must be a formal input or made by a body node (else the copy could not
    // stand in for the call, and would be left behind).
    if (!fn.graph.outputs.every((v) => fn.graph.inputs.includes(v) || fn.graph.values[v]?.def)) continue;
    const need = new Map<string, number>();
    if (!fn.opsets.every((o) => {
      const d = normalizeDomain(o.domain);
      const have = opsets.get(d);
      if (!own.has(d)) need.set(d, o.version);
      return have === undefined || have === o.version;
    })) continue;
    const map = new Map<ValueId, ValueId | null>();
    fn.graph.inputs.forEach((v, i) => map.set(v, node.inputs[i]!));
    if (fn.graph.order.some((id) => hasSubgraphs(fn.graph.nodes[id])) && !cloneable(fn.graph)) continue;
    const fresh = copyNodes(e, fn.graph, map, node, (a) => resolveAttrs(a, node, fn));
    const results = fn.graph.outputs.map((v) => map.get(v) ?? null);
    if (!rewire(e, node, results, fresh)) continue;
    e.remove(node.id);
    for (const [d, v] of need) {
      let m = s.imports.get(rootKey);
      if (!m) s.imports.set(rootKey, (m = new Map()));
      m.set(d, v);
    }
    s.stats?.count('calls');
  }
}

function inlineIf(e: Editor, node: Node, cond: ReturnType<ReturnType<typeof constantReader>['value']>, s: Sweep, inFunction: boolean): void {
  if (cond?.kind !== 'tensor' || cond.data.length !== 1) return;
  const branch = getAttr(node.attrs, Number(cond.data[0]) !== 0 ? 'then_branch' : 'else_branch');
  if (branch?.kind !== 'graph' || branch.value.inputs.length > 0 || branch.value.sparseInitializers.length > 0) return;
  const g = branch.value;
  const map = new Map<ValueId, ValueId | null>();
  const fresh = new Set<ValueId>();
  for (const v of g.initializers) {
    const t = g.values[v].tensor;
    if (!t) return;
    const c = inFunction ? e.add('Constant', [], { value: t }, { before: node.id })[0]! : e.addInitializer(t);
    e.setValue(c, { type: undefined }); // the tensor says it all (no value_info)
    map.set(v, c);
    fresh.add(c);
  }
  for (const v of copyNodes(e, g, map, node)) fresh.add(v);
  const results = g.outputs.map((v) => (map.has(v) ? map.get(v)! : v));
  if (!rewire(e, node, results, fresh)) return;
  e.remove(node.id);
  s.stats?.count('if');
}

function withImports(list: readonly OpsetId[], add: ReadonlyMap<string, number> | undefined): readonly OpsetId[] {
  if (!add || add.size === 0) return list;
  const have = new Set(list.map((o) => normalizeDomain(o.domain)));
  return [...list, ...[...add].filter(([d]) => !have.has(d)).map(([domain, version]) => ({ domain, version }))];
}

const MAX_SWEEPS = 32;

export function inlineFunctionsIn(model: Model, stats?: PassStats): Model {
  let out = model;
  for (let i = 0; i < MAX_SWEEPS; i++) {
    const functions = new Map<string, OnnxFunction>();
    for (const f of out.functions) {
      const k = fnKey(f.domain, f.name, f.overload);
      if (!functions.has(k)) functions.set(k, f);
    }
    const s: Sweep = { model: out, functions, imports: new Map(), stats };
    const next = editAll(out, (e, path) => inlineGraph(e, path, s));
    if (next === out) break;
    out = {
      ...next,
      opsets: withImports(next.opsets, s.imports.get('main')),
      functions: next.functions.map((f, k) => (s.imports.has(`f${k}`) ? { ...f, opsets: withImports(f.opsets, s.imports.get(`f${k}`)) } : f)),
    };
  }
  return out;
}

export const inlineFunctions = definePass({
  name: 'inline-functions',
  summary: 'Inline calls of local functions, and If nodes whose condition is a constant.',
  defaults: {},
  run: (model, ctx) => inlineFunctionsIn(model, ctx.stats),
});
