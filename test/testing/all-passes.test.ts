/** Every registered pass, checked with checkPass on generated models (fixed seed). */
import { describe, test } from 'vitest';
import { passes } from '../../passes/index.js';
import { checkPass, opsOf, type CheckPassOptions } from '../../src/testing.js';

/**
 * Passes that lower precision, checked against their own stated bound (see each one's tests):
 * float16 rounding, inputs at least 2^-8 in magnitude (smaller ones flush to 0 in float16),
 * well-conditioned ops only (no Div/Reciprocal/Sqrt near 0, no Pow/Exp leaving float16's
 * range, no comparisons of inexact operands), no NaN/infinite inputs.
 */
const halfBound = { rtol: 2e-2, atol: 2e-2 };
const lossy: Readonly<Record<string, CheckPassOptions>> = {
  'convert-float16': {
    tolerance: { float: halfBound, float16: halfBound },
    feedOptions: { specialFloats: false, minMagnitude: 2 ** -8 },
    generate: { ops: opsOf().filter((op) => !['Less', 'Greater', 'Equal', 'Where', 'Pow', 'Exp', 'Div', 'Reciprocal', 'Sqrt', 'Neutral', 'LayerNorm'].includes(op)) },
    runs: 60,
  },
};

describe('checkPass over every registered pass', () => {
  for (const [name, factory] of Object.entries(passes)) {
    test(name, () => {
      checkPass(factory, { seed: 20261206, runs: 200, ...lossy[name] });
    });
  }
});
