/**
 * fold-affine: BatchNormalization (inference mode), and Mul/Add by per-channel constants, after a
 * Conv, ConvTranspose, Gemm or MatMul with a constant weight, folded into that weight and bias
 * (what onnxruntime's basic level fuses, with standard ops only); scalar factors of attention
 * scores and of the erf Gelu moved into neighbouring weights. See rules.ts and gelu-scale.ts for
 * the identities and the conditions each checks.
 */
import { rewritePass } from '../../src/pattern/index.js';
import { affineRules } from './rules.js';

export const foldAffine = rewritePass({
  name: 'fold-affine',
  summary: 'Fold BatchNormalization and per-channel Mul/Add into the weights of a preceding Conv, ConvTranspose, Gemm or MatMul.',
  rules: affineRules,
});
