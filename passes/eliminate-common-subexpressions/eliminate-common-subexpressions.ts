/**
 * eliminate-common-subexpressions: a node computing what an earlier node computes (same domain,
 * op, overload and output count, the same inputs, equal attributes) is removed and its outputs'
 * readers read the earlier node's. Works in every graph; a subgraph node may also reuse a node of
 * an enclosing graph that comes before the node holding the subgraph (those values are in scope).
 *
 * Equal inputs: the same value, or two constants with the same content (small initializers and
 * Constant nodes, compared byte for byte after a hash; large tensors are dedupe-initializers' job).
 * Equal attributes: compared by name whatever their order; tensor attributes by content.
 *
 * Never merged: ops the op table marks random, ops it does not know at the graph's opset (a custom
 * op or a local function may be nondeterministic, also one named like an ONNX op of a later opset), nodes holding subgraphs, and a duplicate whose output is a
 * graph output the earlier value cannot carry (edit.ts would add an Identity for it).
 * Returns the same model when there is nothing to merge.
 */
import { attrEqual } from '../../ir/attrs.js';
import { editAll, type Editor } from '../../ir/edit/edit.js';
import { standardOpCall } from '../../ir/ops/op-call.js';
import type { Attr, Graph, Model, Node, Tensor, ValueId } from '../../ir/types.js';
import { hasSubgraphs, type GraphPath } from '../../ir/walk.js';
import { isConstantNode, opsetsFor } from '../../src/constants.js';
import { definePass, type PassStats } from '../../src/pass.js';
import { sameTensor, tensorKey } from '../../src/tensor-identity.js';

/** Initializers up to this size take part in input comparison by content. */
const SMALL = 4096;

/**
 * Nodes the pass may merge: an op of the op table at the graph's opset (else the node calls a
 * local function of that name, which may be random), deterministic, no subgraphs, no overload
 * (only function calls have one).
 */
function mergeable(node: Node, opsets: ReadonlyMap<string, number>): boolean {
  if (hasSubgraphs(node)) return false;
  const def = standardOpCall(node, opsets.get(node.domain));
  return def !== undefined && !def.random;
}

function tensorAttr(a: Attr): Tensor | undefined {
  return a.kind === 'tensor' ? a.value : undefined;
}

function attrKey(a: Attr): string {
  const t = tensorAttr(a);
  if (t) return `${a.name}=T${tensorKey(t) ?? '?'}`;
  if (a.kind === 'ref') return `${a.name}=@${a.ref}`;
  const v = (a as { value?: unknown }).value;
  if (Array.isArray(v)) return `${a.name}=[${v.map(String).join(',')}]`;
  return `${a.name}:${a.kind}=${typeof v === 'object' ? '#' : String(v)}`;
}

function attrsEqual(a: readonly Attr[], b: readonly Attr[]): boolean {
  if (a.length !== b.length) return false;
  for (const x of a) {
    const y = b.find((z) => z.name === x.name);
    if (!y) return false;
    const tx = tensorAttr(x);
    const ty = tensorAttr(y);
    if (tx && ty ? !(x.doc === y.doc && sameTensor(tx, ty)) : !attrEqual(x, y)) return false;
  }
  return true;
}

/** What an input stands for: a value, or a constant's content (`key`, and the tensor to compare). */
interface Canon {
  readonly key: string;
  readonly tensor?: Tensor;
}

function canonOfTensor(v: ValueId, t: Tensor | undefined): Canon {
  const k = t ? tensorKey(t) : undefined;
  return t && k ? { key: `C${k}`, tensor: t } : { key: v };
}

/** Per graph: what an input stands for (a value, or a constant's content). */
function inputCanon(e: Editor, path: GraphPath) {
  const memo = new Map<ValueId, Canon>();
  const lookup = (v: ValueId) => {
    const own = e.value(v);
    if (own) return { value: own, graph: undefined };
    for (let p = path.parent; p; p = p.parent) if (Object.hasOwn(p.graph.values, v)) return { value: p.graph.values[v], graph: p.graph };
    return undefined;
  };
  const tensorOf = (v: ValueId): Tensor | undefined => {
    const found = lookup(v);
    if (!found) return undefined;
    const { value, graph } = found;
    const isInput = graph ? graph.inputs.includes(v) : e.isGraphInput(v);
    if (isInput) return undefined;
    if (value.tensor) {
      const isInit = graph ? graph.initializers.includes(v) : e.isInitializer(v);
      const bytes = value.tensor.data.kind === 'raw' ? value.tensor.data.bytes.length : SMALL + 1;
      return isInit && bytes <= SMALL ? value.tensor : undefined;
    }
    if (!value.def) return undefined;
    const node = graph ? graph.nodes[value.def.node] : e.node(value.def.node);
    if (!isConstantNode(node) || node.attrs.length !== 1) return undefined;
    return tensorAttr(node.attrs[0]);
  };
  return (v: ValueId): Canon => {
    let c = memo.get(v);
    if (!c) memo.set(v, (c = canonOfTensor(v, tensorOf(v))));
    return c;
  };
}

