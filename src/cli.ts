/**
 * The `lathe` command line, platform-neutral: argument parsing, the commands and their output.
 * Everything outside (files, streams, clocks, the version) comes through an injected `Platform`,
 * so this file imports no `node:` module and tests can run it on fakes.
 *
 * Exit codes: 0 ok; 1 usage error (one line plus a pointer to `--help`); 2 bad input (one line,
 * `lathe: FILE: what is wrong`; the stack only with LATHE_DEBUG=1); 70 internal error (a bug:
 * printed with its stack).
 */
import { elideMiddle, LatheError } from '../ir/error.js';
import type { Model } from '../ir/types.js';
import { verify } from '../ir/verify/verify.js';
import { diagnosticLocation, refuseInvalid, verifyInput } from './input-order.js';
import { formatBytes, formatSummary, plural, summarizeModel, summaryToJson, type ModelSummary } from './inspect.js';
import { COMMANDS, parseArgs, UsageError, type Command, type ParsedArgs } from './cli-args.js';
import { countBlobReads, ProgressMeter } from './progress.js';
import { formatSidecar, parseSidecar, sidecarPathFor } from './sidecar.js';
import { staleDataNotes, unusedInputData } from './stale-data.js';
import { opChanges } from './report.js';
import type { PassRegistry } from './schedule.js';
import type { ExternalDataMode, Platform, SaveOptions, SaveResult } from './platform.js';

export type { ExternalDataMode, Platform, SaveOptions, SaveResult } from './platform.js';

interface Context {
  readonly platform: Platform;
  readonly args: ParsedArgs;
  /** Progress sink, or undefined when silent (not a TTY, or --quiet). */
  readonly progress?: (text: string) => void;
  /** The passes `--passes` may name (the entry point injects passes/index.ts: src cannot import it). */
  readonly passes: PassRegistry;
}

/** A registry, or a loader for it: the Node entry loads passes only when `--passes` is given (start-up time). */
export type PassSource = PassRegistry | (() => Promise<PassRegistry>);

/** Runs `lathe ARGS` and returns the exit code. Never throws. `passes`: what `--passes` may name. */
export async function runCli(argv: readonly string[], platform: Platform, passSource: PassSource = {}): Promise<number> {
  let file: string | undefined;
  try {
    const args = parseArgs(argv);
    if (args.kind === 'help') {
      platform.stdout(args.text);
      return 0;
    }
    if (args.kind === 'version') {
      platform.stdout(`lathe ${platform.version}\n`);
      return 0;
    }
    file = args.input || undefined;
    const quiet = args.flags.has('quiet');
    // -O0 without --passes runs no pass: it does not load them (start-up time)
    const needsPasses = args.values.has('passes') || args.command === 'passes' || args.command === 'quantize' || (args.command === 'optimize' && args.values.get('level') !== '0');
    const passes = typeof passSource === 'function' ? (needsPasses ? await passSource() : {}) : passSource;
    // `-o -` for a command writing a model: the model owns stdout, so the report goes to stderr
    const modelToStdout = args.values.get('output') === '-' && (args.command === 'optimize' || args.command === 'fill' || args.command === 'parse');
    const host: Platform = modelToStdout ? { ...platform, stdout: (t) => platform.stderr(t) } : platform;
    const ctx: Context = { platform: host, args, passes, progress: platform.stderrIsTTY && !quiet ? (t) => platform.progress(t) : undefined };
    return await COMMAND_RUNNERS[args.command](ctx);
  } catch (e) {
    return reportError(e, platform, file);
  }
}

function reportError(e: unknown, platform: Platform, file: string | undefined): number {
  if (e instanceof UsageError) {
    platform.stderr(`${elideMiddle(`lathe: ${e.message.split('\n')[0]}`)} (see 'lathe ${e.command ? `${e.command} ` : ''}--help')\n`);
    return 1;
  }
  if (e instanceof LatheError) {
    platform.stderr(`${errorLine(e, file)}\n`);
    if (platform.env('LATHE_DEBUG') === '1' && e.stack) platform.stderr(`${e.stack}\n`);
    return 2;
  }
  const err = e instanceof Error ? (e.stack ?? `${e.name}: ${e.message}`) : String(e);
  platform.stderr(`lathe: internal error: ${err}\n`);
  return 70;
}

/** The one line a LatheError prints (`lathe: FILE: what is wrong`); the web page shows the same. */
export function errorLine(e: LatheError, file?: string): string {
  const where = e.file ?? file;
  return elideMiddle(`lathe: ${where !== undefined ? `${where}: ` : ''}${e.message.split('\n')[0]}`);
}

