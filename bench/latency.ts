/**
 * Inference latency of lathe's -O2 output against onnxruntime's own basic-level output of the same
 * model, both run by onnxruntime-node with its graph optimizations off and one thread (what a
 * runtime without an optimizer of its own sees). The two sessions are timed in paired rounds
 * (bench/paired.ts: warm-up, A B B A / B A A B, the median of per-round ratios and its
 * interquartile range), so machine noise hits both alike and the dispersion is reported; the
 * rounds are spread over four fresh pairs of sessions, created in alternating order (see latencyOf).
 *
 *   node dist/bench/latency.js [--budget SECONDS] [MODEL ...]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, saveModel } from '../node/io.js';
import { optimize } from '../passes/library.js';
import { benchMain, cacheDir, corpusModels, filledModel } from './corpus.js';
import { pairedRounds, summarize, type PairedSummary } from './paired.js';
import { randomFeeds } from './ort.js';

export interface LatencyRow extends PairedSummary {
  readonly model: string;
  /** Median seconds per run of lathe's output (= `a`) and of onnxruntime basic's (= `b`). */
  readonly lathe: number;
  readonly ortBasic: number;
}

const plain: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 };

/** Paired latency of lathe -O2 and onnxruntime basic outputs of `name` (`budget`: seconds of timed runs to aim for). */
export async function latencyOf(name: string, budget = 8): Promise<LatencyRow> {
  const input = filledModel(name);
  const dir = join(cacheDir, 'latency');
  mkdirSync(dir, { recursive: true });
  const latheOut = join(dir, `${name}.O2.onnx`);
  const ortOut = join(dir, `${name}.ort-basic.onnx`);
  const model = loadModel(input);
  saveModel(optimize(model, { level: 2 }).model, latheOut);
  if (!existsSync(ortOut)) {
    const s = await ort.InferenceSession.create(input, { graphOptimizationLevel: 'basic', optimizedModelFilePath: ortOut, logSeverityLevel: 3 });
    await s.release();
  }
  const feeds = randomFeeds(model, { seed: 1 });
  // Where a session's weights land in memory moves a weight-bound model by several percent, the
  // same way for every run of that session: one pair of sessions gave bert-base.legacy 1.079 (IQR
  // 1.072–1.087) in one bench run and 0.989 (0.983–0.998) in the next. So the rounds are spread
  // over SESSION_PAIRS fresh pairs of sessions and pooled.
  const perRound: [number[], number[]][] = [];
  for (let pair = 0; pair < SESSION_PAIRS; pair++) {
    // The session created second ran 3–5% faster on the weight-bound legacy models (bert-base,
    // gpt2, distilbert: lathe/ort 1.026 with lathe's created first, 0.968 with ort's first), so
    // the creation order alternates from pair to pair and the bias cancels in the pooled rounds.
    const latheFirst = pair % 2 === 0;
    const first = await ort.InferenceSession.create(latheFirst ? latheOut : ortOut, plain);
    const second = await ort.InferenceSession.create(latheFirst ? ortOut : latheOut, plain);
    const [a, b] = latheFirst ? [first, second] : [second, first];
    try {
      const r = await pairedRounds(() => a.run(feeds), () => b.run(feeds), { budget: budget / SESSION_PAIRS, minRounds: 5, maxRounds: 15 });
      perRound.push(...r.perRound);
    } finally {
      await a.release();
      await b.release();
    }
  }
  const s = summarize(perRound);
  return { model: name, ...s, lathe: s.a, ortBasic: s.b };
}

/** Fresh session pairs per model (see latencyOf): even, so that each creation order has half. */
const SESSION_PAIRS = 4;

export function formatLatency(rows: readonly LatencyRow[]): string[] {
  const lines = [
    '| model | rounds | lathe -O2 (median run) | onnxruntime basic output (median run) | ratio (median of per-round ratios) | IQR of the ratios |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    lines.push(`| ${r.model} | ${r.rounds} | ${(r.lathe * 1000).toFixed(1)} ms | ${(r.ortBasic * 1000).toFixed(1)} ms | ${r.ratio.toFixed(3)} | ${r.q1.toFixed(3)}–${r.q3.toFixed(3)} |`);
  }
  const geo = (xs: readonly LatencyRow[]) => Math.exp(xs.reduce((s, r) => s + Math.log(r.ratio), 0) / Math.max(1, xs.length));
  const dynamo = rows.filter((r) => r.model.endsWith('.dynamo'));
  const worst = rows.reduce((w, r) => (r.ratio > w.ratio ? r : w), rows[0]);
  const clear = rows.filter((r) => r.q3 < 1).length;
  lines.push('', `Geometric mean of the ratio: ${geo(rows).toFixed(3)} over all ${rows.length} models, ${geo(dynamo).toFixed(3)} over the ${dynamo.length} .dynamo models (target at most 0.9); worst ${worst ? `${worst.ratio.toFixed(3)} (${worst.model})` : '-'} (target at most 1.0); the whole IQR below 1 on ${clear} of ${rows.length}.`);
  return lines;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let budget = 8;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--budget') budget = Number(args[++i]);
    else names.push(args[i]);
  }
  const models = names.length > 0 ? names : corpusModels().filter((m) => m !== 'llama-3gb.legacy');
  const rows: LatencyRow[] = [];
  for (const m of models) {
    const r = await latencyOf(m, budget);
    console.error(`${m}: lathe ${(r.lathe * 1000).toFixed(1)} ms, ort basic ${(r.ortBasic * 1000).toFixed(1)} ms, ratio ${r.ratio.toFixed(3)} (IQR ${r.q1.toFixed(3)}–${r.q3.toFixed(3)}, ${r.rounds} rounds)`);
    rows.push(r);
  }
  console.log(formatLatency(rows).join('\n'));
}

if (process.argv[1]?.endsWith('latency.js')) await benchMain(main);
