/**
 * One graph's edit session: the `Editor` a recipe receives (see edit.ts for the rules), writing
 * into immer drafts of the graph's tables (draft.ts) and keeping an exact use map as it goes.
 */
import { LatheError } from '../error.js';
import { DraftList, DraftTable, immer } from './draft.js';
import type { Mutable } from '../object.js';
import { makeAttr, toAttrs, withAttr, withoutAttr, type AttrInit, type AttrsInit } from '../attrs.js';
import { GraphBuilder, newNode, type OpOptions } from './build.js';
import type { IdAllocator } from '../ids.js';
import type { Entry, Graph, Node, NodeId, Tensor, Type, Value, ValueId } from '../types.js';
import { capturesOf, renameCaptured, usesOf, type Use, type UseIndex } from '../uses.js';
import { orderedFor, repairOrder } from './topo.js';
import { hasSubgraphs } from '../walk.js';
import { nodesInOrder } from '../table-keys.js';

export interface AddOptions extends OpOptions {
  /** Insert before this node. Default: before the node the innermost `nodes()` loop is at, else at the end. */
  before?: NodeId;
  /** The node's metadata_props (e.g. the rewrite rule that made it, `lathe.rule`). */
  meta?: readonly Entry[];
}

/** Where a value comes from: output `index` of `node`; `outer` when `node` is in an enclosing graph. */
export interface Producer {
  readonly node: Node;
  readonly index: number;
  readonly outer: boolean;
}

/**
 * A read of a value in the edited graph: slot `index` of `node`'s inputs, a subgraph of `node`
 * reading it (a capture: the owning node stands for every read inside its subgraphs), or slot
 * `index` of this graph's outputs.
 */
export type Consumer =
  | { readonly kind: 'input'; readonly node: Node; readonly index: number }
  | { readonly kind: 'capture'; readonly node: Node }
  | { readonly kind: 'output'; readonly index: number };

/** An enclosing graph's value as seen from a subgraph (`graph` holds it). */
export type OuterLookup = (v: ValueId) => { readonly value: Value; readonly graph: Graph } | undefined;

export interface Editor {
  /** Nodes in order, as they are when reached; removed ones are skipped, added ones not visited. */
  nodes(filter?: { op?: string; domain?: string }): Iterable<Node>;
  node(id: NodeId): Node | undefined;
  value(id: ValueId): Value | undefined;
  /**
   * Adds a node (inserted before `opts.before`, else before the node the innermost `nodes()` loop
   * is at, else at the end; the order is re-sorted at the end of the edit if a later rewiring needs
   * it). Returns its output ids; null only where `opts.outputs` names an omitted output.
   */
  add(op: string, inputs: readonly (ValueId | null)[], attrs?: AttrsInit, opts?: AddOptions & { outputs?: number | readonly string[] }): ValueId[];
  add(op: string, inputs: readonly (ValueId | null)[], attrs?: AttrsInit, opts?: AddOptions): (ValueId | null)[];
  /** Adds an initializer (a value holding `tensor`; no value_info: the tensor gives dtype and dims). */
  addInitializer(tensor: Tensor, name?: string): ValueId;
  /** Every read of `from` (node inputs, subgraph captures, graph outputs) reads `to` instead. */
  replaceAllUses(from: ValueId, to: ValueId): void;
  setInput(node: NodeId, index: number, value: ValueId | null): void;
  /** Removes a node; throws LatheError while any of its outputs is still used. */
  remove(node: NodeId): void;
  setAttr(node: NodeId, name: string, value: AttrInit): void;
  removeAttr(node: NodeId, name: string): void;
  /** Sets the ONNX name and/or type of a value (`undefined` clears). */
  setValue(id: ValueId, patch: { name?: string | undefined; type?: Type | undefined }): void;
  uses(value: ValueId): readonly Use[];
  /**
   * The node defining `value` and which of its outputs it is, as the edit stands: in this graph,
   * or in an enclosing graph (`outer: true`, the node as it was when the edit began). Undefined
   * for graph inputs, initializers and unknown values. `e.producer(x)?.node.op === 'MatMul'`.
   */
  producer(value: ValueId): Producer | undefined;
  /**
   * The tensor of an enclosing graph's initializer that `value` names (not one that is also that
   * graph's input, which a caller may override), as it was when the edit began; undefined for a
   * value of this graph or anything else. A body reads the outer graph's weights through this.
   */
  outerTensor(value: ValueId): Tensor | undefined;
  /** The reads of `value` in this graph, with the nodes as they are now (see `Consumer`). */
  consumers(value: ValueId): Consumer[];
  isGraphInput(v: ValueId): boolean;
  isGraphOutput(v: ValueId): boolean;
  isInitializer(v: ValueId): boolean;
  /** True when `v` can take a main-graph output's name (see the module comment). */
  canTakeOutputName(v: ValueId): boolean;
  /** A builder for a new subgraph (e.g. an `If` branch) whose ids are fresh for this model. */
  subgraph(name: string): GraphBuilder;
  /** The graph as edited so far (O(n): for tests and debugging). */
  snapshot(): Graph;
}

