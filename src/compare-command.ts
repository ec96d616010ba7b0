/**
 * `lathe compare A B [--inputs DIR | --input NAME=FILE ... | --random-inputs] [--rtol R --atol A]`:
 * runs both models in lathe's evaluator on the same inputs and prints, per output, the largest
 * absolute and relative difference. Exit 0 when every output agrees within the tolerance, 1 when
 * one does not (like `cmp`/`diff`), 2 on bad input. The check users run after optimizing.
 *
 * Inputs are made for A (run-inputs.ts) and fed to B by input name, else by position. Outputs are
 * matched by name, then by position; an output only one model has is a difference.
 */
import { LatheError } from '../ir/error.js';
import { checkFeed } from '../ir/eval/feed.js';
import { evaluate } from '../ir/eval/run.js';
import { describeValue } from '../ir/eval/values.js';
import type { RtValue } from '../ir/ops/types.js';
import type { Model } from '../ir/types.js';
import { UsageError, type ParsedArgs } from './cli-args.js';
import { compareValues, type Difference, type Tolerance } from './compare.js';
import type { Platform } from './platform.js';
import { checkedModel } from './input-order.js';
import { feedSpecOf, gatherInputs } from './run-inputs.js';
import { plural } from './inspect.js';

export const DEFAULT_TOLERANCE: Tolerance = { rtol: 1e-3, atol: 1e-5 };

function parseTolerance(args: ParsedArgs, name: 'rtol' | 'atol'): number {
  const text = args.values.get(name);
  if (text === undefined) return DEFAULT_TOLERANCE[name];
  const x = /^[0-9.eE+-]+$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(x) || x < 0) throw new UsageError(`--${name} must be a number >= 0 (got '${text}')`, args.command);
  return x;
}

/** Names of the graph inputs that are not initializers, in order. */
function feedNames(m: Model): string[] {
  const inits = new Set(m.graph.initializers);
  return m.graph.inputs.filter((id) => !inits.has(id)).map((id) => m.graph.values[id]?.name ?? id);
}

function outputNames(m: Model): string[] {
  return m.graph.outputs.map((id) => m.graph.values[id]?.name ?? id);
}

/** B's feed: A's value of the same name, else A's value at the same position. */
function feedForB(a: Model, b: Model, inputsA: ReadonlyMap<string, RtValue>, fileB: string): Map<string, RtValue> {
  const namesA = feedNames(a);
  const namesB = feedNames(b);
  const feed = new Map<string, RtValue>();
  namesB.forEach((name, k) => {
    // by position only an input of A that B does not take by name
    const byPosition = namesA[k] !== undefined && !namesB.includes(namesA[k]) ? inputsA.get(namesA[k]) : undefined;
    const v = inputsA.get(name) ?? byPosition;
    if (v === undefined) throw new LatheError(`input '${name}' matches no input of the first model, by name or position`, fileB);
    const id = b.graph.inputs.find((i) => (b.graph.values[i]?.name ?? i) === name)!;
    checkFeed(v, b.graph.values[id]?.type, `input '${name}'`);
    feed.set(name, v);
  });
  return feed;
}

/** Pairs of (name in A, name in B) by name, then by position; unmatched ones alone. */
function matchOutputs(a: readonly string[], b: readonly string[]): { a?: string; b?: string }[] {
  const pairs: { a?: string; b?: string }[] = [];
  const usedB = new Set<string>();
  const byName = new Set(b);
  const unmatchedA: number[] = [];
  a.forEach((name, i) => {
    if (byName.has(name) && !usedB.has(name)) {
      usedB.add(name);
      pairs[i] = { a: name, b: name };
    } else unmatchedA.push(i);
  });
  for (const i of unmatchedA) {
    const cand = b[i];
    if (cand !== undefined && !usedB.has(cand) && !a.includes(cand)) {
      usedB.add(cand);
      pairs[i] = { a: a[i], b: cand };
    } else pairs[i] = { a: a[i] };
  }
  for (const name of b) if (!usedB.has(name)) pairs.push({ b: name });
  return pairs;
}

function num(x: number): string {
  return x === 0 ? '0' : Number.isFinite(x) ? x.toExponential(2) : 'inf';
}

function describeDifference(d: Difference): string {
  if (d.mismatch !== undefined) return d.mismatch;
  const past = d.past > 0 ? `, ${d.past} of ${plural(d.elements, 'element')} past tolerance` : '';
  return `max abs diff ${num(d.maxAbs)}, max rel diff ${num(d.maxRel)}${past}`;
}

/** Runs `fn`, naming `file` in its LatheErrors (an evaluator error in B must not be blamed on A). */
function evaluateIn<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof LatheError && e.file === undefined) throw new LatheError(e.message, file);
    throw e;
  }
}

/** Runs the command; returns 0 (agree) or 1 (differ); errors are thrown for runCli to report. */
export function runCompareCommand(platform: Platform, args: ParsedArgs): number {
  const [fileA, fileB] = args.positional;
  const tol: Tolerance = { rtol: parseTolerance(args, 'rtol'), atol: parseTolerance(args, 'atol') };
  const spec = feedSpecOf(args);
  // Checked as `run` checks: nodes out of order sorted (as onnxruntime does on load), any other
  // verifier error refused.
  const a = checkedModel(platform.loadModel(fileA), fileA);
  const b = checkedModel(platform.loadModel(fileB), fileB);
  const inputsA = gatherInputs(platform, a, spec, fileA);
  const inputsB = feedForB(a, b, inputsA, fileB);
  const outA = evaluateIn(fileA, () => evaluate(a, inputsA, { seed: spec.seed, checkDeclaredShapes: false }));
  const outB = evaluateIn(fileB, () => evaluate(b, inputsB, { seed: spec.seed, checkDeclaredShapes: false }));
  const pairs = matchOutputs(outputNames(a), outputNames(b));
  const quiet = args.flags.has('quiet');
  let differ = 0;
  const lines: string[] = [];
  for (const p of pairs) {
    const label = p.a === undefined ? p.b! : p.b === undefined || p.a === p.b ? p.a : `${p.a} / ${p.b}`;
    if (p.a === undefined || p.b === undefined) {
      differ++;
      lines.push(`  ${label}: only in ${p.a === undefined ? fileB : fileA}  DIFFERS\n`);
      continue;
    }
    const va = outA.get(p.a)!;
    const d = compareValues(va, outB.get(p.b)!, tol);
    const bad = d.mismatch !== undefined || d.past > 0;
    if (bad) differ++;
    if (bad || !quiet) lines.push(`  ${label}: ${describeValue(va)}, ${describeDifference(d)}  ${bad ? 'DIFFERS' : 'ok'}\n`);
  }
  const verdict =
    differ === 0
      ? `lathe: ${fileA} and ${fileB} agree on ${plural(pairs.length, 'output')}`
      : `lathe: ${fileA} and ${fileB} differ on ${differ} of ${plural(pairs.length, 'output')}`;
  if (!quiet || differ > 0) platform.stdout(`${verdict} (rtol ${tol.rtol}, atol ${tol.atol}; |a-b| <= atol + rtol*|b|)\n${lines.join('')}`);
  return differ === 0 ? 0 : 1;
}
