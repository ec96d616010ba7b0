/**
 * fold-constants: a node whose inputs are all constant is computed now, with the op table's own
 * kernel (kernel-call.ts), in the op's own dtype (float16 results round like float16 when stored),
 * and its outputs become initializers (Constant nodes inside function bodies, which have no
 * initializers), keeping each value's ONNX name, so graph outputs keep theirs.
 *
 * Constant means: an initializer that is not also a graph input (an input can be fed), a
 * `Constant` node, or either of these in an enclosing graph (a subgraph reads them as captures).
 * Never folded: ops the table marks random (RandomNormal/Uniform(Like), Bernoulli, Multinomial,
 * Dropout), nodes holding subgraphs (If/Loop/Scan; inlining a constant `If` is inline-functions'
 * job), nodes with attribute references (function bodies), ops without a kernel, and anything whose
 * kernel fails or returns a non-tensor. Shape of a value is folded only when that value is itself
 * a constant: a symbolic dim is never frozen.
 *
 * Size budget: a fold is done only when the bytes it adds (its results that something reads; an
 * unread one, a training BatchNormalization's running statistics, is not stored) are at most the bytes it
 * frees (local constant inputs read only by this node, and an estimate of the node itself, its
 * doc string and metadata included: the dynamo exporter writes a stack trace on every node) plus
 * `limit` (default 0: folding never makes the file bigger). ConstantOfShape ignores `limit`: a large
 * filled tensor stays a ConstantOfShape. Results that could be huge (ConstantOfShape, Expand, Tile,
 * Range, or a declared static output shape) are sized before they are computed. Nodes over budget
 * alone because they share one large constant, and that together are all of its readers (the
 * Slices cutting an LSTM's stacked gate weights apart), are judged as a group: folded together
 * when all their results fit in what they free together, the shared constant included. Nodes in
 * bodies reading large constants of an enclosing graph are judged the same way across the whole
 * model, equal results stored once in the graph owning the constants (hoist.ts).
 *
 * Constants that folding left unread (inputs of folded nodes) are removed; nothing else is.
 * Returns the same model when nothing folds.
 *
 * A 2-D Transpose of a weight that stays in its file (a lazy blob of 4-byte elements, read by this
 * node only) is not computed now: its result is a lazily transposed blob (ir/transposed-blob.ts)
 * that computes the same bytes when read, at save a chunk at a time.
 */
import { editAll, type Editor } from '../../ir/edit/edit.js';
import { toTensor } from '../../ir/ops/tensor-value.js';
import type { RtValue, TensorValue } from '../../ir/ops/types.js';
import type { Model, Node, NodeId, Tensor, Value, ValueId } from '../../ir/types.js';
import { usesOf } from '../../ir/uses.js';
import { hasSubgraphs, mapGraphs, type GraphPath } from '../../ir/walk.js';
import { definePass, type PassStats } from '../../src/pass.js';
import { constantReader, isConstantNode, opsetsFor } from '../../src/constants.js';
import { foldableDef } from '../../src/kernel-call.js';
import { normalizeDomain } from '../../ir/domain.js';
import { DataType as D } from '../../ir/dtype.js';
import { transposedBlob } from '../../ir/transposed-blob.js';
import { nodeProtoBytes, tensorBytes } from '../../src/tensor-bytes.js';
import { computeNode, constantInputs, type Computed } from './compute.js';
import { foldCones } from './cones.js';
import { graphKey, hoistFolds, type HoistCandidate } from './hoist.js';

export interface FoldOptions {
  /** Bytes a single fold may add to the file beyond what it frees (default 0). */
  readonly limit: number;
}



function nodeBytes(node: Node, e: Editor): number {
  return nodeProtoBytes(node, (v) => e.value(v)?.name);
}

