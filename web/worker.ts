/**
 * The page's worker: it holds the model and does all of lathe's work (load, inspect, verify,
 * optimize, save), so the page stays responsive. Options go through the CLI's own parser and
 * `optimizeRequest`, and errors become the CLI's one-line messages: the page and
 * `lathe optimize` give the same bytes and the same words for the same input.
 */
import { LatheError } from '../ir/error.js';
import type { Model } from '../ir/types.js';
import { passes } from '../passes/index.js';
import { parseArgs, UsageError } from '../src/cli-args.js';
import { errorLine } from '../src/cli.js';
import { formatSummary, summarizeModel } from '../src/inspect.js';
import { refuseInvalid, verifyInput } from '../src/input-order.js';
import { loadModelFromBytes, saveModelToBytes } from '../src/io.js';
import { finishReport, optimizeRequest } from '../src/optimize-command.js';
import { optimize, resolveSchedule } from '../src/optimize.js';
import type { Pass } from '../src/pass.js';
import type { Schedule } from '../src/pipeline.js';
import type { Reply, Request } from './protocol.js';
import { reportView } from './show-report.js';

/** The worker's global scope, typed by hand (the project's lib is DOM, not WebWorker). */
const scope = self as unknown as {
  postMessage(message: Reply, transfer?: Transferable[]): void;
  onmessage: ((e: MessageEvent<Request>) => void) | null;
};

let open: { name: string; model: Model; bytes: number; loadMs: number } | undefined;

function post(reply: Reply, transfer?: Transferable[]): void {
  scope.postMessage(reply, transfer);
}

/** The line the CLI prints for `e` (its `--help` hint left out: the page has no command line). */
function messageOf(e: unknown, file: string | undefined): string {
  if (e instanceof UsageError) return `lathe: ${e.message.split('\n')[0]}`;
  if (e instanceof LatheError) return errorLine(e, file);
  console.error(e);
  return `lathe: internal error: ${e instanceof Error ? e.message : String(e)}`;
}

/** Every pass of a schedule, in order (a loop's body once). */
function leaves(s: Schedule, out: Pass[] = []): Pass[] {
  if (s.kind === 'pass') out.push(s.pass);
  else if (s.kind === 'seq') for (const step of s.steps) leaves(step, out);
  else leaves(s.body, out);
  return out;
}

function openModel(req: Extract<Request, { type: 'open' }>): void {
  open = undefined;
  if (req.bytes.byteLength === 0) throw new LatheError('not an ONNX model (empty file)', req.name);
  const externalData = new Map(req.data.map((d) => [d.name, d.bytes]));
  const t0 = performance.now();
  let model: Model;
  try {
    model = loadModelFromBytes(req.bytes, { name: req.name, externalData });
  } catch (e) {
    if (e instanceof LatheError && /^external data file .* was not given$/.test(e.message)) {
      throw new LatheError(`${e.message}: pick it together with the model (both files at once)`, req.name);
    }
    throw e;
  }
  const loadMs = performance.now() - t0;
  const summary = summarizeModel(model);
  open = { name: req.name, model, bytes: req.bytes.byteLength + req.data.reduce((s, d) => s + d.bytes.byteLength, 0), loadMs };
  post({ type: 'opened', name: req.name, inspect: formatSummary(summary, req.name) });
}

function optimizeOpen(req: Extract<Request, { type: 'optimize' }>): void {
  if (!open) throw new LatheError('no model is open');
  const { name } = open;
  const out = name.replace(/(\.onnx)?$/i, '.opt.onnx');
  const argv = ['optimize', name, '-o', out, ...(req.pipeline !== undefined ? ['--passes', req.pipeline] : [`-O${req.level}`])];
  for (const s of req.shapes) argv.push('--set-input-shape', s);
  const args = parseArgs(argv);
  if (args.kind !== 'run') throw new Error('optimize arguments parsed as help');
  const options = optimizeRequest(args, passes, () => {});
  const t0 = performance.now();
  post({ type: 'progress', fraction: 0, label: 'verifying' });
  const { model, diagnostics, sorted } = verifyInput(open.model);
  refuseInvalid(diagnostics, name);
  const t1 = performance.now();
  // One Schedule object, so the progress bar can tell the passes apart; the report keeps the level.
  const { schedule, level } = resolveSchedule(options);
  const all = schedule ? leaves(schedule) : [];
  const seen = new Set<Pass>();
  let runs = 0;
  const r = optimize(model, {
    ...options,
    ...(schedule && { pipeline: schedule }),
    verify: false,
    instruments: [
      {
        beforePass(e) {
          seen.add(e.pass);
          runs++;
          post({ type: 'progress', fraction: 0.05 + (0.85 * (seen.size - 1)) / Math.max(1, all.length), label: `pass ${runs}: ${e.text}` });
        },
      },
    ],
  });
  post({ type: 'progress', fraction: 0.9, label: 'writing' });
  const t2 = performance.now();
  const bytes = saveModelToBytes(r.model);
  const t3 = performance.now();
  const report = finishReport(
    { ...r.report, level, ...(sorted !== undefined && { warnings: [sorted, ...r.report.warnings] }) },
    { bytes: { before: open.bytes, after: bytes.length }, timeMs: { load: open.loadMs, verify: t1 - t0, save: t3 - t2 } },
  );
  const size = bytes.length;
  const buffer = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
  post({ type: 'progress', fraction: 1, label: 'done' });
  // the download first: the report's graph layout can take longer than the optimization itself
  post({ type: 'optimized', name: out, bytes: buffer as ArrayBuffer, ms: t3 - t0 }, [buffer as ArrayBuffer]);
  post({ type: 'report', report: reportView({ before: model, after: r.model, report, title: `lathe: optimized ${name} into ${out} (${size} bytes)` }) });
}

scope.onmessage = (e) => {
  const req = e.data;
  try {
    if (req.type === 'open') openModel(req);
    else optimizeOpen(req);
  } catch (err) {
    post({ type: 'error', message: messageOf(err, req.type === 'open' ? req.name : open?.name) });
  }
};
