/**
 * The catch rate of checkPass (DEFAULT options, fixed seed) on the mutants of mutants.ts. Every
 * mutant must build (its text must still be in the real code); escapes are listed with the
 * mutant's own description so a reader can judge them. BENCHMARKS.md records the figure.
 */
import { expect, test } from 'vitest';
import { CheckPassError, checkPass } from '../../src/testing.js';
import { loadMutant } from './apply.js';
import { mutants } from './mutants.js';

/** The rate this suite must keep (BENCHMARKS.md has the measured one). */
const REQUIRED_RATE = 0.9;

test('at least 30 mutants, unique names', () => {
  expect(mutants.length).toBeGreaterThanOrEqual(30);
  expect(new Set(mutants.map((m) => m.name)).size).toBe(mutants.length);
});

test('checkPass catches the mutants', { timeout: 600_000 }, async () => {
  const escaped: string[] = [];
  const caught: string[] = [];
  for (const m of mutants) {
    const factory = await loadMutant(m);
    try {
      checkPass(factory, { seed: Number(process.env.MUTANT_SEED ?? 1) });
      escaped.push(`${m.name} (${m.pass}): ${m.breaks}`);
    } catch (e) {
      if (!(e instanceof CheckPassError)) throw e;
      caught.push(`${m.name}: ${e.problem}`);
    }
  }
  const rate = caught.length / mutants.length;
  console.log(`caught ${caught.length}/${mutants.length} (${(rate * 100).toFixed(1)}%)\n${caught.join('\n')}\nescaped:\n${escaped.join('\n')}`);
  expect(rate).toBeGreaterThanOrEqual(REQUIRED_RATE);
});