/** Element count of a result sized from the inputs before running the kernel, when it can be large. */
function expectedElements(node: Node, inputs: readonly (RtValue | null)[], declared: Value | undefined): number | undefined {
  const t = declared?.type;
  if (t?.kind === 'tensor' && t.shape && t.shape.every((d) => typeof d === 'number')) return (t.shape as number[]).reduce((a, b) => a * b, 1);
  const nums = (v: RtValue | null | undefined): number[] | undefined =>
    v?.kind === 'tensor' && !Array.isArray(v.data) ? Array.from(v.data as ArrayLike<number | bigint>, Number) : undefined;
  const size = (v: RtValue | null | undefined) => (v?.kind === 'tensor' ? v.dims.reduce((a, b) => a * b, 1) : 1);
  const prod = (xs: number[]) => xs.reduce((a, b) => a * Math.max(b, 1), 1);
  if (node.domain !== '') return undefined;
  switch (node.op) {
    case 'ConstantOfShape': {
      const s = nums(inputs[0]);
      return s ? prod(s) : undefined;
    }
    case 'Expand': {
      const s = nums(inputs[1]);
      return s ? Math.max(prod(s), size(inputs[0])) * Math.max(1, size(inputs[0])) : undefined;
    }
    case 'Tile': {
      const r = nums(inputs[1]);
      return r ? prod(r) * size(inputs[0]) : undefined;
    }
    case 'Range': {
      const [s, l, d] = [nums(inputs[0])?.[0], nums(inputs[1])?.[0], nums(inputs[2])?.[0]];
      return s === undefined || l === undefined || !d ? undefined : Math.max(0, Math.ceil((l - s) / d));
    }
    default:
      return undefined;
  }
}

/** Dtypes whose elements are 4 bytes of raw little-endian data (moved as words by a lazy transpose). */
const WORD_DTYPES: ReadonlySet<number> = new Set([D.FLOAT, D.INT32, D.UINT32]);

/**
 * The result of `node` when it is a 2-D Transpose of a file-backed weight read by it alone, as a
 * lazily transposed tensor (see the module comment); undefined otherwise (the kernel then runs).
 */
function lazyTranspose(node: Node, e: Editor): Tensor | undefined {
  if (node.op !== 'Transpose' || normalizeDomain(node.domain) !== '' || node.inputs.length !== 1 || node.outputs.length !== 1) return undefined;
  const [v] = node.inputs;
  const [y] = node.outputs;
  if (v === null || y === null) return undefined;
  const perm = node.attrs.find((a) => a.name === 'perm');
  if (node.attrs.length > (perm ? 1 : 0)) return undefined;
  if (perm && !(perm.kind === 'ints' && perm.value.length === 2 && perm.value[0] === 1n && perm.value[1] === 0n)) return undefined;
  const t = e.value(v)?.tensor;
  if (!t || t.data.kind !== 'blob' || !WORD_DTYPES.has(t.dtype) || t.dims.length !== 2) return undefined;
  if (!e.isInitializer(v) || e.isGraphInput(v) || e.isGraphOutput(v)) return undefined;
  if (!e.uses(v).every((u) => u.kind === 'input' && u.node === node.id)) return undefined;
  const declared = e.value(y)?.type;
  if (declared?.kind === 'tensor' && declared.dtype !== 0 && declared.dtype !== t.dtype) return undefined;
  const [rows, cols] = t.dims;
  const blob = transposedBlob(t.data.blob, rows, cols);
  return blob && { dtype: t.dtype, dims: [cols, rows], data: { kind: 'blob', blob } };
}

