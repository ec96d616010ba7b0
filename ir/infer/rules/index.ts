/**
 * Every inference rule, by family. Not a table of its own: `ir/ops/index.ts` attaches each rule
 * to its op's definition (`defineOpTable`), and the driver reads the rule from there.
 */
import { rules as control } from './control.js';
import { rules as elementwise } from './elementwise.js';
import { rules as nn } from './nn.js';
import { rules as tensor } from './tensor.js';
import type { InferTable } from '../types.js';

export const standardRules: InferTable = [...elementwise, ...tensor, ...nn, ...control];
