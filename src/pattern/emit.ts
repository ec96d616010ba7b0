/**
 * The emitter: the only way a rewrite builds nodes (MLIR's PatternRewriter, onnxscript's tape).
 * New nodes go before the matched root, carry the rule's name in `lathe.rule` metadata unless
 * provenance is off, and constants become initializers (Constant nodes in function bodies, which
 * have no initializers).
 */
import type { AttrsInit } from '../../ir/attrs.js';
import type { Editor } from '../../ir/edit/edit.js';
import { toTensor } from '../../ir/ops/tensor-value.js';
import type { TensorValue } from '../../ir/ops/types.js';
import type { Entry, Node, Tensor, ValueId } from '../../ir/types.js';
import type { GraphView } from './view.js';

export interface EmitOptions {
  readonly domain?: string;
}

export interface Emitter {
  readonly view: GraphView;
  /** The node the rule matched at. */
  readonly root: Node;
  /** A node with one output; returns it. */
  op(type: string, inputs: readonly (ValueId | null)[], attrs?: AttrsInit, options?: EmitOptions): ValueId;
  /** A node with `outputs` outputs; returns them. */
  ops(type: string, inputs: readonly (ValueId | null)[], attrs: AttrsInit | undefined, outputs: number, options?: EmitOptions): ValueId[];
  /**
   * A constant holding `t`. Its storage becomes the constant's payload as it is (no copy: a rule's
   * folded weight can be megabytes), so `t` must not be written to afterwards; kernel results and
   * `view.constant()` values never are. A stored `Tensor` (payload possibly lazy) is taken as is.
   */
  constant(t: TensorValue | Tensor): ValueId;
}

/** Where the rule keeps its bookkeeping: the nodes it added, for the driver. */
export interface EmitterState {
  readonly added: ValueId[];
}

export function makeEmitter(e: Editor, view: GraphView, root: Node, rule: string, provenance: boolean, state: EmitterState): Emitter {
  const meta: readonly Entry[] | undefined = provenance ? [{ key: 'lathe.rule', value: rule }] : undefined;
  const ops = (type: string, inputs: readonly (ValueId | null)[], attrs: AttrsInit | undefined, outputs: number, options: EmitOptions = {}): ValueId[] => {
    const out = e.add(type, inputs, attrs, { before: root.id, outputs, ...(options.domain !== undefined && { domain: options.domain }), ...(meta && { meta }) });
    state.added.push(...out);
    return out;
  };
  return {
    view,
    root,
    op: (type, inputs, attrs, options) => ops(type, inputs, attrs, 1, options)[0],
    ops,
    constant(t) {
      const tensor = 'kind' in t ? toTensor(t, undefined, true) : t;
      if (view.inFunction) return ops('Constant', [], { value: { kind: 'tensor', value: tensor } }, 1)[0];
      return e.addInitializer(tensor);
    },
  };
}
