/**
 * The algebraic simplifications of `simplify-algebra`, one rule each with the identity it uses.
 * Every rule is exact (the result is bit-identical for every input) except where its comment says
 * otherwise; each checks the conditions its identity needs and declines otherwise.
 */
import { evalOpTensor } from '../../ir/eval/op.js';
import { DataType as D } from '../../ir/dtype.js';
import type { TensorValue } from '../../ir/ops/types.js';
import type { ValueId } from '../../ir/types.js';
import { P, fail, op, rule, type ConstBinding, type GraphView, type MatchContext, type Pattern, type Rule } from '../../src/pattern/index.js';
import { bigints, int64s, intsAttr, intsOf, normalizeAxes, permOf, sameList } from './axes.js';
import { exactCast, plainDtype } from './exact-cast.js';

const [x] = P.vars('x');
const rank = (view: GraphView, v: ValueId): number | undefined => view.shape(v)?.length;

/** Transpose(Transpose(x, p1), p2) = Transpose(x, q) with q[j] = p1[p2[j]]; x itself when q is the identity. */
const transposeTranspose = rule(
  'transpose-transpose',
  op.Transpose(op.Transpose(x, { perm: P.attr('p1') }), { perm: P.attr('p2') }),
  (m, emit, q: number[]) => (q.every((v, i) => v === i) ? m.x : emit.op('Transpose', [m.x], { perm: q.map(BigInt) })),
  {
    check: (m, g) => {
      const r = rank(g.view, m.x);
      const p1 = permOf(m.p1, r);
      const p2 = permOf(m.p2, r);
      if (!p1 || !p2) return fail('a perm is missing and the rank is unknown');
      if (p1.length !== p2.length) return fail('the perms have different lengths');
      return p2.map((j) => p1[j]);
    },
  },
);

/**
 * Reshape(Reshape(x, s1), s2) = Reshape(x, s) where s is s2 with each 0 (copy the dim of the
 * intermediate) replaced by what it copies: s1's entry when that is a literal size, a 0 again
 * when s1 also copied (x's dim), the intermediate's static dim when s1 had -1 (or a literal 0
 * under allowzero=1), unless that dim is 0: a 0 in the merged target would copy x's dim instead.
 * -1 stays: the element count is the same. With allowzero=1 on the outer Reshape, s2 is taken as
 * it is.
 */
const reshapeReshape = rule(
  'reshape-reshape',
  op.Reshape(op.Reshape(x, P.constVar('s1'), { allowzero: P.attr('z1', 0n) }).as('inner'), P.constVar('s2'), { allowzero: P.attr('z2', 0n) }),
  (m, emit, s: { shape: number[]; allowzero: boolean }) =>
    emit.op('Reshape', [m.x, emit.constant(int64s(s.shape))], s.allowzero ? { allowzero: 1n } : {}),
  {
    check: (m, g) => {
      const s1 = intsOf(m.s1.tensor);
      const s2 = intsOf(m.s2.tensor);
      if (!s1 || !s2) return fail('a target shape is not an int64 constant');
      if (m.z2 === 1n) return { shape: s2, allowzero: true };
      const interShape = g.view.shape(m.inner.outputs[0] as ValueId);
      const shape: number[] = [];
      for (let i = 0; i < s2.length; i++) {
        if (s2[i] !== 0) shape.push(s2[i]);
        else if (i >= s1.length) return fail(`dim ${i} copies a dim the intermediate does not have`);
        else if (s1[i] > 0) shape.push(s1[i]);
        else if (s1[i] === 0 && m.z1 !== 1n) shape.push(0);
        // A 0 dim of the intermediate (a literal 0 of an allowzero Reshape) cannot be written: a 0
        // in the merged target would copy x's dim instead.
        else if (interShape?.[i] === 0) return fail(`dim ${i} copies a dim of the intermediate that is 0`);
        else if (typeof interShape?.[i] === 'number') shape.push(interShape[i] as number);
        else return fail(`dim ${i} copies a dim of the intermediate that is not known`);
      }
      return { shape, allowzero: false };
    },
  },
);

