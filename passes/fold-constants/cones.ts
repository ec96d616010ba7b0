/**
 * Constant cones: nodes computed from constants through several steps, folded as a whole when the
 * results that leave them are within what they free plus the limit. A node alone can be over
 * budget where its chain is not: weight standardization (timm's NF-Nets and BiT, ScaledStdConv)
 * computes each conv weight at run time from a stored one, ReduceMean → Sub → Mul → ReduceMean →
 * BatchNormalization (training mode, on the weight) → Reshape, and every step but the last makes
 * a small tensor the stored weight must still be kept for. The whole chain frees the stored
 * weights and makes one weight of the same size: folded, nf_regnet_b0 loses 54 such chains.
 *
 * A cone is a connected set of foldable nodes (linked by the values between them and by the
 * constants they read); nodes deciding alone were decided by the main sweep, so only cones of two
 * nodes or more fold here. Results are held at most `maxHeld` bytes per graph.
 */
import type { Editor } from '../../ir/edit/edit.js';
import type { OpDef, RtValue, TensorValue } from '../../ir/ops/types.js';
import type { Node, NodeId, Tensor, ValueId } from '../../ir/types.js';
import { hasSubgraphs } from '../../ir/walk.js';
import type { PassStats } from '../../src/pass.js';
import { tensorBytes } from '../../src/tensor-bytes.js';
import { constantInputs, type Computed, type Refusal } from './compute.js';

/** What the fold pass lends a cone search: its reader, kernels, sizes and commit. */
export interface ConeContext {
  readonly e: Editor;
  /** Nodes another step decides (a hoist). */
  readonly skip: (node: Node) => boolean;
  readonly isConstant: (v: ValueId) => boolean;
  readonly value: (v: ValueId) => RtValue | null;
  /** The op's definition when the node may be folded (deterministic, a kernel), else undefined. */
  readonly foldable: (node: Node) => OpDef | undefined;
  /** The node's results on `inputs` (compute.ts). */
  readonly compute: (node: Node, def: OpDef, inputs: readonly (RtValue | null)[]) => Computed | Refusal;
  readonly expected: (node: Node, inputs: readonly (RtValue | null)[]) => number | undefined;
  readonly nodeBytes: (node: Node) => number;
  /** Bytes of the constant `v` holds (an initializer's payload, a Constant node's value). */
  readonly constantBytes: (v: ValueId) => number;
  readonly commit: (node: Node, made: (Tensor | null)[], tensors: (TensorValue | null)[]) => void;
  readonly limit: number;
  readonly maxHeld: number;
  readonly stats: PassStats | undefined;
}

interface Member {
  readonly node: Node;
  readonly made: (Tensor | null)[];
  readonly tensors: (TensorValue | null)[];
}

export function foldCones(c: ConeContext): void {
  const { e } = c;
  const held = new Map<ValueId, TensorValue>();
  const members: Member[] = [];
  const index = new Map<NodeId, number>();
  const parent: number[] = [];
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]];
    return i;
  };
  const union = (a: number, b: number) => {
    parent[find(a)] = find(b);
  };
  const byConstant = new Map<ValueId, number>();
  let bytes = 0;
  for (const node of e.nodes()) {
    if ((node.op === 'Constant' && node.domain === '') || hasSubgraphs(node) || node.attrs.some((a) => a.kind === 'ref') || c.skip(node)) continue;
    const def = c.foldable(node);
    if (!def) continue;
    const inputs = constantInputs(node, (v) => held.get(v) ?? (c.isConstant(v) ? c.value(v) : null));
    if (!inputs) continue;
    const expected = c.expected(node, inputs);
    if (expected !== undefined && bytes + expected > c.maxHeld) continue;
    const r = c.compute(node, def, inputs);
    if (typeof r === 'string' || bytes + r.bytes > c.maxHeld) continue;
    bytes += r.bytes;
    const i = members.length;
    members.push({ node, made: r.made, tensors: r.tensors });
    index.set(node.id, i);
    parent.push(i);
    node.outputs.forEach((y, k) => {
      const t = r.tensors[k];
      if (y !== null && t) held.set(y, t);
    });
    for (const v of node.inputs) {
      if (v === null) continue;
      const producer = e.value(v)?.def?.node;
      const p = producer === undefined ? undefined : index.get(producer);
      if (p !== undefined) union(i, p);
      else {
        const other = byConstant.get(v);
        if (other !== undefined) union(i, other);
        else byConstant.set(v, i);
      }
    }
  }
  const cones = new Map<number, number[]>();
  for (let i = 0; i < members.length; i++) {
    const r = find(i);
    const list = cones.get(r);
    if (list) list.push(i);
    else cones.set(r, [i]);
  }
  for (const list of cones.values()) {
    if (list.length < 2) continue;
    const inside = new Set(list.map((i) => members[i].node.id));
    const reads = (v: ValueId) => e.uses(v).every((u) => u.kind === 'input' && inside.has(u.node));
    // The results read outside the cone (or graph outputs) stay as initializers; the rest go.
    let made = 0;
    for (const i of list) {
      const m = members[i];
      m.made.forEach((t, k) => {
        const y = m.node.outputs[k];
        if (t && y !== null && y !== undefined && (e.isGraphOutput(y) || !reads(y))) made += tensorBytes(t);
      });
    }
    let freed = 0;
    const seen = new Set<ValueId>();
    for (const i of list) {
      const node = members[i].node;
      freed += c.nodeBytes(node);
      for (const v of node.inputs) {
        if (v === null || seen.has(v) || held.has(v)) continue;
        seen.add(v);
        if (!e.isGraphInput(v) && !e.isGraphOutput(v) && e.value(v) !== undefined && reads(v)) freed += c.constantBytes(v);
      }
    }
    if (made > freed + c.limit) {
      c.stats?.count('cone-over-budget', list.length);
      continue;
    }
    // In graph order: a member's inputs are the initializers its producers' commits made.
    // An output read only inside the cone still gets an initializer for the members reading it;
    // once they are gone nothing reads it and the sweep's clean-up drops it.
    for (const i of list) c.commit(e.node(members[i].node.id)!, members[i].made, members[i].tensors);
    c.stats?.count('cone-folds', list.length);
  }
}