const noUses: readonly Use[] = [];

/** The Editor of one graph; `finish()` ends the session and gives the edited graph (or `base`). */
export class GraphEditor implements Editor {
  private readonly nodesT: DraftTable<NodeId, Node>;
  private readonly valuesT: DraftTable<ValueId, Value>;
  private readonly outputsL: DraftList<ValueId>;
  private readonly initL: DraftList<ValueId>;
  private readonly useOverlay = new Map<ValueId, Use[]>();
  private baseIndex: UseIndex | null = null;
  private readonly before = new Map<NodeId, NodeId[]>();
  private readonly appended: NodeId[] = [];
  private readonly removed = new Set<NodeId>();
  private readonly cursors: NodeId[] = [];
  /** Nodes added or given new inputs/captures: the only ones that can break the order. */
  private readonly touched = new Set<NodeId>();
  private inputSet: Set<ValueId> | null = null;
  private initSet: Set<ValueId> | null = null;
  private result: Graph | null = null;

  constructor(
    private readonly base: Graph,
    private readonly ids: IdAllocator,
    private readonly isMain: boolean,
    private readonly outer: OuterLookup,
  ) {
    this.nodesT = new DraftTable(base.nodes);
    this.valuesT = new DraftTable(base.values);
    this.outputsL = new DraftList(base.outputs);
    this.initL = new DraftList(base.initializers);
  }

  // ---- reading

  node(id: NodeId): Node | undefined {
    return this.nodesT.get(id);
  }

  value(id: ValueId): Value | undefined {
    return this.valuesT.get(id);
  }

  /** The base graph's uses, indexed only when first needed (a no-op or setAttr edit needs none). */
  private get baseUses(): UseIndex {
    return (this.baseIndex ??= usesOf(this.base));
  }

  uses(v: ValueId): readonly Use[] {
    return this.useOverlay.get(v) ?? this.baseUses.get(v) ?? noUses;
  }

  producer(v: ValueId): Producer | undefined {
    const local = this.value(v);
    if (local) {
      const node = local.def && this.node(local.def.node);
      return node ? { node, index: local.def!.index, outer: false } : undefined;
    }
    const found = this.outer(v);
    const def = found?.value.def;
    const node = def && found.graph.nodes[def.node];
    return node ? { node, index: def.index, outer: true } : undefined;
  }

  outerTensor(v: ValueId): Tensor | undefined {
    if (this.value(v)) return undefined;
    const found = this.outer(v);
    return found?.value.tensor && !found.graph.inputs.includes(v) ? found.value.tensor : undefined;
  }

  consumers(v: ValueId): Consumer[] {
    const out: Consumer[] = [];
    for (const u of this.uses(v)) {
      if (u.kind === 'output') out.push(u);
      else {
        const node = this.node(u.node);
        if (node) out.push(u.kind === 'input' ? { kind: 'input', node, index: u.index } : { kind: 'capture', node });
      }
    }
    return out;
  }

  isGraphInput(v: ValueId): boolean {
    this.inputSet ??= new Set(this.base.inputs);
    return this.inputSet.has(v);
  }

  isInitializer(v: ValueId): boolean {
    this.initSet ??= new Set(this.initL.items);
    return this.initSet.has(v);
  }

