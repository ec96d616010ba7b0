/**
 * Mutants of rules the default generator cannot reach (mutants.ts `ruleMutants`): checkPass on
 * models planted with the real rule's pattern and near misses must catch every one.
 */
import { expect, test } from 'vitest';
import { RULE_FAMILIES, ruleGenerateOptions } from '../../bench/rule-targets.js';
import { CheckPassError, checkPass } from '../../src/testing.js';
import { loadMutant } from './apply.js';
import { ruleMutants } from './mutants.js';

test('checkPass with around catches the rule mutants', { timeout: 600_000 }, async () => {
  const escaped: string[] = [];
  for (const m of ruleMutants) {
    const rule = RULE_FAMILIES.flatMap((f) => f.rules).find((r) => r.name === m.rule);
    expect(rule, m.rule).toBeDefined();
    const factory = await loadMutant(m);
    try {
      checkPass(factory, { seed: Number(process.env.MUTANT_SEED ?? 1), generate: ruleGenerateOptions(rule!) });
      escaped.push(`${m.name}: ${m.breaks}`);
    } catch (e) {
      if (!(e instanceof CheckPassError)) throw e;
    }
  }
  expect(escaped).toEqual([]);
});