/** Axes of Squeeze/Unsqueeze: the input (opset 13+) or the attribute. */
function axesOf(c: ConstBinding | undefined, attr: unknown): number[] | undefined {
  return c ? intsOf(c.tensor) : intsAttr(attr as never);
}

/**
 * Squeeze and Unsqueeze of the same axes undo each other:
 *   Squeeze(Unsqueeze(x, a), a) = x   (Unsqueeze inserts 1s at a; Squeeze removes exactly them)
 *   Unsqueeze(Squeeze(x, a), a) = x   (Squeeze removes 1-dims at a; Unsqueeze puts them back)
 * Both lists of axes are read against the rank of the tensor between the two: x's rank plus
 * |a| after an Unsqueeze, x's own after a Squeeze (needed only for negative axes).
 */
function inversePair(name: string, pattern: Pattern<unknown>, unsqueezeFirst: boolean): Rule {
  return rule(name, pattern, (m) => (m as { x: ValueId }).x, {
    check: (m, g) => {
      const b = m as { x: ValueId; a1?: ConstBinding; a2?: ConstBinding; t1?: unknown; t2?: unknown };
      const a1 = axesOf(b.a1, b.t1);
      const a2 = axesOf(b.a2, b.t2);
      if (!a1 || !a2) return fail(unsqueezeFirst ? 'axes are not constant' : 'axes are not constant (a Squeeze without axes depends on the shape)');
      const r = rank(g.view, b.x);
      const between = r === undefined ? undefined : unsqueezeFirst ? r + a1.length : r;
      const n1 = normalizeAxes(a1, between);
      const n2 = normalizeAxes(a2, between);
      return n1 && n2 && sameList(n1, n2) ? true : fail('the axes differ (or need a rank that is unknown)');
    },
  });
}

/**
 * Unsqueeze(Unsqueeze(x, a1), a2) = Unsqueeze(x, a) of rank r + |a1| + |a2|: a2 are final
 * positions; the intermediate's dims fill the other final positions in order, so a1's inserted
 * dims land at those positions' a1-th entries.
 */
function unsqueezeUnsqueeze(name: string, pattern: Pattern<unknown>, attrForm: boolean): Rule {
  return rule(
    name,
    pattern,
    (m, emit, axes: number[]) => {
      const b = m as { x: ValueId };
      return attrForm ? emit.op('Unsqueeze', [b.x], { axes: axes.map(BigInt) }) : emit.op('Unsqueeze', [b.x, emit.constant(int64s(axes))]);
    },
    {
      check: (m, g) => {
        const b = m as { x: ValueId; a1?: ConstBinding; a2?: ConstBinding; t1?: unknown; t2?: unknown };
        const a1 = axesOf(b.a1, b.t1);
        const a2 = axesOf(b.a2, b.t2);
        if (!a1 || !a2) return fail('axes are not constant');
        const r = rank(g.view, b.x);
        const mid = r === undefined ? undefined : r + a1.length;
        const n1 = normalizeAxes(a1, mid);
        const n2 = normalizeAxes(a2, mid === undefined ? undefined : mid + a2.length);
        if (!n1 || !n2) return fail('negative axes need a rank that is unknown');
        // The final positions a2 does not take, in order: where the intermediate's dims go.
        const free: number[] = [];
        for (let i = 0; free.length <= Math.max(...n1, -1); i++) if (!n2.includes(i)) free.push(i);
        return [...n2, ...n1.map((i) => free[i])].sort((p, q) => p - q);
      },
    },
  );
}

const squeezePairs: Rule[] = [
  unsqueezeUnsqueeze('unsqueeze-unsqueeze', op.Unsqueeze(op.Unsqueeze(x, P.constVar('a1')), P.constVar('a2')), false),
  unsqueezeUnsqueeze('unsqueeze-unsqueeze-attr', op.Unsqueeze(op.Unsqueeze(x, { axes: P.attr('t1') }), { axes: P.attr('t2') }), true),
  inversePair('unsqueeze-squeeze', op.Squeeze(op.Unsqueeze(x, P.constVar('a1')), P.constVar('a2')), true),
  inversePair('unsqueeze-squeeze-attr', op.Squeeze(op.Unsqueeze(x, { axes: P.attr('t1') }), { axes: P.attr('t2') }), true),
  inversePair('squeeze-unsqueeze', op.Unsqueeze(op.Squeeze(x, P.constVar('a1')), P.constVar('a2')), false),
  inversePair('squeeze-unsqueeze-attr', op.Unsqueeze(op.Squeeze(x, { axes: P.attr('t1') }), { axes: P.attr('t2') }), false),
];

