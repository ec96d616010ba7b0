/**
 * fuse: op fusions with standard ONNX ops only, at the model's own opset (rules in rules/, one
 * family per file). Runs shape inference first: rules read inferred types and the symbolic
 * elements of computed shapes.
 */
import { rewritePass } from '../../src/pattern/index.js';
import { fuseRules } from './rules/index.js';

export const fuse = rewritePass({
  name: 'fuse',
  summary: 'Fuse op patterns into standard ONNX ops of the model\'s opset (layout scaffolding, Gemm, normalizations, activations).',
  rules: fuseRules,
  infer: true,
});
