/**
 * `quantize(model, options)`: the library's quantization entry, what `lathe quantize` runs. The
 * model is verified, optimized at `level` (default -O2: the fused graph is what gets quantized),
 * calibrated when the mode needs it (static int8), rewritten by the mode's pass, cleaned of the
 * float weights it replaced, verified again, and measured: the relative L2 error against the float
 * model of the float output that errs most, on the calibration samples (or one generated sample).
 *
 * Modes map to passes by name (MODE_PASSES), looked up in `options.passes` (src/ cannot import
 * passes/); a mode whose pass is not in the registry is a LatheError `mode M is not available`.
 */
import { DataType as D } from '../../ir/dtype.js';
import { LatheError } from '../../ir/error.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import type { OptLevel } from '../levels.js';
import { optimize, type OptimizeOptions } from '../optimize.js';
import type { PassRegistry } from '../pipeline.js';
import { runSchedule } from '../runner.js';
import { createPassContext, type Pass } from '../pass.js';
import { seq } from '../schedule.js';
import { calibrate, evaluatorRunner, generatedSample, type Sample, type SampleRunner } from './calibrate.js';
import { relativeL2 } from './quant-math.js';
import type { TensorRecord } from './records.js';
import { staticActivationNames } from './static-plan.js';
import type { CalibrationMethod } from './stats.js';

export type QuantizeMode = 'int8-dynamic' | 'int8-static' | 'int4-weight' | 'fp16' | 'bf16';

/** The pass each mode runs and the options it gives it (before the user's). */
export const MODE_PASSES: Readonly<Record<QuantizeMode, { readonly pass: string; readonly options: Readonly<Record<string, unknown>> }>> = {
  'int8-dynamic': { pass: 'quantize-int8-dynamic', options: {} },
  'int8-static': { pass: 'quantize-int8-static', options: {} },
  'int4-weight': { pass: 'quantize-int4-weight', options: {} },
  fp16: { pass: 'convert-float16', options: { to: 'fp16' } },
  bf16: { pass: 'convert-float16', options: { to: 'bf16' } },
};

export const QUANTIZE_MODES = Object.keys(MODE_PASSES) as QuantizeMode[];

export function isQuantizeMode(s: string): s is QuantizeMode {
  return Object.hasOwn(MODE_PASSES, s);
}

/** Calibration samples, read anew on each call (the error measurement reads them a second time). */
export type SampleSource = () => Iterable<Sample> | AsyncIterable<Sample>;

export interface QuantizeOptions {
  readonly mode: QuantizeMode;
  /** The pass registry (the Node entry supplies lathe's). */
  readonly passes: PassRegistry;
  /** Optimization level run first (default 2). */
  readonly level?: OptLevel;
  /** Input dims fixed before optimizing, as `optimize()`'s option (generated samples then take them). */
  readonly setInputShapes?: OptimizeOptions['setInputShapes'];
  /** Calibration samples (static int8; also the error measurement). Default: generated, with a warning. */
  readonly calibration?: SampleSource;
  /** Generated samples when no calibration is given (default 4 for static, 1 for the error only). */
  readonly generatedSamples?: number;
  readonly method?: CalibrationMethod;
  readonly percentile?: number;
  /** Per output channel weight scales (default true). */
  readonly perChannel?: boolean;
  /** Symmetric int8 activations (static; default uint8 asymmetric). */
  readonly symmetric?: boolean;
  /** Node or output names left in float (comma-separated or a list). */
  readonly exclude?: string | readonly string[];
  /** Leave the last layer in float (static). */
  readonly excludeLast?: boolean;
  /** Extra options for the mode's pass (int4 block, fp16 keepIo, …). */
  readonly passOptions?: Readonly<Record<string, unknown>>;
  /** Runs samples (default the evaluator; the Node CLI uses onnxruntime-node when installed). */
  readonly runner?: SampleRunner;
  /** Measure the output error (default true). */
  readonly measure?: boolean;
  /** Progress text ('' when done). */
  readonly onProgress?: (text: string) => void;
}