const COMMAND_RUNNERS: Record<Command, (ctx: Context) => number | Promise<number>> = {
  optimize: runOptimize,
  inspect: runInspect,
  check: runCheck,
  strip: runStrip,
  fill: runFill,
  // Loaded on demand: the evaluator and its kernels, and the skeleton code, are most of lathe's
  // modules, and `lathe --version` or `lathe check` should not pay for parsing them.
  run: async (ctx) => (await import('./run-command.js')).runModelCommand(ctx.platform, ctx.args),
  compare: async (ctx) => (await import('./compare-command.js')).runCompareCommand(ctx.platform, ctx.args),
  print: async (ctx) => (await import('./text-command.js')).runPrint(ctx.platform, ctx.args),
  parse: async (ctx) => (await import('./text-command.js')).runParse(ctx.platform, ctx.args),
  quantize: async (ctx) => (await import('./quantize-command.js')).runQuantizeCommand({ ...ctx, runner: ctx.platform.sampleRunner }),
  passes: async (ctx) => (ctx.platform.stdout((await import('./passes-command.js')).formatPassList(ctx.passes)), 0),
  web: async (ctx) => (await import('./web-command.js')).runWeb(ctx.platform, ctx.args),
};

/** The output path, refusing one that names the input unless --in-place. */
function outputPath(ctx: Context): string {
  const { args, platform } = ctx;
  const inPlace = args.flags.has('in-place');
  const out = args.values.get('output') ?? (inPlace ? args.input : undefined);
  if (out === undefined || out === '') throw new UsageError(`${args.command}: missing -o OUT`, args.command);
  if (out === '-' && args.command === 'strip') throw new UsageError('strip: -o - is not possible (the weights sidecar needs a file name)', args.command);
  if (!inPlace && platform.samePath(args.input, out)) {
    throw new UsageError(`${args.command}: output ${out} is the input; pass --in-place to overwrite it`, args.command);
  }
  return out;
}

function externalDataMode(args: ParsedArgs): ExternalDataMode {
  const v = args.values.get('external-data') ?? 'auto';
  if (v !== 'auto' && v !== 'always' && v !== 'never') {
    throw new UsageError(`--external-data must be always, never or auto (got '${v}')`, args.command);
  }
  return v;
}

/** Saves with a progress meter over the blob bytes streamed out. */
function save(ctx: Context, model: Model, out: string, options: SaveOptions, totalBytes?: number): SaveResult {
  const meter = new ProgressMeter(ctx.progress, () => ctx.platform.now(), 'writing', totalBytes);
  const counted = ctx.progress ? countBlobReads(model, (n) => meter.add(n)) : model;
  try {
    return ctx.platform.saveModel(counted, out, options);
  } finally {
    meter.finish();
  }
}

