/**
 * Inference rules for the control family: If/Loop/Scan through their bodies, sequences and
 * optionals, string ops and random ops. Each group lives in `control/<group>.ts`.
 */
import type { InferTable } from '../types.js';
import { flowRules } from './control/flow.js';
import { miscRules } from './control/misc.js';
import { mlRules } from './control/ml.js';
import { sequenceRules } from './control/sequence.js';

export const rules: InferTable = [...flowRules, ...sequenceRules, ...miscRules, ...mlRules];
