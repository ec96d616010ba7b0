/**
 * How convert-float16 is property-checked (its own test and `npm run fuzz`): within float16
 * precision, rtol 2e-2 and atol 2e-2, on models where such a bound holds.
 *
 * The bound: each float16 rounding is at most 2^-11 relative; generated models chain up to
 * eight ops on inputs of magnitude 2^-8 … 1 (smaller ones are 0: float16 flushes them; larger
 * ones leave the range the pass measures, [-1, 1), and products of them float16's), so outputs
 * stay inside 1e-2, doubled for Sub of near-equal values (absolute error). Left out are the ops
 * with no such bound: Div, Reciprocal and Sqrt (also inside the Neutral and LayerNorm generators)
 * amplify the error of a divisor or argument near 0 without limit, Pow and Exp grow fastest,
 * comparisons and Cast to integers give exact results of inexact operands (a tanh of 0.9999
 * rounded to 1.0 truncates to 1, not 0); NaN and infinite inputs likewise.
 */
import { opsOf, type CheckPassOptions } from '../../src/testing.js';

const UNBOUNDED = ['Less', 'Greater', 'Equal', 'Where', 'Cast', 'Pow', 'Exp', 'Div', 'Reciprocal', 'Sqrt', 'Neutral', 'LayerNorm'];

export function convertFloat16CheckOptions(): Pick<CheckPassOptions, 'generate' | 'feedOptions' | 'tolerance'> {
  const tol = { rtol: 2e-2, atol: 2e-2 };
  return {
    generate: { ops: opsOf().filter((op) => !UNBOUNDED.includes(op)) },
    feedOptions: { specialFloats: false, minMagnitude: 2 ** -8, maxMagnitude: 1 },
    tolerance: { float: tol, float16: tol },
  };
}
