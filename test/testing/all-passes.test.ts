/** Every registered pass, checked with checkPass on generated models (fixed seed). */
import { describe, test } from 'vitest';
import { passes } from '../../passes/index.js';
import { checkPass } from '../../src/testing.js';

describe('checkPass over every registered pass', () => {
  for (const [name, factory] of Object.entries(passes)) {
    test(name, () => {
      checkPass(factory, { seed: 20261206, runs: 200 });
    });
  }
});