/** Folds what it can in one graph (see the module comment). */
function foldGraph(e: Editor, path: GraphPath, model: Model, options: FoldOptions, read: Set<ValueId>, stats: PassStats | undefined, hoist: HoistCandidate[]): void {
  const opsets = opsetsFor(model, path);
  let root = path;
  while (root.parent) root = root.parent;
  const inFunction = root.step.kind === 'function';
  const constants = constantReader(e, path, opsets);

  /** Replaces `node` by its results (initializers; Constant nodes in function bodies). */
  const commit = (node: Node, made: (Tensor | null)[], tensors: (TensorValue | null)[]): void => {
    node.outputs.forEach((y, k) => {
      const t = made[k];
      if (y === null || t === null) return;
      const { name, type: declared } = e.value(y)!;
      // A graph output keeps its declared type; elsewhere the tensor says it all (no value_info).
      const type = e.isGraphOutput(y) ? (declared ?? { kind: 'tensor' as const, dtype: t.dtype, shape: [...t.dims] }) : undefined;
      const c = inFunction ? e.add('Constant', [], { value: t })[0]! : e.addInitializer(t);
      if (name !== undefined) e.setValue(y, { name: undefined });
      e.replaceAllUses(y, c);
      e.setValue(c, { name, type });
      constants.remember(c, tensors[k]!);
    });
    for (const v of node.inputs) if (v !== null) read.add(v);
    e.remove(node.id);
    stats?.count('nodes');
  };
  const deferred: Deferred[] = [];
  let deferredBytes = 0;
  // What the sweep learnt for the cone search: nodes whose kernel cannot fold them, and results
  // computed but over budget alone (the inputs of both stay what they were: constants).
  const refused = new Set<NodeId>();
  const computed = new Map<NodeId, Computed>();
  let keptBytes = 0;

  for (const node of e.nodes()) {
    if (node.op === 'Constant' && node.domain === '') {
      if (!inFunction) constantToInitializer(e, node, constants, stats);
      continue;
    }
    if (hasSubgraphs(node) || node.attrs.some((a) => a.kind === 'ref')) continue;
    const opset = opsets.get(normalizeDomain(node.domain));
    const def = foldableDef(node, opset);
    if (!def || !node.inputs.every((v) => v === null || constants.isConstant(v))) continue;
    const lazy = inFunction ? undefined : lazyTranspose(node, e);
    if (lazy) {
      const y = node.outputs[0]!;
      const { name, type: declared } = e.value(y)!;
      const type = e.isGraphOutput(y) ? (declared ?? { kind: 'tensor' as const, dtype: lazy.dtype, shape: [...lazy.dims] }) : undefined;
      const c = e.addInitializer(lazy);
      if (name !== undefined) e.setValue(y, { name: undefined });
      e.replaceAllUses(y, c);
      e.setValue(c, { name, type });
      read.add(node.inputs[0]!);
      e.remove(node.id);
      stats?.count('nodes');
      continue;
    }
    const inputs = constantInputs(node, (v) => constants.value(v));
    if (!inputs) continue;
    // What folding frees: local constant inputs read by this node only, and the node itself. The
    // largest local constant it shares with other nodes is noted: folding all of them frees it.
    let freed = nodeBytes(node, e);
    let shared: { v: ValueId; bytes: number } | undefined;
    let otherShared = 0;
    const outerLarge: ValueId[] = [];
    let outerBytes = 0;
    for (const v of new Set(node.inputs)) {
      if (v === null) continue;
      const val = e.value(v);
      if (!val) {
        // a constant of an enclosing graph (a capture)
        const c = constants.value(v);
        if (c?.kind === 'tensor' && byteSize(c) > SMALL_SHARED) {
          outerLarge.push(v);
          outerBytes += byteSize(c);
        }
        continue;
      }
      if (e.isGraphOutput(v) || e.isGraphInput(v)) continue;
      const uses = e.uses(v);
      if (!uses.every((u) => u.kind === 'input')) continue;
      let bytes = 0;
      if (val.tensor) bytes = tensorBytes(val.tensor);
      else if (val.def) {
        const c = constants.value(v);
        if (c?.kind === 'tensor') bytes = byteSize(c);
      }
      if (uses.every((u) => u.kind === 'input' && u.node === node.id)) freed += bytes;
      else if (!shared || bytes > shared.bytes) {
        if (shared) otherShared = Math.max(otherShared, shared.bytes);
        shared = { v, bytes };
      } else otherShared = Math.max(otherShared, bytes);
    }
    const budget = freed + (node.op === 'ConstantOfShape' ? 0 : options.limit);
    const firstOut = node.outputs.find((v) => v !== null);
    const expected = expectedElements(node, inputs, firstOut ? e.value(firstOut) : undefined);
    // (Elements against bytes: every element takes a byte at least. A node that may fold with
    // the others sharing its large constant is computed while that constant could pay for it.)
    const mayGroup = outerLarge.length === 0 && shared !== undefined && shared.bytes > SMALL_SHARED && otherShared <= SMALL_SHARED;
    // ... or with the nodes of other bodies reading the same large constants of an enclosing graph.
    const mayHoist = outerLarge.length > 0 && !inFunction && (shared === undefined || shared.bytes <= SMALL_SHARED) && otherShared <= SMALL_SHARED &&
      node.outputs.every((y) => y === null || !e.isGraphOutput(y));
    if (expected !== undefined && expected > budget && !(mayGroup && expected <= budget + shared!.bytes) && !(mayHoist && expected <= budget + outerBytes)) {
      stats?.count('over-budget');
      continue;
    }
    const r = computeNode(e, node, def, opset!, inputs);
    if (typeof r === 'string') {
      if (r === 'kernel-refused') stats?.count(r);
      refused.add(node.id);
      continue;
    }
    const { made, tensors, bytes } = r;
    if (bytes > budget) {
      if (mayGroup && bytes <= budget + shared!.bytes && deferredBytes + bytes <= MAX_DEFERRED) {
        deferred.push({ node, made, tensors, bytes, freed, shared: shared!.v, sharedBytes: shared!.bytes });
        deferredBytes += bytes;
      } else if (mayHoist && bytes <= budget + outerBytes && deferredBytes + bytes <= MAX_DEFERRED) {
        hoist.push({ graph: graphKey(path), node: node.id, made, bytes, freed, large: outerLarge });
        deferredBytes += bytes;
      } else {
        stats?.count('over-budget');
        // The cone search may fold it with its neighbours: it need not run the kernel again.
        if (keptBytes + bytes <= MAX_DEFERRED) {
          computed.set(node.id, r);
          keptBytes += bytes;
        }
      }
      continue;
    }
    commit(node, made, tensors);
  }
  foldGroups(e, deferred, options.limit, commit, stats);
  // (Nodes held for a hoist into an enclosing graph are that step's to decide.)
  const hoisted = new Set(hoist.filter((h) => h.graph === graphKey(path)).map((h) => h.node));
  foldCones({
    e,
    skip: (node) => hoisted.has(node.id) || refused.has(node.id),
    isConstant: (v) => constants.isConstant(v),
    value: (v) => constants.value(v),
    foldable: (node) => foldableDef(node, opsets.get(normalizeDomain(node.domain))),
    compute: (node, def, inputs) => computed.get(node.id) ?? computeNode(e, node, def, opsets.get(normalizeDomain(node.domain))!, inputs),
    expected: (node, inputs) => {
      const y = node.outputs.find((v) => v !== null);
      return expectedElements(node, inputs, y ? e.value(y) : undefined);
    },
    nodeBytes: (node) => nodeBytes(node, e),
    constantBytes: (v) => {
      const val = e.value(v);
      if (val?.tensor) return tensorBytes(val.tensor);
      const c = constants.value(v);
      return c?.kind === 'tensor' ? byteSize(c) : 0;
    },
    commit,
    limit: options.limit,
    maxHeld: MAX_DEFERRED,
    stats,
  });
}