  isGraphOutput(v: ValueId): boolean {
    return this.uses(v).some((u) => u.kind === 'output');
  }

  canTakeOutputName(v: ValueId): boolean {
    return this.value(v)?.def !== undefined && !this.isGraphOutput(v);
  }

  *nodes(filter?: { op?: string; domain?: string }): Iterable<Node> {
    const ids = this.currentOrder();
    // The base's node list while no node has been written: an array walk, not a table lookup each.
    const listed = ids === this.base.order ? nodesInOrder(this.base) : undefined;
    this.cursors.push(ids[0]);
    const depth = this.cursors.length - 1;
    try {
      for (let k = 0; k < ids.length; k++) {
        const id = ids[k];
        const node = listed && this.nodesT.untouched() ? listed[k] : this.node(id);
        if (!node) continue;
        if (filter?.op !== undefined && node.op !== filter.op) continue;
        if (filter?.domain !== undefined && node.domain !== filter.domain) continue;
        this.cursors[depth] = id;
        yield node;
      }
    } finally {
      this.cursors.length = depth;
    }
  }

  // ---- writing

  /** Every write starts here: the drafts are finished once the edit has returned. */
  private open(what: string): void {
    if (this.result) throw new LatheError(`${what}: the edit of graph ${this.base.name} has already ended`);
  }

  private useList(v: ValueId): Use[] {
    let list = this.useOverlay.get(v);
    if (!list) this.useOverlay.set(v, (list = [...(this.baseUses.get(v) ?? noUses)]));
    return list;
  }

  private known(v: ValueId): boolean {
    return this.value(v) !== undefined || this.outer(v) !== undefined;
  }

  private mustNode(id: NodeId, what: string): Node {
    this.open(what);
    const node = this.node(id);
    if (!node) throw new LatheError(`${what}: node ${id} is not in graph ${this.base.name}`);
    return node;
  }

  private track(node: Node): void {
    node.inputs.forEach((v, index) => {
      if (v !== null) this.useList(v).push({ kind: 'input', node: node.id, index });
    });
    for (const v of capturesOf(node)) this.useList(v).push({ kind: 'capture', node: node.id });
  }

  private untrack(node: Node): void {
    const touched = new Set<ValueId>();
    for (const v of node.inputs) if (v !== null) touched.add(v);
    for (const v of capturesOf(node)) touched.add(v);
    for (const v of touched) {
      const list = this.useList(v);
      let w = 0;
      for (const u of list) if (u.kind === 'output' || u.node !== node.id) list[w++] = u;
      list.length = w;
    }
  }

  /** Replaces a node object, keeping the use map exact. */
  private swapNode(old: Node, next: Node): void {
    if (old.inputs === next.inputs && !hasSubgraphs(old) && !hasSubgraphs(next)) {
      // Same reads (an attribute change): uses and order stay as they are.
      this.nodesT.set(next.id, next);
      return;
    }
    this.untrack(old);
    this.nodesT.set(next.id, next);
    this.track(next);
    // New inputs or a new subgraph's captures may read values defined later.
    this.touched.add(next.id);
  }

  add(op: string, inputs: readonly (ValueId | null)[], attrs?: AttrsInit, opts?: AddOptions & { outputs?: number | readonly string[] }): ValueId[];
  add(op: string, inputs: readonly (ValueId | null)[], attrs?: AttrsInit, opts?: AddOptions): (ValueId | null)[];
  add(op: string, inputs: readonly (ValueId | null)[], attrs?: AttrsInit, opts: AddOptions = {}): (ValueId | null)[] {
    this.open(`add ${op}`);
    for (const v of inputs) {
      if (v !== null && !this.known(v)) throw new LatheError(`add ${op}: input ${v} is not defined in graph ${this.base.name}`);
    }
    if (opts.before !== undefined) this.mustNode(opts.before, `add ${op}`);
    const made = newNode(this.ids, op, inputs, attrs, opts);
    for (const v of made.values) this.valuesT.set(v.id, v);
    const node: Node = opts.meta !== undefined && opts.meta.length > 0 ? { ...made.node, meta: opts.meta } : made.node;
    const { id, outputs } = node;
    this.nodesT.set(id, node);
    this.track(node);
    const anchor = opts.before ?? this.cursors[this.cursors.length - 1];
    if (anchor !== undefined) {
      const list = this.before.get(anchor);
      if (list) list.push(id);
      else this.before.set(anchor, [id]);
    } else this.appended.push(id);
    this.touched.add(id);
    return outputs as (ValueId | null)[];
  }