/**
 * The same answers as `inputCanon` for a main graph (no enclosing graph), without a lookup per
 * value: the constants are its small initializers, known up front, and its Constant nodes,
 * `seen` as the sweep reaches them (in order, so before their readers); every other value stands
 * for itself. The map holds the constants only, so the common case costs one small-map miss.
 */
function mainCanon(e: Editor, graph: Graph) {
  const constants = new Map<ValueId, Canon>();
  for (const id of graph.initializers) {
    const t = e.value(id)?.tensor;
    if (!t || e.isGraphInput(id)) continue;
    const bytes = t.data.kind === 'raw' ? t.data.bytes.length : SMALL + 1;
    if (bytes <= SMALL) constants.set(id, canonOfTensor(id, t));
  }
  const canon = (v: ValueId): Canon => constants.get(v) ?? { key: v };
  const seen = (node: Node): void => {
    const y = node.outputs[0];
    if (y && isConstantNode(node) && node.attrs.length === 1 && !constants.has(y)) {
      const t = tensorAttr(node.attrs[0]);
      if (t) constants.set(y, canonOfTensor(y, t));
    }
  };
  return { canon, seen };
}

function cseGraph(e: Editor, path: GraphPath, model: Model, stats?: PassStats): void {
  const opsets = opsetsFor(model, path);
  const main = path.parent === null ? mainCanon(e, path.graph) : undefined;
  const canon = main?.canon ?? inputCanon(e, path);
  const table = new Map<string, Node[]>();
  // `domain|op|overload|outputs|input keys joined by ','|sorted attribute keys joined by ';'`,
  // concatenated directly: it runs once per node, and arrays and joins were most of the pass.
  const keyOf = (node: Node): string => {
    let k = `${node.domain}|${node.op}|${node.overload ?? ''}|${node.outputs.length}|`;
    const ins = node.inputs;
    for (let i = 0; i < ins.length; i++) {
      const v = ins[i];
      k += (i > 0 ? ',' : '') + (v === null ? '-' : canon(v).key);
    }
    const attrs = node.attrs;
    return `${k}|${attrs.length === 0 ? '' : attrs.length === 1 ? attrKey(attrs[0]) : attrs.map(attrKey).sort().join(';')}`;
  };
  const sameInputs = (a: Node, b: Node) =>
    a.inputs.length === b.inputs.length &&
    a.inputs.every((v, i) => {
      const w = b.inputs[i];
      if (v === w) return true;
      if (v === null || w === null) return false;
      const cv = canon(v);
      const cw = canon(w);
      return cv.tensor !== undefined && cw.tensor !== undefined && sameTensor(cv.tensor, cw.tensor);
    });
  const add = (node: Node, k = keyOf(node), list = table.get(k)) => {
    if (list) list.push(node);
    else table.set(k, [node]);
  };
  // Nodes of enclosing graphs before the node holding this subgraph are in scope here.
  for (let p = path; p.parent; p = p.parent) {
    const step = p.step;
    if (step.kind !== 'attr') break;
    const g = p.parent.graph;
    for (const id of g.order) {
      if (id === step.node) break;
      const n = g.nodes[id];
      if (n && mergeable(n, opsets)) add(n);
    }
  }
  for (const node of e.nodes()) {
    main?.seen(node);
    if (!mergeable(node, opsets)) continue;
    const k = keyOf(node);
    const list = table.get(k);
    const earlier = list?.find((m) => m.op === node.op && m.domain === node.domain && (m.overload ?? '') === (node.overload ?? '') && sameInputs(m, node) && attrsEqual(m.attrs, node.attrs));
    if (!earlier || !canReplace(e, node, earlier)) {
      add(node, k, list);
      continue;
    }
    node.outputs.forEach((y, i) => {
      if (y !== null) e.replaceAllUses(y, earlier.outputs[i]!);
    });
    e.remove(node.id);
    stats?.count('nodes');
  }
}

/** Every output of `dup` has a counterpart in `kept` that can take its uses (graph outputs included). */
function canReplace(e: Editor, dup: Node, kept: Node): boolean {
  return dup.outputs.every((y, i) => {
    if (y === null) return true;
    const x = kept.outputs[i];
    if (x === null || x === undefined) return false;
    return !e.isGraphOutput(y) || e.canTakeOutputName(x);
  });
}

/** Sweeps repeat (capped) because a merge in a graph can make two of its subgraphs' nodes equal. */
const MAX_SWEEPS = 16;

export function eliminateCommonSubexpressionsIn(model: Model, stats?: PassStats): Model {
  let out = model;
  for (let i = 0; i < MAX_SWEEPS; i++) {
    const at = out;
    out = editAll(at, (e, path) => cseGraph(e, path, at, stats));
    if (out === at) break;
  }
  return out;
}

export const eliminateCommonSubexpressions = definePass({
  name: 'eliminate-common-subexpressions',
  summary: 'Merge nodes computing the same op on the same inputs with equal attributes (never random ops).',
  defaults: {},
  run: (model, ctx) => eliminateCommonSubexpressionsIn(model, ctx.stats),
});