/**
 * Constants shared by the nodes of a group below this size are not what the group frees (Slice
 * starts and axes, shape vectors): they stay, and a node may share any number of them.
 */
const SMALL_SHARED = 1024;
/** Bytes of results held back for group decisions in one graph (beyond it, nodes decide alone). */
const MAX_DEFERRED = 64 << 20;

/** A node over budget alone because it shares a large constant (`shared`) with other nodes. */
interface Deferred {
  readonly node: Node;
  readonly made: (Tensor | null)[];
  readonly tensors: (TensorValue | null)[];
  readonly bytes: number;
  readonly freed: number;
  readonly shared: ValueId;
  readonly sharedBytes: number;
}

/**
 * Nodes that share a large constant and read it together with nothing else (the Slices that cut
 * an LSTM's stacked gate weights apart, the three parts of a fused QKV weight): folded together
 * when their results, all of them, are within what folding them all frees (the shared constant
 * included) plus `limit`; else each is over budget, as alone.
 */
function foldGroups(e: Editor, deferred: readonly Deferred[], limit: number, commit: (node: Node, made: (Tensor | null)[], tensors: (TensorValue | null)[]) => void, stats: PassStats | undefined): void {
  const groups = new Map<ValueId, Deferred[]>();
  for (const d of deferred) {
    const g = groups.get(d.shared);
    if (g) g.push(d);
    else groups.set(d.shared, [d]);
  }
  for (const [v, group] of groups) {
    const members = new Set(group.map((d) => d.node.id));
    const whole = e.uses(v).every((u) => u.kind === 'input' && members.has(u.node));
    const made = group.reduce((n, d) => n + d.bytes, 0);
    const freed = group.reduce((n, d) => n + d.freed, group[0].sharedBytes);
    if (!whole || made > freed + limit) {
      stats?.count('over-budget', group.length);
      continue;
    }
    for (const d of group) commit(d.node, d.made, d.tensors);
    stats?.count('group-folds', group.length);
  }
}