  addInitializer(tensor: Tensor, name?: string): ValueId {
    this.open('addInitializer');
    const id = this.ids.value();
    // No `type`: on a value that holds a tensor it would stand for a value_info entry, which ONNX
    // does not need for an initializer (its tensor says dtype and dims) and lift never makes.
    this.valuesT.set(id, { id, ...(name !== undefined && { name }), tensor });
    this.initL.push(id);
    this.initSet?.add(id);
    return id;
  }

  replaceAllUses(from: ValueId, to: ValueId): void {
    this.open('replaceAllUses');
    if (from === to) return;
    if (!this.known(to)) throw new LatheError(`replaceAllUses: ${to} is not defined in graph ${this.base.name}`);
    const uses = [...this.uses(from)];
    if (uses.length === 0) return;
    const nodes = this.nodesT;
    const values = this.valuesT;
    const toList = this.useList(to);
    let identity: ValueId | undefined;
    for (const u of uses) {
      if (u.kind === 'input') {
        const node = nodes.get(u.node)!;
        const inputs = [...node.inputs];
        inputs[u.index] = to;
        nodes.set(u.node, { ...node, inputs });
        this.touched.add(u.node);
        toList.push(u);
      } else if (u.kind === 'capture') {
        nodes.set(u.node, renameCaptured(nodes.get(u.node)!, from, to));
        this.touched.add(u.node);
        if (!toList.some((x) => x.kind === 'capture' && x.node === u.node)) toList.push(u);
      } else {
        const outputs = this.outputsL;
        const fromValue = this.value(from);
        if (identity !== undefined) {
          // `from` sat in several output slots: they all keep sharing one value.
          outputs.set(u.index, identity);
          this.useList(identity).push(u);
        } else if (this.isMain && fromValue?.name !== undefined && this.value(to)?.name !== fromValue.name) {
          if (this.canTakeOutputName(to)) {
            const t = values.get(to)!;
            values.set(to, { ...t, name: fromValue.name, ...(t.type === undefined && fromValue.type && { type: fromValue.type }) });
            const { name: _dropped, ...rest } = fromValue;
            values.set(from, rest);
            outputs.set(u.index, to);
            toList.push(u);
          } else {
            identity = this.add('Identity', [to], undefined, { types: [fromValue.type] })[0];
            values.set(identity, { ...values.get(identity)!, name: fromValue.name });
            const { name: _dropped, ...rest } = values.get(from)!;
            values.set(from, rest);
            outputs.set(u.index, identity);
            this.useList(identity).push(u);
          }
        } else {
          // Subgraph outputs are positional: the slot reads `to`. A node output of this graph
          // also takes the declared type (and name) along, so a branch keeps its output type.
          if (!this.isMain && fromValue?.type !== undefined && this.value(to)?.type === undefined && this.canTakeOutputName(to)) {
            const t = values.get(to)!;
            values.set(to, { ...t, type: fromValue.type, ...(t.name === undefined && fromValue.name !== undefined && { name: fromValue.name }) });
          }
          outputs.set(u.index, to);
          toList.push(u);
        }
      }
    }
    this.useOverlay.set(from, []);
  }

  setInput(nodeId: NodeId, index: number, value: ValueId | null): void {
    const node = this.mustNode(nodeId, 'setInput');
    if (value !== null && !this.known(value)) throw new LatheError(`setInput: ${value} is not defined in graph ${this.base.name}`);
    if (!Number.isInteger(index) || index < 0) throw new LatheError(`setInput: bad input index ${index} for node ${nodeId}`);
    if (node.inputs[index] === value) return;
    const inputs = [...node.inputs];
    while (inputs.length < index) inputs.push(null);
    inputs[index] = value;
    while (inputs.length > 0 && inputs[inputs.length - 1] === null) inputs.pop();
    this.swapNode(node, { ...node, inputs });
  }

