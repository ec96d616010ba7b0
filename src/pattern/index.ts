/** The pattern rewriter: patterns, rules, the emitter, the drivers and rule passes. */
export { P, op, opIn, type Pattern, type OpPattern, type Var, type ConstBinding, type AttrValue } from './pattern.js';
export { defineRule, rule, fail, isFail, ruleSet, ruleGlob, type Rule, type RuleSpec, type RuleSet, type Fail, type MatchContext, type Replacement } from './rule.js';
export type { Emitter } from './emit.js';
export type { Facts, GraphView } from './view.js';
export { applyRules, type ApplyRulesOptions, type ApplyRulesResult, type RuleTraceEvent, type StopReason } from './driver.js';
export { rewritePass, type RewritePassOptions, type RewritePassSpec } from './rewrite-pass.js';
