/**
 * Activations written out in primitive ops, fused into the standard op when the model's opset has it:
 *   x · HardSigmoid(x; α=1/6, β=½)               = HardSwish(x)            (opset 14)
 *   x · Clip(x + 3, 0, 6) / 6                     = HardSwish(x)            (opset 14;
 *                                                 = x · HardSigmoid(x; α=1/6, β=½) from opset 6)
 *   x · tanh(softplus(x))                         = Mish(x)                 (opset 18)
 *   x · Sigmoid(x)                                = Swish(x)                (opset 24; α = 1)
 *   ½ · x · (1 + erf(x / √2))                     = Gelu(x)                 (opset 20)
 *   ½ · x · (1 + tanh(√(2/π) · (x + 0.044715·x³))) = Gelu(x, approximate=tanh) (opset 20)
 * Constants are compared within float32 rounding, and one of higher rank than x (a [1,1,1] ½),
 * which broadcasts the result to more dims, makes the rule decline (keepsRank). Below the opset the
 * rule declines and says so.
 */
import { float } from '../../../ir/attrs.js';
import type { Node } from '../../../ir/types.js';
import { P, fail, op, rule, type Rule } from '../../../src/pattern/index.js';
import { attrOf, FLOATS, floatAttr, keepsRank, near } from './util.js';

const [x] = P.vars('x');

const hardSwish = rule('hardsigmoid-mul-to-hardswish', op.Mul(x, op.HardSigmoid(x).as('hs')), (m, emit) => emit.op('HardSwish', [m.x]), {
  minOpset: 14,
  check: (m) =>
    Math.abs(floatAttr(m.hs, 'alpha', 0.2) - 1 / 6) < 1e-6 && Math.abs(floatAttr(m.hs, 'beta', 0.5) - 0.5) < 1e-7 ? true : fail('HardSigmoid is not alpha=1/6, beta=1/2'),
});

/** Clip(x + 3, 0, 6), its bounds as inputs (opset 11) or attributes (before). */
const shifted = op.Add(x, P.const(near(3)));
const relu6 = P.or(op.Clip(shifted).as('clip'), op.Clip(shifted, P.const(near(0)), P.const(near(6))).as('clip'));
/** x · Clip(x + 3, 0, 6) / 6 in the groupings exporters write (MobileNetV3 by hand, Paddle). */
const hardSwishWritten = P.or(
  op.Div(op.Mul(x, relu6), P.const(near(6))),
  op.Mul(op.Mul(x, relu6), P.const(near(1 / 6))),
  op.Mul(x, op.Div(relu6, P.const(near(6)))),
  op.Mul(x, op.Mul(relu6, P.const(near(1 / 6)))),
);
/** A Clip whose bounds are attributes (before opset 11): both must be there, 0 and 6. */
function attrBoundsOk(clip: Node): boolean {
  // The pattern matched the constant inputs; an omitted min and max ("", dropped by the matcher as
  // trailing) leave the one-input form, which must then have both bounds as attributes.
  if (clip.inputs.slice(1).some((v) => v !== null)) return true;
  const lo = attrOf(clip, 'min');
  const hi = attrOf(clip, 'max');
  return lo?.kind === 'float' && lo.value === 0 && hi?.kind === 'float' && hi.value === 6;
}
const clipHardSwish = rule(
  'clip-div-to-hardswish',
  hardSwishWritten,
  (m, emit, d: { fused: boolean }) =>
    d.fused ? emit.op('HardSwish', [m.x]) : emit.op('Mul', [m.x, emit.op('HardSigmoid', [m.x], { alpha: float(1 / 6), beta: float(0.5) })]),
  {
    // HardSigmoid (opset 6) computes max(0, min(1, x/6 + 1/2)): the clip of x + 3 to [0, 6], over 6.
    minOpset: 6,
    check: (m, g) => {
      if (!FLOATS.has(g.view.dtype(m.x) ?? 0)) return fail('not a float type');
      if (!attrBoundsOk(m.clip as Node)) return fail('Clip bounds are not 0 and 6');
      const kept = keepsRank(g, m.x);
      if (kept !== true) return kept;
      return { fused: g.opset >= 14 };
    },
  },
);

const mish = rule('softplus-tanh-mul-to-mish', op.Mul(x, op.Tanh(op.Softplus(x))), (m, emit) => emit.op('Mish', [m.x]), { minOpset: 18 });

const swish = rule('mul-sigmoid-to-swish', op.Mul(x, op.Sigmoid(x)), (m, emit) => emit.op('Swish', [m.x]), {
  minOpset: 24,
  check: (m, g) => (FLOATS.has(g.view.dtype(m.x) ?? 0) ? true : fail('not a float type')),
});

const half = P.const(near(0.5));
const one = P.const(near(1));
/** erf(x / √2) + 1, with the division also written as a product by 1/√2. */
const erfTerm = op.Add(op.Erf(P.or(op.Div(x, P.const(near(Math.SQRT2))), op.Mul(x, P.const(near(Math.SQRT1_2))))), one);
/** x · (1 + erf(x/√2)) · ½ in the groupings exporters write (x bound as `x`; fold-affine reuses it). */
export const geluErfPattern = P.or(op.Mul(op.Mul(x, erfTerm), half), op.Mul(op.Mul(x, half), erfTerm), op.Mul(x, op.Mul(erfTerm, half)));
const geluErf = rule('gelu-erf', geluErfPattern, (m, emit) => emit.op('Gelu', [m.x]), { minOpset: 20, check: (m, g) => keepsRank(g, m.x) });

/** x + 0.044715·x³ with x³ as Pow(x, 3) or x·x·x. */
const cubic = op.Add(x, op.Mul(P.or(op.Pow(x, P.const(near(3))), op.Mul(x, op.Mul(x, x)), op.Mul(op.Mul(x, x), x)), P.const(near(0.044715))));
const tanhTerm = op.Add(op.Tanh(op.Mul(cubic, P.const(near(Math.sqrt(2 / Math.PI), 1e-5)))), one);
const geluTanhPattern = P.or(op.Mul(op.Mul(x, tanhTerm), half), op.Mul(op.Mul(x, half), tanhTerm), op.Mul(x, op.Mul(tanhTerm, half)));
const geluTanh = rule('gelu-tanh', geluTanhPattern, (m, emit) => emit.op('Gelu', [m.x], { approximate: 'tanh' }), {
  minOpset: 20,
  check: (m, g) => keepsRank(g, m.x),
});

export const activationRules: readonly Rule[] = [hardSwish, clipHardSwish, mish, swish, geluErf, geluTanh];