/**
 * Cast(Cast(x: S, T), U) = Cast(x, U) when S → T keeps every value (the second cast then sees x's
 * own value); = x when also U = S.
 */
const castCast = rule(
  'cast-cast',
  op.Cast(op.Cast(x, { to: P.attr('t') }), { to: P.attr('u') }),
  (m, emit, s: number) => (s === Number(m.u) ? m.x : emit.op('Cast', [m.x], { to: BigInt(Number(m.u)) })),
  {
    check: (m, g) => {
      const s = g.view.dtype(m.x);
      const t = Number(m.t);
      const u = Number(m.u);
      if (s === undefined) return fail('the dtype of the input is unknown');
      if (![s, t, u].every(plainDtype)) return fail('a string, float8 or sub-byte dtype is involved');
      return exactCast(s, t) ? s : fail(`the first cast (${s} to ${t}) can change values`);
    },
  },
);

/** Neg(Neg(x)) = x (also for the most negative integer: it negates to itself both times). */
const negNeg = rule('neg-neg', op.Neg(op.Neg(x)), (m) => m.x);

/** A constant product, quotient or sum of two constants, through the op's own kernel, in their dtype. */
function combine(opName: 'Mul' | 'Div' | 'Add', a: TensorValue, b: TensorValue): TensorValue | undefined {
  if (a.dtype !== b.dtype) return undefined;
  return evalOpTensor(opName, [a, b]);
}

const integer = new Set<number>([D.INT8, D.UINT8, D.INT16, D.UINT16, D.INT32, D.UINT32, D.INT64, D.UINT64]);
const floats = new Set<number>([D.FLOAT, D.DOUBLE, D.FLOAT16, D.BFLOAT16]);

/**
 * Mul(Mul(x, c1), c2) = Mul(x, c1*c2). Exact for integers (wrap-around products associate); for
 * floats a reassociation that can move the result by an ulp or two, so it is taken only when
 * c1*c2 has no zero, infinity or NaN the two steps would not have produced.
 */
const mulMul = rule(
  'mul-const-mul-const',
  op.Mul(op.Mul(x, P.constVar('c1')), P.constVar('c2')),
  (m, emit, c: TensorValue) => emit.op('Mul', [m.x, emit.constant(c)]),
  {
    check: (m, g) => {
      if (g.view.constant(m.x)) return fail('x is constant too: fold-constants computes it');
      const dt = m.c1.tensor.dtype;
      if (!integer.has(dt) && !floats.has(dt)) return fail('not a numeric dtype');
      const c = combine('Mul', m.c1.tensor, m.c2.tensor);
      if (!c) return fail('the constants have different dtypes');
      if (floats.has(dt)) {
        for (const v of c.data as Float32Array | Float64Array) if (!Number.isFinite(v) || v === 0) return fail('the product of the constants is 0, infinite or NaN');
      }
      return c;
    },
  },
);

/**
 * Chains of a constant scale and a constant divisor, floats only (integer Div truncates):
 *   Div(Mul(x, c1), c2) = Mul(x, c1/c2)      (10·log(x) / ln 10, as audio front ends write it)
 *   Mul(Div(x, c1), c2) = Mul(x, c2/c1)
 *   Div(Div(x, c1), c2) = Div(x, c1·c2)
 * The same reassociation as mul-const-mul-const, under the same guard: the combined constant has
 * no zero, infinity or NaN that the two steps would not have produced.
 */
function scaleChainCheck(combined: (c1: TensorValue, c2: TensorValue) => TensorValue | undefined) {
  return (m: { x: ValueId; c1: ConstBinding; c2: ConstBinding }, g: MatchContext) => {
    if (g.view.constant(m.x)) return fail('x is constant too: fold-constants computes it');
    if (!floats.has(m.c1.tensor.dtype)) return fail('not a float dtype (integer Div truncates)');
    const c = combined(m.c1.tensor, m.c2.tensor);
    if (!c) return fail('the constants have different dtypes');
    for (const v of c.data as Float32Array | Float64Array) if (!Number.isFinite(v) || v === 0) return fail('the combined constant is 0, infinite or NaN');
    return c;
  };
}

