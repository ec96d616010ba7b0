/**
 * Optimization on the corpus: for each filled model, lathe's pipeline (in process: load, run,
 * save) against the peers' node counts in ../shared/corpus/baselines.json and against
 * onnxruntime-node's own offline optimization time of the same file in the same run, with the
 * outputs of the original and the optimized model compared in onnxruntime (optimizations off) on
 * seeded random inputs (relative L2 error per output).
 *
 *   node dist/bench/optimize-corpus.js [--level N | --pipeline TEXT] [--ort-time] [MODEL ...]
 */
import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, saveModel } from '../node/io.js';
import { passes } from '../passes/index.js';
import { optimize, type OptimizeOptions } from '../src/optimize.js';
import { parsePipeline, runSchedule } from '../src/schedule.js';
import type { Model } from '../ir/types.js';
import { benchMain, cacheDir, corpusModels, filledModel, sharedDir } from './corpus.js';
import { randomFeeds, type Feeds } from './ort.js';

interface Baseline {
  readonly nodes?: number;
  readonly s?: number;
}
type Baselines = Record<string, Record<string, Baseline | number>>;

export interface CorpusRow {
  readonly model: string;
  readonly before: number;
  readonly after: number;
  /** min(onnxscript, onnxruntime basic) node counts from baselines.json. */
  readonly peerBest?: number;
  readonly seconds: number;
  readonly ortSeconds?: number;
  /** Copying the input file, the same rounds (the machine's floor for writing the model). */
  readonly copySeconds?: number;
  /** Largest relative L2 error over the outputs, or a message when the comparison failed. */
  readonly relL2: number | string;
}

export const mainNodes = (m: Model): number => m.graph.order.length;

/**
 * How many standard ops each contrib op of onnxruntime's extended level stands for at the corpus
 * models' opsets (17 and 18: no standard Gelu or RMSNormalization yet), as issue 8 counts them.
 */
const CONTRIB_AS_STANDARD: Readonly<Record<string, number>> = {
  FusedConv: 2, // Conv + activation
  FusedMatMul: 2, // MatMul + Transpose
  QuickGelu: 2, // Sigmoid + Mul
  SkipLayerNormalization: 2, // Add + LayerNormalization
  BiasGelu: 6, // Add + Gelu in erf form (Div, Erf, Add, Mul, Mul)
  Gelu: 5, // erf form
  FastGelu: 8, // tanh form (Pow, Mul, Add, Mul, Tanh, Add, Mul, Mul)
  SimplifiedLayerNormalization: 6, // Pow, ReduceMean, Add, Sqrt, Div, Mul
};

/** onnxruntime extended's node count with each contrib op counted as the standard ops it stands for. */
function extendedAsStandard(ops: Readonly<Record<string, number>> | undefined): number | undefined {
  if (!ops) return undefined;
  return Object.entries(ops).reduce((n, [op, k]) => n + k * (CONTRIB_AS_STANDARD[op] ?? 1), 0);
}

function baselines(): Baselines {
  return (JSON.parse(readFileSync(join(sharedDir, 'corpus/baselines.json'), 'utf8')) as { models: Baselines }).models;
}

/**
 * The peers' best node count for `name` (issues 7 and 8): the fewer of onnxscript's optimizer and
 * onnxruntime basic's, and at -O2 also onnxruntime extended's with its contrib ops counted as the
 * standard ops they stand for. Undefined when baselines.json has none of them.
 */
export function peerBest(name: string, level: 1 | 2): number | undefined {
  const base = baselines()[name] ?? {};
  const n = (k: string) => (base[k] as Baseline | undefined)?.nodes;
  const ext = level === 2 ? extendedAsStandard((base['ort_extended'] as { ops?: Record<string, number> } | undefined)?.ops) : undefined;
  const peers = [n('onnxscript_optimize'), n('ort_basic'), ext].filter((x): x is number => x !== undefined);
  return peers.length > 0 ? Math.min(...peers) : undefined;
}

