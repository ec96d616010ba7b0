/**
 * The op table of lathe: every family's definitions, composed explicitly (no global registry
 * filled by side effects). Order matters only for duplicates, which a test forbids.
 */
import { ops as control } from './control.js';
import { ops as elementwise } from './elementwise.js';
import { ops as nn } from './nn.js';
import { ops as tensor } from './tensor.js';
import type { OpTable } from './types.js';

export const standardOps: OpTable = [...elementwise, ...tensor, ...nn, ...control];
