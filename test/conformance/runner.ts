/**
 * Conformance runner over ONNX's node tests: each case's model runs through the evaluator on
 * every `test_data_set_N`, and the outputs are compared with `output_K.pb` (rtol 1e-3, atol 1e-7
 * for floats, NaN equals NaN; exact for integers, bools and strings; dtypes and shapes must match;
 * for random ops only dtype and shape). Errors are caught per case and become its failure reason.
 * `writeOpsReport` renders OPS.md (pass rate, per-op table, every failing case).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dtypeName } from '../../ir/dtype.js';
import { readValue } from '../../ir/eval/data.js';
import { evaluate } from '../../ir/eval/run.js';
import { describeValue } from '../../ir/eval/values.js';
import { standardOps } from '../../ir/ops/index.js';
import { buildRegistry } from '../../ir/ops/registry.js';
import type { OpTable, RtValue } from '../../ir/ops/types.js';
import type { Graph, Model, Type } from '../../ir/types.js';
import { walkNodes } from '../../ir/walk.js';
import { loadModelFromBytes } from '../../src/io.js';
import { nodeTestsDir } from '../support/shared.js';

export const NODE_TESTS = nodeTestsDir;
export const RTOL = 1e-3;
export const ATOL = 1e-7;

/** Ops whose outputs are random: only dtype and shape are compared. */
const RANDOM_OPS = new Set(['RandomNormal', 'RandomNormalLike', 'RandomUniform', 'RandomUniformLike', 'Bernoulli', 'Multinomial']);

export interface CaseResult {
  readonly name: string;
  readonly pass: boolean;
  /** One line: why it failed. */
  readonly reason?: string;
  /** (domain, op) of every node in the model, subgraphs and functions included. */
  readonly ops: readonly string[];
  readonly ms: number;
}

export function listCases(root = NODE_TESTS, filter?: RegExp): string[] {
  return readdirSync(root)
    .filter((n) => existsSync(join(root, n, 'model.onnx')) && (!filter || filter.test(n)))
    .sort();
}

export function opKey(domain: string, op: string): string {
  return `${domain === '' || domain === 'ai.onnx' ? 'ai.onnx' : domain}::${op}`;
}

function modelOps(model: Model): string[] {
  const seen = new Set<string>();
  walkNodes(model, (n) => seen.add(opKey(n.domain, n.op)));
  for (const f of model.functions) for (const id of f.graph.order) {
    const n = f.graph.nodes[id];
    if (n) seen.add(opKey(n.domain, n.op));
  }
  return [...seen];
}

function outputType(g: Graph, i: number): Type | undefined {
  return g.outputInfo?.[i]?.type ?? g.values[g.outputs[i]]?.type;
}

