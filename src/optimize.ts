/**
 * `optimize(model, options)`: the library's main entry, the same options as `lathe optimize`. The
 * model is verified (a model with errors is refused), input shapes are fixed, then the level's
 * pipeline (src/levels.ts; default -O2) or the given one runs. Pass names resolve in
 * `options.passes` (src cannot import passes/: the Node entry's `optimize` supplies the standard
 * registry; here, a level above 0 or pipeline text needs it).
 */
import { LatheError } from '../ir/error.js';
import type { Model } from '../ir/types.js';
import type { Diagnostic } from '../ir/verify/verify.js';
import { verifyInput } from './input-order.js';
import { setInputShapes, type InputShape } from './input-shapes.js';
import { DEFAULT_LEVEL, isOptLevel, LEVEL_PIPELINES, type OptLevel } from './levels.js';
import type { RuleRunOptions, RuleTraceEvent } from './pass.js';
import { describeSchedule, parsePipeline, withPassOptions, type PassRegistry, type Schedule } from './pipeline.js';
import { ruleGlob } from './pattern/rule.js';
import { buildReport, type OptimizeReport } from './report.js';
import { runSchedule, type Instrument, type PassRecord, type StopReason } from './runner.js';

export interface OptimizeOptions {
  /** 0 = lift and emit only, 1 = simplification, 2 = simplification then fusion (default 2). */
  readonly level?: OptLevel;
  /** Replaces the level's passes: pipeline text (`infer-shapes,fuse`) or a Schedule. */
  readonly pipeline?: string | Schedule;
  /** @deprecated the same as `pipeline` with a Schedule. */
  readonly schedule?: Schedule;
  /** Pass factories `pipeline` text and the levels name (the Node entry passes the standard ones). */
  readonly passes?: PassRegistry;
  /**
   * Bytes by which constant folding may grow the model (`--fold-limit`): sets `limit` of every
   * fold-constants and simplify-shapes step of the level's pipeline (or of the given one),
   * overriding a limit written in pipeline text. Default: each step's own (0: never bigger).
   */
  readonly foldLimit?: number;
  /** Input name → dims (sizes or symbols) fixed before the passes run (`--set-input-shape`). */
  readonly setInputShapes?: ReadonlyMap<string, InputShape> | Readonly<Record<string, InputShape>>;
  /** Rules to turn off: globs over rule names, comma-separated or a list (`--disable-rules`). */
  readonly disableRules?: string | readonly string[];
  /** Rules whose every attempt is reported (`--trace-rules`): a name or glob, comma-separated. */
  readonly traceRules?: string;
  /** Receives each traced attempt (default: collected as lines in `ruleTrace`). */
  readonly onRuleTrace?: (event: RuleTraceEvent) => void;
  /** Stamp rewritten nodes with `lathe.rule` metadata (default true; `--no-provenance`). */
  readonly provenance?: boolean;
  /** Verify the input first and refuse a model with errors (default true). */
  readonly verify?: boolean;
  /** Verify after every pass that changed the model (see `runSchedule`). */
  readonly verifyEach?: boolean;
  readonly instruments?: readonly Instrument[];
  /** Milliseconds clock for the pass times (default `performance.now`). */
  readonly now?: () => number;
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
  /** Nodes, op histogram, per-pass times and changes, rules fired, warnings (no file bytes). */
  readonly report: OptimizeReport;
  /** `--trace-rules` lines (`rule node (op): reason`) when no `onRuleTrace` was given. */
  readonly ruleTrace: readonly string[];
}

/** One `--trace-rules` line: `rule node-name (op): reason`. */
export function formatRuleTrace(e: RuleTraceEvent): string {
  return `${e.rule} ${e.nodeName ?? e.node} (${e.op}): ${e.fired ? 'fired' : (e.reason ?? 'declined')}`;
}