/**
 * A Constant node of a graph becomes an initializer holding the same tensor: one node fewer, the
 * same bytes. Left alone: a Constant that is a graph output (the output would need an Identity),
 * a sparse one (its dense form can be far larger), and one whose value cannot be read.
 */
function constantToInitializer(e: Editor, node: Node, constants: ReturnType<typeof constantReader>, stats: PassStats | undefined): void {
  const y = node.outputs[0];
  if (y === null || y === undefined || node.outputs.length !== 1 || e.isGraphOutput(y)) return;
  if (node.attrs.length !== 1 || node.attrs[0].name === 'sparse_value') return;
  const c = constants.value(y);
  if (c === null || c === undefined || c.kind !== 'tensor') return;
  const { name } = e.value(y)!;
  const init = e.addInitializer(toTensor(c));
  if (name !== undefined) e.setValue(y, { name: undefined });
  e.replaceAllUses(y, init);
  e.setValue(init, { name });
  constants.remember(init, c);
  e.remove(node.id);
  stats?.count('constant-nodes');
}

function byteSize(t: TensorValue): number {
  if (Array.isArray(t.data)) return t.data.reduce((n, s) => n + s.length + 2, 0);
  return t.data.byteLength;
}

/** Removes initializers and Constant nodes in `read` that nothing reads any more. */
function dropUnread(model: Model, read: ReadonlySet<ValueId>): Model {
  return mapGraphs(model, (g) => {
    const uses = usesOf(g);
    const inputs = new Set(g.inputs);
    const gone = (v: ValueId) => read.has(v) && !uses.has(v) && !inputs.has(v);
    const deadInit = g.initializers.filter(gone);
    const deadNodes = new Set<NodeId>();
    for (const id of g.order) {
      const n = g.nodes[id];
      if (isConstantNode(n) && n.outputs.every((v) => v === null || gone(v))) deadNodes.add(id);
    }
    if (deadInit.length === 0 && deadNodes.size === 0) return g;
    const drop = new Set<ValueId>(deadInit);
    for (const id of deadNodes) for (const v of g.nodes[id].outputs) if (v !== null) drop.add(v);
    const nodes: Record<NodeId, Node> = {};
    const order = g.order.filter((id) => !deadNodes.has(id));
    for (const id of order) nodes[id] = g.nodes[id];
    const values: Record<ValueId, Value> = {};
    for (const key of Object.keys(g.values)) if (!drop.has(key as ValueId)) values[key as ValueId] = g.values[key as ValueId];
    return { ...g, nodes, order, values, initializers: g.initializers.filter((v) => !drop.has(v)) };
  });
}

/** Folds constant nodes everywhere in `model` (see the module comment). */
export function foldConstantsIn(model: Model, options: FoldOptions, stats?: PassStats): Model {
  // Graphs are edited subgraphs first, so a subgraph node reading an outer value that folds in
  // the same sweep folds in the next one: repeat until nothing changes (each sweep folds at least
  // one node; nested captures are the only reason for a second one). The cap bounds the work on a
  // crafted deep nest; stopping early leaves foldable nodes, never a wrong model.
  let out = model;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    const read = new Set<ValueId>();
    const at = out;
    const hoist: HoistCandidate[] = [];
    const folded = editAll(at, (e, path) => foldGraph(e, path, at, options, read, stats, hoist));
    const next = hoistFolds(folded, hoist, options.limit, read, stats);
    if (next === at) break;
    out = dropUnread(next, read);
  }
  return out;
}

const MAX_SWEEPS = 64;

export const foldConstants = definePass<FoldOptions>({
  name: 'fold-constants',
  summary: 'Compute nodes whose inputs are all constant (never random ops), within a size budget.',
  defaults: { limit: 0 },
  run: (model, ctx, options) => foldConstantsIn(model, options, ctx.stats),
});
