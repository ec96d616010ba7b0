/**
 * `checkPass(pass, options)`: property-based check of a pass on generated (or given) models.
 *
 * For each model: the pass runs; its output must verify clean, have no shape contradiction its
 * input has not (`lathe check`'s static checks), keep the graph's input/output signature (names,
 * dtypes, and every dim the original declares), and compute the same outputs as the original on
 * generated feeds (lathe's evaluator, tolerances per dtype). Feeds on which the
 * ORIGINAL model fails to evaluate (e.g. a symbolic dim bound to 0 that a Reshape cannot take)
 * are skipped: they say nothing about the pass. Options add idempotence, no growth in nodes or
 * bytes, and "no change returns the same object".
 *
 * On failure fast-check shrinks the model (fewer nodes, smaller dims, simpler dtypes) and
 * `checkPass` throws a `CheckPassError` holding the seed and path to replay, the shrunk model and
 * the pass's output as ONNX text, the feeds and the values that differ. It is a plain Error, so
 * any test runner reports it.
 */
import fc from 'fast-check';
import { LatheError } from '../../ir/error.js';
import { DataType as D, dtypeName, elementCount, rawByteLength } from '../../ir/dtype.js';
import { evaluate } from '../../ir/eval/run.js';
import { forEachGraph, forEachTensor } from '../../ir/onnx/emit-walk.js';
import type { RtValue, TensorValue } from '../../ir/ops/types.js';
import { modelsEqual } from '../../ir/text/equal.js';
import { printModel } from '../../ir/text/print.js';
import type { Model, NodeId, Type, ValueId } from '../../ir/types.js';
import { newShapeFindings, shapeFindings } from '../../ir/verify/shapes.js';
import { verify } from '../../ir/verify/verify.js';
import { saveModelToBytes } from '../io.js';
import { compareValues, type Tolerance } from '../compare.js';
import type { Pass, PassFactory } from '../pass.js';
import type { Schedule } from '../pipeline.js';
import { runSchedule } from '../runner.js';
import { arbFeeds, type ArbFeedsOptions, type Feeds } from './arb-feeds.js';
import { arbModelSpec, buildModel, type ArbModelOptions, type ModelSpec } from './arb-model.js';
import { applyVariant, nearMissesOf, nearMissPick, type Variant } from './near-miss.js';
import { resolveOracle, type Oracle, type OracleOption } from './oracle.js';

/** What `checkPass` accepts: a pass, a pass factory (run with its defaults), a schedule, or a function. */
export type Checkable = Pass | PassFactory | Schedule | ((model: Model) => Model);

export interface CheckPassOptions {
  /** Generated models to check (default 200). */
  readonly runs?: number;
  /** fast-check seed (default: random; the error says which, for replay). */
  readonly seed?: number;
  /** Replay path from a failure report (with its seed). */
  readonly path?: string;
  /** Models to check before the generated ones (each with `feeds` generated feeds). */
  readonly models?: readonly Model[];
  /** Options of `arbModel`, or an arbitrary of models of your own. */
  readonly generate?: ArbModelOptions | fc.Arbitrary<Model>;
  /** Feeds per model (default 2). */
  readonly feeds?: number;
  readonly feedOptions?: ArbFeedsOptions;
  /** Tolerance by dtype name ('float32', 'float16', …); exact for the rest. */
  readonly tolerance?: Readonly<Record<string, Tolerance>>;
  /**
   * Candidates drawn per run (default 64): the run checks every one the pass acts on (changes
   * or throws on), else the first. Passes act on few random models; this finds the ones they act
   * on without the caller writing a generator. 1 turns it off.
   */
  readonly focus?: number;
  /**
   * Near misses tried per run (default 16), shared among the candidates the pass acts on:
   * variants of them, each with one knob bit flipped in a step whose nodes the pass changed, or
   * one input dim moved by one (near-miss.ts), picked by a hash of the candidate's spec (so
   * shrinking keeps a failing variant while it drops other candidates). The run also checks every
   * variant the pass acts on. A pass that ignores a condition of its pattern (an axis, a flag, a
   * layout) is caught on the variant where the condition fails. 0 turns it off; it needs the
   * built-in generator (not an arbitrary of your own).
   */
  readonly nearMisses?: number;
  /** A second run on the output must change nothing (default false). */
  readonly idempotent?: boolean;
  /** The output may not have more nodes / tensor bytes than the input (default false). */
  readonly noGrowth?: boolean | 'nodes' | 'bytes';
  /** When the output equals the input, it must be the same object (default false). */
  readonly sameObjectWhenUnchanged?: boolean;
  /**
   * What computes the outputs compared: 'evaluator' (lathe's, default), 'onnxruntime' (Node with
   * onnxruntime-node installed) or an `Oracle` of your own. Any but the evaluator needs
   * `checkPassAsync`.
   */
  readonly oracle?: OracleOption;
}