export interface QuantizeReport {
  readonly mode: QuantizeMode;
  readonly pass: string;
  readonly level: OptLevel;
  readonly method?: CalibrationMethod;
  /** Calibration samples used (static), and whether they were generated. */
  readonly samples?: number;
  readonly generated: boolean;
  readonly tensors: readonly TensorRecord[];
  /** fp16/bf16: main-graph weights stored in the half type after the pass that were not before. */
  readonly halved?: number;
  /** The relative L2 error against the float model of the float output that errs most, over the samples measured. */
  readonly outputError?: { readonly output: string; readonly relL2: number; readonly samples: number };
  readonly warnings: readonly string[];
}

export interface QuantizeResult {
  readonly model: Model;
  readonly report: QuantizeReport;
}

async function* generated(model: Model, n: number): AsyncIterable<Sample> {
  for (let i = 0; i < n; i++) yield generatedSample(model, i);
}

/** Main-graph initializers of `dtype`. */
function storedOf(model: Model, dtype: number): number {
  const g = model.graph;
  return g.initializers.filter((v) => g.values[v]?.tensor?.dtype === dtype).length;
}

/**
 * The relative L2 error of `quantized` against `reference`, accumulated over the samples, for the
 * float output that errs most (a detector's boxes may be fine while its scores are not).
 */
async function measureError(reference: Model, quantized: Model, samples: Iterable<Sample> | AsyncIterable<Sample>, runner: SampleRunner): Promise<QuantizeReport['outputError']> {
  const g = reference.graph;
  const names = g.outputs.map((o) => g.values[o]?.name ?? o);
  if (names.length === 0) return undefined;
  const sums = new Map<string, { num: number; den: number; broken?: number }>();
  let k = 0;
  for await (const sample of samples) {
    const ra = await runner(reference, sample);
    const rb = await runner(quantized, sample);
    k++;
    for (const name of names) {
      const a = ra.get(name);
      const b = rb.get(name);
      if (!a || !b || a.kind !== 'tensor' || b.kind !== 'tensor' || Array.isArray(a.data) || Array.isArray(b.data)) continue;
      if (typeof (a.data as ArrayLike<unknown>)[0] === 'bigint' || typeof (a.data as ArrayLike<unknown>)[0] === 'boolean') continue;
      const x = a.data as ArrayLike<number>;
      const y = b.data as ArrayLike<number>;
      const acc = sums.get(name) ?? { num: 0, den: 0 };
      sums.set(name, acc);
      if (acc.broken !== undefined) continue;
      if (x.length !== y.length) {
        acc.broken = Infinity;
        continue;
      }
      const r = relativeL2(x, y);
      if (!Number.isFinite(r)) {
        acc.broken = r;
        continue;
      }
      let sq = 0;
      for (let i = 0; i < x.length; i++) sq += Number(x[i]) ** 2;
      acc.num += r * r * sq;
      acc.den += sq;
    }
  }
  let worst: QuantizeReport['outputError'];
  for (const name of names) {
    const acc = sums.get(name);
    if (!acc) continue;
    const relL2 = acc.broken ?? (acc.den === 0 ? 0 : Math.sqrt(acc.num / acc.den));
    if (worst === undefined || !(relL2 <= worst.relL2)) worst = { output: name, relL2, samples: k };
  }
  return worst;
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0];
}

function sampleLabel(generated: boolean, k: number): string {
  return `${generated ? 'generated ' : ''}sample ${k}`;
}

/** The first graph input or output whose element type differs between `a` and `b`, by name; undefined when none does. */
function ioRetyped(a: Model, b: Model): string | undefined {
  const dtypes = (m: Model) => new Map([...m.graph.inputs, ...m.graph.outputs].map((id) => {
    const v = m.graph.values[id];
    return [v?.name ?? id, v?.type?.kind === 'tensor' ? v.type.dtype : undefined] as const;
  }));
  const da = dtypes(a), db = dtypes(b);
  for (const [name, t] of da) if (db.has(name) && db.get(name) !== t) return name;
  return undefined;
}

