/**
 * Pipelines: a comma-separated list of pass names (`infer-shapes,fold-constants`), parsed against
 * a registry the caller passes in (no module-global registry: `src/` cannot import `passes/`),
 * and run in order.
 */
import { LatheError } from '../ir/error.js';
import type { Model } from '../ir/types.js';
import { verify } from '../ir/verify/verify.js';
import { createPassContext, type Pass, type PassFactory } from './pass.js';

/** Pass factories by pipeline name (passes/index.ts gives the standard one). */
export type PassRegistry = Readonly<Record<string, PassFactory>>;

export type Schedule =
  | { readonly kind: 'pass'; readonly pass: Pass }
  | { readonly kind: 'seq'; readonly steps: readonly Schedule[] };

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Parses `a,b,c` into a sequence; an unknown or malformed name is a LatheError listing the known ones. */
export function parsePipeline(text: string, registry: PassRegistry): Schedule {
  const names = text.split(',').map((s) => s.trim());
  const known = Object.keys(registry).sort();
  const steps: Schedule[] = names.map((name) => {
    if (name === '') throw new LatheError(`empty pass name in pipeline '${text}'`);
    const factory = NAME.test(name) && Object.hasOwn(registry, name) ? registry[name] : undefined;
    if (!factory) {
      const shown = name.length > 60 ? `${name.slice(0, 60)}…` : name;
      throw new LatheError(`unknown pass '${shown}' (known: ${known.length > 0 ? known.join(', ') : 'none'})`);
    }
    return { kind: 'pass', pass: factory() };
  });
  return steps.length === 1 ? steps[0]! : { kind: 'seq', steps };
}

export function printSchedule(s: Schedule): string {
  return s.kind === 'pass' ? s.pass.name : s.steps.map(printSchedule).join(',');
}

export interface ScheduleResult {
  readonly model: Model;
  readonly changed: boolean;
  /** `pass-name/key` → count. */
  readonly stats: ReadonlyMap<string, number>;
  readonly warnings: readonly string[];
}

export interface RunScheduleOptions {
  /** Called for every warning as it happens (e.g. printed by the CLI). */
  readonly onWarn?: (message: string) => void;
  /**
   * Verify the model after every pass that changed it; the first error diagnostic is thrown as a
   * LatheError naming the pass (for tests and debugging: a pass that breaks the model is caught
   * where it did so).
   */
  readonly verifyEach?: boolean;
}

/** Throws when `model`, just produced by pass `name`, has an error diagnostic. */
function verifyAfter(name: string, model: Model): void {
  const d = verify(model).find((x) => x.severity === 'error');
  if (!d) return;
  const where = d.node !== undefined ? `${d.graph}/${d.node}` : d.value !== undefined ? `${d.graph}/${d.value}` : d.graph;
  throw new LatheError(`pass '${name}' made an invalid model: [${d.code}] ${where}: ${d.message}`);
}

/** Runs the schedule's passes in order; `changed` is `out !== in` (passes keep identity when idle). */
export function runSchedule(schedule: Schedule, model: Model, options: RunScheduleOptions = {}): ScheduleResult {
  const ctx = createPassContext(options.onWarn);
  const runPass = (p: Pass, m: Model): Model => {
    const out = p.run(m, ctx.scoped(p.name));
    if (options.verifyEach && out !== m) verifyAfter(p.name, out);
    return out;
  };
  const runOne = (s: Schedule, m: Model): Model =>
    s.kind === 'pass' ? runPass(s.pass, m) : s.steps.reduce((acc, step) => runOne(step, acc), m);
  const out = runOne(schedule, model);
  return { model: out, changed: out !== model, stats: ctx.counts, warnings: ctx.warnings };
}
