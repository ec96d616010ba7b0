/**
 * Layout scaffolding: Reshape and Expand targets computed from the input's own dims at run time
 * (Shape → Gather → Unsqueeze → Concat, as exporters write them for dynamic batch and sequence)
 * replaced by constant targets, so the scaffolding disappears while dynamic dims stay dynamic:
 *   Reshape(x: [batch, seq, 768], [batch, seq, 12, 64]) = Reshape(x, [0, 0, 12, 64])
 *     (0 copies x's dim at that position; one remaining symbolic dim becomes -1)
 *   Expand(x: [batch, 1, seq], [batch, 4, seq]) = Expand(x, [1, 4, 1])
 *     (1 keeps x's dim where the target equals it, aligned from the right)
 * The target's elements come from shape inference's data propagation (symbolic dims); a target
 * with an unknown element, or with two dims that only -1 could stand for, is left alone.
 */
import type { Dim } from '../../ir/types.js';
import { int64s } from '../simplify-algebra/axes.js';
import { P, fail, op, rule, type Rule } from '../../src/pattern/index.js';

const [x, t] = P.vars('x', 't');

/** Reshape(x, computed t) → Reshape(x, constant with 0 and -1). */
const reshapeTarget = rule(
  'reshape-computed-target',
  op.Reshape(x, t, { allowzero: P.attr('allowzero', 0n) }),
  (m, emit, target: number[]) => emit.op('Reshape', [m.x, emit.constant(int64s(target))], m.allowzero === 1n ? { allowzero: 1n } : {}),
  {
    check: (m, g) => {
      if (g.view.constant(m.t)) return fail('the target is already constant');
      const dims = g.view.dims(m.t);
      if (!dims) return fail('inference does not know the target elements');
      const shape = g.view.shape(m.x);
      const target: number[] = [];
      let free = 0;
      for (let i = 0; i < dims.length; i++) {
        const d: Dim = dims[i];
        if (typeof d === 'number') {
          if (d === -1) free++;
          target.push(d);
        } else if (d === null) return fail(`element ${i} of the target is unknown`);
        else if (m.allowzero !== 1n && shape !== undefined && i < shape.length && shape[i] === d) target.push(0);
        else {
          free++;
          target.push(-1);
        }
      }
      if (free > 1) return fail('more than one target dim is neither a number nor a dim of the input at its place');
      // Under allowzero = 1 a 0 is a size, and a target holding both 0 and -1 is invalid (the -1
      // cannot be solved for): a symbolic dim beside a 0 keeps the computed target.
      if (m.allowzero === 1n && free > 0 && target.includes(0)) return fail('with allowzero = 1 the target has a 0, so no dim can become -1');
      return target;
    },
  },
);

/** Expand(x, computed t) → Expand(x, constant with 1 where the target repeats x's dim). */
const expandTarget = rule(
  'expand-computed-target',
  op.Expand(x, t),
  (m, emit, target: number[]) => emit.op('Expand', [m.x, emit.constant(int64s(target))]),
  {
    check: (m, g) => {
      if (g.view.constant(m.t)) return fail('the target is already constant');
      const dims = g.view.dims(m.t);
      const shape = g.view.shape(m.x);
      if (!dims) return fail('inference does not know the target elements');
      if (!shape) return fail('the rank of the input is unknown');
      const target: number[] = [];
      for (let i = 0; i < dims.length; i++) {
        const d = dims[i];
        const j = i - (dims.length - shape.length);
        if (typeof d === 'number') target.push(d);
        else if (d !== null && j >= 0 && shape[j] === d) target.push(1);
        else return fail(`target dim ${i} is not known to equal the input's`);
      }
      return target;
    },
  },
);

export const targetRules: readonly Rule[] = [reshapeTarget, expandTarget];
