/**
 * The op table of lathe: every family's kernels with their inference rules attached, composed
 * explicitly (no global registry filled by side effects). The evaluator and shape inference both
 * read this one table; `defineOpTable` refuses a duplicate op and a rule without an op.
 *
 * The rules live in `ir/infer/rules/` (they use the dims algebra of `ir/infer/`); this file is the
 * only place they meet the kernels.
 */
import { standardRules } from '../infer/rules/index.js';
import { ops as control } from './control.js';
import { ops as elementwise } from './elementwise.js';
import { ops as nn } from './nn.js';
import { defineOpTable } from './registry.js';
import { ops as tensor } from './tensor.js';
import type { OpTable } from './types.js';

export const standardOps: OpTable = defineOpTable([...elementwise, ...tensor, ...nn, ...control], standardRules);
