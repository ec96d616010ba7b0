/**
 * Scaled dot-product attention written out in primitive ops (opset 23):
 *   MatMul(Softmax(MatMul(Q, Kᵀ) · s + mask, axis=-1), V) = Attention(Q, K, V, mask; scale=s)
 * with the product by s also written as a division by 1/s, or absent (s = 1: the scale attribute
 * is then set explicitly, since Attention's default is 1/√D). Kᵀ is whatever the graph reads; the
 * rule emits Transpose(Kᵀ, [0,1,3,2]) as K, which simplify-algebra merges with the Transpose that
 * usually produced Kᵀ.
 *
 * Conditions the identity needs: Q, Kᵀ and V 4-D with the same batch and head dims (Attention's
 * heads are not MatMul's broadcast: grouped K/V stays unfused), float types, Softmax over the last
 * axis, a one-element positive constant scale of rank at most 4 (a higher one raises the scores'
 * rank), and a mask of the scores' dtype that does not grow the scores and ends in exactly
 * [query length, key length] (see maskFits). One difference remains, as in every fused attention:
 * a row whose mask is −∞ everywhere gives NaN written out and zeros in Attention.
 */
import type { Dim, Node, ValueId } from '../../../ir/types.js';
import { float } from '../../../ir/attrs.js';
import { P, fail, op, rule, type ConstBinding, type Fail, type GraphView, type Pattern, type Rule } from '../../../src/pattern/index.js';
import { FLOATS, intAttr, keepsRank } from './util.js';

const [q, kt, v, mask] = P.vars('q', 'kt', 'v', 'mask');

type Scale = 'mul' | 'div' | 'none';

const same = (a: Dim | undefined, b: Dim | undefined): boolean => a !== undefined && a !== null && a === b;

interface AttnMatch {
  readonly q: ValueId;
  readonly kt: ValueId;
  readonly v: ValueId;
  readonly mask?: ValueId;
  readonly c?: ConstBinding;
  readonly sm: Node;
}

/**
 * The mask broadcasts onto scores [B, H, Sq, T] without growing them, its last two dims exactly
 * [Sq, T]. Stricter than the spec on purpose: Attention pads a short last dim with −∞ where Add
 * would broadcast it, onnxruntime refuses a query dim of 1, and it reads a 3-D mask as [B, Sq, T]
 * where broadcasting reads [H, Sq, T] (so a 3-D mask must lead with 1).
 */
function maskFits(view: GraphView, m: ValueId, scores: readonly Dim[]): boolean {
  const s = view.shape(m);
  if (!s || s.length < 2 || s.length > 4 || (s.length === 3 && s[0] !== 1)) return false;
  const off = 4 - s.length;
  return s.every((d, i) => (i >= s.length - 2 ? same(d, scores[off + i]) : d === 1 || same(d, scores[off + i])));
}

/** The scale attribute, or why the match does not qualify. */
function attnCheck(m: AttnMatch, view: GraphView, scaleKind: Scale): { scale: number } | Fail {
  const dt = view.dtype(m.q);
  if (dt === undefined || !FLOATS.has(dt)) return fail('Q is not a float tensor');
  if (view.dtype(m.kt) !== dt || view.dtype(m.v) !== dt) return fail('Q, K and V have different dtypes');
  const sq = view.shape(m.q), sk = view.shape(m.kt), sv = view.shape(m.v);
  if (sq?.length !== 4 || sk?.length !== 4 || sv?.length !== 4) return fail('Q, Kᵀ and V are not all 4-D with known rank');
  for (const i of [0, 1]) if (!same(sq[i], sk[i]) || !same(sq[i], sv[i])) return fail('Q, K and V do not share batch and head dims');
  const axis = intAttr(m.sm, 'axis', -1);
  if (axis !== -1 && axis !== 3) return fail('Softmax is not over the last axis');
  if (m.mask !== undefined) {
    if (view.dtype(m.mask) !== dt) return fail('the mask has another dtype');
    if (!maskFits(view, m.mask, [sq[0], sq[1], sq[2], sk[3]])) return fail('the mask would broadcast the scores, or does not end in [query length, key length]');
  }
  if (scaleKind === 'none') return { scale: 1 };
  const t = m.c!.tensor;
  if (Array.isArray(t.data) || t.data.length !== 1) return fail('the scale is not one value');
  const c = Number(t.data[0]);
  const scale = scaleKind === 'mul' ? c : 1 / c;
  // Attention's function body scales Q and Kᵀ by √scale each: a negative scale is NaN there
  return Number.isFinite(scale) && scale > 0 ? { scale } : fail('the scale is not a positive finite number');
}

function attention(scaleKind: Scale, masked: boolean): Rule {
  const qk = op.MatMul(q, kt);
  const scaled: Pattern<unknown> = scaleKind === 'mul' ? op.Mul(qk, P.constVar('c')) : scaleKind === 'div' ? op.Div(qk, P.constVar('c')) : qk;
  const logits = masked ? op.Add(scaled, mask) : scaled;
  const pattern = op.MatMul(op.Softmax(logits).as('sm'), v);
  const name = `attention${scaleKind === 'none' ? '' : `-${scaleKind}`}${masked ? '-masked' : ''}`;
  return rule(
    name,
    pattern as Pattern<AttnMatch>,
    (m, emit, data: { scale: number }) => {
      const k = emit.op('Transpose', [m.kt], { perm: [0n, 1n, 3n, 2n] });
      return emit.op('Attention', m.mask !== undefined ? [m.q, k, m.v, m.mask] : [m.q, k, m.v], { scale: float(data.scale) });
    },
    {
      minOpset: 23,
      check: (m, ctx) => {
        const kept = keepsRank(ctx, m.q);
        return kept === true ? attnCheck(m, ctx.view, scaleKind) : kept;
      },
    },
  );
}

export const attentionRules: readonly Rule[] = (['mul', 'div', 'none'] as const).flatMap((s) => [attention(s, true), attention(s, false)]);