const [c1, c2] = [P.constVar('c1'), P.constVar('c2')];
const scaleChains: readonly Rule[] = [
  rule('mul-const-div-const', op.Div(op.Mul(x, c1), c2), (m, emit, c: TensorValue) => emit.op('Mul', [m.x, emit.constant(c)]), {
    check: scaleChainCheck((a, b) => combine('Div', a, b)),
  }),
  rule('div-const-mul-const', op.Mul(op.Div(x, c1), c2), (m, emit, c: TensorValue) => emit.op('Mul', [m.x, emit.constant(c)]), {
    check: scaleChainCheck((a, b) => combine('Div', b, a)),
  }),
  rule('div-const-div-const', op.Div(op.Div(x, c1), c2), (m, emit, c: TensorValue) => emit.op('Div', [m.x, emit.constant(c)]), {
    check: scaleChainCheck((a, b) => combine('Mul', a, b)),
  }),
];

/**
 * Mul(x, Div(1, y)) = Div(x, y): one rounding instead of two (torch exports
 * `x * rsqrt(v)` as Mul(x, Div(1, Sqrt(v))), which the norm fusions then see as the division they
 * match). float32 and float64 only: there 1/y overflows only for subnormal y, where the product is
 * infinite and the quotient is the finite answer; in float16 it would overflow below 1.5e-5. The 1
 * must broadcast to y's own shape (a scalar, or 1-dims of at most y's rank).
 */
function mulReciprocal(name: string, pattern: Pattern<{ x: ValueId; y: ValueId; one: ConstBinding }>): Rule {
  return rule(name, pattern, (m, emit) => emit.op('Div', [m.x, m.y]), {
    check: (m, g) => {
      const dt = m.one.tensor.dtype; // Div's inputs share one type
      if (dt !== D.FLOAT && dt !== D.DOUBLE) return fail('not float32 or float64 (a float16 reciprocal overflows early)');
      const c = m.one.tensor.dims;
      const r = rank(g.view, m.y);
      if (c.length > 0 && (r === undefined || c.length > r)) return fail('the 1 could raise the rank of the reciprocal');
      return true;
    },
  });
}

const [y] = P.vars('y');
// Mul is matched in both operand orders.
const mulReciprocalRule = mulReciprocal('mul-reciprocal', op.Mul(x, op.Div(P.constVar('one', 1), y)) as never);

/** Add(Add(x, c1), c2) = Add(x, c1+c2): integers only (float addition does not associate: cancellation). */
const addAdd = rule(
  'add-const-add-const',
  op.Add(op.Add(x, P.constVar('c1')), P.constVar('c2')),
  (m, emit, c: TensorValue) => emit.op('Add', [m.x, emit.constant(c)]),
  {
    check: (m, g) => {
      if (g.view.constant(m.x)) return fail('x is constant too: fold-constants computes it');
      if (!integer.has(m.c1.tensor.dtype)) return fail('float addition does not associate');
      return combine('Add', m.c1.tensor, m.c2.tensor) ?? fail('the constants have different dtypes');
    },
  },
);

