/**
 * What rules see of the graph they match in: producers, uses, types and constant values, read
 * through the edit session's `Editor` so that a rewrite's changes are visible to the next match.
 */
import type { Editor } from '../../ir/edit/edit.js';
import { LatheError } from '../../ir/error.js';
import { tensorValue } from '../../ir/ops/tensor-value.js';
import type { TensorValue } from '../../ir/ops/types.js';
import type { Dim, Node, Tensor, Type, ValueId } from '../../ir/types.js';

export interface GraphView {
  /** The node (of this graph) defining `v` and the output index; undefined for inputs, initializers, outer values. */
  producer(v: ValueId): { readonly node: Node; readonly index: number } | undefined;
  /** How many reads `v` has (node inputs, subgraph captures, graph outputs). */
  useCount(v: ValueId): number;
  /** The nodes of this graph reading `v` as an input. */
  readers(v: ValueId): readonly Node[];
  isGraphOutput(v: ValueId): boolean;
  type(v: ValueId): Type | undefined;
  /** Element dtype of a tensor value, or undefined when unknown. */
  dtype(v: ValueId): number | undefined;
  /** Shape of a tensor value, or undefined when the rank is unknown. */
  shape(v: ValueId): readonly Dim[] | undefined;
  /** The elements of a constant value (initializer that is not a graph input, or Constant output). */
  constant(v: ValueId): TensorValue | undefined;
  /**
   * The stored tensor of an initializer that is not a graph input, its payload possibly still in
   * its file (a rule that only rescales or relabels a weight can keep it there); else undefined.
   */
  storedTensor(v: ValueId): Tensor | undefined;
  /**
   * Whether `v` is a constant, without reading its payload (a weight of a large model stays in its
   * file until a rule's check needs its elements).
   */
  isConstant(v: ValueId): boolean;
  /**
   * For an integer value holding dims (a computed Reshape target …): its elements, possibly
   * symbolic, when inference (the rule pass's `infer` option) knows them.
   */
  dims(v: ValueId): readonly Dim[] | undefined;
  /** True when this graph is a function body (no initializers: constants become Constant nodes). */
  readonly inFunction: boolean;
  /** The ONNX opset the graph imports (a function body's own): an op before its first version is a local function's call. */
  readonly opset: number;
}

/** What inference knew of the model when the rule pass started (values made since are unknown). */
export interface Facts {
  readonly types: ReadonlyMap<ValueId, Type>;
  readonly dims: ReadonlyMap<ValueId, readonly Dim[]>;
}

/** The value of a Constant node, when it is given in a form that needs no context. */
function constantNodeValue(node: Node): TensorValue | undefined {
  if (node.attrs.length !== 1) return undefined;
  const a = node.attrs[0];
  switch (a.kind) {
    case 'tensor':
      return a.name === 'value' ? tensorValue(a.value, 'Constant value') : undefined;
    case 'float':
      return a.name === 'value_float' ? { kind: 'tensor', dtype: 1, dims: [], data: Float32Array.of(a.value) } : undefined;
    case 'floats':
      return a.name === 'value_floats' ? { kind: 'tensor', dtype: 1, dims: [a.value.length], data: Float32Array.from(a.value) } : undefined;
    case 'int':
      return a.name === 'value_int' ? { kind: 'tensor', dtype: 7, dims: [], data: BigInt64Array.of(a.value) } : undefined;
    case 'ints':
      return a.name === 'value_ints' ? { kind: 'tensor', dtype: 7, dims: [a.value.length], data: BigInt64Array.from(a.value) } : undefined;
    default:
      return undefined;
  }
}

const CACHE_ELEMENTS = 1 << 16;

/** A view over an edit session. Constant values are decoded once per value (payloads may be lazy). */
export function editorView(e: Editor, inFunction: boolean, facts?: Facts, opset = Infinity): GraphView {
  // A declared type first (the model's own, or written by a rewrite), else the inferred one.
  const typeOf = (v: ValueId): Type | undefined => e.value(v)?.type ?? facts?.types.get(v);
  const constants = new Map<ValueId, TensorValue | null>();
  const view: GraphView = {
    inFunction,
    opset,
    producer(v) {
      const def = e.value(v)?.def;
      const node = def && e.node(def.node);
      return node ? { node, index: def.index } : undefined;
    },
    // An enclosing graph's value may have reads out there too: never "used once" (a rule taking
    // an outer weight for its only reader would copy it, and the outer one would stay).
    useCount: (v) => (e.value(v) ? e.uses(v).length : Number.MAX_SAFE_INTEGER),
    readers: (v) => e.uses(v).flatMap((u) => (u.kind === 'input' ? [e.node(u.node)!] : [])),
    isGraphOutput: (v) => e.isGraphOutput(v),
    type: typeOf,
    dims: (v) => facts?.dims.get(v),
    dtype(v) {
      const value = e.value(v);
      const t = typeOf(v);
      if (t && (t.kind === 'tensor' || t.kind === 'sparse') && t.dtype !== 0) return t.dtype;
      return value?.tensor?.dtype;
    },
    shape(v) {
      const value = e.value(v);
      const t = typeOf(v);
      return t && t.kind === 'tensor' && t.shape ? t.shape : value?.tensor?.dims;
    },
    // Constants of an enclosing graph count too (read through e.outerTensor and e.producer): a
    // rule inside a body that took an outer constant for a computed value would copy it in, and
    // dedupe-initializers would merge the copy back out, round after round.
    // A tensor without data (a `lathe strip` skeleton's weights) is no constant: nothing can be
    // computed from it, and a rule that matched it would find no elements to rewrite with.
    isConstant(v) {
      const value = e.value(v);
      if (value?.tensor) return !e.isGraphInput(v) && value.tensor.data.kind !== 'none';
      if (!value) {
        const outer = e.outerTensor(v);
        if (outer) return outer.data.kind !== 'none';
      }
      const p = e.producer(v);
      return p !== undefined && p.node.op === 'Constant' && p.node.domain === '' && p.node.attrs.length === 1 && p.node.attrs[0].kind !== 'sparse_tensor';
    },
    storedTensor(v) {
      const value = e.value(v);
      const t = value ? (value.tensor && !e.isGraphInput(v) ? value.tensor : undefined) : e.outerTensor(v);
      return t?.data.kind === 'none' ? undefined : t;
    },
    constant(v) {
      const known = constants.get(v);
      if (known !== undefined) return known ?? undefined;
      let out: TensorValue | undefined;
      try {
        const value = e.value(v);
        const stored = view.storedTensor(v);
        if (stored) out = tensorValue(stored, value?.name ?? v);
        else if (!value?.tensor) {
          const p = e.producer(v);
          if (p && p.node.op === 'Constant' && p.node.domain === '') out = constantNodeValue(p.node);
        }
      } catch (err) {
        // A payload that cannot be read (stripped, damaged): not a constant for matching purposes.
        if (!(err instanceof LatheError)) throw err;
        out = undefined;
      }
      // Small constants are kept for the next match; a weight is decoded again when asked (rarely),
      // so a pass over a 3 GB model never holds its weights.
      if (!out || out.data.length <= CACHE_ELEMENTS) constants.set(v, out ?? null);
      return out;
    },
  };
  return view;
}
