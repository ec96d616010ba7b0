/**
 * What `-O1` and `-O2` run, as pipeline text: the one place the levels are defined (`lathe optimize`,
 * `optimize()` and the docs read it). Provisional until the last passes of issues 7 and 8 land; the
 * names are those of passes/index.ts (`lathe passes`).
 */

/** An optimization level: 0 = lift and emit, 1 = simplification, 2 = simplification then fusion. */
export type OptLevel = 0 | 1 | 2;

/** The level `lathe optimize` and `optimize()` use when none is given. */
export const DEFAULT_LEVEL: OptLevel = 2;

const O1 = 'simplify-shapes,fold-affine,simplify-algebra,infer-shapes';

/** The pipeline text of each level ('' for -O0: no passes). */
export const LEVEL_PIPELINES: Readonly<Record<OptLevel, string>> = {
  0: '',
  1: O1,
  2: `${O1},fixpoint{max=4}(fuse,simplify-algebra)`,
};

/** Whether `n` names a level. */
export function isOptLevel(n: unknown): n is OptLevel {
  return n === 0 || n === 1 || n === 2;
}
