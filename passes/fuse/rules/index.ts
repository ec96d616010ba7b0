/** The fuse pass's rules, by family, in the order they are tried. */
import type { Rule } from '../../../src/pattern/index.js';
import { activationRules } from './activation.js';
import { attentionRules } from './attention.js';
import { convRules } from './conv.js';
import { linalgRules } from './linalg.js';
import { normRules } from './norm.js';

export const fuseRules: readonly Rule[] = [...linalgRules, ...convRules, ...normRules, ...activationRules, ...attentionRules];