/** After the mode's pass: dead code (the replaced float weights) and inference (types of the new values). */
function cleanup(passes: PassRegistry): Pass[] {
  return ['eliminate-dead-code', 'infer-shapes'].flatMap((n) => (passes[n] ? [passes[n]()] : []));
}

/** Quantizes `model` as `options.mode` says; see the module comment. */
export async function quantize(model: Model, options: QuantizeOptions): Promise<QuantizeResult> {
  const { mode, passes } = options;
  const spec = MODE_PASSES[mode];
  if (!spec) throw new LatheError(`unknown quantization mode '${String(mode)}' (${QUANTIZE_MODES.join(', ')})`);
  const factory = passes[spec.pass];
  if (!factory) throw new LatheError(`mode ${mode} is not available`);
  const progress = options.onProgress ?? (() => {});
  const level = options.level ?? 2;
  const warnings: string[] = [];
  progress(`optimizing (-O${level})`);
  const opt = optimize(model, { level, passes, ...(options.setInputShapes && { setInputShapes: options.setInputShapes }) });
  const optimized = opt.model;
  warnings.push(...opt.warnings);
  const exclude = typeof options.exclude === 'string' ? options.exclude : (options.exclude ?? []).join(',');
  const runner = options.runner ?? evaluatorRunner;
  const generatedCount = options.generatedSamples ?? (mode === 'int8-static' ? 4 : 1);
  const source: SampleSource = options.calibration ?? (() => generated(optimized, generatedCount));
  const isGenerated = options.calibration === undefined;
  const method = options.method ?? 'minmax';
  const records: TensorRecord[] = [];
  const passOptions: Record<string, unknown> = { ...spec.options, ...options.passOptions, record: (r: TensorRecord) => records.push(r) };
  if (options.perChannel !== undefined) passOptions['perChannel'] = options.perChannel;
  if (exclude !== '') passOptions['exclude'] = exclude;
  let samples: number | undefined;
  if (mode === 'int8-static') {
    const plan = { exclude, excludeLast: options.excludeLast ?? false, minElements: (options.passOptions?.['minElements'] as number | undefined) ?? 64 };
    const names = staticActivationNames(optimized, plan);
    if (isGenerated) warnings.push(`no calibration data: calibrating on ${generatedCount} generated inputs (uniform in [-1, 1))`);
    let ranges;
    try {
      ranges = await calibrate(optimized, names, source(), {
        method,
        ...(options.percentile !== undefined && { percentile: options.percentile }),
        runner,
        onSample: (n) => {
          samples = n;
          progress(`calibrating: ${n} sample${n === 1 ? '' : 's'}`);
        },
      });
    } catch (e) {
      // The model refusing its samples is the input's problem, said in one line, never an internal error.
      if (e instanceof LatheError && e.message === 'no calibration samples') throw e;
      throw new LatheError(`calibration: the model failed on ${sampleLabel(isGenerated, (samples ?? 0) + 1)}: ${firstLine(e)}${isGenerated ? generatedHint(optimized) : ''}`);
    }
    Object.assign(passOptions, { ...plan, method, ranges, symmetric: options.symmetric ?? false });
  }
  progress(`quantizing (${spec.pass})`);
  // run directly, not through a schedule: `ranges` and `record` have no pipeline-text form
  const ctx = createPassContext();
  const rewritten = factory(passOptions).run(optimized, ctx.scoped(spec.pass));
  warnings.push(...ctx.warnings);
  const r = runSchedule(seq(...cleanup(passes)), rewritten);
  warnings.push(...r.warnings);
  const errors = verify(r.model).filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new LatheError(`the quantized model does not verify: [${errors[0].code}] ${errors[0].message}`);
  let outputError: QuantizeReport['outputError'];
  const retyped = ioRetyped(optimized, r.model);
  if (options.measure !== false && retyped !== undefined) warnings.push(`the output error is not measured: ${retyped} changed type (half-precision inputs/outputs)`);
  else if (options.measure !== false) {
    progress('measuring the error');
    try {
      outputError = await measureError(optimized, r.model, source(), runner);
    } catch (e) {
      // The quantized model is made; only the figure is missing.
      warnings.push(`the output error is not measured: the model failed on ${isGenerated ? 'a generated sample' : 'a sample'}: ${firstLine(e)}${isGenerated ? generatedHint(optimized) : ''}`);
    }
  }
  progress('');
  const half = mode === 'fp16' ? D.FLOAT16 : mode === 'bf16' ? D.BFLOAT16 : undefined;
  return {
    model: r.model,
    report: {
      mode, pass: spec.pass, level,
      ...(mode === 'int8-static' && { method, samples }),
      generated: isGenerated, tensors: records,
      ...(half !== undefined && { halved: Math.max(0, storedOf(r.model, half) - storedOf(optimized, half)) }),
      ...(outputError && { outputError }),
      warnings,
    },
  };
}

