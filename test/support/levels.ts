/**
 * The `-O1` and `-O2` pipelines as pipeline text, for tests that check what optimizing does to
 * a model (the node-test acceptance of issues 7 and 8): those of src/levels.ts, which the CLI and
 * `optimize()` run, so the tests follow the levels as they change.
 */
import { passes } from '../../passes/index.js';
import { parsePipeline, type Schedule } from '../../src/pipeline.js';
import { runSchedule } from '../../src/runner.js';
import { LEVEL_PIPELINES } from '../../src/levels.js';
import type { Model } from '../../ir/types.js';

/** Simplification only (the pipeline `lathe optimize -O1` runs). */
export const O1_PIPELINE = LEVEL_PIPELINES[1];

/** `-O1`, then a fixed point of `fuse` with the simplification passes (`-O2`). */
export const O2_PIPELINE = LEVEL_PIPELINES[2];

export const LEVELS = { O1: O1_PIPELINE, O2: O2_PIPELINE } as const;
export type Level = keyof typeof LEVELS;

const parsed = new Map<string, Schedule>();

/**
 * Runs pipeline `text` on `model` with the verifier after every pass (as tests always do). A
 * fixpoint that stops at its cap with the model still changing throws: passes that undo each
 * other's work are a bug of the pipeline even when the model they leave computes the same.
 */
export function optimizeWith(text: string, model: Model): Model {
  let schedule = parsed.get(text);
  if (!schedule) parsed.set(text, (schedule = parsePipeline(text, passes)));
  const result = runSchedule(schedule, model, { verifyEach: true });
  if (result.stop === 'cap') throw new Error(`did not converge: ${result.warnings.join('; ')}`);
  return result.model;
}
