/**
 * `lathe quantize IN -o OUT --mode MODE [--calibration DIR] …`: src/quantize/quantize.ts on a
 * file. The calibration folder holds `test_data_set_*` folders (one sample each, as ONNX's test
 * cases) or `input_K.pb`/`.npy` files (one sample); samples are read one at a time, when the
 * calibration reaches them. Everything is checked (options, the folder, its first sample) before
 * the long work starts, and nothing is written when anything fails.
 */
import { LatheError } from '../ir/error.js';
import { elideMiddle } from '../ir/error.js';
import type { Model } from '../ir/types.js';
import { UsageError, type ParsedArgs } from './cli-args.js';
import { verifyInput } from './input-order.js';
import { isOptLevel, type OptLevel } from './levels.js';
import type { PassRegistry } from './pipeline.js';
import type { Platform } from './platform.js';
import { gatherInputs, parseInputShapes, type FeedSpec } from './run-inputs.js';
import type { Sample, SampleRunner } from './quantize/calibrate.js';
import { formatQuantizeReport, isQuantizeMode, MODE_PASSES, QUANTIZE_MODES, quantize, quantizeReportJson, type QuantizeOptions } from './quantize/quantize.js';
import { CALIBRATION_METHODS, type CalibrationMethod } from './quantize/stats.js';
import { staleDataNotes, unusedInputData } from './stale-data.js';

function joinPath(dir: string, file: string): string {
  return dir.endsWith('/') || dir.endsWith('\\') ? `${dir}${file}` : `${dir}/${file}`;
}

/** The sample folders of a calibration folder, in numeric order; a LatheError when there are none. */
export function calibrationFolders(platform: Platform, dir: string): string[] {
  if (!platform.exists(dir)) throw new LatheError('calibration folder does not exist', dir);
  const entries = platform.listDir(dir);
  const sets = entries
    .filter((e) => /^test_data_set_\d+$/.test(e))
    .sort((a, b) => Number(a.slice(14)) - Number(b.slice(14)))
    .map((e) => joinPath(dir, e));
  if (sets.length > 0) return sets;
  if (entries.some((e) => /^input_\d+\.(pb|npy)$/i.test(e))) return [dir];
  throw new LatheError('calibration folder holds no test_data_set_* folders and no input_K.pb files', dir);
}

/** A sample reader over the folders: each read when iterated to, checked against `model`'s inputs. */
function folderSamples(platform: Platform, model: Model, folders: readonly string[], modelFile: string): () => Iterable<Sample> {
  const read = (dir: string): Sample => {
    const spec: FeedSpec = { dir, named: new Map(), random: false, shapes: new Map(), seed: 0 };
    return gatherInputs(platform, model, spec, modelFile);
  };
  return function* () {
    for (const f of folders) yield read(f);
  };
}

function parseOptions(args: ParsedArgs): { mode: QuantizeOptions['mode']; method: CalibrationMethod; level?: OptLevel; percentile?: number; passOptions: Record<string, unknown> } {
  const mode = args.values.get('mode');
  if (mode === undefined) throw new UsageError(`quantize: missing --mode (${QUANTIZE_MODES.join(', ')})`, args.command);
  if (!isQuantizeMode(mode)) throw new UsageError(`--mode must be one of ${QUANTIZE_MODES.join(', ')} (got '${mode}')`, args.command);
  const method = args.values.get('method') ?? 'minmax';
  if (!(CALIBRATION_METHODS as readonly string[]).includes(method)) {
    throw new UsageError(`--method must be minmax, percentile or entropy (got '${method}')`, args.command);
  }
  const levelText = args.values.get('level');
  const level = levelText === undefined ? undefined : Number(levelText);
  if (level !== undefined && !isOptLevel(level)) throw new UsageError(`-O${levelText}: the levels are -O0, -O1 and -O2`, args.command);
  const pText = args.values.get('percentile');
  const percentile = pText === undefined ? undefined : Number(pText);
  if (percentile !== undefined && !(percentile > 0 && percentile <= 100)) throw new UsageError(`--percentile must be in (0, 100] (got '${pText}')`, args.command);
  if (args.flags.has('per-channel') && args.flags.has('per-tensor')) throw new UsageError('give --per-channel or --per-tensor, not both', args.command);
  return { mode, method: method as CalibrationMethod, ...(level !== undefined && { level: level as OptLevel }), ...(percentile !== undefined && { percentile }), passOptions: modePassOptions(args, mode) };
}

