/**
 * Layout round trips that give back their input, exactly:
 *   Concat(Split(x, axis=a)₀, …, Split(x, axis=a)ₙ₋₁, axis=a) = x     every part, in order
 *   Concat(Slice(x, s₀, e₀, [a]), …, Slice(x, sₖ, eₖ, [a]), axis=a) = x
 *       the slices step by 1 and tile x's axis a: s₀ = 0, eᵢ = sᵢ₊₁, the last reaching the end
 *   Reshape(Flatten(x), s) = Reshape(x, s)                            s has no 0 (a 0 would copy a
 *       dim of the flattened tensor), or allowzero = 1
 *   Unsqueeze(Reshape(x, s), a) = Reshape(x, s')                      s' is s with a 1 at each of a;
 *       s has no 0 (its position would move), or allowzero = 1 (a 0 is then a size)
 * Exporters write the first two when they unpack and repack a tensor (chunked attention heads,
 * gated activations whose halves both pass through); the parts stay computed where something
 * else reads them.
 */
import type { Node, ValueId } from '../../ir/types.js';
import { P, fail, op, rule, type ConstBinding, type GraphView, type Pattern, type Rule } from '../../src/pattern/index.js';
import { int64s, intsAttr, intsOf, normalizeAxes } from './axes.js';

const [x] = P.vars('x');

const rank = (view: GraphView, v: ValueId | null): number | undefined => (v === null ? undefined : view.shape(v)?.length);
const intAttr = (n: Node, name: string): number | undefined => {
  const a = n.attrs.find((t) => t.name === name);
  return a?.kind === 'int' ? Number(a.value) : undefined;
};

/** Concat's axis made non-negative against the rank of its inputs, when that is needed and known. */
function concatAxis(view: GraphView, concat: Node): number | undefined {
  const axis = intAttr(concat, 'axis');
  if (axis === undefined) return undefined;
  if (axis >= 0) return axis;
  const r = [concat.outputs[0], ...concat.inputs].map((v) => rank(view, v)).find((n) => n !== undefined);
  return r === undefined ? undefined : axis + r;
}

const concatSplit = rule('concat-split', op.Concat(P.rest()).as('concat'), (_m, _emit, src: ValueId) => src, {
  check: (m, g) => {
    const { concat } = m;
    const first = concat.inputs[0];
    const p = first === null || first === undefined ? undefined : g.view.producer(first);
    if (!p || p.node.op !== 'Split' || p.node.domain !== '' || p.index !== 0) return fail('the first input is not the first part of a Split');
    const split = p.node;
    if (split.outputs.length !== concat.inputs.length || split.outputs.some((v, i) => v === null || v !== concat.inputs[i])) return fail('the inputs are not every part of one Split, in order');
    const src = split.inputs[0];
    if (src === null || src === undefined) return fail('the Split has no input');
    let sa = intAttr(split, 'axis') ?? 0;
    if (sa < 0) {
      const r = rank(g.view, src);
      if (r === undefined) return fail('the Split axis is negative and the rank is unknown');
      sa += r;
    }
    const ca = concatAxis(g.view, concat);
    return ca === sa ? src : fail('the Concat and the Split use different axes (or a negative axis of unknown rank)');
  },
});

/** Slice starts or ends as numbers, with the "to the end" sentinels (±2^63 − 1, ±2^31 − 1 …) clamped to ±2^53. */
function bounds(view: GraphView, v: ValueId | null | undefined): number[] | undefined {
  const t = v === null || v === undefined ? undefined : view.constant(v);
  if (!t || !(t.data instanceof BigInt64Array || t.data instanceof Int32Array)) return undefined;
  return Array.from(t.data as ArrayLike<number | bigint>, (e) => Math.max(Math.min(Number(e), 2 ** 53), -(2 ** 53)));
}