/** Concat(a, Concat(b, c), d) = Concat(a, b, c, d) on the same axis, when the inner Concat has no other reader. */
const concatConcat = rule(
  'concat-concat',
  op.Concat(P.rest(), { axis: P.attr('axis') }).as('outer'),
  (m, emit, inputs: (ValueId | null)[]) => emit.op('Concat', inputs, { axis: m.axis as bigint }),
  {
    check: (m, g) => {
      const outer = m.outer;
      // Every input of a Concat has its output's rank: any one that is known will do.
      const r = [outer.outputs[0], ...outer.inputs].map((v) => (v ? rank(g.view, v) : undefined)).find((n) => n !== undefined);
      const axis = Number(m.axis);
      // Inputs of a Concat have its rank, so equal axes as written are the same axis; a negative
      // and a non-negative one compare only when the rank is known.
      const norm = (a: number) => (a < 0 && r !== undefined ? a + r : a);
      const inputs: (ValueId | null)[] = [];
      let merged = 0;
      for (const v of outer.inputs) {
        const p = v === null ? undefined : g.view.producer(v);
        const inner = p?.node;
        if (v !== null && inner && inner.op === 'Concat' && inner.domain === '' && g.view.useCount(v) === 1 && !g.view.isGraphOutput(v)) {
          const a = inner.attrs.find((t) => t.name === 'axis');
          const ia = a?.kind === 'int' ? Number(a.value) : undefined;
          if (ia !== undefined && norm(ia) === norm(axis)) {
            inputs.push(...inner.inputs);
            merged++;
            continue;
          }
        }
        inputs.push(v);
      }
      return merged > 0 ? inputs : fail('no input is a Concat on the same axis read only here');
    },
  },
);

/** The elements of an integer constant as bigints, exact (INT64_MAX, "to the end", stays itself). */
function bigintsOf(t: TensorValue | undefined): bigint[] | undefined {
  return t && (t.data instanceof BigInt64Array || t.data instanceof Int32Array) ? Array.from(t.data as ArrayLike<number | bigint>, (v) => BigInt(v)) : undefined;
}

/** Slice inputs as constants: starts, ends and steps exact; axes (small) as numbers. */
interface SliceParams {
  readonly starts: bigint[];
  readonly ends: bigint[];
  readonly axes: number[];
  readonly steps: bigint[];
}

function sliceParams(view: GraphView, inputs: readonly (ValueId | null)[]): SliceParams | undefined {
  const [, starts, ends, axes, steps] = inputs;
  const constant = (v: ValueId | null | undefined) => (v === null || v === undefined ? undefined : view.constant(v));
  const s = bigintsOf(constant(starts));
  const e = bigintsOf(constant(ends));
  if (!s || !e || s.length !== e.length) return undefined;
  const a = axes ? intsOf(constant(axes)) : s.map((_, i) => i);
  const st = steps ? bigintsOf(constant(steps)) : s.map(() => 1n);
  if (!a || !st || a.length !== s.length || st.length !== s.length) return undefined;
  return { starts: s, ends: e, axes: a, steps: st };
}

/** Slice(Slice(x, ...p), ...q) = Slice(x, ...p ++ q) when the two slice different axes (slicing distinct axes commutes). */
const sliceSlice = rule(
  'slice-slice',
  op.Slice(op.Slice(x, P.rest()).as('inner'), P.rest()).as('outer'),
  (m, emit, p: SliceParams) => emit.op('Slice', [m.x, ...[p.starts, p.ends, p.axes.map(BigInt), p.steps].map((list) => emit.constant(bigints(list)))]),
  {
    check: (m, g) => {
      const p = sliceParams(g.view, m.inner.inputs);
      const q = sliceParams(g.view, m.outer.inputs);
      if (!p || !q) return fail('starts, ends, axes or steps are not constant');
      const r = rank(g.view, m.x);
      const a1 = normalizeAxes(p.axes, r);
      const a2 = normalizeAxes(q.axes, r);
      if (!a1 || !a2) return fail('axes are negative and the rank is unknown, or repeat');
      if (a1.some((a) => a2.includes(a))) return fail('both slice the same axis');
      // Concatenated, not computed: starts and ends as written (INT64_MAX and negatives included).
      return { starts: [...p.starts, ...q.starts], ends: [...p.ends, ...q.ends], axes: [...nonNegative(p.axes, r), ...nonNegative(q.axes, r)], steps: [...p.steps, ...q.steps] };
    },
  },
);

/** Axes as given, made non-negative when the rank is known (order kept: they pair with starts/ends). */
function nonNegative(axes: readonly number[], r: number | undefined): number[] {
  return axes.map((a) => (a < 0 && r !== undefined ? a + r : a));
}

export const algebraRules: readonly Rule[] = [
  transposeTranspose,
  reshapeReshape,
  ...squeezePairs,
  castCast,
  negNeg,
  mulMul,
  ...scaleChains,
  mulReciprocalRule,
  addAdd,
  concatConcat,
  sliceSlice,
];