/** An onnxruntime output as float64 values (float16 decoded from its bits); undefined for strings and booleans. */
export function asFloats(t: ort.Tensor): Float64Array | undefined {
  if (t.type === 'string' || t.type === 'bool') return undefined;
  if (t.type === 'float16') {
    const h = t.data as Uint16Array;
    return Float64Array.from(h, (bits) => {
      const s = bits & 0x8000 ? -1 : 1;
      const e = (bits >> 10) & 0x1f;
      const f = bits & 0x3ff;
      if (e === 0) return s * f * 2 ** -24;
      if (e === 31) return f ? NaN : s * Infinity;
      return s * (1 + f / 1024) * 2 ** (e - 15);
    });
  }
  return Float64Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/** max over outputs of ||a − b|| / ||a|| (0 when both are zero; Infinity on a shape mismatch). */
export async function relativeL2(original: string, candidate: string, feeds: Feeds): Promise<number> {
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 };
  const a = await ort.InferenceSession.create(original, options);
  const b = await ort.InferenceSession.create(candidate, options);
  try {
    const ra = await a.run(feeds);
    const rb = await b.run(feeds);
    let worst = 0;
    for (const name of a.outputNames) {
      const x = ra[name];
      const y = rb[name];
      if (!y || x.dims.join() !== y.dims.join() || x.type !== y.type) return Infinity;
      const fx = asFloats(x);
      const fy = asFloats(y);
      if (!fx || !fy) {
        if (JSON.stringify(Array.from(x.data as ArrayLike<unknown>)) !== JSON.stringify(Array.from(y.data as ArrayLike<unknown>))) return Infinity;
        continue;
      }
      let num = 0;
      let den = 0;
      for (let i = 0; i < fx.length; i++) {
        if (Number.isNaN(fx[i]) && Number.isNaN(fy[i])) continue;
        num += (fx[i] - fy[i]) ** 2;
        den += fx[i] ** 2;
      }
      worst = Math.max(worst, den === 0 ? (num === 0 ? 0 : Infinity) : Math.sqrt(num / den));
    }
    return worst;
  } finally {
    await a.release();
    await b.release();
  }
}

/** onnxruntime's own offline optimization at the basic level: one session creation, timed. */
async function ortBasicSeconds(path: string, out: string): Promise<number> {
  rmSync(out, { force: true }); // as for lathe: freeing the previous run's file is not the optimizer's work
  const t = process.hrtime.bigint();
  const s = await ort.InferenceSession.create(path, { graphOptimizationLevel: 'basic', optimizedModelFilePath: out, intraOpNumThreads: 1, logSeverityLevel: 3 });
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  await s.release();
  return seconds;
}

/**
 * The floor of any tool that writes the model anew: copying the file (fs.copyFileSync, the
 * kernel's copy_file_range on Linux, one in-kernel copy). The bytes of a large model dominate
 * both lathe's and onnxruntime's time; this says how much of lathe's is the machine's copy.
 */
function copySeconds(path: string, out: string): number {
  rmSync(out, { force: true });
  const t = process.hrtime.bigint();
  copyFileSync(path, out);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  rmSync(out, { force: true });
  return seconds;
}

/** Rounds of lathe, onnxruntime and the copy, interleaved: disk writeback of one run slows whichever runs next, so each tool meets it alike. */
export const TIMED_ROUNDS = 3;

export interface CorpusOptions {
  readonly level?: OptimizeOptions['level'];
  readonly pipeline?: string;
  readonly ortTime?: boolean;
}

