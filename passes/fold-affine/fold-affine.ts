/**
 * fold-affine: BatchNormalization (inference mode), and Mul/Add by per-channel constants, after a
 * Conv, ConvTranspose, Gemm or MatMul with a constant weight, folded into that weight and bias
 * (what onnxruntime's basic level fuses, with standard ops only), or after a BatchNormalization
 * into its scale and bias; scalar factors of attention
 * scores moved into neighbouring weights. See rules.ts for the identities and the conditions each
 * checks. (The erf Gelu's 1/√2 and ½ are not moved into the weights around it, though that saves
 * an op per layer: onnxruntime's BiasGelu fusion, and other runtimes' Gelu matchers, then no
 * longer find the Gelu; test/ort-fusions-survive.test.ts.)
 */
import { rewritePass } from '../../src/pattern/index.js';
import { affineRules } from './rules.js';

export const foldAffine = rewritePass({
  name: 'fold-affine',
  summary: 'Fold BatchNormalization and per-channel Mul/Add into the weights of a preceding Conv, ConvTranspose, Gemm or MatMul.',
  rules: affineRules,
});
