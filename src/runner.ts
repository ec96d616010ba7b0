/**
 * `runSchedule`: runs a schedule's passes on a model (DESIGN.md "Schedules"). What happens around
 * each pass goes through instruments (MLIR's PassInstrumentation: `beforePass`, `afterPass`,
 * `afterPassFailed`), not prints: the CLI turns them into `--print-after` output and reproducers.
 *
 * Around every pass the runner checks the pass's `requires` (before) and `ensures` (after) against
 * the checkers of src/invariants.ts and, with `verifyEach`, runs the verifier on a changed model,
 * then the shape checks of `lathe check` (ir/verify/shapes.ts), blaming the pass only for the
 * contradictions its input did not already have.
 * A pass that throws, or any of those checks failing, ends the run with a `PassFailure` carrying
 * the failing pass's input model and its own schedule text: everything a reproducer needs.
 */
import { LatheError } from '../ir/error.js';
import type { Model } from '../ir/types.js';
import { newShapeFindings, shapeFindings, type ShapeFinding } from '../ir/verify/shapes.js';
import { verify } from '../ir/verify/verify.js';
import { createAnalyses, type Analyses } from './analyses.js';
import { invariantChecker, invariants } from './invariants.js';
import { createPassContext, passOrigin, type Invariant, type Pass, type PassContext, type RuleRunOptions } from './pass.js';
import { describeSchedule, type Schedule } from './pipeline.js';

/** Why a pipeline stopped: it ran to its end, or a fixpoint hit its iteration cap still changing. */
export type StopReason = 'done' | 'cap';

/** One pass run. */
export interface PassRecord {
  readonly name: string;
  /** The pass's own schedule text (`fold-constants{limit=10}`). */
  readonly text: string;
  readonly ms: number;
  readonly changed: boolean;
}

export interface PassEvent {
  readonly pass: Pass;
  /** The pass's own schedule text. */
  readonly text: string;
  /** The pass's input. */
  readonly model: Model;
}

export interface Instrument {
  beforePass?(e: PassEvent): void;
  afterPass?(e: PassEvent & { readonly after: Model; readonly changed: boolean; readonly ms: number }): void;
  /** Called before the failure is thrown. */
  afterPassFailed?(e: PassEvent & { readonly failure: PassFailure }): void;
}

/** What went wrong in a pass run. */
export type FailureKind = 'threw' | 'invalid' | 'requires' | 'ensures';

/**
 * A pass failed: it threw, left a model the verifier rejects or with a new shape contradiction
 * (`verifyEach`), found a `requires` invariant unmet, or did not establish an `ensures` one.
 * `input` and `pipeline` reproduce it.
 */
export class PassFailure extends LatheError {
  constructor(
    message: string,
    readonly kind: FailureKind,
    readonly pass: string,
    /** The failing pass's own schedule text: `lathe optimize input --passes PIPELINE` reruns it. */
    readonly pipeline: string,
    /** The model the failing pass was given. */
    readonly input: Model,
    options?: { cause?: unknown },
  ) {
    super(message);
    this.name = 'PassFailure';
    if (options?.cause !== undefined) (this as { cause?: unknown }).cause = options.cause;
  }
}

export interface ScheduleResult {
  readonly model: Model;
  readonly changed: boolean;
  /** `pass-name/key` → count. */
  readonly stats: ReadonlyMap<string, number>;
  readonly warnings: readonly string[];
  readonly stop: StopReason;
  /** Every pass run, in order (a pass inside a loop appears once per iteration). */
  readonly passes: readonly PassRecord[];
}

export interface RunScheduleOptions {
  /** Called for every warning as it happens (e.g. printed by the CLI). */
  readonly onWarn?: (message: string) => void;
  /**
   * Run the verifier after every pass that changed the model, then the static shape checks (a
   * Conv whose channels disagree, a Reshape to another element count …); the first error, or the
   * first shape contradiction the pass's input did not have, ends the run with a PassFailure (a
   * LatheError) naming the pass and the diagnostic. Always on in tests.
   */
  readonly verifyEach?: boolean;
  readonly instruments?: readonly Instrument[];
  /** Shared analyses (default: a fresh memo for this run). */
  readonly analyses?: Analyses;
  /** Check `requires`/`ensures` (default true). */
  readonly checkInvariants?: boolean;
  /** Rule-pass settings handed to every pass (`--disable-rules`, `--trace-rules`, `--no-provenance`). */
  readonly rules?: RuleRunOptions;
  /** Milliseconds clock (default `performance.now`). */
  readonly now?: () => number;
}

function diagnosticLine(d: { code: string; graph: string; node?: string; value?: string; message: string }): string {
  const where = d.node !== undefined ? `${d.graph}/${d.node}` : d.value !== undefined ? `${d.graph}/${d.value}` : d.graph;
  return `[${d.code}] ${where}: ${d.message}`;
}

