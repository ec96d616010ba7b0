/** Shared by the pattern machinery's tests: rules applied with the output verified, and op lists. */
import { expect } from 'vitest';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { applyRules } from './driver.js';
import { ruleSet, type Rule } from './rule.js';

/** `rules` applied to `model`; the output must verify. */
export function run(model: Model, rules: readonly Rule[], options: Parameters<typeof applyRules>[2] = {}) {
  const out = applyRules(model, ruleSet(rules), options);
  expect(verify(out.model).filter((d) => d.severity === 'error')).toEqual([]);
  return out;
}

/** The main graph's ops in order. */
export const ops = (m: Model): string[] => m.graph.order.map((id) => m.graph.nodes[id].op);
