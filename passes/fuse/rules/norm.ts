/**
 * Normalizations written out in primitive ops:
 *   d = x − mean(x);  d / √(mean(d²) + ε) · γ + β  = LayerNormalization(x, γ, β; axis, ε)   (opset 17)
 *   x / √(mean(x²) + ε) · γ                        = RMSNormalization(x, γ; axis, ε)      (opset 23)
 * over the trailing axes (both means over the same ones, keeping dims). The division may be
 * written as a product by Reciprocal(√…), √ as Pow(·, ½), and d² as Pow(d, 2) or d·d. γ and β
 * must have exactly the normalized dims (known): the fused ops do not broadcast them as Mul/Add
 * did, nor may ε or another constant raise the rank of the result (an ε of shape [1,1,1,1] on a
 * 3-D x). The β-less form is fused only when no Add follows (the full rule takes that one).
 */
import type { Dim, Node, ValueId } from '../../../ir/types.js';
import { float } from '../../../ir/attrs.js';
import { P, fail, op, rule, type ConstBinding, type Fail, type MatchContext, type Pattern, type Rule } from '../../../src/pattern/index.js';
import { FLOATS, intAttr, keepsRank, near, rankOf, reduceAxes } from './util.js';

const [x, gamma, beta] = P.vars('x', 'gamma', 'beta');

const square = <B>(v: Pattern<B>) => P.or(op.Pow(v, P.const(near(2))), op.Mul(v, v));
const overRoot = <B, C>(num: Pattern<B>, den: Pattern<C>) =>
  P.or(op.Div(num, P.or(op.Sqrt(den), op.Pow(den, P.const(near(0.5))))), op.Mul(num, op.Reciprocal(op.Sqrt(den))));

interface NormData {
  readonly axis: number;
  readonly epsilon: number;
}

interface NormMatch {
  readonly x: ValueId;
  readonly eps: ConstBinding;
  readonly mean2: Node;
  readonly mean1?: Node;
  readonly gamma?: ValueId;
  readonly beta?: ValueId;
}

/** The normalized axis and epsilon, or why the match does not qualify. */
function normCheck(m: NormMatch, ctx: MatchContext): NormData | Fail {
  const view = ctx.view;
  const dt = view.dtype(m.x);
  if (dt === undefined || !FLOATS.has(dt)) return fail('the input is not a float tensor');
  const r = rankOf(view, m.x);
  if (r === undefined) return fail('the rank of the input is unknown');
  let axis: number | undefined;
  for (const n of m.mean1 ? [m.mean1, m.mean2] : [m.mean2]) {
    if (intAttr(n, 'keepdims', 1) !== 1) return fail('a mean drops the reduced axes');
    const axes = reduceAxes(n, view);
    if (!axes || axes.length === 0) return fail('the mean axes are not constant');
    const sorted = axes.map((a) => (a < 0 ? a + r : a)).sort((p, q) => p - q);
    if (sorted.some((a, i) => a !== r - sorted.length + i)) return fail('the mean is not over the trailing axes');
    if (axis !== undefined && axis !== sorted[0]) return fail('the two means reduce different axes');
    axis = sorted[0];
  }
  const normalized: readonly Dim[] = view.shape(m.x)!.slice(axis);
  for (const p of [m.gamma, m.beta]) {
    if (p === undefined) continue;
    const s = view.shape(p);
    if (!s || s.length !== normalized.length || s.some((d, i) => typeof d !== 'number' || d !== normalized[i])) return fail('γ or β does not have exactly the normalized dims');
    if (view.dtype(p) !== dt) return fail('γ or β has another dtype');
  }
  if (m.eps.tensor.data.length !== 1) return fail('epsilon is not one value');
  const kept = keepsRank(ctx, m.x);
  if (kept !== true) return kept;
  const epsilon = Number(m.eps.tensor.data[0]);
  // With ε = 0 a row of zeros, or of values whose squares underflow in float32, is 0·∞ = NaN in the
  // written-out form, while the fused op's kernel (float64 statistics) may give a number; with ε > 0
  // the root is never 0 and the two agree within rounding (exporters use 1e-5, 1e-6, …).
  return epsilon > 0 ? { axis: axis as number, epsilon } : fail('epsilon is not positive');
}

function layerNorm(withBeta: boolean): Rule {
  const mean1 = op.ReduceMean(x, P.rest()).as('mean1');
  const d = op.Sub(x, mean1).as('sub');
  const normed = overRoot(d, op.Add(op.ReduceMean(square(d), P.rest()).as('mean2'), P.constVar('eps')));
  const scaled = op.Mul(normed, gamma);
  const emitLn = (m: NormMatch, emit: Parameters<Parameters<typeof rule>[2]>[1], data: NormData) =>
    emit.op('LayerNormalization', m.beta ? [m.x, m.gamma!, m.beta] : [m.x, m.gamma!], { axis: BigInt(data.axis), epsilon: float(data.epsilon) });
  if (withBeta) return rule('layer-norm', op.Add(scaled, beta), emitLn, { minOpset: 17, check: normCheck });
  return rule('layer-norm-no-bias', scaled.as('root'), emitLn, {
    minOpset: 17,
    check: (m, ctx) => {
      const out = m.root.outputs[0] as ValueId;
      if (ctx.view.readers(out).some((n) => n.op === 'Add')) return fail('an Add follows: the layer-norm rule with a bias takes it');
      return normCheck(m, ctx);
    },
  });
}

const rmsNorm = rule(
  'rms-norm',
  op.Mul(overRoot(x, op.Add(op.ReduceMean(square(x), P.rest()).as('mean2'), P.constVar('eps'))), gamma),
  (m, emit, data: NormData) => emit.op('RMSNormalization', [m.x, m.gamma], { axis: BigInt(data.axis), epsilon: float(data.epsilon) }),
  {
    minOpset: 23,
    check: (m, ctx) => (centered(m.x, ctx) ? fail('x is centered by its own mean: a layer norm, the layer-norm rules take it') : normCheck(m, ctx)),
  },
);

/**
 * x = y − ReduceMean(y): the RMS pattern over it is a layer norm. Fusing it as RMSNormalization
 * first (its root Mul comes before the layer norm's bias Add) would leave the mean, the Sub and
 * the Add beside it instead of one LayerNormalization.
 */
function centered(v: ValueId, ctx: MatchContext): boolean {
  const sub = ctx.view.producer(v)?.node;
  if (sub?.op !== 'Sub' || sub.domain !== '') return false;
  const mean = sub.inputs[1] === null ? undefined : ctx.view.producer(sub.inputs[1])?.node;
  return mean?.op === 'ReduceMean' && mean.domain === '' && mean.inputs[0] === sub.inputs[0];
}

export const normRules: readonly Rule[] = [layerNorm(true), layerNorm(false), rmsNorm];
