/** Every inference rule, composed explicitly. */
import { rules as control } from './rules/control.js';
import { rules as elementwise } from './rules/elementwise.js';
import { rules as nn } from './rules/nn.js';
import { rules as tensor } from './rules/tensor.js';
import type { InferTable } from './types.js';

export const standardRules: InferTable = [...elementwise, ...tensor, ...nn, ...control];
