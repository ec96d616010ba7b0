/**
 * simplify-algebra: the algebraic identities of rules.ts (Transpose∘Transpose, Reshape∘Reshape,
 * Squeeze/Unsqueeze pairs, exact Cast∘Cast, Neg∘Neg, constant Mul/Add chains, x·(1/y) as x/y,
 * Concat of Concat, Slice of Slice), the layout round trips of round-trips.ts (Concat of a whole
 * Split or of Slices tiling an axis, Reshape of Flatten, Unsqueeze of Reshape) and the Transpose
 * moves of shuffle.ts (a channel shuffle's Reshape→Transpose→Reshape→Gather) and sequence-split.ts
 * (SequenceAts of a SplitToSequence as a Split) and batch-reshape.ts (a bmm between Reshapes
 * regrouping its batch dims) and transpose-binary.ts (Transposes around an elementwise op that undo
 * each other), applied greedily to every graph, subgraph and function body.
 */
import { rewritePass } from '../../src/pattern/index.js';
import { batchReshapeRules } from './batch-reshape.js';
import { roundTripRules } from './round-trips.js';
import { algebraRules } from './rules.js';
import { sequenceRules } from './sequence-split.js';
import { shuffleRules } from './shuffle.js';
import { transposeBinaryRules } from './transpose-binary.js';

/** Every rule of the pass, in the order it tries them (the rule property tests take this list too). */
export const simplifyAlgebraRules = [...algebraRules, ...roundTripRules, ...shuffleRules, ...sequenceRules, ...batchReshapeRules, ...transposeBinaryRules];

export const simplifyAlgebra = rewritePass({
  name: 'simplify-algebra',
  summary: 'Algebraic identities: Transpose/Reshape/Squeeze/Cast/Neg chains, constant Mul/Add chains, x·(1/y) as x/y, nested Concat and Slice, Split/Slice/Concat and Flatten/Reshape round trips, a Transpose moved past a splitting Reshape or a scalar Gather, SequenceAts of a SplitToSequence as a Split, a MatMul between batch-regrouping Reshapes, Transposes undone around Add/Sub/Mul/Div.',
  rules: simplifyAlgebraRules,
});
