/**
 * GraphBuilder: the short way to make graphs in tests and passes (`b.op('Add', [x, y])`).
 * Builders of nested subgraphs share one id allocator with their parent (`b.subgraph()`), so ids
 * stay unique across the model.
 */
import { toAttrs, type AttrsInit } from '../attrs.js';
import { counterAllocator, type IdAllocator } from '../ids.js';
import type { Graph, Model, Node, NodeId, OpsetId, Tensor, Type, Value, ValueId } from '../types.js';
import { LatheError } from '../error.js';
import { defined } from '../object.js';

/** A tensor type: `tensorType(1, [2, 'N'])` = float[2,N]; omit `shape` for unknown rank. */
export function tensorType(dtype: number, shape?: readonly (number | string | null)[]): Type {
  return shape === undefined ? { kind: 'tensor', dtype } : { kind: 'tensor', dtype, shape: [...shape] };
}

export interface OpOptions {
  domain?: string;
  /** Number of outputs (default 1), or their ONNX names (null = omitted optional output). */
  outputs?: number | readonly (string | null)[];
  /** ONNX node name. */
  name?: string;
  /** Types of the outputs, by position. */
  types?: readonly (Type | undefined)[];
  overload?: string;
}

/**
 * A new node of `op` with a fresh id and fresh output values from `ids` (`opts.outputs`: how
 * many, or an ONNX name per output, null for an omitted one): what `GraphBuilder.ops` and the
 * editor's `add` make.
 */
export function newNode(ids: IdAllocator, op: string, inputs: readonly (ValueId | null)[], attrs: AttrsInit | undefined, opts: OpOptions): { node: Node; values: Value[] } {
  const id = ids.node();
  const spec = opts.outputs ?? 1;
  const names: (string | null | undefined)[] = typeof spec === 'number' ? new Array(spec).fill(undefined) : [...spec];
  const values: Value[] = [];
  const outputs = names.map((name, index) => {
    if (name === null) return null;
    const v = ids.value();
    values.push(defined({ id: v, name, type: opts.types?.[index], def: { node: id, index } }));
    return v;
  });
  const node: Node = defined({
    id,
    op,
    domain: opts.domain ?? '',
    overload: opts.overload,
    inputs: [...inputs],
    outputs,
    attrs: toAttrs(attrs),
    name: opts.name,
  });
  return { node, values };
}

export class GraphBuilder {
  readonly ids: IdAllocator;
  private readonly inputs: ValueId[] = [];
  private readonly outputs: ValueId[] = [];
  private readonly initializers: ValueId[] = [];
  private readonly order: NodeId[] = [];
  private readonly nodes: Record<NodeId, Node> = {};
  private readonly values: Record<ValueId, Value> = {};

  constructor(
    readonly name = 'main',
    ids?: IdAllocator,
  ) {
    this.ids = ids ?? counterAllocator();
  }

  /** A builder for a subgraph sharing this builder's ids. */
  subgraph(name: string): GraphBuilder {
    return new GraphBuilder(name, this.ids);
  }

  /** A graph input. */
  input(name: string | undefined, type?: Type): ValueId {
    const id = this.ids.value();
    this.values[id] = defined({ id, name, type });
    this.inputs.push(id);
    return id;
  }

  /** An initializer holding `tensor`. */
  initializer(name: string | undefined, tensor: Tensor, type?: Type): ValueId {
    const id = this.ids.value();
    this.values[id] = defined({ id, name, type: type ?? { kind: 'tensor', dtype: tensor.dtype, shape: [...tensor.dims] }, tensor });
    this.initializers.push(id);
    return id;
  }

  /** A node; returns its output ids (null for omitted outputs). */
  ops(op: string, inputs: readonly (ValueId | null)[], attrs?: AttrsInit, opts: OpOptions = {}): (ValueId | null)[] {
    const { node, values } = newNode(this.ids, op, inputs, attrs, opts);
    for (const v of values) this.values[v.id] = v;
    this.nodes[node.id] = node;
    this.order.push(node.id);
    return node.outputs as (ValueId | null)[];
  }

  /** A node with (at least) one output; returns the first output. */
  op(op: string, inputs: readonly (ValueId | null)[], attrs?: AttrsInit, opts: OpOptions = {}): ValueId {
    const out = this.ops(op, inputs, attrs, opts)[0];
    if (out == null) throw new LatheError(`GraphBuilder.op: ${op} has no first output`);
    return out;
  }

  /** Marks `v` as a graph output, optionally naming it (and typing it). */
  output(v: ValueId, name?: string, type?: Type): this {
    const value = this.values[v];
    if (value && (name !== undefined || type !== undefined)) {
      this.values[v] = defined({ ...value, name: name ?? value.name, type: type ?? value.type });
    }
    this.outputs.push(v);
    return this;
  }

  /** Sets the type of a value defined in this graph. */
  setType(v: ValueId, type: Type): this {
    const value = this.values[v];
    if (!value) throw new LatheError(`GraphBuilder.setType: ${v} is not defined in graph ${this.name}`);
    this.values[v] = { ...value, type };
    return this;
  }

  build(): Graph {
    return {
      name: this.name,
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      initializers: [...this.initializers],
      sparseInitializers: [],
      order: [...this.order],
      nodes: { ...this.nodes },
      values: { ...this.values },
    };
  }
}

/** A model around `graph` (ONNX opset 17 and IR version 8 unless told otherwise). */
export function modelOf(
  graph: Graph,
  opsets: readonly OpsetId[] = [{ domain: '', version: 17 }],
  rest: Partial<Omit<Model, 'graph' | 'opsets'>> = {},
): Model {
  return { irVersion: 8, functions: [], meta: [], ...rest, graph, opsets: [...opsets] };
}

