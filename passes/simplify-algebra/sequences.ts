/**
 * A sequence that is only ever indexed is a Split:
 *   SequenceAt(SplitToSequence(x, split; axis), i) = Split(x, sizes; axis)ᵢ
 * when every reader of the sequence is a SequenceAt at a constant position and the number of parts
 * is known: `split` a 1-D constant (its sizes), a scalar constant s (parts of s, the last one
 * smaller when x's dim is not a multiple of s; needs that dim), or absent with keepdims = 1 (parts
 * of 1; needs the dim). Without `split` and keepdims = 0 the parts lose the axis: left alone.
 * torch's dynamo exporter writes the sequence form for `torch.split`/`chunk` when it does not
 * optimize. Each SequenceAt reuses the Split an earlier one made (same input, axis and sizes), so
 * one Split replaces the whole group.
 */
import type { Node, ValueId } from '../../ir/types.js';
import { P, fail, op, rule, type Fail, type GraphView, type Rule } from '../../src/pattern/index.js';
import { int64s, intsAttr, intsOf, sameList } from './axes.js';

const [x] = P.vars('x');

const intAttr = (n: Node, name: string, dflt: number): number => {
  const a = n.attrs.find((t) => t.name === name);
  return a?.kind === 'int' ? Number(a.value) : dflt;
};

/** The sizes of the parts SplitToSequence makes, or why they are not known. */
function partSizes(view: GraphView, sts: Node, x: ValueId): number[] | Fail {
  const shape = view.shape(x);
  let axis = intAttr(sts, 'axis', 0);
  if (axis < 0) {
    if (shape === undefined) return fail('the axis is negative and the rank is unknown');
    axis += shape.length;
  }
  const dim = shape?.[axis];
  const splitId = sts.inputs[1] ?? null;
  if (splitId === null) {
    if (intAttr(sts, 'keepdims', 1) !== 1) return fail('without split and keepdims = 0 the parts lose the axis (a Split would need Squeezes)');
    if (typeof dim !== 'number') return fail('the split dim is not known');
    return new Array<number>(dim).fill(1);
  }
  const t = view.constant(splitId);
  const sizes = intsOf(t);
  if (!t || !sizes) return fail('split is not an integer constant');
  if (sizes.some((s) => s < 0)) return fail('split has a negative size');
  if (t.dims.length === 1) {
    if (typeof dim === 'number' && sizes.reduce((a, b) => a + b, 0) !== dim) return fail('the sizes do not add up to the dim');
    return sizes;
  }
  if (t.dims.length !== 0) return fail('split is neither a scalar nor 1-D');
  const s = sizes[0];
  if (typeof dim !== 'number') return fail('the split dim is not known');
  if (s === 0) return dim === 0 ? [] : fail('a part size of 0 for a dim that is not 0');
  const out = new Array<number>(Math.floor(dim / s)).fill(s);
  if (dim % s !== 0) out.push(dim % s);
  return out;
}

/** The positions every reader of `seq` takes, or why the sequence is used otherwise. */
function positions(view: GraphView, seq: ValueId, parts: number): number[] | Fail {
  const readers = view.readers(seq);
  // Graph outputs and subgraph captures count as uses but are not readers.
  if (view.useCount(seq) !== readers.length || view.isGraphOutput(seq)) return fail('the sequence is a graph output or read by a subgraph');
  const out: number[] = [];
  for (const r of readers) {
    if (r.op !== 'SequenceAt' || r.domain !== '' || r.inputs[0] !== seq) return fail(`the sequence is read by ${r.op}`);
    const i = intsOf(r.inputs[1] ? view.constant(r.inputs[1]) : undefined);
    if (!i || i.length !== 1) return fail('a SequenceAt position is not a constant');
    const p = i[0] < 0 ? i[0] + parts : i[0];
    if (p < 0 || p >= parts) return fail('a SequenceAt position is out of range');
    out.push(p);
  }
  return out;
}

/** A Split of `x` along `axis` into `sizes` that is already there (an earlier rewrite's). */
function existingSplit(view: GraphView, x: ValueId, axis: number, sizes: readonly number[]): Node | undefined {
  return view.readers(x).find((n) => {
    if (n.op !== 'Split' || n.domain !== '' || n.inputs[0] !== x || intAttr(n, 'axis', 0) !== axis || n.outputs.length !== sizes.length) return false;
    if (n.outputs.some((v) => v === null)) return false;
    const attr = n.attrs.find((a) => a.name === 'split');
    const given = n.inputs[1] ? intsOf(view.constant(n.inputs[1])) : attr?.kind === 'ints' ? intsAttr(attr.value) : undefined;
    return given !== undefined && sameList(given, sizes);
  });
}

interface Plan {
  readonly sizes: number[];
  readonly axis: number;
  readonly index: number;
  readonly opset: number;
  readonly reuse?: Node;
}

const sequenceAtSplit = rule(
  'sequence-at-split-to-sequence',
  op.SequenceAt(op.SplitToSequence(x, P.rest()).as('sts'), P.var('i')).as('at'),
  (m, emit, d: Plan) => {
    if (d.reuse) return d.reuse.outputs[d.index] as ValueId;
    // Split takes its sizes as an input from opset 13, as an attribute before.
    const parts =
      d.opset >= 13
        ? emit.ops('Split', [m.x, emit.constant(int64s(d.sizes))], { axis: BigInt(d.axis) }, d.sizes.length)
        : emit.ops('Split', [m.x], { axis: BigInt(d.axis), split: d.sizes.map(BigInt) }, d.sizes.length);
    return parts[d.index];
  },
  {
    // The sequence is read by every SequenceAt of the group; the last rewrite leaves it unread.
    sharedIntermediates: true,
    check: (m, g) => {
      const sizes = partSizes(g.view, m.sts, m.x);
      if (!Array.isArray(sizes)) return sizes;
      if (sizes.length === 0) return fail('the sequence is empty');
      const seq = m.sts.outputs[0] as ValueId;
      const at = positions(g.view, seq, sizes.length);
      if (!Array.isArray(at)) return at;
      const axis = intAttr(m.sts, 'axis', 0);
      // positions() checked every reader, this one included.
      const index = at[g.view.readers(seq).indexOf(m.at)];
      const reuse = existingSplit(g.view, m.x, axis, sizes);
      return { sizes, axis, index, opset: g.opset, ...(reuse && { reuse }) };
    },
  },
);

export const sequenceRules: readonly Rule[] = [sequenceAtSplit];