/** Default tolerances: |got - want| <= atol + rtol·|want|. */
export const DEFAULT_TOLERANCE: Readonly<Record<string, Tolerance>> = {
  float: { rtol: 1e-4, atol: 1e-5 },
  float16: { rtol: 1e-2, atol: 1e-3 },
  double: { rtol: 1e-9, atol: 1e-12 },
};

const EXACT: Tolerance = { rtol: 0, atol: 0 };

/** What went wrong on one model. */
export interface Finding {
  readonly problem: string;
  readonly output?: Model;
  readonly feeds?: Feeds;
  readonly differences?: readonly string[];
}

/** The failure `checkPass` throws. */
export class CheckPassError extends Error {
  constructor(
    message: string,
    readonly seed: number | undefined,
    readonly path: string | undefined,
    readonly problem: string,
    /** The (shrunk) input model, as ONNX text. */
    readonly modelText: string,
    /** The pass's output on it, as ONNX text (undefined when the pass threw). */
    readonly outputText: string | undefined,
    readonly differences: readonly string[],
    readonly model: Model,
  ) {
    super(message);
    this.name = 'CheckPassError';
  }
}

/** Turns whatever was given into Model → Model. */
export function asTransform(p: Checkable): (m: Model) => Model {
  if (typeof p === 'function') {
    if ('passName' in p) {
      const pass = (p as PassFactory)();
      return (m) => runSchedule(pass, m).model;
    }
    return p as (m: Model) => Model;
  }
  return (m) => runSchedule(p, m).model;
}

function nameOf(p: Checkable): string {
  if (typeof p === 'function') return 'passName' in p ? (p as PassFactory).passName : p.name || 'function';
  if (p.kind === 'pass') return 'pass' in p ? p.pass.name : p.name;
  return p.kind;
}

function describeType(t: Type | undefined): string {
  if (!t) return '?';
  if (t.kind !== 'tensor') return t.kind;
  const shape = t.shape === undefined ? '' : `[${t.shape.map((d) => (d === null ? '?' : String(d))).join(',')}]`;
  return `${dtypeName(t.dtype)}${shape}`;
}

/** Why `after`'s type breaks the declared `before` (a refinement of unknowns is fine), or undefined. */
function typeBreak(before: Type | undefined, after: Type | undefined): string | undefined {
  if (!before || before.kind !== 'tensor') return undefined;
  const bad = () => `${describeType(before)} became ${describeType(after)}`;
  if (!after || after.kind !== 'tensor' || after.dtype !== before.dtype) return bad();
  if (before.shape === undefined) return undefined;
  if (after.shape === undefined || after.shape.length !== before.shape.length) return bad();
  for (let i = 0; i < before.shape.length; i++) {
    const d = before.shape[i];
    if (d !== null && d !== after.shape[i]) return bad();
  }
  return undefined;
}

