/** The fuse pass's rules, by family, in the order they are tried. */
import type { Rule } from '../../../src/pattern/index.js';
import { layoutRules } from './layout.js';

export const fuseRules: readonly Rule[] = [...layoutRules];
