/**
 * The pass-running half of `lathe optimize` (cli.ts does loading, verifying, saving): the options
 * of the command line turned into `optimize()` options (usage errors for malformed ones), the run
 * with its reproducer on a pass failure, and the report's text and JSON forms.
 */
import { LatheError } from '../ir/error.js';
import type { Model } from '../ir/types.js';
import { UsageError, type Command, type ParsedArgs } from './cli-args.js';
import { printAfterChange, reproducerPath, reproducerText } from './instrument.js';
import { isOptLevel, type OptLevel } from './levels.js';
import { formatRuleTrace, optimize, resolveSchedule, type OptimizeOptions, type OptimizeResult } from './optimize.js';
import type { PassRegistry } from './pipeline.js';
import type { Platform } from './platform.js';
import { formatReport, reportToJson, type OptimizeReport } from './report.js';
import { PassFailure } from './runner.js';
import { parseInputShapes } from './run-inputs.js';

/** `optimize()` options from a command line, checked before any file is read. */
export function optimizeRequest(args: ParsedArgs, passes: PassRegistry, printAfterWrite: (text: string) => void): OptimizeOptions {
  const levelText = args.values.get('level');
  const level = levelText === undefined ? undefined : Number(levelText);
  if (level !== undefined && !isOptLevel(level)) throw new UsageError(`-O${levelText}: the levels are -O0, -O1 and -O2`, args.command);
  const pipeline = args.values.get('passes');
  const printAfter = args.values.get('print-after');
  if (printAfter !== undefined && !Object.hasOwn(passes, printAfter)) throw new UsageError(`--print-after: unknown pass '${printAfter}'`, args.command);
  const options: OptimizeOptions = {
    passes,
    ...(level !== undefined && { level: level as OptLevel }),
    ...(pipeline !== undefined && { pipeline }),
    ...(args.values.has('fold-limit') && { foldLimit: parseByteCount(args.values.get('fold-limit')!, '--fold-limit', args.command) }),
    setInputShapes: parseInputShapes(args, true),
    ...(args.values.has('disable-rules') && { disableRules: args.values.get('disable-rules') }),
    ...(args.values.has('trace-rules') && { traceRules: args.values.get('trace-rules') }),
    ...(args.flags.has('no-provenance') && { provenance: false }),
    verifyEach: args.flags.has('verify-each'),
    ...(printAfter !== undefined && { instruments: [printAfterChange(printAfter, printAfterWrite)] }),
  };
  try {
    resolveSchedule(options);
  } catch (e) {
    if (e instanceof LatheError) throw new UsageError(`${pipeline !== undefined ? '--passes: ' : ''}${e.message}`, args.command);
    throw e;
  }
  return options;
}

/** `123`, `64K`, `1.5M`, `2G` (binary multiples) as a whole number of bytes; anything else is a usage error. */
export function parseByteCount(text: string, option: string, command: Command): number {
  const m = /^(\d+(?:\.\d+)?)([KMG]?)(?:i?B)?$/i.exec(text.trim());
  const scale = m ? 1024 ** ' KMG'.indexOf((m[2] || ' ').toUpperCase()) : NaN;
  const n = m ? Math.floor(Number(m[1]) * scale) : NaN;
  if (!Number.isSafeInteger(n)) throw new UsageError(`${option} ${text}: expected a number of bytes such as 4096, 64K or 1M`, command);
  return n;
}

export interface OptimizeIo {
  readonly platform: Platform;
  /** The input file (named in errors). */
  readonly file: string;
  /** The output file (the reproducer goes next to it). */
  readonly out: string;
  readonly onRuleTrace: (line: string) => void;
}

/** Runs `options` on `model`; a failing pass leaves a reproducer next to `io.out` and is a LatheError. */
export function runOptimizeRequest(options: OptimizeOptions, model: Model, io: OptimizeIo): OptimizeResult {
  const { platform } = io;
  try {
    return optimize(model, {
      ...options,
      verify: false, // the CLI verified already, with its own message
      onRuleTrace: (e) => io.onRuleTrace(formatRuleTrace(e)),
      now: () => platform.now(),
    });
  } catch (e) {
    if (!(e instanceof PassFailure)) {
      if (e instanceof LatheError && e.file === undefined) throw new LatheError(e.message, io.file);
      throw e;
    }
    // The failing pass's input and pipeline, next to where the output would have gone.
    const repro = reproducerPath(io.out);
    const failed = e.message.split('\n')[0];
    try {
      platform.writeText(repro, reproducerText(e));
    } catch (w) {
      // The pass's failure is the news; a reproducer that cannot be written must not hide it.
      if (!(w instanceof LatheError)) throw w;
      throw new LatheError(`${failed} (no reproducer: ${w.file !== undefined ? `${w.file}: ` : ''}${w.message.split('\n')[0]})`, io.file);
    }
    throw new LatheError(`${failed} (reproducer: ${repro})`, io.file);
  }
}

/** The library report plus what only the CLI knows: file bytes and load/verify/save times. */
export function finishReport(r: OptimizeReport, extra: Pick<OptimizeReport, 'bytes'> & { timeMs: Omit<OptimizeReport['timeMs'], 'passes'> }): OptimizeReport {
  // field order as in OptimizeReport (the JSON reads top-down)
  const { schemaVersion, level, pipeline, nodes, ops, passes, rules, warnings } = r;
  const timeMs = { ...extra.timeMs, passes: r.timeMs.passes };
  return { schemaVersion, level, pipeline, nodes, ops, ...(extra.bytes && { bytes: extra.bytes }), timeMs, passes, rules, warnings };
}

export const reportText = formatReport;
export const reportJson = reportToJson;

/**
 * What `--report FILE` writes: the HTML report for `.html`/`.htm` (loaded on demand: the layout
 * library is parsed only then), the JSON report otherwise.
 */
export async function reportFileText(file: string, input: { before: Model; after: Model; report: OptimizeReport; title: string }): Promise<string> {
  if (!/\.html?$/i.test(file)) return reportToJson(input.report);
  const { reportHtml } = await import('./report-html/index.js');
  const name = input.title.split(/[\\/]/).pop() || input.title;
  return reportHtml({ ...input, title: `${name}: lathe optimization report` });
}
