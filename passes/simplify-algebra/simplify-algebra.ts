/**
 * simplify-algebra: the algebraic identities of rules.ts (Transpose∘Transpose, Reshape∘Reshape,
 * Squeeze/Unsqueeze pairs, exact Cast∘Cast, Neg∘Neg, constant Mul/Add chains, Concat of Concat,
 * Slice of Slice), applied greedily to every graph, subgraph and function body.
 */
import { rewritePass } from '../../src/pattern/index.js';
import { algebraRules } from './rules.js';

export const simplifyAlgebra = rewritePass({
  name: 'simplify-algebra',
  summary: 'Algebraic identities: Transpose/Reshape/Squeeze/Cast/Neg chains, constant Mul/Add chains, nested Concat and Slice.',
  rules: algebraRules,
});
