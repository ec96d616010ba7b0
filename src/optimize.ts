/**
 * `optimize(model, options)`: the library's main entry. The model is verified (a model with
 * errors is refused), then `options.schedule` runs on it. Levels: only 0 exists until the `-O1`
 * pipeline lands (lift and emit, no passes); asking for 1 or 2 is refused rather than silently
 * doing nothing.
 */
import { LatheError } from '../ir/error.js';
import type { Model } from '../ir/types.js';
import { verify, type Diagnostic } from '../ir/verify/verify.js';
import { runSchedule, type PassRecord, type StopReason } from './runner.js';
import type { Schedule } from './pipeline.js';

export interface OptimizeOptions {
  /** 0 = lift and emit only. */
  readonly level?: 0 | 1 | 2;
  /** Verify the input first and refuse a model with errors (default true). */
  readonly verify?: boolean;
  /** Passes to run (e.g. `parsePipeline('infer-shapes', passes)`). */
  readonly schedule?: Schedule;
  /** Verify after every pass that changed the model (see `runSchedule`). */
  readonly verifyEach?: boolean;
}

export interface OptimizeResult {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
  /** `pass-name/key` → count, from the schedule's passes. */
  readonly stats: ReadonlyMap<string, number>;
  readonly warnings: readonly string[];
  /** Every pass run, with its time. */
  readonly passes: readonly PassRecord[];
  readonly stop: StopReason;
}

export function optimize(model: Model, options: OptimizeOptions = {}): OptimizeResult {
  const level = options.level ?? 0;
  if (level !== 0) throw new LatheError(`-O${level} is not available yet (only -O0: lift and emit)`);
  const diagnostics = options.verify === false ? [] : verify(model);
  const firstError = diagnostics.find((d) => d.severity === 'error');
  if (firstError) throw new LatheError(`invalid model: ${firstError.message}`);
  if (!options.schedule) return { model, diagnostics, stats: new Map(), warnings: [], passes: [], stop: 'done' };
  const r = runSchedule(options.schedule, model, { verifyEach: options.verifyEach });
  return { model: r.model, diagnostics, stats: r.stats, warnings: r.warnings, passes: r.passes, stop: r.stop };
}
