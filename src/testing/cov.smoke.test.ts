import fc from 'fast-check';
import { test } from 'vitest';
import { arbModel } from './arb-model.js';
import { passes } from '../../passes/index.js';
import { asTransform } from './check-pass.js';

test('coverage', () => {
  const models = fc.sample(arbModel(), { seed: 20261206, numRuns: 200 });
  for (const [name, f] of Object.entries(passes)) {
    const t = asTransform(f);
    let changed = 0;
    for (const m of models) if (t(m) !== m) changed++;
    console.log(name, changed);
  }
});
