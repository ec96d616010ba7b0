/** Every registered pass, checked with checkPass on generated models (fixed seed). */
import { describe, test } from 'vitest';
import { passes } from '../../passes/index.js';
import { convertFloat16CheckOptions } from '../../passes/convert-float16/check-options.js';
import { quantizeCheckTargets } from '../../passes/quantize-check.js';
import { checkPass, type Checkable, type CheckPassOptions } from '../../src/testing.js';

/**
 * Passes that lower precision, checked against their own stated bound, on the models where one
 * holds (the reasons are beside each set of options).
 */
const lossy: Readonly<Record<string, { pass: Checkable; options: CheckPassOptions }>> = {
  'convert-float16': { pass: passes['convert-float16'], options: { ...convertFloat16CheckOptions(), runs: 60 } },
  ...quantizeCheckTargets(),
};

describe('checkPass over every registered pass', () => {
  for (const [name, factory] of Object.entries(passes)) {
    test(name, () => {
      checkPass(lossy[name]?.pass ?? factory, { seed: 20261206, runs: 200, ...lossy[name]?.options });
    });
  }
});
