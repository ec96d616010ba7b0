import fc from 'fast-check';
import { expect, test } from 'vitest';
import { arbModel } from './arb-model.js';
import { arbFeeds } from './arb-feeds.js';
import { verify } from '../../ir/verify/verify.js';
import { evaluate } from '../../ir/eval/run.js';
import { printModel } from '../../ir/text/print.js';

test('smoke', () => {
  const errs = new Map<string, number>();
  let ok = 0;
  fc.assert(fc.property(arbModel().chain((m) => fc.tuple(fc.constant(m), arbFeeds(m))), ([m, f]) => {
    const d = verify(m).filter((x) => x.severity === 'error');
    if (d.length) throw new Error(JSON.stringify(d) + '\n' + printModel(m));
    try { evaluate(m, f); ok++; } catch (e) { const k = String((e as Error).message).slice(0, 90); errs.set(k, (errs.get(k) ?? 0) + 1); }
  }), { numRuns: 1000, seed: 1 });
  console.log(ok, [...errs].sort((a, b) => b[1] - a[1]).slice(0, 25));
});
