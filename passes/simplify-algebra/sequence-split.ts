/**
 * A SplitToSequence read only by SequenceAts at constant positions is a plain Split (or Gathers):
 * the dynamo exporter writes torch.split/chunk this way (GPT-NeoX's fused QKV, Bloom, Falcon).
 * Each SequenceAt becomes one output of a Split on the same input, axis and sizes; the Splits the
 * readers emit are identical, so eliminate-common-subexpressions keeps one. Pure data movement:
 * exact for every input and dtype.
 *
 *   SequenceAt(SplitToSequence(x, split, axis), p) = Split(x, sizes, axis)[p]      split given
 *   SequenceAt(SplitToSequence(x, axis, keepdims=0), p) = Gather(x, p, axis)        no split
 *   SequenceAt(SplitToSequence(x, axis, keepdims=1), p) = Gather(x, [p], axis)      no split
 *
 * With a 1-D split the sizes are its entries; with a scalar split k they are k repeated and the
 * remainder of the axis's static length; without a split, parts of length 1 (Gather accepts the
 * same positions as SequenceAt, negative ones included, so the length need not be known).
 */
import type { ValueId } from '../../ir/types.js';
import { P, fail, op, rule } from '../../src/pattern/index.js';
import { int64s, intsOf } from './axes.js';

const [x] = P.vars('x');

type Plan =
  | { readonly kind: 'split'; readonly axis: number; readonly sizes: number[]; readonly given?: ValueId; readonly index: number }
  | { readonly kind: 'gather'; readonly axis: number; readonly keep: boolean; readonly pos: number };

const sequenceAtSplit = rule(
  'sequence-at-split',
  op.SequenceAt(op.SplitToSequence(x, P.rest(), { axis: P.attr('axis', 0n), keepdims: P.attr('keepdims', 1n) }).as('s'), P.constVar('p')),
  (m, emit, d: Plan) => {
    // Without keepdims the position itself is Gather's scalar index (int32 or int64, negative or not).
    if (d.kind === 'gather') return emit.op('Gather', [m.x, d.keep ? emit.constant(int64s([d.pos])) : m.p.id], { axis: BigInt(d.axis) });
    const sizes = d.given ?? emit.constant(int64s(d.sizes));
    return emit.ops('Split', [m.x, sizes], { axis: BigInt(d.axis) }, d.sizes.length)[d.index];
  },
  {
    // The sequence is read by the other SequenceAts too: check makes sure it is read by nothing else.
    sharedIntermediates: true,
    // Split takes its sizes as an input from opset 13.
    minOpset: 13,
    check: (m, g): Plan | ReturnType<typeof fail> => {
      const v = g.view;
      const seq = m.s.outputs[0] as ValueId;
      if (v.isGraphOutput(seq)) return fail('the sequence is a graph output');
      const positional = (n: { op: string; domain: string; inputs: readonly (ValueId | null)[] }) =>
        n.op === 'SequenceAt' && n.domain === '' && n.inputs[0] === seq && n.inputs[1] != null && v.constant(n.inputs[1]) !== undefined;
      if (!v.readers(seq).every(positional)) return fail('the sequence has readers other than SequenceAts at constant positions');
      const pos = intsOf(m.p.tensor);
      if (!pos || m.p.tensor.dims.length !== 0) return fail('the position is not a scalar integer');
      const axis = Number(m.axis);
      const keepdims = Number(m.keepdims);
      const splitIn = m.s.inputs[1] ?? null;
      if (splitIn === null) return { kind: 'gather', axis, keep: keepdims !== 0, pos: pos[0] };
      const split = v.constant(splitIn);
      const ks = intsOf(split);
      if (!split || !ks) return fail('the split is not an integer constant');
      if (ks.some((k) => k < 0)) return fail('a split size is negative');
      const shape = v.shape(m.x);
      const a = axis < 0 && shape ? axis + shape.length : axis;
      const len = shape?.[a];
      let sizes: number[];
      if (split.dims.length === 1) sizes = ks;
      else if (split.dims.length === 0) {
        if (typeof len !== 'number' || len <= 0) return fail('a scalar split needs the static length of the axis');
        if (ks[0] <= 0) return fail('the scalar split is not positive');
        sizes = Array.from({ length: Math.ceil(len / ks[0]) }, (_, i) => Math.min(ks[0], len - i * ks[0]));
      } else return fail('the split is neither a scalar nor 1-D');
      if (typeof len === 'number' && sizes.reduce((s, k) => s + k, 0) !== len) return fail('the split sizes do not add up to the axis length');
      const index = pos[0] < 0 ? pos[0] + sizes.length : pos[0];
      if (index < 0 || index >= sizes.length) return fail('the position is out of range');
      // A 1-D int64 split is Split's own input as it is; an int32 one is written again as int64.
      const given = split.dims.length === 1 && split.dtype === 7 ? splitIn : undefined;
      return { kind: 'split', axis, sizes, index, ...(given !== undefined && { given }) };
    },
  },
);

export const sequenceRules = [sequenceAtSplit];
