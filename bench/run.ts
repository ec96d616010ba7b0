/**
 * `npm run bench`: the speed and memory targets of lathe, measured on this machine, written to
 * BENCHMARKS.md with the date, the machine and the command. Benchmarks, not timed tests: these
 * machines are noisy, so each figure is the best of a few runs and targets are ratios taken in
 * one run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  closeSync, copyFileSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, writeSync,
} from 'node:fs';
import { cpus, totalmem, platform, release } from 'node:os';
import { join } from 'node:path';
import { cacheDir, cliPath, filledModel, projectRoot } from './corpus.js';
import { loadModel, saveModel } from '../node/io.js';
import { optimize } from '../src/optimize.js';

const only = process.argv.slice(2);
const want = (name: string) => only.length === 0 || only.includes(name);
const work = join(cacheDir, 'bench');
mkdirSync(work, { recursive: true });
const lines: string[] = [];
const log = (s: string) => {
  console.log(s);
  lines.push(s);
};

function seconds(f: () => void): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

function best(n: number, f: () => void): number {
  let b = Infinity;
  for (let i = 0; i < n; i++) b = Math.min(b, seconds(f));
  return b;
}

function cli(args: string[]): void {
  execFileSync(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Runs the CLI under /usr/bin/time and returns [seconds, peak RSS bytes]. */
function cliPeak(args: string[]): [number, number] {
  const t = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, cliPath, ...args], { encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t) / 1e9;
  if (r.status !== 0) throw new Error(`lathe ${args.join(' ')} failed: ${r.stderr}`);
  const kb = Number(r.stderr.trim().split('\n').pop());
  return [s, kb * 1024];
}

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** A user-space copy through one reused 1 MiB buffer: the I/O any tool that rewrites a file must do. */
function streamedCopy(from: string, to: string): void {
  const buf = Buffer.allocUnsafe(1 << 20);
  const i = openSync(from, 'r');
  const o = openSync(to, 'w');
  for (let n; (n = readSync(i, buf, 0, buf.length, null)) > 0; ) writeSync(o, buf, 0, n);
  closeSync(i);
  closeSync(o);
}

function benchBert(): void {
  const input = filledModel('bert-base.legacy');
  const size = statSync(input).size;
  const copy = join(work, 'bert-copy.onnx');
  const out = join(work, 'bert-O0.onnx');
  // Warm the page cache once so every measurement reads from memory; each run writes a new file
  // (removed beforehand, outside the timing), as a user's first run would.
  copyFileSync(input, copy);
  const bestFresh = (f: string, run: () => void) => {
    let b = Infinity;
    for (let i = 0; i < 3; i++) {
      rmSync(f, { force: true });
      b = Math.min(b, seconds(run));
    }
    return b;
  };
  const tCopy = bestFresh(copy, () => copyFileSync(input, copy));
  const tCat = bestFresh(copy, () => execFileSync('cp', [input, copy]));
  const tStream = bestFresh(copy, () => streamedCopy(input, copy));
  const tO0 = bestFresh(out, () => cli(['optimize', input, '-o', out, '-O0', '--quiet']));
  const tIn = bestFresh(out, () => saveModel(optimize(loadModel(input), { level: 0 }).model, out));
  log(`### -O0 on bert-base.legacy (${mb(size)})`);
  log('');
  log('| what | seconds |');
  log('| --- | --- |');
  log(`| copy the file (fs.copyFileSync, best of 3) | ${tCopy.toFixed(3)} |`);
  log(`| copy the file (cp, best of 3) | ${tCat.toFixed(3)} |`);
  log(`| copy the file through a reused 1 MiB buffer (read/write, best of 3) | ${tStream.toFixed(3)} |`);
  log(`| -O0 in-process: loadModel + verify + saveModel (best of 3) | ${tIn.toFixed(3)} |`);
  log(`| \`lathe optimize -O0\` (whole CLI process incl. Node start-up, best of 3) | ${tO0.toFixed(3)} |`);
  log('');
  log(`Ratios in this run (target: at most 4x the time of copying the file): in-process -O0 / cp = **${(tIn / tCat).toFixed(2)}x**, ` +
    `CLI -O0 / cp = ${(tO0 / tCat).toFixed(2)}x, in-process -O0 / buffered copy = ${(tIn / tStream).toFixed(2)}x. ` +
    `cp and fs.copyFileSync copy inside the kernel (copy_file_range); lathe must move payloads through user space. Output ${mb(statSync(out).size)}.`);
  log('');
  rmSync(copy, { force: true });
}