function signatureBreak(a: Model, b: Model): string | undefined {
  for (const side of ['inputs', 'outputs'] as const) {
    const x = a.graph[side];
    const y = b.graph[side];
    const names = (m: Model, ids: readonly ValueId[]) => ids.map((id) => m.graph.values[id]?.name ?? id);
    const nx = names(a, x);
    const ny = names(b, y);
    if (nx.join('\u0000') !== ny.join('\u0000')) return `graph ${side} changed: (${nx.join(', ')}) became (${ny.join(', ')})`;
    for (let i = 0; i < x.length; i++) {
      const why = typeBreak(a.graph.values[x[i]]?.type, b.graph.values[y[i]]?.type);
      if (why) return `the type of graph ${side.slice(0, -1)} '${nx[i]}' changed: ${why}`;
    }
  }
  return undefined;
}

/** Nodes in every graph (subgraphs and functions included). */
export function nodeCount(m: Model): number {
  let n = 0;
  forEachGraph(m, (g) => (n += g.order.length));
  return n;
}

/** Bytes of tensor payloads (initializers and tensor attributes). */
export function tensorBytes(m: Model): number {
  let n = 0;
  forEachTensor(m, (t) => (n += rawByteLength(t.dtype, elementCount(t.dims) ?? 0) ?? 0));
  return n;
}

function formatElement(x: number | bigint | string | undefined): string {
  if (typeof x === 'number') return Object.is(x, -0) ? '-0' : String(x);
  return String(x);
}

/** Up to `max` elements where `got` and `want` differ past `tol`. */
function differingElements(name: string, got: TensorValue, want: TensorValue, tol: Tolerance, max = 5): string[] {
  const out: string[] = [];
  const g = got.data as ArrayLike<number | bigint | string>;
  const w = want.data as ArrayLike<number | bigint | string>;
  for (let i = 0; i < w.length && out.length < max; i++) {
    const a = g[i];
    const b = w[i];
    if (typeof a === 'number' && typeof b === 'number') {
      if (Number.isNaN(a) && Number.isNaN(b)) continue;
      if (a === b) continue;
      // an infinity agrees only with itself (above): atol + rtol·∞ would pass anything (compare.ts)
      if (Number.isFinite(b) && Math.abs(a - b) <= tol.atol + tol.rtol * Math.abs(b)) continue;
    } else if (a === b) continue;
    out.push(`${name}[${i}]: expected ${formatElement(b)}, got ${formatElement(a)}`);
  }
  return out;
}

function toleranceFor(v: RtValue, table: Readonly<Record<string, Tolerance>>): Tolerance {
  return v.kind === 'tensor' ? (table[dtypeName(v.dtype)] ?? EXACT) : EXACT;
}

export interface CheckOneOptions {
  readonly tolerance?: Readonly<Record<string, Tolerance>>;
  readonly idempotent?: boolean;
  readonly noGrowth?: boolean | 'nodes' | 'bytes';
  readonly sameObjectWhenUnchanged?: boolean;
}

/** Runs a model on feeds: lathe's evaluator (sync) or an oracle (async). */
type Runner<R> = (model: Model, feeds: Feeds) => R;

/** The checks before any feed runs: the input verifies, the pass runs, its output verifies and keeps the signature. */
function structural(transform: (m: Model) => Model, model: Model): { out: Model } | Finding {
  const bad = verify(model).filter((d) => d.severity === 'error');
  if (bad.length > 0) return { problem: `the INPUT model does not verify (a generator bug, not the pass's): [${bad[0].code}] ${bad[0].message}` };
  let out: Model;
  try {
    out = transform(model);
  } catch (e) {
    return { problem: `the pass threw: ${(e as Error).message}` };
  }
  const errors = verify(out).filter((d) => d.severity === 'error');
  if (errors.length > 0) return { problem: `the output does not verify: [${errors[0].code}] ${errors[0].message}`, output: out };
  // What `lathe check` and --verify-each refuse: static dims no runtime can run (also in an If
  // branch no feed takes). The input's own only when the output has some (a given model may).
  const after = out === model ? [] : shapeFindings(out);
  const fresh = after.length === 0 ? [] : newShapeFindings(shapeFindings(model), after);
  if (fresh.length > 0) {
    const d = fresh[0].diagnostic;
    return { problem: `the output has a shape contradiction the input has not: [${d.code}] ${d.graph}/${d.node}: ${d.message}`, output: out };
  }
  const sig = signatureBreak(model, out);
  if (sig) return { problem: sig, output: out };
  return { out };
}