/** Compares `got` with `want`; returns a one-line difference or undefined when they agree. */
export function compareValues(got: RtValue | null, want: RtValue | null, shapeOnly: boolean, what: string, depth = 0): string | undefined {
  if (depth > 64) return `${what}: nesting too deep`;
  if (got === null || want === null) return got === want ? undefined : `${what}: got ${describeValue(got)}, expected ${describeValue(want)}`;
  if (got.kind !== want.kind) return `${what}: got a ${got.kind}, expected a ${want.kind}`;
  if (want.kind === 'sequence' && got.kind === 'sequence') {
    if (got.items.length !== want.items.length) return `${what}: sequence of ${got.items.length}, expected ${want.items.length}`;
    for (let i = 0; i < want.items.length; i++) {
      const d = compareValues(got.items[i], want.items[i], shapeOnly, `${what}[${i}]`, depth + 1);
      if (d) return d;
    }
    return undefined;
  }
  if (want.kind === 'optional' && got.kind === 'optional') return compareValues(got.value, want.value, shapeOnly, what, depth + 1);
  if (want.kind === 'map' && got.kind === 'map') {
    if (got.keyDtype !== want.keyDtype || got.keys.length !== want.keys.length || got.keys.some((k, i) => k !== want.keys[i])) {
      return `${what}: map keys differ`;
    }
    return compareValues(got.values, want.values, shapeOnly, `${what} (values)`, depth + 1);
  }
  if (want.kind !== 'tensor' || got.kind !== 'tensor') return `${what}: cannot compare`;
  if (got.dtype !== want.dtype) return `${what}: dtype ${dtypeName(got.dtype)}, expected ${dtypeName(want.dtype)}`;
  if (got.dims.length !== want.dims.length || got.dims.some((d, i) => d !== want.dims[i])) {
    return `${what}: shape [${got.dims}], expected [${want.dims}]`;
  }
  if (shapeOnly) return undefined;
  const a = got.data;
  const b = want.data;
  if (a.length !== b.length) return `${what}: ${a.length} elements, expected ${b.length}`;
  const floating = a instanceof Float32Array || a instanceof Float64Array;
  // ONNX's own tolerance, strictly (no extra allowance for narrow floats: the failures that
  // leaves are listed in OPS.md rather than hidden).
  let bad = 0;
  let first = -1;
  for (let i = 0; i < b.length; i++) {
    const x = a[i];
    const y = b[i];
    let ok: boolean;
    if (floating) {
      const xf = x as number;
      const yf = y as number;
      ok = xf === yf || (Number.isNaN(xf) && Number.isNaN(yf)) || Math.abs(xf - yf) <= ATOL + RTOL * Math.abs(yf);
    } else ok = x === y;
    if (!ok) {
      bad++;
      if (first < 0) first = i;
    }
  }
  if (bad === 0) return undefined;
  return `${what}: ${bad}/${b.length} elements differ (first at ${first}: got ${String(a[first])}, expected ${String(b[first])})`;
}

/** The message of an error thrown by `runCase`'s `prepare` step starts with this. */
export const PREPARE_FAILED = 'prepare: ';

/** A rewrite of a node-test model that keeps what it computes on the case's data (test/support/node-test-variants.ts). */
export interface CaseVariant {
  readonly name: string;
  /** The case's model rewritten; `dir` is the case's folder (for its stored data). */
  readonly apply: (model: Model, dir: string) => Model;
  /** The variant holds for `test_data_set_0` only (e.g. it froze that set's inputs). */
  readonly firstSetOnly?: boolean;
}

export interface CaseOptions {
  /** Applied to the loaded model first; stored inputs it no longer declares as inputs are not fed. */
  readonly variant?: CaseVariant;
  /**
   * Turns the (variant) model into the one evaluated, e.g. an optimization pipeline; feeds and
   * expected outputs are still matched through the original model's inputs and outputs, by name.
   * An error it throws becomes a failure whose reason starts with PREPARE_FAILED.
   */
  readonly prepare?: (m: Model) => Model;
}

