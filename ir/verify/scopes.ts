/**
 * The verifier's second walk: what each read can see. Visibility is tracked with one scoped set:
 * entering a graph adds its inputs and initializers, a node's outputs are added after its
 * subgraphs were checked, leaving a graph removes what it added. Ids are unique model-wide, so
 * removal is exact and the walk is linear. It applies the rules that judge names, reads and
 * nodes: duplicate-name, shadowed-name, undefined-value, use-before-def, out-of-scope,
 * undefined-output, no-outputs, unknown-domain, tensor attributes, and cycle.
 */
import type { Node, OnnxFunction, ValueId } from '../types.js';
import { hasSubgraphs, nodeLabel, rootPaths, subgraphsOf, type GraphPath, type SubgraphRef } from '../walk.js';
import type { VerifyContext } from './context.js';
import { cycle, type LateRead } from './rules/cycle.js';
import { duplicateName } from './rules/duplicate-name.js';
import { noOutputs } from './rules/no-outputs.js';
import { outOfScope } from './rules/out-of-scope.js';
import { shadowedName } from './rules/shadowed-name.js';
import { tensorPayload } from './rules/tensor-payload.js';
import { undefinedOutput } from './rules/undefined-output.js';
import { undefinedValue } from './rules/undefined-value.js';
import { importedDomains, unknownDomain } from './rules/unknown-domain.js';
import { useBeforeDef } from './rules/use-before-def.js';

interface Frame {
  path: GraphPath;
  gi: number;
  domains: ReadonlySet<string>;
  i: number;
  awaiting: Node | null;
  /** Cursor into `outputDefs[gi]`. */
  slot: number;
  children: SubgraphRef[];
  /** Definitions this frame made visible. */
  added: number[];
  /** Names this frame made visible (not kept for a root frame: leaving it clears them all). */
  names: string[];
  lateReads: LateRead[];
}

/** Walk state: which definitions and names are visible, which graphs enclose the current one. */
interface Scope {
  readonly ctx: VerifyContext;
  /** 1 while in scope, by definition number. */
  readonly visible: Uint8Array;
  /** Visible ONNX name → index of the graph defining it. */
  readonly names: Map<string, number>;
  /** 1 for the graphs on the walk's current chain (the graph being walked and its enclosers). */
  readonly onChain: Uint8Array;
}

/** Walks every graph the definitions walk numbered, in scope order. */
export function checkScopes(ctx: VerifyContext): void {
  const { model, graphIndex } = ctx;
  const s: Scope = { ctx, visible: new Uint8Array(ctx.defs.graph.length), names: new Map(), onChain: new Uint8Array(ctx.graphs.length) };
  const modelDomains = importedDomains(ctx, model.opsets);
  for (const root of rootPaths(model)) {
    if (!graphIndex.has(root.graph)) continue;
    const fn: OnnxFunction | undefined = root.step.kind === 'function' ? model.functions[root.step.index] : undefined;
    const domains = fn ? importedDomains(ctx, fn.opsets) : modelDomains;
    const stack: Frame[] = [enter(s, root, graphIndex.get(root.graph)!, domains)];
    while (stack.length > 0) {
      const f = stack[stack.length - 1];
      const g = f.path.graph;
      if (f.children.length > 0) {
        const c = f.children.shift()!;
        const child: GraphPath = { parent: f.path, step: { kind: 'attr', node: f.awaiting!.id, attr: c.attr, item: c.item }, graph: c.graph, depth: f.path.depth + 1 };
        const gi = graphIndex.get(c.graph);
        if (gi !== undefined && child.depth <= ctx.maxDepth) stack.push(enter(s, child, gi, f.domains));
        continue;
      }
      if (f.awaiting) {
        const outputs = f.awaiting.outputs;
        const slots = ctx.outputDefs[f.gi];
        for (let k = 0; k < outputs.length; k++) {
          const d = slots[f.slot++];
          if (d >= 0) defineDef(s, f, d, outputs[k]!);
        }
        f.awaiting = null;
        f.i++;
        continue;
      }
      if (f.i < g.order.length) {
        const node = ctx.nodeLists[f.gi][f.i];
        if (!node) {
          f.i++;
          continue;
        }
        checkNode(s, f, node);
        f.awaiting = node;
        if (hasSubgraphs(node)) f.children = subgraphsOf(node);
        continue;
      }
      leave(s, f);
      stack.pop();
    }
  }
}

