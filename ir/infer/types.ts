/**
 * Shape and type inference: the contract between the inference driver (`ir/infer/infer.ts`) and
 * the per-op rules (`ir/infer/rules/<family>.ts`).
 *
 * Never a wrong shape: a rule that is unsure leaves a dim `null` (unknown) or the whole shape
 * undefined (unknown rank), and returns `undefined` dtype only when the schema does not fix it.
 *
 * Dims are `Dim` of ir/types.ts: a number, a symbol or symbolic expression as a string, or null.
 * Expressions are written in a canonical form produced by `ir/infer/dims.ts` (`seq+1`, `2*batch`,
 * `batch*seq`), so equal expressions compare equal as strings.
 */
export type { InferContext, InferFn, InferRule, Known } from '../ops/types.js';
import type { InferRule } from '../ops/types.js';

/** A family's list of rules (the input of `defineOpTable`). */
export type InferTable = readonly InferRule[];