/** Runs one case (every data set); never throws. */
export function runCase(name: string, root = NODE_TESTS, ops: OpTable = standardOps, options: CaseOptions = {}): CaseResult {
  const t0 = performance.now();
  let opsUsed: string[] = [];
  const done = (pass: boolean, reason?: string): CaseResult => ({ name, pass, reason, ops: opsUsed, ms: performance.now() - t0 });
  try {
    const dir = join(root, name);
    const model = loadModelFromBytes(readFileSync(join(dir, 'model.onnx')));
    opsUsed = modelOps(model);
    const registry = buildRegistry(ops);
    let shapeOnly = false;
    walkNodes(model, (n) => {
      if (RANDOM_OPS.has(n.op) || registry.lookup(n.domain, n.op)?.random) shapeOnly = true;
    });
    const g = model.graph;
    const init = new Set(g.initializers);
    const fed = g.inputs.filter((v) => !init.has(v));
    let sets = readdirSync(dir).filter((d) => d.startsWith('test_data_set_')).sort();
    if (sets.length === 0) return done(false, 'no test_data_set');
    let evaluated = model;
    if (options.variant) {
      evaluated = options.variant.apply(model, dir);
      if (options.variant.firstSetOnly) sets = sets.slice(0, 1);
    }
    const declared = new Set(evaluated.graph.inputs.map((id) => evaluated.graph.values[id]?.name ?? id));
    if (options.prepare) {
      try {
        evaluated = options.prepare(evaluated);
      } catch (e) {
        return done(false, `${PREPARE_FAILED}${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
      }
    }
    for (const set of sets) {
      const sdir = join(dir, set);
      const inputs = new Map<string, RtValue>();
      for (let k = 0; existsSync(join(sdir, `input_${k}.pb`)); k++) {
        const id = fed[k];
        if (id === undefined) return done(false, `${set}: input_${k}.pb has no graph input`);
        const v = g.values[id];
        if (!declared.has(v?.name ?? id)) continue; // frozen into the model by the variant
        inputs.set(v?.name ?? id, readValue(readFileSync(join(sdir, `input_${k}.pb`)), v?.type, `${set}/input_${k}.pb`));
      }
      const outs = evaluate(evaluated, inputs, { ops });
      for (let k = 0; k < g.outputs.length; k++) {
        const file = join(sdir, `output_${k}.pb`);
        if (!existsSync(file)) continue;
        const outName = g.values[g.outputs[k]]?.name ?? g.outputs[k];
        const want = readValue(readFileSync(file), outputType(g, k), `${set}/output_${k}.pb`);
        const diff = compareValues(outs.get(outName) ?? null, want, shapeOnly, `${set} output '${outName}'`);
        if (diff) return done(false, diff);
      }
    }
    return done(true);
  } catch (e) {
    const msg = e instanceof Error ? `${e.constructor === Error || e.name === 'LatheError' ? '' : `${e.name}: `}${e.message}` : String(e);
    return done(false, msg.split('\n')[0]);
  }
}

/** OPS.md: pass rate, the table of ops (versions implemented, cases passing/total), failing cases. */
export function opsReport(results: readonly CaseResult[], ops: OpTable, totalMs: number): string {
  const registry = buildRegistry(ops);
  const passes = results.filter((r) => r.pass).length;
  const perOp = new Map<string, { pass: number; total: number }>();
  for (const def of registry.defs) perOp.set(opKey(def.domain, def.name), { pass: 0, total: 0 });
  for (const r of results) {
    for (const k of r.ops) {
      const e = perOp.get(k) ?? { pass: 0, total: 0 };
      e.total++;
      if (r.pass) e.pass++;
      perOp.set(k, e);
    }
  }
  const pct = (a: number, b: number) => (b === 0 ? '—' : `${((100 * a) / b).toFixed(1)}%`);
  const lines = [
    '# Operator support of the reference evaluator',
    '',
    'Generated by `npx vitest run test/conformance` from ONNX\'s node tests (`../shared/onnx-node-tests/node`);',
    `tolerance rtol ${RTOL}, atol ${ATOL}; random ops compared by dtype and shape only. Do not edit by hand.`,
    '',
    `**${passes} / ${results.length} cases pass (${pct(passes, results.length)})**; run time ${(totalMs / 1000).toFixed(1)} s.`,
    '',
    '## Ops',
    '',
    'A case counts for every op its model uses (subgraphs and functions included).',
    '',
    '| domain | op | versions implemented | cases passing / total |',
    '| --- | --- | --- | --- |',
  ];
  const keys = [...perOp.keys()].sort((a, b) => a.localeCompare(b));
  for (const k of keys) {
    const [domain, op] = k.split('::');
    const def = registry.lookup(domain, op);
    const e = perOp.get(k)!;
    lines.push(`| ${domain} | ${op} | ${def ? def.since.join(', ') : '—'} | ${e.pass} / ${e.total} |`);
  }
  const failing = results.filter((r) => !r.pass);
  lines.push('', `## Failing cases (${failing.length})`, '');
  for (const r of failing) lines.push(`- \`${r.name}\`: ${(r.reason ?? '').replace(/\|/g, '\\|')}`);
  lines.push('');
  return lines.join('\n');
}