/** A single-axis, unit-step Slice's [start, end) on axis `axis` of a dim of size `n`, clamped; undefined otherwise. */
function sliceRange(view: GraphView, s: Node, axis: number, r: number, n: number): [number, number] | undefined {
  const [, st, en, ax, sp] = s.inputs;
  const read = (v: ValueId | null | undefined) => (v === null || v === undefined ? undefined : intsOf(view.constant(v)));
  const starts = bounds(view, st), ends = bounds(view, en);
  if (!starts || !ends || starts.length !== 1 || ends.length !== 1) return undefined;
  const axes = ax === null || ax === undefined ? [0] : read(ax);
  const steps = sp === null || sp === undefined ? [1] : read(sp);
  if (!axes || axes.length !== 1 || !steps || steps.length !== 1 || steps[0] !== 1) return undefined;
  if ((axes[0] < 0 ? axes[0] + r : axes[0]) !== axis) return undefined;
  const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
  return [clamp(starts[0]), clamp(ends[0])];
}

const concatSlices = rule('concat-slices', op.Concat(P.rest()).as('concat'), (_m, _emit, src: ValueId) => src, {
  check: (m, g) => {
    const { concat } = m;
    const slices = concat.inputs.map((v) => (v === null ? undefined : g.view.producer(v)?.node));
    if (slices.length < 2 || slices.some((s) => !s || s.op !== 'Slice' || s.domain !== '' || s.inputs.length < 3)) return fail('the inputs are not all Slices (opset 10 form)');
    const src = slices[0]!.inputs[0];
    if (src === null || src === undefined || slices.some((s) => s!.inputs[0] !== src)) return fail('the Slices read different tensors');
    const shape = g.view.shape(src);
    const axis = concatAxis(g.view, concat);
    if (!shape || axis === undefined || axis >= shape.length) return fail('the rank or the axis is unknown');
    const n = shape[axis];
    if (typeof n !== 'number') return fail('the sliced dim is not a known size');
    let at = 0;
    for (const s of slices) {
      const range = sliceRange(g.view, s!, axis, shape.length, n);
      if (!range || range[0] !== at || range[1] < range[0]) return fail('the Slices do not tile the axis in order with unit steps');
      at = range[1];
    }
    return at === n ? src : fail('the Slices stop before the end of the axis');
  },
});

const reshapeFlatten = rule(
  'reshape-flatten',
  op.Reshape(op.Flatten(x, P.rest()), P.constVar('s'), { allowzero: P.attr('z', 0n) }).as('reshape'),
  (m, emit) => emit.op('Reshape', [m.x, m.reshape.inputs[1]], m.reshape.attrs),
  {
    check: (m) => {
      const s = intsOf(m.s.tensor);
      if (!s) return fail('the target is not an int64 constant');
      return m.z === 1n || !s.includes(0) ? true : fail('a 0 in the target copies a dim of the flattened tensor');
    },
  },
);

/** Unsqueeze of a Reshape read only there: one Reshape to the target with the 1s in place (torch's MultiheadAttention writes it). */
function unsqueezeReshape(name: string, pattern: Pattern<{ x: ValueId; s: ConstBinding; z: bigint; reshape: Node; a?: ConstBinding; t?: unknown }>): Rule {
  return rule(name, pattern, (m, emit, d: number[]) => emit.op('Reshape', [m.x, emit.constant(int64s(d))], m.z === 1n ? { allowzero: 1n } : {}), {
    check: (m) => {
      const s = intsOf(m.s.tensor);
      const axes = m.a ? intsOf(m.a.tensor) : intsAttr(m.t as never);
      if (!s || !axes) return fail('the target or the axes are not constant');
      if (m.z !== 1n && s.includes(0)) return fail('a 0 in the target copies a dim by position');
      const n = normalizeAxes(axes, s.length + axes.length);
      if (!n) return fail('the axes are out of range or repeat');
      const out: number[] = [];
      let k = 0;
      for (let i = 0; i < s.length + n.length; i++) out.push(n.includes(i) ? 1 : s[k++]);
      return out;
    },
  });
}

const reshapeOf = op.Reshape(x, P.constVar('s'), { allowzero: P.attr('z', 0n) }).as('reshape');

export const roundTripRules: readonly Rule[] = [
  concatSplit,
  concatSlices,
  reshapeFlatten,
  unsqueezeReshape('unsqueeze-reshape', op.Unsqueeze(reshapeOf, P.constVar('a')) as never),
  unsqueezeReshape('unsqueeze-reshape-attr', op.Unsqueeze(reshapeOf, { axes: P.attr('t') }) as never),
];