/** The differences between the original's outputs and the pass output's on one feed. */
function differencesOf(want: Map<string, RtValue>, got: Map<string, RtValue>, tol: Readonly<Record<string, Tolerance>>): string[] {
  const differences: string[] = [];
  for (const [name, w] of want) {
    const g = got.get(name) ?? null;
    const t = toleranceFor(w, tol);
    const d = compareValues(g, w, t);
    if (d.mismatch !== undefined) differences.push(`${name}: ${d.mismatch}`);
    else if (d.past > 0) {
      differences.push(`${name}: ${d.past} of ${d.elements} elements differ (max |diff| ${d.maxAbs})`);
      if (g?.kind === 'tensor' && w.kind === 'tensor') differences.push(...differingElements(name, g, w, t));
    }
  }
  return differences;
}

/** The checks after the feeds: growth, same object when unchanged, idempotence. */
function afterwards(transform: (m: Model) => Model, model: Model, out: Model, options: CheckOneOptions): Finding | undefined {
  if (options.noGrowth) {
    const what = options.noGrowth;
    if (what !== 'bytes' && nodeCount(out) > nodeCount(model)) return { problem: `nodes grew from ${nodeCount(model)} to ${nodeCount(out)}`, output: out };
    if (what !== 'nodes' && tensorBytes(out) > tensorBytes(model)) return { problem: `tensor bytes grew from ${tensorBytes(model)} to ${tensorBytes(out)}`, output: out };
  }
  if (options.sameObjectWhenUnchanged && out !== model && modelsEqual(out, model) === null) {
    return { problem: 'nothing changed but the pass returned a new object (it must return its input)', output: out };
  }
  if (options.idempotent) {
    let again: Model;
    try {
      again = transform(out);
    } catch (e) {
      return { problem: `a second run threw: ${(e as Error).message}`, output: out };
    }
    const diff = again === out ? null : modelsEqual(again, out);
    if (diff !== null) return { problem: `not idempotent: a second run changed the output (${diff})`, output: again };
  }
  return undefined;
}

/** Checks `transform` on one model and its feeds with lathe's evaluator; undefined when everything holds. */
export function checkOne(transform: (m: Model) => Model, model: Model, feeds: readonly Feeds[], options: CheckOneOptions = {}): Finding | undefined {
  const s = structural(transform, model);
  if (!('out' in s)) return s;
  const out = s.out;
  const run: Runner<Map<string, RtValue>> = (m, f) => evaluate(m, f);
  const tol = { ...DEFAULT_TOLERANCE, ...options.tolerance };
  for (const f of feeds) {
    let want: Map<string, RtValue>;
    try {
      want = run(model, f);
    } catch {
      continue; // the original cannot run on this feed: nothing to compare
    }
    let got: Map<string, RtValue>;
    try {
      got = run(out, f);
    } catch (e) {
      return { problem: `the output fails to evaluate where the original runs: ${(e as Error).message}`, output: out, feeds: f };
    }
    const differences = differencesOf(want, got, tol);
    if (differences.length > 0) return { problem: 'outputs differ from the original\'s', output: out, feeds: f, differences };
  }
  return afterwards(transform, model, out, options);
}

