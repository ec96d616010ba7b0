/** Test support for inference rules: run one rule over synthetic Knowns with attributes. */
import { DataType as D } from '../../dtype.js';
import { attrReader } from '../../ops/attrs.js';
import { toTensor } from '../../ops/tensor-value.js';
import type { TensorValue } from '../../ops/types.js';
import type { Attr, Dim, Node, NodeId, ValueId } from '../../types.js';
import { standardOps } from '../../ops/index.js';
import type { InferContext, Known } from '../types.js';
import { ruleOf } from './fold.js';

/** `stripped`: a tensor attribute whose payload was removed (a corpus skeleton). */
export type TAttr = number | string | readonly number[] | { float: number } | { tensor: TensorValue } | { stripped: { dtype: number; dims: number[] } };

function toAttr(name: string, v: TAttr): Attr {
  if (typeof v === 'number') return { name, kind: 'int', value: BigInt(v) };
  if (typeof v === 'string') return { name, kind: 'string', value: v };
  if (Array.isArray(v)) return { name, kind: 'ints', value: (v as number[]).map((x) => BigInt(x)) };
  if ('float' in v) return { name, kind: 'float', value: v.float };
  if ('stripped' in v) return { name, kind: 'tensor', value: { ...v.stripped, data: { kind: 'none' } } };
  return { name, kind: 'tensor', value: toTensor((v as { tensor: TensorValue }).tensor) };
}

/** A fresh-symbol source like the driver's (`unk__0`, `unk__1` … per call of `infer`). */
function counter(): () => string {
  let n = 0;
  return () => `unk__${n++}`;
}

/** Runs the rule for `op` (opset 100 by default) and returns its outputs. */
export function infer(op: string, inputs: readonly (Known | null)[], attrs: Record<string, TAttr> = {}, opts: { opset?: number; outputs?: number } = {}): (Known | null | undefined)[] {
  const def = standardOps.find((x) => x.name === op && x.domain === '');
  const rule = def && ruleOf(def);
  if (!rule) throw new Error(`no rule for ${op}`);
  const node: Node = {
    // A null input is an absent one (no name), as in a model; the others are named.
    id: 'n0' as NodeId, op, domain: '', inputs: inputs.map((k, i) => (k === null ? null : (`i${i}` as ValueId))),
    outputs: Array.from({ length: opts.outputs ?? 1 }, (_, i) => `o${i}` as ValueId),
    attrs: Object.entries(attrs).map(([k, v]) => toAttr(k, v)),
  };
  const ctx: InferContext = {
    node, opset: opts.opset ?? 100, attrs: attrReader(node),
    inferGraph: () => { throw new Error('no subgraphs'); },
    freshDim: counter(),
  };
  return rule(inputs, ctx);
}

/** The single output of `op`. */
export function infer1(op: string, inputs: readonly (Known | null)[], attrs: Record<string, TAttr> = {}, opset?: number): Known | null | undefined {
  return infer(op, inputs, attrs, { opset })[0];
}

/** A value known only by type. */
export const t = (dtype: number, shape?: readonly Dim[]): Known => ({ type: { kind: 'tensor', dtype, ...(shape ? { shape } : {}) } });

/** A constant int64 tensor (1-D, or 0-D when `scalar`). */
export function i64(xs: readonly (number | bigint)[], scalar = false): Known {
  const value: TensorValue = { kind: 'tensor', dtype: D.INT64, dims: scalar ? [] : [xs.length], data: BigInt64Array.from(xs.map((x) => BigInt(x))) };
  return { type: { kind: 'tensor', dtype: D.INT64, shape: value.dims }, value };
}

export const f32 = (xs: readonly number[], scalar = false): Known => {
  const value: TensorValue = { kind: 'tensor', dtype: D.FLOAT, dims: scalar ? [] : [xs.length], data: Float32Array.from(xs) };
  return { type: { kind: 'tensor', dtype: D.FLOAT, shape: value.dims }, value };
};

export const shapeOfK = (k: Known | null | undefined): readonly Dim[] | undefined => (k?.type?.kind === 'tensor' ? k.type.shape : undefined);
export const dtypeOfK = (k: Known | null | undefined): number | undefined => (k?.type?.kind === 'tensor' ? k.type.dtype : undefined);
/** Elements of a value as numbers. */
export const valueOf = (k: Known | null | undefined): number[] | undefined => (k?.value ? Array.from(k.value.data as ArrayLike<number | bigint>, Number) : undefined);