/** Optimizes one filled corpus model and measures it. */
export async function optimizeCorpusModel(name: string, options: CorpusOptions): Promise<CorpusRow> {
  const input = filledModel(name);
  const dir = join(cacheDir, 'optimize');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.onnx`);
  // Timed once, or, when compared with onnxruntime, best of TIMED_ROUNDS rounds interleaved with
  // onnxruntime's run and a plain copy of the file.
  let seconds = Infinity;
  let ortSeconds = Infinity;
  let copy = Infinity;
  let model!: Model;
  let optimized!: Model;
  for (let run = 0; run < (options.ortTime ? TIMED_ROUNDS : 1); run++) {
    // A fresh output file, as a user's first run writes: replacing the previous run's file would
    // time the file system freeing its blocks (tens of ms for a 400 MB model), not the optimizer.
    rmSync(out, { force: true });
    const t0 = process.hrtime.bigint();
    model = loadModel(input);
    optimized = options.pipeline ? runSchedule(parsePipeline(options.pipeline, passes), model).model : optimize(model, { level: options.level ?? 1, passes }).model;
    saveModel(optimized, out);
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - t0) / 1e9);
    if (options.ortTime) {
      ortSeconds = Math.min(ortSeconds, await ortBasicSeconds(input, join(dir, `${name}.ort-basic.onnx`)));
      copy = Math.min(copy, copySeconds(input, join(dir, `${name}.copy.onnx`)));
    }
  }
  const best = peerBest(name, options.level === 2 ? 2 : 1);
  let relL2: number | string;
  try {
    relL2 = await relativeL2(input, out, randomFeeds(model, { seed: 1 }));
  } catch (e) {
    relL2 = `failed: ${(e as Error).message.split('\n')[0].slice(0, 160)}`;
  }
  return {
    model: name,
    before: mainNodes(model),
    after: mainNodes(optimized),
    ...(best !== undefined && { peerBest: best }),
    seconds,
    ...(options.ortTime && { ortSeconds, copySeconds: copy }),
    relL2,
  };
}

export function formatRows(rows: readonly CorpusRow[], withExtended = false): string[] {
  const peersLabel = withExtended ? "peers' best (onnxscript, ort basic, ort extended as standard ops)" : "peers' best (onnxscript, ort basic)";
  const lines = [`| model | nodes before | lathe | ${peersLabel} | lathe / best | lathe s | ort basic s | file copy s | max rel L2 vs original (onnxruntime) |`, '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    const ratio = r.peerBest ? (r.after / r.peerBest).toFixed(3) : '';
    const err = typeof r.relL2 === 'number' ? r.relL2.toExponential(2) : r.relL2;
    lines.push(`| ${r.model} | ${r.before} | ${r.after} | ${r.peerBest ?? ''} | ${ratio} | ${r.seconds.toFixed(2)} | ${r.ortSeconds?.toFixed(2) ?? ''} | ${r.copySeconds?.toFixed(2) ?? ''} | ${err} |`);
  }
  const rated = rows.filter((r) => r.peerBest);
  const atOrBelow = rated.filter((r) => r.after <= (r.peerBest as number)).length;
  const within5 = rated.filter((r) => r.after <= (r.peerBest as number) * 1.05).length;
  const below = rated.filter((r) => r.after < (r.peerBest as number)).length;
  lines.push('', `At or below the peers' best on ${atOrBelow} of ${rated.length} models (strictly below on ${below}); within 5% above it on ${within5} of ${rated.length}.`);
  return lines;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const options: { level?: 0 | 1 | 2; pipeline?: string; ortTime?: boolean } = {};
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--level') options.level = Number(args[++i]) as 0 | 1 | 2;
    else if (args[i] === '--pipeline') options.pipeline = args[++i];
    else if (args[i] === '--ort-time') options.ortTime = true;
    else names.push(args[i]);
  }
  const models = names.length > 0 ? names : corpusModels().filter((m) => m !== 'llama-3gb.legacy');
  const rows: CorpusRow[] = [];
  for (const m of models) {
    const row = await optimizeCorpusModel(m, options);
    console.error(`${m}: ${row.before} -> ${row.after} nodes (peers ${row.peerBest ?? '?'}), ${row.seconds.toFixed(2)} s, rel L2 ${row.relL2}`);
    rows.push(row);
  }
  console.log(formatRows(rows, options.level === 2).join('\n'));
}

if (process.argv[1]?.endsWith('optimize-corpus.js')) await benchMain(main);
