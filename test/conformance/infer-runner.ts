/**
 * Shape/type inference over ONNX's node tests: each case's model has the types of its main-graph
 * node outputs removed (value_info and output types: the answers), is inferred from its graph
 * inputs and initializers, and every output's inferred type is compared with the value in
 * `test_data_set_0/output_K.pb`:
 * - dtype: right, unknown (not inferred) or WRONG (another dtype);
 * - shape: full (every dim the file's number), partial (unknown rank, symbols or unknown dims
 *   where the file has a number) or WRONG (another rank, or another number).
 * WRONG is a bug (a wrong shape is worse than none); `inferReport` renders INFER.md.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dtypeName } from '../../ir/dtype.js';
import { readValue } from '../../ir/eval/data.js';
import { inferTypes } from '../../ir/infer/infer.js';
import type { RtValue } from '../../ir/ops/types.js';
import type { Dim, Graph, Model, Type, Value, ValueId } from '../../ir/types.js';
import { loadModelFromBytes } from '../../src/io.js';
import { NODE_TESTS } from './runner.js';

export type Verdict = 'right' | 'unknown' | 'wrong';

export interface OutputResult {
  readonly case: string;
  readonly output: string;
  readonly dtype: Verdict;
  /** 'right' = every dim known and equal. */
  readonly shape: Verdict;
  /** One line: what was inferred vs. expected (for wrong and unknown). */
  readonly detail?: string;
}

export interface InferCaseResult {
  readonly name: string;
  readonly outputs: readonly OutputResult[];
  /** Inference threw, or a rule reported an error. */
  readonly error?: string;
}

/** The model with the types of main-graph node outputs removed (and output overrides). */
export function stripAnswers(model: Model): Model {
  const g = model.graph;
  const values: Record<ValueId, Value> = Object.create(null);
  for (const [id, v] of Object.entries(g.values) as [ValueId, Value][]) {
    if (v.def && v.type) {
      const { type: _dropped, ...rest } = v;
      values[id] = rest;
    } else values[id] = v;
  }
  const { outputInfo: _o, ...graph } = g;
  return { ...model, graph: { ...graph, values } as Graph };
}

function showType(t: Type | undefined): string {
  if (!t) return 'nothing';
  if (t.kind === 'tensor' || t.kind === 'sparse') {
    const dt = t.dtype === 0 ? '?' : dtypeName(t.dtype);
    return t.shape ? `${dt}[${t.shape.map((d) => (d === null ? '?' : String(d))).join(',')}]` : `${dt}[…]`;
  }
  if (t.kind === 'sequence' || t.kind === 'optional') return `${t.kind}(${showType(t.elem)})`;
  return t.kind;
}

function showValue(v: RtValue): string {
  if (v.kind === 'tensor') return `${dtypeName(v.dtype)}[${v.dims.join(',')}]`;
  if (v.kind === 'sequence') return `sequence(${v.items.length} items${v.items[0] ? `, ${showValue(v.items[0])}` : ''})`;
  if (v.kind === 'optional') return `optional(${v.value ? showValue(v.value) : 'none'})`;
  return 'map';
}

/** Dim verdict of one inferred shape against actual dims. */
function shapeVerdict(shape: readonly Dim[] | undefined, dims: readonly number[]): Verdict {
  if (!shape) return 'unknown';
  if (shape.length !== dims.length) return 'wrong';
  let full = true;
  for (let i = 0; i < dims.length; i++) {
    const d = shape[i];
    if (typeof d === 'number') {
      if (d !== dims[i]) return 'wrong';
    } else full = false;
  }
  return full ? 'right' : 'unknown';
}

function worst(a: Verdict, b: Verdict): Verdict {
  return a === 'wrong' || b === 'wrong' ? 'wrong' : a === 'unknown' || b === 'unknown' ? 'unknown' : 'right';
}

/** Compares an inferred type with an actual value: [dtype verdict, shape verdict]. */
export function judge(t: Type | undefined, v: RtValue): [Verdict, Verdict] {
  if (!t || t.kind === 'none') return ['unknown', 'unknown'];
  if (v.kind === 'tensor') {
    if (t.kind !== 'tensor' && t.kind !== 'sparse') return ['wrong', 'wrong'];
    const dt: Verdict = t.dtype === 0 ? 'unknown' : t.dtype === v.dtype ? 'right' : 'wrong';
    return [dt, shapeVerdict(t.shape, v.dims)];
  }
  if (v.kind === 'sequence') {
    if (t.kind !== 'sequence') return ['wrong', 'wrong'];
    const e = t.elem;
    if (!e) return ['unknown', 'unknown'];
    if (v.items.length === 0) {
      if (e.kind !== 'tensor' || e.dtype === 0 || v.elemDtype === undefined) return ['unknown', 'unknown'];
      return [e.dtype === v.elemDtype ? 'right' : 'wrong', 'right'];
    }
    let dt: Verdict = 'right';
    let sh: Verdict = 'right';
    for (const item of v.items) {
      const [a, b] = judge(e, item);
      dt = worst(dt, a);
      sh = worst(sh, b);
    }
    return [dt, sh];
  }
  if (v.kind === 'optional') {
    if (t.kind !== 'optional') return ['wrong', 'wrong'];
    if (v.value === null) return t.elem ? ['right', 'right'] : ['unknown', 'unknown'];
    return t.elem ? judge(t.elem, v.value) : ['unknown', 'unknown'];
  }
  return t.kind === 'map' ? ['right', 'unknown'] : ['wrong', 'wrong'];
}

