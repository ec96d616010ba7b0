/**
 * Inference rules for the nn family (matrix products, convolutions and pools, normalizations,
 * quantization, attention, resampling, recurrent nets, losses). Each group lives in
 * `nn/<group>.ts`; this file only concatenates their tables.
 */
import type { InferTable } from '../types.js';
import { convRules } from './nn/conv.js';
import { matmulRules } from './nn/matmul.js';
import { miscRules } from './nn/misc.js';
import { normRules } from './nn/norm.js';
import { quantRules } from './nn/quant.js';
import { recentRules } from './nn/recent.js';
import { signalRules } from './nn/signal.js';

export const rules: InferTable = [...matmulRules, ...convRules, ...normRules, ...quantRules, ...miscRules, ...signalRules, ...recentRules];
