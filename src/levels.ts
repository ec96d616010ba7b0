/**
 * What `-O1` and `-O2` run, as pipeline text: the one place the levels are defined (`lathe optimize`,
 * `optimize()` and the docs read it); the names are those of passes/index.ts (`lathe passes`).
 *
 * -O1: functions inlined first (the simplifications then see through them); inference once (so the
 * passes see dtypes and shapes of intermediates; inside the fixed point it would cost a whole extra
 * iteration for the types it writes, and found nothing more on the corpus); then, to a fixed point,
 * folding, shape simplification, no-ops, algebra, affine folding, CSE, dead code and duplicate
 * initializers; the last inference leaves every value typed. -O2: -O1, then fusion with the simplifications again.
 */

/** An optimization level: 0 = lift and emit, 1 = simplification, 2 = simplification then fusion. */
export type OptLevel = 0 | 1 | 2;

/** The level `lathe optimize` and `optimize()` use when none is given. */
export const DEFAULT_LEVEL: OptLevel = 2;

const SIMPLIFY = 'fold-constants,simplify-shapes,eliminate-no-ops,simplify-algebra,fold-affine,eliminate-common-subexpressions,eliminate-dead-code,dedupe-initializers';
const O1 = `inline-functions,infer-shapes,fixpoint(${SIMPLIFY}),infer-shapes`;

/** The pipeline text of each level ('' for -O0: no passes). */
export const LEVEL_PIPELINES: Readonly<Record<OptLevel, string>> = {
  0: '',
  1: O1,
  2: `${O1},fixpoint{max=4}(fuse,${SIMPLIFY}),infer-shapes`,
};

/** Whether `n` names a level. */
export function isOptLevel(n: unknown): n is OptLevel {
  return n === 0 || n === 1 || n === 2;
}
