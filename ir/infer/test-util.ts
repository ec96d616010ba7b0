/** Test support for the inference driver: an op table made of rules alone. */
import { defineOpTable } from '../ops/registry.js';
import type { InferRule, OpTable } from '../ops/types.js';

/** One op per rule (every opset from 1, a kernel that refuses to run), with the rule attached. */
export function tableOf(rules: readonly InferRule[]): OpTable {
  const kernels = rules.map((r) => ({
    domain: r.domain, name: r.name, since: [1],
    kernel: () => { throw new Error(`${r.name}: a rule-only test op has no kernel`); },
  }));
  return defineOpTable(kernels, rules);
}