/** The schedule `options` ask for, or undefined for none (-O0). Bad pipeline text is a LatheError. */
export function resolveSchedule(options: OptimizeOptions): { schedule?: Schedule; level: OptLevel | null } {
  const r = namedSchedule(options);
  const limit = options.foldLimit;
  if (limit === undefined || !r.schedule) return r;
  if (typeof limit !== 'number' || !(limit >= 0) || (!Number.isInteger(limit) && limit !== Infinity)) {
    throw new LatheError(`fold limit ${String(limit)}: expected a whole number of bytes, 0 or more`);
  }
  if (!options.passes) throw new LatheError('a fold limit needs a pass registry (options.passes)');
  let schedule = r.schedule;
  for (const name of BUDGETED) schedule = withPassOptions(schedule, name, { limit }, options.passes);
  return { ...r, schedule };
}

/** The passes whose size budget (`limit`) `foldLimit` sets: both make constants of computed values. */
const BUDGETED = ['fold-constants', 'simplify-shapes'];

/** The schedule of the level or the given pipeline, before `foldLimit` applies. */
function namedSchedule(options: OptimizeOptions): { schedule?: Schedule; level: OptLevel | null } {
  const given = options.pipeline ?? options.schedule;
  if (given !== undefined && typeof given !== 'string') return { schedule: given, level: null };
  const level = options.level ?? DEFAULT_LEVEL;
  if (!isOptLevel(level)) throw new LatheError(`unknown optimization level ${String(level)} (0, 1 or 2)`);
  const text = given ?? LEVEL_PIPELINES[level];
  if (text === '') return { level: given === undefined ? level : null };
  if (!options.passes) throw new LatheError(`${given === undefined ? `-O${level}` : 'pipeline text'} needs a pass registry (options.passes)`);
  return { schedule: parsePipeline(text, options.passes), level: given === undefined ? level : null };
}

/** The run-wide rule settings of `options`, or undefined when they are all defaults. */
export function ruleRunOptions(options: OptimizeOptions, trace: (e: RuleTraceEvent) => void): RuleRunOptions | undefined {
  const disable = typeof options.disableRules === 'string' ? options.disableRules : (options.disableRules ?? []).join(',');
  const rules: RuleRunOptions = {
    ...(disable.trim() !== '' && { disabled: ruleGlob(disable) }),
    ...(options.traceRules !== undefined && options.traceRules.trim() !== '' && { traced: ruleGlob(options.traceRules), trace }),
    ...(options.provenance === false && { provenance: false }),
  };
  return Object.keys(rules).length > 0 ? rules : undefined;
}

export function optimize(model: Model, options: OptimizeOptions = {}): OptimizeResult {
  const { schedule, level } = resolveSchedule(options);
  const checked = options.verify === false ? { model, diagnostics: [] } : verifyInput(model);
  const { diagnostics } = checked;
  const firstError = diagnostics.find((d) => d.severity === 'error');
  if (firstError) throw new LatheError(`invalid model: ${firstError.message}`);
  const shapes = options.setInputShapes;
  const shaped = shapes === undefined ? checked.model : setInputShapes(checked.model, shapes instanceof Map ? shapes : new Map(Object.entries(shapes)));
  const ruleTrace: string[] = [];
  const rules = ruleRunOptions(options, options.onRuleTrace ?? ((e) => ruleTrace.push(formatRuleTrace(e))));
  const r = schedule
    ? runSchedule(schedule, shaped, {
        verifyEach: options.verifyEach,
        ...(rules && { rules }),
        ...(options.instruments && { instruments: options.instruments }),
        ...(options.now && { now: options.now }),
      })
    : { model: shaped, stats: new Map<string, number>(), warnings: [], passes: [], stop: 'done' as const };
  const warnings = 'sorted' in checked && checked.sorted !== undefined ? [checked.sorted, ...r.warnings] : r.warnings;
  const report = buildReport({
    before: model, after: r.model, level, pipeline: schedule ? describeSchedule(schedule) : '', records: r.passes, stats: r.stats, warnings,
  });
  return { model: r.model, diagnostics, stats: r.stats, warnings, passes: r.passes, stop: r.stop, report, ruleTrace };
}