/** Runs `schedule` (or one pass) on `model`. `changed` is `out !== in` (passes keep identity when idle). */
export function runSchedule(schedule: Schedule | Pass, model: Model, options: RunScheduleOptions = {}): ScheduleResult {
  const analyses = options.analyses ?? createAnalyses();
  const ctx = createPassContext(options.onWarn, analyses);
  const instruments = options.instruments ?? [];
  const now = options.now ?? (() => globalThis.performance.now());
  const checkInvariants = options.checkInvariants !== false;
  const records: PassRecord[] = [];
  const held = new WeakMap<Model, Map<Invariant, string | undefined>>();
  let stop: StopReason = 'done';
  // Passes are pure (src/pass.ts): one that left a model unchanged leaves that same model unchanged
  // again. The last round of a fixed point, and -O2's simplifications after a fusion that found
  // nothing, rerun passes on models they already left alone: inside a fixpoint (whose meaning is
  // "until nothing changes") those runs are skipped; `seq` and `repeat` run what they say. Per
  // model, the passes (origin and text) that left it unchanged. Off while rules are traced or
  // instruments watch, so that they see every run.
  const idle = instruments.length === 0 && !options.rules?.traced ? new WeakMap<Model, Map<object, Set<string>>>() : undefined;

  /** Why `inv` does not hold on `m` (memoized per model), or undefined. */
  const violation = (pass: Pass, inv: Invariant, m: Model): string | undefined => {
    const check = invariantChecker(inv);
    if (!check) {
      throw new LatheError(`pass '${pass.name}' names an unknown invariant '${inv}' (known: ${Object.keys(invariants).join(', ')})`);
    }
    let memo = held.get(m);
    if (!memo) held.set(m, (memo = new Map()));
    if (!memo.has(inv)) memo.set(inv, check(m));
    return memo.get(inv);
  };

  // verifyEach's shape contradictions per model: a pass's output is the next one's input, and the
  // inferred types come from the shared memo, which the next pass would compute anyway.
  const shapeMemo = new WeakMap<Model, ShapeFinding[]>();
  const shapesOf = (m: Model): ShapeFinding[] => {
    let found = shapeMemo.get(m);
    if (!found) shapeMemo.set(m, (found = shapeFindings(m, analyses.get(m, 'types'))));
    return found;
  };

  let inFixpoint = 0;
  const runPass = (pass: Pass, m: Model): Model => {
    const text = describeSchedule({ kind: 'pass', pass });
    const origin = passOrigin(pass);
    if (inFixpoint > 0 && idle?.get(m)?.get(origin)?.has(text)) return m;
    const event: PassEvent = { pass, text, model: m };
    const fail = (kind: FailureKind, message: string, cause?: unknown): never => {
      const failure = new PassFailure(message, kind, pass.name, text, m, { cause });
      for (const i of instruments) i.afterPassFailed?.({ ...event, failure });
      throw failure;
    };
    if (checkInvariants) {
      for (const inv of pass.requires ?? []) {
        const why = violation(pass, inv, m);
        if (why !== undefined) fail('requires', `pass '${pass.name}' requires '${inv}', which does not hold: ${why}`);
      }
    }
    for (const i of instruments) i.beforePass?.(event);
    const t0 = now();
    let out: Model;
    try {
      const scoped: PassContext = options.rules ? { ...ctx.scoped(pass.name), rules: options.rules } : ctx.scoped(pass.name);
      out = pass.run(m, scoped);
    } catch (e) {
      if (e instanceof PassFailure) throw e; // a nested runSchedule already reported it
      const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
      return fail('threw', `pass '${pass.name}' failed: ${message}`, e);
    }
    const ms = now() - t0;
    const changed = out !== m;
    if (options.verifyEach && changed) {
      const bad = verify(out).find((d) => d.severity === 'error');
      if (bad) fail('invalid', `pass '${pass.name}' made an invalid model: ${diagnosticLine(bad)}`);
      // The input's shapes only when the output has contradictions: the input may carry some of
      // its own (lathe leaves what it cannot compute as it is), and those are not this pass's.
      const after = shapesOf(out);
      const fresh = after.length === 0 ? [] : newShapeFindings(shapesOf(m), after);
      if (fresh.length > 0) {
        const more = fresh.length > 1 ? ` (and ${fresh.length - 1} more)` : '';
        fail('invalid', `pass '${pass.name}' made a shape contradiction: ${diagnosticLine(fresh[0].diagnostic)}${more}`);
      }
    }
    if (checkInvariants) {
      for (const inv of pass.ensures ?? []) {
        const why = violation(pass, inv, out);
        if (why !== undefined) fail('ensures', `pass '${pass.name}' ensures '${inv}', which does not hold after it: ${why}`);
      }
    }
    records.push({ name: pass.name, text, ms, changed });
    if (idle && !changed) {
      let byOrigin = idle.get(m);
      if (!byOrigin) idle.set(m, (byOrigin = new Map()));
      let texts = byOrigin.get(origin);
      if (!texts) byOrigin.set(origin, (texts = new Set()));
      texts.add(text);
    }
    for (const i of instruments) i.afterPass?.({ ...event, after: out, changed, ms });
    return out;
  };

  const run = (s: Schedule, m: Model): Model => {
    switch (s.kind) {
      case 'pass':
        return runPass(s.pass, m);
      case 'seq':
        return s.steps.reduce((acc, step) => run(step, acc), m);
      case 'repeat': {
        let acc = m;
        for (let i = 0; i < s.times; i++) acc = run(s.body, acc);
        return acc;
      }
      case 'fixpoint': {
        let acc = m;
        inFixpoint++;
        try {
          for (let i = 0; i < s.maxIterations; i++) {
            const next = run(s.body, acc);
            if (next === acc) return acc;
            acc = next;
          }
        } finally {
          inFixpoint--;
        }
        stop = 'cap';
        ctx.log.warn(`${describeSchedule(s)} stopped at its cap of ${s.maxIterations} iterations with the model still changing`);
        return acc;
      }
    }
  };

  const out = run('run' in schedule ? { kind: 'pass', pass: schedule } : schedule, model);
  return { model: out, changed: out !== model, stats: ctx.counts, warnings: ctx.warnings, stop, passes: records };
}