/** Says which of the input's data files an in-place write left unused (src/stale-data.ts). */
function noteUnusedData(ctx: Context, input: Model, out: string, saved: SaveResult): void {
  if (ctx.args.flags.has('quiet')) return;
  for (const line of staleDataNotes(unusedInputData(ctx.platform, ctx.args.input, input, out, saved), out)) ctx.platform.stderr(line);
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function describeSave(out: string, r: SaveResult): string {
  const data = r.dataFile ? ` + data ${formatBytes(r.dataBytes)} in ${r.dataFile}` : '';
  return `${out} (${formatBytes(r.modelBytes)}${data})`;
}

/**
 * The input's bytes on disk: the model file plus each external data file it references, measured
 * as the output is (a data file's alignment padding counts on both sides, so an unchanged model
 * does not seem to grow). A data file that cannot be measured counts its tensors' bytes.
 */
function inputBytes(ctx: Context, model: Model): number {
  const input = ctx.args.input;
  const dir = input.slice(0, Math.max(input.lastIndexOf('/'), input.lastIndexOf('\\')) + 1);
  const ext = summarizeModel(model).externalData.reduce((s, e) => s + (ctx.platform.fileSize(dir + e.location) ?? e.bytes), 0);
  return (ctx.platform.fileSize(input) ?? 0) + ext;
}

/** Loads IN for a command (lift refuses files without ir_version or graph). */
function load(ctx: Context): Model {
  return ctx.platform.loadModel(ctx.args.input);
}

/** Warnings of a pipeline printed before '… and N more'. */
const MAX_WARNINGS_SHOWN = 20;

/**
 * `lathe optimize`: the level's pipeline (src/levels.ts, default -O2) or `--passes`, with the
 * input shapes fixed first and the rule flags handed to every rule pass (src/optimize-command.ts
 * does the work; loaded on demand so other commands do not parse the runner).
 */
async function runOptimize(ctx: Context): Promise<number> {
  const { args, platform } = ctx;
  const cmd = await import('./optimize-command.js');
  const mode = externalDataMode(args);
  const request = cmd.optimizeRequest(args, ctx.passes, (t) => platform.stdout(t));
  const out = outputPath(ctx);
  const reportFile = args.values.get('report');
  if (reportFile !== undefined && (platform.samePath(reportFile, out) || platform.samePath(reportFile, args.input))) {
    throw new UsageError(`--report ${reportFile} would overwrite a model`, args.command);
  }
  const t0 = platform.now();
  const loaded = load(ctx);
  const t1 = platform.now();
  const { model, diagnostics, sorted } = verifyInput(loaded);
  refuseInvalid(diagnostics, args.input);
  const t2 = platform.now();
  const quiet = args.flags.has('quiet');
  const r = cmd.runOptimizeRequest(request, model, {
    platform,
    file: args.input,
    out,
    onRuleTrace: (line) => platform.stderr(`${line}\n`),
  });
  const warnings = sorted !== undefined ? [sorted, ...r.warnings] : r.warnings;
  if (!quiet) {
    for (const w of warnings.slice(0, MAX_WARNINGS_SHOWN)) platform.stderr(`${elideMiddle(`lathe: warning: ${w.split('\n')[0]}`)}\n`);
    const more = warnings.length - MAX_WARNINGS_SHOWN;
    if (more > 0) platform.stderr(`lathe: … and ${plural(more, 'more warning')}\n`);
  }
  const t3 = platform.now();
  const result = save(ctx, r.model, out, { externalData: mode });
  noteUnusedData(ctx, loaded, out, result);
  const t4 = platform.now();
  const report = cmd.finishReport({ ...r.report, warnings }, {
    bytes: { before: inputBytes(ctx, model), after: result.modelBytes + result.dataBytes },
    timeMs: { load: t1 - t0, verify: t2 - t1, save: t4 - t3 },
  });
  if (reportFile !== undefined) platform.writeText(reportFile, await cmd.reportFileText(reportFile, { before: model, after: r.model, report, title: args.input }));
  if (!quiet) {
    const verifierWarnings = diagnostics.length;
    platform.stdout(
      `lathe: wrote ${describeSave(out, result)}${reportFile !== undefined ? ` and the report ${reportFile}` : ''}` +
        `${verifierWarnings > 0 ? ` (input: ${plural(verifierWarnings, 'verifier warning')})` : ''}\n`,
    );
    if (reportFile === undefined) platform.stdout(cmd.reportText(report));
  }
  return 0;
}

/**
 * The op-count lines of the report: ops whose count changed (removed and new ones included),
 * `before -> after`, in the order of the first histogram; one line saying so when nothing changed.
 */
export function opCountReport(before: ModelSummary, after: ModelSummary): string {
  const lines = opChanges(before, after).map((o) => `  ${o.op}: ${o.before} -> ${o.after}\n`);
  return lines.length > 0 ? lines.join('') : '  op counts unchanged\n';
}

function runInspect(ctx: Context): number {
  const { args, platform } = ctx;
  const model = load(ctx);
  const summary = summarizeModel(model);
  platform.stdout(args.flags.has('json') ? `${summaryToJson(summary)}\n` : formatSummary(summary, args.input));
  return 0;
}

/** Diagnostics `check` prints before '… and N more diagnostics'. */
const MAX_DIAGNOSTICS_SHOWN = 100;

async function runCheck(ctx: Context): Promise<number> {
  const { args, platform } = ctx;
  const model = load(ctx);
  const diagnostics = verify(model);
  let errors = 0;
  for (const d of diagnostics) if (d.severity === 'error') errors++;
  if (errors === 0) {
    // Shapes only of a structurally sound model: inference needs its values defined and in scope.
    const { checkShapes } = await import('../ir/verify/shapes.js');
    const shapes = checkShapes(model);
    diagnostics.push(...shapes);
    errors += shapes.length;
  }
  // Errors first, then at most MAX_DIAGNOSTICS_SHOWN lines: a hostile file can hold millions.
  const shown = [...diagnostics.filter((d) => d.severity === 'error'), ...diagnostics.filter((d) => d.severity !== 'error')].slice(0, MAX_DIAGNOSTICS_SHOWN);
  for (const d of shown) platform.stdout(`${elideMiddle(`${d.severity} [${d.code}] ${diagnosticLocation(d)}: ${d.message}`)}\n`);
  const warnings = diagnostics.length - errors;
  const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  if (diagnostics.length > shown.length) platform.stdout(`… and ${plural(diagnostics.length - shown.length, 'more diagnostic')}\n`);
  platform.stdout(`${args.input}: ${errors === 0 ? 'ok' : 'invalid'} (${plural(errors, 'error')}, ${plural(warnings, 'warning')})\n`);
  if (errors > 0 && verifyInput(model, diagnostics).sorted !== undefined) {
    platform.stdout('note: the errors are nodes out of topological order only: optimize, quantize, run and compare sort them first\n');
  }
  return errors === 0 ? 0 : 2;
}

async function runStrip(ctx: Context): Promise<number> {
  const { stripModel } = await import('./skeleton.js');
  const { args, platform } = ctx;
  const mode = externalDataMode(args);
  const out = outputPath(ctx);
  const sidecar = sidecarPathFor(out);
  if (platform.samePath(args.input, sidecar)) {
    throw new UsageError(`strip: the sidecar ${sidecar} would overwrite the input`, args.command);
  }
  const model = load(ctx);
  const meter = new ProgressMeter(ctx.progress, () => platform.now(), 'reading', undefined);
  let stripped;
  try {
    stripped = stripModel(model, { onBytes: (n) => meter.add(n) });
  } finally {
    meter.finish();
  }
  // the sidecar goes with the model, all or nothing: a failure at either leaves neither behind
  const alongside = [{ path: sidecar, bytes: new TextEncoder().encode(formatSidecar(stripped.weights)) }];
  const result = save(ctx, stripped.model, out, { externalData: mode, alongside });
  noteUnusedData(ctx, model, out, result);
  if (!args.flags.has('quiet')) {
    platform.stdout(
      `lathe: wrote ${describeSave(out, result)} and ${sidecar}: ${plural(stripped.weights.size, 'tensor')} stripped (${formatBytes(stripped.bytesRemoved)})\n`,
    );
    for (const k of stripped.kept) platform.stdout(`  kept ${k.key}: ${k.reason}\n`);
  }
  return 0;
}

function parseSeed(args: ParsedArgs): number {
  const text = args.values.get('seed') ?? '0';
  const seed = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer in [0, 2^53) (got '${text}')`, args.command);
  return seed;
}

/** The sidecar of a skeleton: --weights, else NAME.weights.json, else IN.weights.json. */
function findSidecar(ctx: Context): string {
  const { args, platform } = ctx;
  const given = args.values.get('weights');
  if (given !== undefined) return given;
  const candidates = [sidecarPathFor(args.input), `${args.input}.weights.json`];
  const found = candidates.find((c) => platform.exists(c));
  if (found === undefined) throw new LatheError(`weights sidecar not found (looked for ${candidates[0]}; give --weights FILE)`, args.input);
  return found;
}

async function runFill(ctx: Context): Promise<number> {
  const { fillModel } = await import('./skeleton.js');
  const { args, platform } = ctx;
  const seed = parseSeed(args);
  const mode = externalDataMode(args);
  const out = outputPath(ctx);
  const sidecar = findSidecar(ctx);
  if (platform.samePath(sidecar, out)) throw new UsageError(`fill: output ${out} is the weights sidecar`, args.command);
  if (!platform.exists(sidecar)) throw new LatheError('weights sidecar not found', sidecar);
  const weights = parseSidecar(platform.readText(sidecar), sidecar);
  const t0 = platform.now();
  const model = load(ctx);
  const filled = fillModel(model, weights, { seed, sidecarFile: sidecar });
  const t1 = platform.now();
  const result = save(ctx, filled.model, out, { externalData: mode }, filled.bytes);
  noteUnusedData(ctx, model, out, result);
  const t2 = platform.now();
  if (!args.flags.has('quiet')) {
    platform.stdout(
      `lathe: wrote ${describeSave(out, result)}: ${plural(filled.filled, 'tensor')} filled (${formatBytes(filled.bytes)}, seed ${seed})\n` +
        `  time: load ${seconds(t1 - t0)}, save ${seconds(t2 - t1)}\n`,
    );
  }
  return 0;
}