/** The options of the mode's own pass that flags set: int4's block, format and symmetry, half precision's I/O. */
function modePassOptions(args: ParsedArgs, mode: QuantizeOptions['mode']): Record<string, unknown> {
  const block = args.values.get('block'), format = args.values.get('format');
  const only = (flag: string, m: string) => {
    throw new UsageError(`--${flag} applies to --mode ${m} only`, args.command);
  };
  if (mode !== 'int4-weight' && block !== undefined) only('block', 'int4-weight');
  if (mode !== 'int4-weight' && format !== undefined) only('format', 'int4-weight');
  if (mode !== 'fp16' && mode !== 'bf16' && args.flags.has('half-io')) only('half-io', 'fp16 or bf16');
  if (mode === 'int4-weight') {
    if (block !== undefined && !['32', '64', '128'].includes(block)) throw new UsageError(`--block must be 32, 64 or 128 (got '${block}')`, args.command);
    if (format !== undefined && format !== 'qdq' && format !== 'msft') throw new UsageError(`--format must be qdq or msft (got '${format}')`, args.command);
    return { ...(block !== undefined && { block: Number(block) }), ...(format !== undefined && { format }), ...(args.flags.has('symmetric') && { symmetric: true }) };
  }
  if (mode !== 'int8-dynamic' && mode !== 'int8-static' && args.flags.has('reduce-range')) only('reduce-range', 'int8-dynamic or int8-static');
  if (mode === 'fp16' || mode === 'bf16') return args.flags.has('half-io') ? { keepIo: false } : {};
  return args.flags.has('reduce-range') ? { reduceRange: true } : {};
}

export interface QuantizeCommandIo {
  readonly platform: Platform;
  readonly args: ParsedArgs;
  readonly passes: PassRegistry;
  readonly progress?: (text: string) => void;
  /** A faster sample runner when the host has one (onnxruntime-node); undefined: the evaluator. */
  readonly runner?: () => Promise<SampleRunner | undefined>;
}

/** Runs the command; returns the exit code (errors are thrown for runCli to report). */
export async function runQuantizeCommand(io: QuantizeCommandIo): Promise<number> {
  const { platform, args, passes } = io;
  const opts = parseOptions(args);
  const inPlace = args.flags.has('in-place');
  const out = args.values.get('output') ?? (inPlace ? args.input : undefined);
  if (out === undefined || out === '') throw new UsageError('quantize: missing -o OUT', args.command);
  if (out === '-') throw new UsageError('quantize: -o - is not possible (give a file)', args.command);
  if (!inPlace && platform.samePath(args.input, out)) throw new UsageError(`quantize: output ${out} is the input; pass --in-place to overwrite it`, args.command);
  const reportFile = args.values.get('report');
  if (reportFile !== undefined && (platform.samePath(reportFile, out) || platform.samePath(reportFile, args.input))) {
    throw new UsageError(`--report ${reportFile} would overwrite a model`, args.command);
  }
  const external = args.values.get('external-data') ?? 'auto';
  if (external !== 'auto' && external !== 'always' && external !== 'never') throw new UsageError(`--external-data must be always, never or auto (got '${external}')`, args.command);
  // a mode whose pass is not built in: one line, before any file is read
  if (!Object.hasOwn(passes, MODE_PASSES[opts.mode].pass)) throw new LatheError(`mode ${opts.mode} is not available`, args.input);
  const calibrationDir = args.values.get('calibration');
  const folders = calibrationDir === undefined ? undefined : calibrationFolders(platform, calibrationDir);

  const model = platform.loadModel(args.input);
  // (nodes out of order are no error here: quantize() sorts them, and says so in its warnings)
  const errors = verifyInput(model).diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new LatheError(`invalid model: [${errors[0].code}] ${errors[0].message}`, args.input);
  let calibration: QuantizeOptions['calibration'];
  if (folders) {
    const source = folderSamples(platform, model, folders, args.input);
    source()[Symbol.iterator]().next(); // the first sample now: a bad folder fails before the work
    calibration = source;
  }
  const quiet = args.flags.has('quiet');
  const runner = io.runner ? await io.runner() : undefined;
  const excludeList = [...(args.lists.get('exclude') ?? [])].join(',');
  let result;
  try {
    result = await quantize(model, {
      mode: opts.mode,
      passes,
      ...(opts.level !== undefined && { level: opts.level }),
      setInputShapes: parseInputShapes(args, true),
      ...(calibration && { calibration }),
      method: opts.method,
      ...(opts.percentile !== undefined && { percentile: opts.percentile }),
      perChannel: !args.flags.has('per-tensor'),
      symmetric: args.flags.has('symmetric'),
      exclude: excludeList,
      excludeLast: args.flags.has('exclude-last'),
      passOptions: opts.passOptions,
      ...(runner && { runner }),
      ...(io.progress && { onProgress: io.progress }),
    });
  } catch (e) {
    if (e instanceof LatheError && e.file === undefined) throw new LatheError(e.message, args.input);
    throw e;
  }
  if (!quiet) for (const w of result.report.warnings.slice(0, 20)) platform.stderr(`${elideMiddle(`lathe: warning: ${w.split('\n')[0]}`)}\n`);
  // the JSON report goes with the model, all or nothing
  const alongside = reportFile === undefined ? [] : [{ path: reportFile, bytes: new TextEncoder().encode(quantizeReportJson(result.report)) }];
  const saved = platform.saveModel(result.model, out, { externalData: external, alongside });
  if (!quiet) for (const line of staleDataNotes(unusedInputData(platform, args.input, model, out, saved), out)) platform.stderr(line);
  if (!quiet) {
    const bytes = saved.modelBytes + saved.dataBytes;
    platform.stdout(`lathe: wrote ${out} (${bytes} bytes)${reportFile !== undefined ? ` and the report ${reportFile}` : ''}\n`);
    platform.stdout(formatQuantizeReport(result.report));
  }
  return 0;
}