/** The report as text: a line per tensor and the output error. */
export function formatQuantizeReport(r: QuantizeReport): string {
  const lines: string[] = [];
  lines.push(`mode ${r.mode} (pass ${r.pass}, after -O${r.level})${r.method ? `, calibration ${r.method} on ${r.samples ?? 0} ${r.generated ? 'generated ' : ''}samples` : ''}`);
  const weights = r.tensors.filter((t) => t.kind === 'weight');
  const acts = r.tensors.filter((t) => t.kind === 'activation');
  if (r.halved !== undefined) lines.push(`${r.halved} weights stored as ${r.mode === 'bf16' ? 'bfloat16' : 'float16'}`);
  else lines.push(`${weights.length} weights, ${acts.length} activations quantized`);
  const fmt = (x: number) => (x === 0 ? '0' : Math.abs(x) >= 1e-3 && Math.abs(x) < 1e4 ? x.toPrecision(4) : x.toExponential(3));
  const span = (xs: readonly number[], block?: number) =>
    block !== undefined ? `${fmt(xs[0])}..${fmt(xs[xs.length - 1])} (blocks of ${block})` : xs.length === 1 ? fmt(xs[0]) : `${fmt(Math.min(...xs))}..${fmt(Math.max(...xs))} (${xs.length} channels)`;
  for (const t of r.tensors) {
    const err = t.kind === 'weight' ? ` max abs err ${fmt(t.maxAbsError ?? 0)}, rel L2 ${fmt(t.relL2Error ?? 0)}` : ` range [${fmt(t.range!.min)}, ${fmt(t.range!.max)}]`;
    lines.push(`  ${t.kind} ${t.name} (${t.op}) ${t.dtype}: scale ${span(t.scale, t.blockSize)}, zero point ${span(t.zeroPoint, t.blockSize)},${err}`);
  }
  if (r.outputError) lines.push(`output ${r.outputError.output}: rel L2 error ${fmt(r.outputError.relL2)} over ${r.outputError.samples} sample${r.outputError.samples === 1 ? '' : 's'}`);
  return `${lines.join('\n')}\n`;
}

/** The report as JSON. */
export function quantizeReportJson(r: QuantizeReport): string {
  return `${JSON.stringify(r, (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : v), 2)}\n`;
}

/**
 * What to do when the model refuses its generated samples: give real ones, or, when an input has
 * symbolic dims (generated as 1 or 8, a length the model may not take), fix them.
 */
function generatedHint(model: Model): string {
  const g = model.graph;
  const symbolic = g.inputs.filter((v) => !g.initializers.includes(v)).map((v) => g.values[v]).find((v) => {
    const t = v?.type;
    return t?.kind === 'tensor' && t.shape !== undefined && t.shape.some((d) => typeof d !== 'number');
  });
  if (symbolic === undefined) return ' (give samples it accepts with --calibration DIR)';
  return ` (give samples it accepts with --calibration DIR, or fix the symbolic dims of input '${symbolic.name ?? symbolic.id}' with --set-input-shape)`;
}