/** Infers one case and judges every output that has an `output_K.pb`; never throws. */
export function inferCase(name: string, root = NODE_TESTS): InferCaseResult {
  const dir = join(root, name);
  let model: Model;
  try {
    model = loadModelFromBytes(readFileSync(join(dir, 'model.onnx')));
  } catch (e) {
    return { name, outputs: [], error: `load: ${(e as Error).message.split('\n')[0]}` };
  }
  const g = model.graph;
  let types: Map<ValueId, Type>;
  let error: string | undefined;
  try {
    const r = inferTypes(stripAnswers(model));
    types = r.types;
    const firstError = r.diagnostics.find((d) => d.severity === 'error');
    if (firstError) error = firstError.message.split('\n')[0];
  } catch (e) {
    return { name, outputs: [], error: `${(e as Error).name}: ${(e as Error).message.split('\n')[0]}` };
  }
  const outputs: OutputResult[] = [];
  const sdir = join(dir, 'test_data_set_0');
  for (let k = 0; k < g.outputs.length; k++) {
    const file = join(sdir, `output_${k}.pb`);
    if (!existsSync(file)) continue;
    const id = g.outputs[k]!;
    const outName = g.values[id]?.name ?? id;
    const declared = g.outputInfo?.[k]?.type ?? g.values[id]?.type;
    let want: RtValue;
    try {
      want = readValue(readFileSync(file), declared, `${name}/output_${k}.pb`);
    } catch {
      continue; // an unreadable expected value is the evaluator runner's business
    }
    const inferred = types.get(id);
    const [dtype, shape] = judge(inferred, want);
    const detail = dtype === 'right' && shape === 'right' ? undefined : `inferred ${showType(inferred)}, actual ${showValue(want)}`;
    outputs.push({ case: name, output: outName, dtype, shape, ...(detail ? { detail } : {}) });
  }
  return { name, outputs, ...(error ? { error } : {}) };
}

export interface InferSummary {
  readonly outputs: number;
  readonly dtypeRight: number;
  readonly shapeRight: number;
  /** dtype and full shape both right. */
  readonly right: number;
  readonly wrong: readonly OutputResult[];
}

export function summarize(results: readonly InferCaseResult[]): InferSummary {
  const all = results.flatMap((r) => r.outputs);
  return {
    outputs: all.length,
    dtypeRight: all.filter((o) => o.dtype === 'right').length,
    shapeRight: all.filter((o) => o.shape === 'right').length,
    right: all.filter((o) => o.dtype === 'right' && o.shape === 'right').length,
    wrong: all.filter((o) => o.dtype === 'wrong' || o.shape === 'wrong'),
  };
}

/**
 * INFER.md: rates, every WRONG output, inference errors, and outputs not (fully) inferred;
 * `extra` lines (other measurements) go after the rates.
 */
export function inferReport(results: readonly InferCaseResult[], totalMs: number, extra: readonly string[] = []): string {
  const s = summarize(results);
  const pct = (a: number) => (s.outputs === 0 ? '—' : `${((100 * a) / s.outputs).toFixed(1)}%`);
  const esc = (t: string) => t.replace(/\|/g, '\\|');
  const errors = results.filter((r) => r.error);
  const partial = results.flatMap((r) => r.outputs).filter((o) => o.detail && o.dtype !== 'wrong' && o.shape !== 'wrong');
  const lines = [
    '# Shape and type inference on ONNX node tests',
    '',
    'Generated by `npx vitest run test/conformance/infer.test.ts`: each case is inferred from its graph inputs with',
    'the declared output types removed, and each output compared with `test_data_set_0/output_K.pb`. Do not edit by hand.',
    '',
    `- outputs compared: ${s.outputs} (${results.length} cases) in ${(totalMs / 1000).toFixed(1)} s`,
    `- dtype right: ${s.dtypeRight} (${pct(s.dtypeRight)})`,
    `- shape fully inferred: ${s.shapeRight} (${pct(s.shapeRight)})`,
    `- both right: ${s.right} (${pct(s.right)})`,
    `- WRONG (must be zero): ${s.wrong.length}`,
    '',
    ...extra,
    `## Wrong (${s.wrong.length})`,
    '',
    ...s.wrong.map((o) => `- \`${o.case}\` output '${esc(o.output)}': ${esc(o.detail ?? '')}`),
    '',
    `## Inference errors (${errors.length})`,
    '',
    ...errors.map((r) => `- \`${r.name}\`: ${esc(r.error!)}`),
    '',
    `## Not fully inferred (${partial.length})`,
    '',
    ...partial.map((o) => `- \`${o.case}\` output '${esc(o.output)}': ${esc(o.detail!)}`),
    '',
  ];
  return lines.join('\n');
}