/** `checkOne` with an oracle computing both the original's and the output's values. */
export async function checkOneAsync(transform: (m: Model) => Model, model: Model, feeds: readonly Feeds[], oracle: Oracle, options: CheckOneOptions = {}): Promise<Finding | undefined> {
  const s = structural(transform, model);
  if (!('out' in s)) return s;
  const out = s.out;
  const tol = { ...DEFAULT_TOLERANCE, ...options.tolerance };
  const bytesIn = saveModelToBytes(model);
  const bytesOut = out === model ? bytesIn : saveModelToBytes(out);
  for (const f of feeds) {
    let want: Map<string, RtValue>;
    try {
      want = await oracle.run(bytesIn, f);
    } catch {
      continue; // the oracle cannot run the original on this feed (or at all): nothing to compare
    }
    let got: Map<string, RtValue>;
    try {
      got = await oracle.run(bytesOut, f);
    } catch (e) {
      return { problem: `the output fails to run in ${oracle.name} where the original runs: ${(e as Error).message}`, output: out, feeds: f };
    }
    const differences = differencesOf(want, got, tol);
    if (differences.length > 0) return { problem: `outputs differ from the original's (in ${oracle.name})`, output: out, feeds: f, differences };
  }
  return afterwards(transform, model, out, options);
}

function describeFeeds(f: Feeds | undefined): string[] {
  if (!f) return [];
  return Object.entries(f).map(([k, v]) => {
    if (v.kind !== 'tensor') return `${k} = ${v.kind}`;
    const data = Array.from(v.data as ArrayLike<number | bigint>, formatElement);
    const shown = data.length > 24 ? [...data.slice(0, 24), '…'] : data;
    return `${k} = ${dtypeName(v.dtype)}[${v.dims.join(',')}] [${shown.join(', ')}]`;
  });
}

/** The report text of a finding. */
export function formatFinding(passName: string, model: Model, f: Finding, replay: string): string {
  const lines = [`checkPass(${passName}): ${f.problem}`, replay, '', '--- model (shrunk), ONNX text ---', printModel(model).trimEnd()];
  if (f.output) lines.push('', '--- pass output, ONNX text ---', printModel(f.output).trimEnd());
  const feeds = describeFeeds(f.feeds);
  if (feeds.length > 0) lines.push('', '--- feeds ---', ...feeds);
  if (f.differences?.length) lines.push('', '--- differences ---', ...f.differences);
  return lines.join('\n');
}

/**
 * Checks `pass` on the given models, then on `runs` generated ones; throws a `CheckPassError` on
 * the first failure (after shrinking). Returns how many models were checked.
 */
export function checkPass(pass: (model: Model) => Model, options?: CheckPassOptions): { models: number };
export function checkPass(pass: Checkable, options?: CheckPassOptions): { models: number };
export function checkPass(pass: Checkable, options: CheckPassOptions = {}): { models: number } {
  if (options.oracle !== undefined && options.oracle !== 'evaluator') {
    throw new LatheError(`checkPass: the oracle ${typeof options.oracle === 'string' ? `'${options.oracle}'` : options.oracle.name} runs asynchronously: call checkPassAsync (and await it)`);
  }
  const run = setup(pass, options);
  const check = (m: Model, feeds: readonly Feeds[]) => checkOne(run.transform, m, feeds, options);
  run.given.forEach((m, i) => {
    const f = check(m, run.givenFeeds(i));
    if (f) run.failGiven(m, f, i);
  });
  if (run.runs <= 0) return { models: run.given.length };
  const firstFinding = (list: readonly (readonly [Model, Feeds[]])[]): [Model, Finding] | undefined => {
    for (const [m, feeds] of list) {
      const f = check(m, feeds);
      if (f) return [m, f];
    }
    return undefined;
  };
  const result = fc.check(fc.property(run.arb, (list) => firstFinding(list) === undefined), run.params);
  if (!result.failed) return { models: run.given.length + result.numRuns };
  return run.fail(result, result.counterexample ? firstFinding(result.counterexample[0]) : undefined);
}

/**
 * `checkPass` with an oracle other than lathe's evaluator: `oracle: 'onnxruntime'` (under Node,
 * with onnxruntime-node installed: import `lathe/testing` there) or any `Oracle` ({ name, run }).
 * The oracle runs both the original and the pass's output; feeds it cannot run the original on
 * are skipped. Resolves to the number of models checked; rejects with a `CheckPassError`.
 */
