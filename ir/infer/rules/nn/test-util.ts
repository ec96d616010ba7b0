/**
 * Test support for inference rules: run one rule on Knowns with attributes over a synthetic
 * node (no driver needed). Integer attributes are written as bigint, as in `ir/attrs.ts`.
 */
import { testAttrs as toAttrs, type TestAttrs as AttrsInit } from '../../../attrs.test-util.js';
import { attrReader } from '../../../ops/attrs.js';
import type { TensorValue } from '../../../ops/types.js';
import type { Dim, Graph, Node, NodeId, Type, ValueId } from '../../../types.js';
import type { InferTable, Known } from '../../types.js';

export interface InferOptions {
  opset?: number;
  outputs?: number;
  /** Which node inputs are present (default: the non-null Knowns). */
  present?: boolean[];
  inferGraph?: (g: Graph, inputs: readonly (Known | null)[]) => (Known | null)[];
}

export function inferOp(table: InferTable, op: string, inputs: (Known | null)[], attrs: AttrsInit = {}, o: InferOptions = {}): (Known | null | undefined)[] {
  const rule = table.find((r) => r.name === op && r.domain === '');
  if (!rule) throw new Error(`no rule ${op}`);
  const node: Node = {
    id: 'n0' as NodeId, op, domain: '',
    inputs: inputs.map((k, i) => ((o.present?.[i] ?? k !== null) ? (`vi${i}` as ValueId) : null)),
    outputs: Array.from({ length: o.outputs ?? 1 }, (_, i) => `vo${i}` as ValueId),
    attrs: toAttrs(attrs),
  };
  return rule.infer(inputs, {
    node, opset: o.opset ?? 22, attrs: attrReader(node),
    inferGraph: o.inferGraph ?? (() => { throw new Error('no inferGraph in this test'); }),
    freshDim: (() => { let n = 0; return () => `unk__${n++}`; })(),
  });
}

/** A tensor Known. */
export const T = (dtype: number, shape?: Dim[]): Known => ({ type: shape ? { kind: 'tensor', dtype, shape } : { kind: 'tensor', dtype } });

/** A constant int64 1-D Known. */
export const constI64 = (v: number[]): Known => {
  const value: TensorValue = { kind: 'tensor', dtype: 7, dims: [v.length], data: BigInt64Array.from(v.map(BigInt)) };
  return { type: { kind: 'tensor', dtype: 7, shape: [v.length] }, value };
};

/** A constant float 1-D Known. */
export const constF32 = (v: number[]): Known => {
  const value: TensorValue = { kind: 'tensor', dtype: 1, dims: [v.length], data: Float32Array.from(v) };
  return { type: { kind: 'tensor', dtype: 1, shape: [v.length] }, value };
};

/** The type of output i (for terse expectations). */
export const out = (r: (Known | null | undefined)[], i = 0): Type | undefined => r[i]?.type ?? undefined;

/** A named empty graph (bodies are simulated by `inferGraph`, which tells them apart by name). */
export function fakeGraph(name: string): Graph {
  return { name, inputs: [], outputs: [], initializers: [], sparseInitializers: [], order: [], nodes: {}, values: {} };
}
