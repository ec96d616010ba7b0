/**
 * The pass interface (DESIGN.md "The pass interface"), minimal: a pass is a pure function from
 * Model to Model that returns the SAME object when nothing changed, made by a factory that applies
 * option defaults. Per-run state lives in locals or in the `PassContext`, never in module globals.
 */
import type { Model, NodeId } from '../ir/types.js';
import { createAnalyses, type Analyses } from './analyses.js';

/** kebab-case; equals the pass's folder name and its token in pipeline text. */
export type PassName = string;
/** A named model property a pass needs or establishes (e.g. 'topo-sorted', 'no-functions'). */
export type Invariant = string;

/** Counters of what passes did (MLIR statistics), keyed `pass-name/key`. */
export interface PassStats {
  count(key: string, by?: number): void;
}

export interface PassLogger {
  /** Something the user should know (e.g. a declared type that contradicts inference). */
  warn(message: string): void;
}

/** One attempt of one rule at one node, for `--trace-rules`. */
export interface RuleTraceEvent {
  readonly rule: string;
  readonly node: NodeId;
  /** The node's ONNX name, when it has one. */
  readonly nodeName?: string;
  readonly op: string;
  readonly fired: boolean;
  /** Why it did not fire. */
  readonly reason?: string;
}

/** Run-wide settings of rule passes (CLI `--disable-rules`, `--trace-rules`, `--no-provenance`). */
export interface RuleRunOptions {
  readonly disabled?: (rule: string) => boolean;
  readonly traced?: (rule: string) => boolean;
  readonly trace?: (event: RuleTraceEvent) => void;
  /** Stamp rewritten nodes with `lathe.rule` metadata (default true). */
  readonly provenance?: boolean;
}

/**
 * `run`'s rule filters as seen from inside pass `pass`: a glob matches a rule by its own name
 * (`conv-add`) or by the name the report prints (`fold-affine/conv-add`), so a name copied from
 * the report's "rules fired" works with `--disable-rules` and `--trace-rules`.
 */
export function rulesOfPass(run: RuleRunOptions | undefined, pass: PassName): RuleRunOptions | undefined {
  if (!run) return undefined;
  const both = (f: ((rule: string) => boolean) | undefined) => f && ((rule: string) => f(rule) || f(`${pass}/${rule}`));
  const disabled = both(run.disabled);
  const traced = both(run.traced);
  return { ...run, ...(disabled && { disabled }), ...(traced && { traced }) };
}

export interface PassContext {
  readonly stats: PassStats;
  readonly log: PassLogger;
  readonly rules?: RuleRunOptions;
  /** Analyses memoized by model identity: `ctx.analyses.get(model, 'types')`. */
  readonly analyses: Analyses;
}

export interface Pass<O = unknown> {
  readonly kind: 'pass';
  readonly name: PassName;
  /** One line, shown by --help and in docs. */
  readonly summary: string;
  /** Options with defaults applied. */
  readonly options: Readonly<O>;
  /** The factory's defaults (pipeline text prints only the options that differ). */
  readonly defaults?: Readonly<O>;
  /** Invariants (see src/invariants.ts) the runner checks before the pass runs. */
  readonly requires?: readonly Invariant[];
  /** Invariants the runner checks after the pass ran. */
  readonly ensures?: readonly Invariant[];
  /** Pure; returns `model` itself when nothing changed. */
  run(model: Model, ctx: PassContext): Model;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PassFactory<O = any> = ((options?: Partial<O>) => Pass<O>) & {
  readonly passName: PassName;
  readonly summary: string;
  /** Option defaults: they also type the option values of pipeline text. */
  readonly defaults?: Readonly<O>;
};

export interface PassSpec<O extends object> {
  readonly name: PassName;
  readonly summary: string;
  readonly defaults: O;
  readonly requires?: readonly Invariant[];
  readonly ensures?: readonly Invariant[];
  run(model: Model, ctx: PassContext, options: Readonly<O>): Model;
}

const origins = new WeakMap<Pass, object>();

/**
 * What a pass computes, as an object: the spec of its `definePass` (passes made from the same spec
 * with the same options compute the same function), else the pass object itself.
 */
export function passOrigin(pass: Pass): object {
  return origins.get(pass) ?? pass;
}

/** Makes a pass factory: `factory(overrides)` gives a Pass with `defaults` overridden. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export function definePass<O extends object = {}>(spec: PassSpec<O>): PassFactory<O> {
  const defaults = Object.freeze({ ...spec.defaults }) as Readonly<O>;
  const factory = (overrides: Partial<O> = {}): Pass<O> => {
    const options = Object.freeze({ ...spec.defaults, ...overrides }) as Readonly<O>;
    const pass: Pass<O> = {
      kind: 'pass',
      name: spec.name,
      summary: spec.summary,
      options,
      defaults,
      ...(spec.requires ? { requires: spec.requires } : {}),
      ...(spec.ensures ? { ensures: spec.ensures } : {}),
      run: (model, ctx) => spec.run(model, ctx, options),
    };
    origins.set(pass, spec);
    return pass;
  };
  return Object.assign(factory, { passName: spec.name, summary: spec.summary, defaults });
}

/** A context collecting stats into a Map and warnings into an array (for runners and tests). */
export function createPassContext(onWarn?: (message: string) => void, analyses: Analyses = createAnalyses()): PassContext & {
  readonly counts: Map<string, number>;
  readonly warnings: string[];
  scoped(pass: PassName): PassContext;
} {
  const counts = new Map<string, number>();
  const warnings: string[] = [];
  // A pass that runs several times in a pipeline (infer-shapes runs three times at -O2) finds
  // the same problem each time: it is said once.
  const said = new Set<string>();
  const make = (prefix: string): PassContext => ({
    analyses,
    stats: { count: (key, by = 1) => counts.set(prefix + key, (counts.get(prefix + key) ?? 0) + by) },
    log: {
      warn: (message) => {
        if (said.has(message)) return;
        said.add(message);
        warnings.push(message);
        onWarn?.(message);
      },
    },
  });
  return { ...make(''), counts, warnings, scoped: (pass) => make(`${pass}/`) };
}