export async function checkPassAsync(pass: Checkable, options: CheckPassOptions = {}): Promise<{ models: number }> {
  if (options.oracle === undefined || options.oracle === 'evaluator') return checkPass(pass, options);
  const oracle = await resolveOracle(options.oracle);
  const run = setup(pass, options);
  const check = (m: Model, feeds: readonly Feeds[]) => checkOneAsync(run.transform, m, feeds, oracle, options);
  for (let i = 0; i < run.given.length; i++) {
    const f = await check(run.given[i], run.givenFeeds(i));
    if (f) run.failGiven(run.given[i], f, i);
  }
  if (run.runs <= 0) return { models: run.given.length };
  const firstFinding = async (list: readonly (readonly [Model, Feeds[]])[]): Promise<[Model, Finding] | undefined> => {
    for (const [m, feeds] of list) {
      const f = await check(m, feeds);
      if (f) return [m, f];
    }
    return undefined;
  };
  const result = await fc.check(fc.asyncProperty(run.arb, async (list) => (await firstFinding(list)) === undefined), run.params);
  if (!result.failed) return { models: run.given.length + result.numRuns };
  return run.fail(result, result.counterexample ? await firstFinding(result.counterexample[0]) : undefined);
}

type Candidates = readonly (readonly [Model, Feeds[]])[];