async function benchLlama(): Promise<void> {
  const input = filledModel('llama-3gb.legacy');
  const out = join(work, 'llama-3gb-O0.onnx');
  const [t, rss] = cliPeak(['optimize', input, '-o', out, '-O0', '--quiet']);
  const dataIn = existsSync(`${input}.data`) ? statSync(`${input}.data`).size : 0;
  const dataOut = existsSync(`${out}.data`) ? statSync(`${out}.data`).size : 0;
  log(`### -O0 on llama-3gb.legacy (${mb(statSync(input).size + dataIn)} with external data)`);
  log('');
  log(`- time: ${t.toFixed(2)} s; peak RSS: **${mb(rss)}** (target: at most 1,500 MB)`);
  log(`- output: ${mb(statSync(out).size)} model + ${mb(dataOut)} external data`);
  const { compareInOrt } = await import('./ort-compare.js');
  const verdict = await compareInOrt(input, out);
  log(`- onnxruntime-node (optimizations off, 1 thread), original vs output: **${verdict}**`);
  log('');
}

function benchLarge(): void {
  const script = join(projectRoot, 'dist/bench/large-graph.js');
  const r = spawnSync(process.execPath, ['--expose-gc', script, join(work, 'large.onnx')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  for (const l of r.stdout.trim().split('\n')) log(l);
  log('');
}

async function benchEvaluator(): Promise<void> {
  const { benchEval } = await import('./eval.js');
  log('### Reference evaluator vs onnxruntime-node (1 thread, optimizations off), batch 1');
  log('');
  log('| model | lathe evaluate (best of 2) | onnxruntime (best of 3) | ratio (aim: within 20x) | max abs output difference |');
  log('| --- | --- | --- | --- | --- |');
  for (const m of ['resnet50.legacy', 'bert-base.legacy']) log(await benchEval(m));
  log('');
}

/** -O1 and -O2 on the corpus against the peers, speed against onnxruntime's basic level, determinism. */
async function benchOptimize(): Promise<void> {
  const { corpusModels } = await import('./corpus.js');
  const { formatRows, optimizeCorpusModel, TIMED_ROUNDS } = await import('./optimize-corpus.js');
  const models = corpusModels().filter((m) => m !== 'llama-3gb.legacy');
  for (const level of [1, 2] as const) {
    const rows = [];
    for (const m of models) rows.push(await optimizeCorpusModel(m, { level, ortTime: m.startsWith('bert-base') }));
    log(`### -O${level} on the corpus (\`lathe optimize -O${level}\` in process: load, optimize, save)`);
    log('');
    for (const l of formatRows(rows, level === 2)) log(l);
    log('');
    for (const r of rows.filter((x) => x.ortSeconds !== undefined)) {
      log(
        `- ${r.model}: lathe -O${level} ${r.seconds.toFixed(2)} s vs onnxruntime basic (session with optimized_model_filepath) ${r.ortSeconds!.toFixed(2)} s: **${(r.seconds / r.ortSeconds!).toFixed(2)}x** (target: at most 0.25x); ` +
          `copying the file alone took ${r.copySeconds!.toFixed(2)} s (${(r.copySeconds! / r.ortSeconds!).toFixed(2)}x). Best of ${TIMED_ROUNDS} rounds, each running lathe, onnxruntime and the copy in turn.`,
      );
    }
    log('');
  }
  // Determinism: the same input and options give byte-identical output.
  const input = filledModel('bert-base.legacy');
  const a = join(work, 'det-a.onnx');
  const b = join(work, 'det-b.onnx');
  cli(['optimize', input, '-o', a, '--quiet']);
  cli(['optimize', input, '-o', b, '--quiet']);
  const same = readFileSync(a).equals(readFileSync(b));
  log(`Determinism: two \`lathe optimize\` (-O2) runs on bert-base.legacy give ${same ? '**byte-identical**' : '**DIFFERENT**'} files.`);
  log('');
}

/** Inference latency of -O2 output against onnxruntime's basic output, both run with optimizations off (issue 8). */
async function benchLatency(): Promise<void> {
  const { corpusModels } = await import('./corpus.js');
  const { formatLatency, latencyOf } = await import('./latency.js');
  const rows = [];
  for (const m of corpusModels().filter((x) => x !== 'llama-3gb.legacy')) rows.push(await latencyOf(m));
  log('### Latency: lathe -O2 output vs onnxruntime basic output (onnxruntime-node, optimizations off, 1 thread; paired rounds A B B A / B A A B after 3 warm-up runs, over 4 fresh pairs of sessions created in alternating order, about 8 s of timed runs per model, 20 to 60 rounds; ratio = median of the per-round ratios)');
  log('');
  for (const l of formatLatency(rows)) log(l);
  log('');
}

/** int8 quantization of the corpus models issue 10 names against onnxruntime's quantization tools (baselines.json). */
async function benchQuantize(): Promise<void> {
  const { QUANTIZE_MODELS, formatQuantizeRows, quantizeCorpusModel } = await import('./quantize-corpus.js');
  const rows = [];
  for (const mode of ['int8-dynamic', 'int8-static'] as const) for (const m of QUANTIZE_MODELS[mode]) rows.push(await quantizeCorpusModel(m, mode));
  log('### Quantization vs onnxruntime (`quantize()` in process after -O2, generated calibration: 4 samples for static; error: first output, relative L2 vs fp32 in onnxruntime-node on seeded random inputs)');
  log('');
  for (const l of formatQuantizeRows(rows)) log(l);
  log('');
}

async function benchFusions(): Promise<void> {
  const { fusionRow, formatFusionRows } = await import('./ort-fusions.js');
  const { corpusModels } = await import('./corpus.js');
  const rows = [];
  for (const m of corpusModels().filter((n) => n !== 'llama-3gb.legacy')) rows.push(await fusionRow(m));
  log("### onnxruntime's own fusions on lathe's output (onnxruntime-node, extended level, on the original and on lathe -O2's output; fused ops = ops of its com.microsoft domain)");
  log('');
  for (const l of formatFusionRows(rows)) log(l);
  log('');
}

async function benchLlamaOptimize(): Promise<void> {
  const input = filledModel('llama-3gb.legacy');
  for (const level of [1, 2]) {
    const out = join(work, `llama-3gb-O${level}.onnx`);
    const [t, rss] = cliPeak(['optimize', input, '-o', out, `-O${level}`, '--quiet']);
    log(`- llama-3gb.legacy -O${level}: ${t.toFixed(1)} s, peak RSS **${mb(rss)}** (target: under 1,000 MB)`);
  }
  log('');
}

async function main(): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8'));
  log(`## ${new Date().toISOString().slice(0, 10)} — lathe ${pkg.version}`);
  log('');
  log(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}.`);
  log(`Command: \`npm run bench${only.length ? ' -- ' + only.join(' ') : ''}\`.`);
  log('');
  if (want('bert')) benchBert();
  if (want('llama')) await benchLlama();
  if (want('large')) benchLarge();
  if (want('eval')) await benchEvaluator();
  if (want('optimize')) await benchOptimize();
  if (want('llama-optimize')) await benchLlamaOptimize();
  if (want('latency')) await benchLatency();
  if (want('fusions')) await benchFusions();
  if (want('web')) await (await import('./web.js')).benchWeb(log, work);
  if (want('quantize')) await benchQuantize();
  const file = join(projectRoot, 'BENCHMARKS.md');
  const head = '# lathe benchmarks\n\nWritten by `npm run bench` (bench/run.ts). Newest run first.\n\n';
  const old = existsSync(file) ? readFileSync(file, 'utf8').replace(head, '') : '';
  writeFileSync(file, head + lines.join('\n') + '\n' + old);
}

await main();
