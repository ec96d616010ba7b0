/**
 * Moving a Transpose out of the way of the Reshapes and Gathers around it, as ShuffleNet's channel
 * shuffle needs (FastestDet, ShuffleNetV2 exports: Reshape(x, [g, 2, hw]) → Transpose [1, 0, 2] →
 * Reshape([2, -1, g, h, w]) → Gather 0 and Gather 1 on axis 0). With both rules the shuffle
 * becomes one Reshape and the two Gathers on another axis, as onnxruntime's transpose optimizer
 * makes it. Both are pure data movement: exact for every input.
 */
import type { ValueId } from '../../ir/types.js';
import { P, fail, op, rule } from '../../src/pattern/index.js';
import { int64s, permOf } from './axes.js';

const [x] = P.vars('x');

/**
 * Gather(Transpose(x, p), i, axis a) with a scalar i = Transpose(Gather(x, i, axis p[a]), q), where
 * q is p without entry a, renumbered past the removed axis; no Transpose when q is the identity.
 * Taken only when that drops the Transpose: q is the identity, or this Gather is its only reader.
 */
const gatherTranspose = rule(
  'gather-transpose',
  op.Gather(op.Transpose(x, { perm: P.attr('p') }).as('t'), P.constVar('i'), { axis: P.attr('a', 0n) }),
  (m, emit, d: { axis: number; q: number[] }) => {
    const g = emit.op('Gather', [m.x, m.i.id], { axis: BigInt(d.axis) });
    return d.q.every((v, k) => v === k) ? g : emit.op('Transpose', [g], { perm: d.q.map(BigInt) });
  },
  {
    // The Transpose may have other readers: check decides whether it still goes.
    sharedIntermediates: true,
    check: (m, g) => {
      if (m.i.tensor.dims.length !== 0) return fail('the index is not a scalar');
      const r = g.view.shape(m.x)?.length;
      const p = permOf(m.p, r);
      if (!p) return fail('the perm is missing and the rank is unknown');
      const a = Number(m.a) < 0 ? Number(m.a) + p.length : Number(m.a);
      if (!(a >= 0 && a < p.length)) return fail('the axis is out of range');
      const removed = p[a];
      const q = p.filter((_, k) => k !== a).map((v) => (v > removed ? v - 1 : v));
      const identity = q.every((v, k) => v === k);
      const t = m.t.outputs[0] as ValueId;
      if (!identity && (g.view.useCount(t) !== 1 || g.view.isGraphOutput(t))) return fail('the Transpose stays (other readers) and another one would be added');
      return { axis: removed, q };
    },
  },
);

/**
 * Reshape(Transpose(Reshape(x, s0), p), s) = Transpose(Reshape(x, s'), p') when the outer Reshape
 * only splits dims of the transposed tensor (each of its output dims belongs to one input dim):
 * the split is done before the Transpose, on the dims it permutes, and merges with the inner
 * Reshape, so one node goes. Needs static shapes; the Transpose and the inner Reshape must be read
 * only here (the driver's default for intermediates).
 */
const reshapeTransposeSplit = rule(
  'reshape-transpose-split',
  op.Reshape(op.Transpose(op.Reshape(x, P.any()).as('inner'), { perm: P.attr('p') }).as('t'), P.any()).as('outer'),
  (m, emit, d: { shape: number[]; perm: number[] }) =>
    emit.op('Transpose', [emit.op('Reshape', [m.x, emit.constant(int64s(d.shape))])], { perm: d.perm.map(BigInt) }),
  {
    check: (m, g) => {
      const v = g.view;
      const ts = v.shape(m.t.outputs[0] as ValueId);
      const os = v.shape(m.outer.outputs[0] as ValueId);
      const static_ = (s: readonly unknown[] | undefined): s is number[] => !!s && s.every((d) => typeof d === 'number' && d > 0);
      if (!static_(ts) || !static_(os)) return fail('the shapes are not static and nonzero');
      if (ts.length === 0) return fail('the transposed tensor is a scalar');
      const p = permOf(m.p, ts.length);
      if (!p || p.length !== ts.length) return fail('the perm does not fit the rank');
      // Output dims grouped by the transposed dim they split, in order; 1s past the end join the last.
      const groups: number[][] = [];
      let k = 0;
      for (const size of ts) {
        const grp: number[] = [];
        let prod = 1;
        while (prod < size && k < os.length) {
          prod *= os[k];
          grp.push(os[k++]);
        }
        if (prod !== size) return fail('the Reshape merges dims of the transposed tensor');
        groups.push(grp);
      }
      while (k < os.length && os[k] === 1) groups[groups.length - 1].push(os[k++]);
      if (k !== os.length) return fail('the Reshape merges dims of the transposed tensor');
      if (groups.every((grp) => grp.length === 1)) return fail('the Reshape splits no dim');
      // x's dim j is the transposed dim i with p[i] = j: reshaped, it becomes group i's dims.
      const inv = new Array<number>(p.length);
      p.forEach((j, i) => (inv[j] = i));
      const start = new Array<number>(p.length);
      const shape: number[] = [];
      for (let j = 0; j < p.length; j++) {
        start[inv[j]] = shape.length;
        shape.push(...groups[inv[j]]);
      }
      const perm = groups.flatMap((grp, i) => grp.map((_, n) => start[i] + n));
      return { shape, perm };
    },
  },
);

export const shuffleRules = [gatherTranspose, reshapeTransposeSplit];