/** What the sync and async checkers share: the transform, the generated candidates, the reports. */
function setup(pass: Checkable, options: CheckPassOptions) {
  const transform = asTransform(pass);
  const passName = nameOf(pass);
  const nFeeds = options.feeds ?? 2;
  const feedsOf = (m: Model) => fc.array(arbFeeds(m, options.feedOptions), { minLength: nFeeds, maxLength: nFeeds });
  const seed = options.seed ?? Math.floor(Math.random() * 0x7fffffff);
  const given = options.models ?? [];
  const runs = options.runs ?? 200;
  const gen = options.generate;
  const focus = Math.max(1, options.focus ?? 64);
  const acts = (m: Model): boolean => {
    try {
      return transform(m) !== m;
    } catch {
      return true;
    }
  };
  const withFeeds = (list: readonly Model[]): fc.Arbitrary<Candidates> => fc.tuple(...list.map((m) => fc.tuple(fc.constant(m), feedsOf(m))));
  // A run draws up to `focus` candidates and checks every one the pass acts on (or the first,
  // when it acts on none). Shrinking drops candidates and simplifies the rest.
  let arb: fc.Arbitrary<Candidates>;
  if (isArbitrary(gen)) {
    const candidates = focus === 1 ? gen.map((m) => [m]) : fc.array(gen, { minLength: 1, maxLength: focus, size: 'max' });
    arb = candidates.chain((ms) => {
      const acted = ms.filter(acts);
      return withFeeds(acted.length > 0 ? acted : [ms[0]]);
    });
  } else {
    const specs = arbModelSpec(gen);
    const nearMisses = Math.max(0, options.nearMisses ?? 16);
    const maxDim = gen?.maxDim ?? 3;
    /** The steps that made the main-graph nodes the pass changed or removed in `out` (every step, when it threw). */
    const touchedSteps = (m: Model, out: Model | undefined, stepOf: ReadonlyMap<NodeId, number>): number[] => {
      if (out === undefined) return [...new Set(stepOf.values())];
      const steps = new Set<number>();
      for (const [id, step] of stepOf) if (out.graph.nodes[id] !== m.graph.nodes[id]) steps.add(step);
      return [...steps];
    };
    /** Up to `n` of the near misses around `steps`: all when they are few, else a spread picked by a hash of the spec. */
    const pickVariants = (spec: ModelSpec, steps: readonly number[], n: number): Variant[] => {
      const all = nearMissesOf(spec, steps, maxDim);
      if (all.length <= n) return all;
      const chosen = new Set<number>();
      for (let i = 0; chosen.size < n && i < 4 * n; i++) chosen.add(nearMissPick(spec, i) % all.length);
      return [...chosen].map((i) => all[i]);
    };
    // A variant is a spec inside the generator's own space (knobs below 2^12, dims within
    // 1..maxDim), so it builds a valid model as every drawn spec does; should the builder ever
    // throw on one, the variant is skipped rather than blamed on the pass.
    const buildVariant = (spec: ModelSpec): Model | undefined => {
      try {
        return buildModel(spec, gen);
      } catch {
        return undefined;
      }
    };
    const candidates = focus === 1 ? specs.map((s) => [s]) : fc.array(specs, { minLength: 1, maxLength: focus, size: 'max' });
    arb = candidates.chain((ss) => {
      const drawn = ss.map((spec) => {
        const stepOf = new Map<NodeId, number>();
        const model = buildModel(spec, gen, stepOf);
        let out: Model | undefined;
        try {
          out = transform(model);
        } catch {
          out = undefined; // it threw: the pass acts on this model
        }
        return { spec, stepOf, model, out };
      });
      const acted = drawn.filter((c) => c.out !== c.model);
      if (acted.length === 0) return withFeeds([drawn[0].model]);
      const misses: Model[] = [];
      // The budget is shared in order (earlier candidates get no fewer): when shrinking drops a
      // candidate, the others' shares only grow, and each share is a prefix of the same sequence.
      for (const [i, c] of acted.entries()) {
        const share = Math.floor(nearMisses / acted.length) + (i < nearMisses % acted.length ? 1 : 0);
        if (share === 0) break;
        for (const v of pickVariants(c.spec, touchedSteps(c.model, c.out, c.stepOf), share)) {
          const m = buildVariant(applyVariant(c.spec, v));
          if (m && acts(m)) misses.push(m);
        }
      }
      return withFeeds([...acted.map((c) => c.model), ...misses]);
    });
  }
  const throwFinding = (m: Model, f: Finding, replay: string, s: number | undefined, path: string | undefined): never => {
    const msg = formatFinding(passName, m, f, replay);
    throw new CheckPassError(msg, s, path, f.problem, printModel(m), f.output && printModel(f.output), f.differences ?? [], m);
  };
  return {
    transform,
    given,
    runs,
    arb,
    params: { seed, numRuns: runs, ...(options.path !== undefined ? { path: options.path } : {}), endOnFailure: false } as fc.Parameters<[Candidates]>,
    givenFeeds: (i: number): Feeds[] => fc.sample(feedsOf(given[i]), { seed: seed + i, numRuns: 1 })[0] ?? [],
    failGiven: (m: Model, f: Finding, i: number): never => throwFinding(m, f, `given model #${i} (feeds from seed ${seed + i})`, seed, undefined),
    fail(result: fc.RunDetails<[Candidates]>, found: [Model, Finding] | undefined): never {
      if (!result.counterexample) throw new Error(`checkPass(${passName}): ${String(result.errorInstance as unknown)}`);
      const [m, f]: [Model, Finding] = found ?? [result.counterexample[0][0][0], { problem: 'the property failed but passes when re-run (is the pass deterministic?)' }];
      const path = result.counterexamplePath ?? undefined;
      const replay = `seed ${result.seed}, path "${path}": replay with checkPass(pass, { seed: ${result.seed}, path: ${JSON.stringify(path)}, runs: ${runs} })`;
      return throwFinding(m, f, replay, result.seed, path);
    },
  };
}

function isArbitrary(x: unknown): x is fc.Arbitrary<Model> {
  return (x as object | undefined) instanceof fc.Arbitrary;
}

/** The dtype codes of lathe's float types (for callers building tolerance tables). */
export const FLOAT_DTYPES = [D.FLOAT, D.FLOAT16, D.DOUBLE] as const;