function enter(s: Scope, path: GraphPath, gi: number, domains: ReadonlySet<string>): Frame {
  const f: Frame = { path, gi, domains, i: 0, awaiting: null, slot: 0, children: [], added: [], names: [], lateReads: [] };
  s.onChain[gi] = 1;
  const g = path.graph;
  for (const v of g.inputs) define(s, f, v);
  for (const v of g.initializers) define(s, f, v);
  for (const v of g.sparseInitializers) define(s, f, v);
  return f;
}

function define(s: Scope, f: Frame, v: ValueId) {
  if (typeof v !== 'string') return;
  const d = s.ctx.defs.index.get(v);
  if (d !== undefined) defineDef(s, f, d, v);
}

/** Makes definition `d` (of value `v`) visible in frame `f`, checking its name. */
function defineDef(s: Scope, f: Frame, d: number, v: ValueId) {
  if (s.visible[d]) return;
  s.visible[d] = 1;
  f.added.push(d);
  const name = s.ctx.defs.name[d];
  if (name === undefined) return;
  const names = s.names;
  let owner: number | undefined;
  if (f.path.parent === null) {
    // At root level only the root's own names are visible (nested frames removed theirs when
    // they left), so one `set` tells a first definition (the map grows) from a repeated one.
    const size = names.size;
    names.set(name, f.gi);
    if (names.size !== size) return;
    owner = f.gi;
  } else owner = names.get(name);
  if (owner === f.gi) {
    duplicateName(s.ctx, f.path.graph, f.path, name, v);
    return;
  }
  if (owner !== undefined) {
    shadowedName(s.ctx, f.path, name);
    return;
  }
  names.set(name, f.gi);
  if (f.path.parent !== null) f.names.push(name);
}

/** Classifies a read of `v` that is not visible: defined nowhere, later, or out of scope. */
function checkRead(s: Scope, f: Frame, v: ValueId, node: Node | null) {
  const { ctx } = s;
  const { defs } = ctx;
  const d = defs.index.get(v);
  if (d !== undefined && s.visible[d]) return;
  const name = (d === undefined ? undefined : defs.name[d]) ?? v;
  const place = node ? { node: nodeLabel(node, f.i), value: name } : { value: name };
  if (d === undefined) {
    if (node) undefinedValue(ctx, f.path, name, place);
    else undefinedOutput(ctx, f.path, name, 'nowhere');
    return;
  }
  const graph = defs.graph[d];
  const pos = defs.pos[d];
  if (s.onChain[graph]) {
    if (!node) return undefinedOutput(ctx, f.path, name, 'later');
    const diag = useBeforeDef(ctx, f.path, name, place);
    if (graph === f.gi && pos >= 0) f.lateReads.push({ reader: node.id, def: ctx.graphs[graph].graph.order[pos], diag });
    return;
  }
  if (node) outOfScope(ctx, f.path, name, place);
  else undefinedOutput(ctx, f.path, name, 'elsewhere');
}

function checkNode(s: Scope, f: Frame, node: Node) {
  const { ctx } = s;
  const p = f.path;
  const inputs = node.inputs;
  for (let k = 0; k < inputs.length; k++) if (inputs[k] !== null) checkRead(s, f, inputs[k]!, node);
  noOutputs(ctx, p, node, f.i);
  unknownDomain(ctx, p, node, f.i, f.domains);
  const attrs = node.attrs;
  for (let k = 0; k < attrs.length; k++) {
    const a = attrs[k];
    if (a.kind === 'tensor') tensorPayload(ctx, a.value, p, undefined, node, f.i);
    else if (a.kind === 'tensors') for (const t of a.value) tensorPayload(ctx, t, p, undefined, node, f.i);
    else if (a.kind === 'sparse_tensor') {
      tensorPayload(ctx, a.value.values, p, undefined, node, f.i);
      tensorPayload(ctx, a.value.indices, p, undefined, node, f.i);
    }
  }
}

function leave(s: Scope, f: Frame) {
  const g = f.path.graph;
  for (const v of g.outputs) if (typeof v === 'string') checkRead(s, f, v, null);
  const added = f.added;
  for (let k = 0; k < added.length; k++) s.visible[added[k]] = 0;
  // Nested frames have all left: what is still visible is exactly what the root frame added.
  if (f.path.parent === null) s.names.clear();
  else for (const n of f.names) s.names.delete(n);
  s.onChain[f.gi] = 0;
  if (f.lateReads.length > 0) cycle(s.ctx, f.gi, f.path, f.lateReads);
}
