/**
 * Inference for sequence and optional ops: they produce `sequence`/`optional` types whose element
 * type merges every tensor that may be in them (equal dims kept, differing dims unknown).
 */
import { DataType as DT } from '../../../dtype.js';
import type { Dim, Type } from '../../../types.js';
import type { InferContext, InferRule, InferTable, Known } from '../../types.js';
import { constNumbers, mergeType, normAxis, tensor } from '../nn/util.js';

const typeOf = (k: Known | null | undefined): Type | undefined => k?.type;
const seq = (elem: Type | undefined): Known => ({ type: elem ? { kind: 'sequence', elem } : { kind: 'sequence' } });
const elemOf = (k: Known | null | undefined): Type | undefined => {
  const t = k?.type;
  return t && (t.kind === 'sequence' || t.kind === 'optional') ? t.elem : undefined;
};

function splitToSequence(ins: readonly (Known | null)[], ctx: InferContext): Known {
  const t = typeOf(ins[0]);
  if (!t || t.kind !== 'tensor') return seq(undefined);
  if (!t.shape) return seq({ kind: 'tensor', dtype: t.dtype });
  const ax = normAxis(ctx.attrs.int('axis', 0), t.shape.length);
  if (ax === undefined) return seq({ kind: 'tensor', dtype: t.dtype });
  const shape: Dim[] = [...t.shape];
  if (ctx.node.inputs[1] == null) {
    // No split: pieces of length 1, squeezed unless keepdims.
    if (ctx.attrs.int('keepdims', 1) !== 0) shape[ax] = 1;
    else shape.splice(ax, 1);
  } else {
    const split = constNumbers(ins[1]);
    const total = t.shape[ax];
    // Equal pieces are exact only when a scalar split divides the axis length.
    const even = split && split.length === 1 && typeof total === 'number' && split[0] > 0 && total % split[0] === 0;
    const same = split && split.length > 1 && split.every((s) => s === split[0]);
    shape[ax] = even || same ? split[0]! : null;
  }
  return seq({ kind: 'tensor', dtype: t.dtype, shape });
}

function concatFromSequence(ins: readonly (Known | null)[], ctx: InferContext): Known {
  const e = elemOf(ins[0]);
  if (!e || e.kind !== 'tensor') return tensor(0);
  if (!e.shape) return tensor(e.dtype);
  const newAxis = ctx.attrs.int('new_axis', 0) !== 0;
  const rank = e.shape.length + (newAxis ? 1 : 0);
  const ax = normAxis(ctx.attrs.int('axis'), rank);
  if (ax === undefined) return tensor(e.dtype);
  const shape: Dim[] = [...e.shape];
  if (newAxis) shape.splice(ax, 0, null);
  else shape[ax] = null;
  return tensor(e.dtype, shape);
}

function sequenceMap(ins: readonly (Known | null)[], ctx: InferContext): (Known | null)[] {
  const body = ctx.attrs.graph('body');
  if (!body) return [];
  const args = ins.map((k) => (k?.type?.kind === 'sequence' ? (k.type.elem ? { type: k.type.elem } : null) : (k ?? null)));
  return ctx.inferGraph(body, args).map((k) => seq(k?.type));
}

const rules: InferRule[] = [
  { domain: '', name: 'SequenceEmpty', infer: (_i, ctx) => [seq({ kind: 'tensor', dtype: ctx.attrs.int('dtype', DT.FLOAT) })] },
  {
    domain: '', name: 'SequenceConstruct',
    infer: (ins) => [seq(ins.length === 0 ? undefined : ins.map(typeOf).reduce((a, b) => mergeType(a, b)))],
  },
  { domain: '', name: 'SequenceInsert', infer: ([s, t]) => [seq(mergeType(elemOf(s), typeOf(t)))] },
  { domain: '', name: 'SequenceErase', infer: ([s]) => [seq(elemOf(s))] },
  { domain: '', name: 'SequenceAt', infer: ([s]) => [elemOf(s) ? { type: elemOf(s) } : null] },
  { domain: '', name: 'SequenceLength', infer: () => [tensor(DT.INT64, [])] },
  { domain: '', name: 'SplitToSequence', infer: (ins, ctx) => [splitToSequence(ins, ctx)] },
  { domain: '', name: 'ConcatFromSequence', infer: (ins, ctx) => [concatFromSequence(ins, ctx)] },
  { domain: '', name: 'SequenceMap', infer: (ins, ctx) => sequenceMap(ins, ctx) },
  {
    domain: '', name: 'Optional',
    infer: (ins, ctx) => {
      const attr = ctx.attrs.get('type');
      const elem = ins[0]?.type ?? (attr?.kind === 'type' ? attr.value : undefined);
      return [{ type: elem ? { kind: 'optional', elem } : { kind: 'optional' } }];
    },
  },
  {
    domain: '', name: 'OptionalGetElement',
    // Opset 18 also accepts a plain tensor or sequence, returned as is.
    infer: ([o]) => [o?.type?.kind === 'optional' ? (o.type.elem ? { type: o.type.elem } : null) : o?.type ? { type: o.type } : null],
  },
  { domain: '', name: 'OptionalHasElement', infer: () => [tensor(DT.BOOL, [])] },
];

export const sequenceRules: InferTable = rules;