  remove(nodeId: NodeId): void {
    const node = this.mustNode(nodeId, 'remove');
    for (const v of node.outputs) {
      if (v === null) continue;
      const uses = this.uses(v);
      if (uses.length > 0) {
        const u = uses[0];
        const by = u.kind === 'output' ? `graph output ${u.index}` : `node ${u.node}`;
        throw new LatheError(`remove: output ${this.value(v)?.name ?? v} of node ${node.name ?? nodeId} (${node.op}) is still used by ${by}`);
      }
    }
    this.untrack(node);
    this.nodesT.delete(nodeId);
    for (const v of node.outputs) if (v !== null) this.valuesT.delete(v);
    this.removed.add(nodeId);
  }

  setAttr(nodeId: NodeId, name: string, value: AttrInit): void {
    const node = this.mustNode(nodeId, 'setAttr');
    const attrs = withAttr(node.attrs, makeAttr(name, value));
    if (attrs !== node.attrs) this.swapNode(node, { ...node, attrs });
  }

  removeAttr(nodeId: NodeId, name: string): void {
    const node = this.mustNode(nodeId, 'removeAttr');
    const attrs = withoutAttr(node.attrs, name);
    if (attrs !== node.attrs) this.swapNode(node, { ...node, attrs });
  }

  setValue(id: ValueId, patch: { name?: string | undefined; type?: Type | undefined }): void {
    this.open('setValue');
    const value = this.value(id);
    if (!value) throw new LatheError(`setValue: ${id} is not defined in graph ${this.base.name}`);
    const next: Record<string, unknown> = { ...value };
    let changed = false;
    for (const key of ['name', 'type'] as const) {
      if (!(key in patch) || patch[key] === value[key]) continue;
      changed = true;
      if (patch[key] === undefined) delete next[key];
      else next[key] = patch[key];
    }
    if (changed) this.valuesT.set(id, next as unknown as Value);
  }

  // ---- finishing

  private currentOrder(): readonly NodeId[] {
    if (!this.reordered()) return this.base.order;
    const out: NodeId[] = [];
    // Each anchor is preceded by the nodes inserted before it (which may have their own).
    const stack: [NodeId, boolean][] = [];
    const emit = (root: NodeId) => {
      stack.push([root, false]);
      while (stack.length > 0) {
        const [id, expanded] = stack.pop()!;
        if (expanded) {
          if (!this.removed.has(id)) out.push(id);
          continue;
        }
        stack.push([id, true]);
        const list = this.before.get(id);
        if (list) for (let i = list.length - 1; i >= 0; i--) stack.push([list[i], false]);
      }
    };
    for (const id of this.base.order) emit(id);
    for (const id of this.appended) emit(id);
    return out;
  }

  private reordered(): boolean {
    return this.before.size > 0 || this.appended.length > 0 || this.removed.size > 0;
  }

  /** The graph from the given tables: `base` itself (immer's `produce`) when nothing differs. */
  private assemble(nodes: Graph['nodes'], values: Graph['values'], outputs: Graph['outputs'], initializers: Graph['initializers']): Graph {
    let order = this.currentOrder();
    if (this.touched.size > 0 && !orderedFor(order, this.touched, nodes, values)) {
      order = repairOrder([...order], nodes, values, this.base.name);
    }
    // A root-only draft: assigning the same table back is no change, and no nested drafts exist
    // for immer to chase through the new tables (see draft.ts).
    return immer.produce(this.base, (draft) => {
      const g = draft as Mutable<Graph>;
      g.nodes = nodes;
      g.values = values;
      g.outputs = outputs;
      g.initializers = initializers;
      g.order = order;
    });
  }

  finish(): Graph {
    this.result ??= this.assemble(this.nodesT.finish(), this.valuesT.finish(), this.outputsL.finish(), this.initL.finish());
    return this.result;
  }

  snapshot(): Graph {
    return this.result ?? this.assemble(this.nodesT.current(), this.valuesT.current(), this.outputsL.current(), this.initL.current());
  }

  subgraph(name: string): GraphBuilder {
    return new GraphBuilder(name, this.ids);
  }
}

