/**
 * Inference latency of lathe's -O2 output against onnxruntime's own basic-level output of the same
 * model, both run by onnxruntime-node with its graph optimizations off and one thread (what a
 * runtime without an optimizer of its own sees), interleaved so machine noise hits both alike.
 *
 *   node dist/bench/latency.js [--runs N] [MODEL ...]
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, saveModel } from '../node/io.js';
import { optimize } from '../passes/library.js';
import { cacheDir, corpusModels, filledModel } from './corpus.js';
import { randomFeeds } from './ort.js';

export interface LatencyRow {
  readonly model: string;
  /** Median seconds per run. */
  readonly lathe: number;
  readonly ortBasic: number;
}

const plain: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, interOpNumThreads: 1, executionMode: 'sequential', logSeverityLevel: 3 };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median run time of lathe -O2 and onnxruntime basic outputs of `name`, `runs` interleaved runs each after a warm-up. */
export async function latencyOf(name: string, runs = 7): Promise<LatencyRow> {
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
  const a = await ort.InferenceSession.create(latheOut, plain);
  const b = await ort.InferenceSession.create(ortOut, plain);
  try {
    await a.run(feeds);
    await b.run(feeds);
    const ta: number[] = [];
    const tb: number[] = [];
    for (let i = 0; i < runs; i++) {
      for (const [s, into] of i % 2 === 0 ? ([[a, ta], [b, tb]] as const) : ([[b, tb], [a, ta]] as const)) {
        const t = process.hrtime.bigint();
        await s.run(feeds);
        into.push(Number(process.hrtime.bigint() - t) / 1e9);
      }
    }
    return { model: name, lathe: median(ta), ortBasic: median(tb) };
  } finally {
    await a.release();
    await b.release();
  }
}

export function formatLatency(rows: readonly LatencyRow[]): string[] {
  const lines = ['| model | lathe -O2 (median) | onnxruntime basic output (median) | ratio |', '| --- | --- | --- | --- |'];
  for (const r of rows) lines.push(`| ${r.model} | ${(r.lathe * 1000).toFixed(1)} ms | ${(r.ortBasic * 1000).toFixed(1)} ms | ${(r.lathe / r.ortBasic).toFixed(3)} |`);
  const geo = (xs: readonly LatencyRow[]) => Math.exp(xs.reduce((s, r) => s + Math.log(r.lathe / r.ortBasic), 0) / Math.max(1, xs.length));
  const dynamo = rows.filter((r) => r.model.endsWith('.dynamo'));
  const worst = rows.reduce((w, r) => Math.max(w, r.lathe / r.ortBasic), 0);
  lines.push('', `Geometric mean of the ratio: ${geo(rows).toFixed(3)} over all ${rows.length} models, ${geo(dynamo).toFixed(3)} over the ${dynamo.length} .dynamo models (target at most 0.9); worst ${worst.toFixed(3)} (target at most 1.0).`);
  return lines;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let runs = 7;
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--runs') runs = Number(args[++i]);
    else names.push(args[i]);
  }
  const models = names.length > 0 ? names : corpusModels().filter((m) => m !== 'llama-3gb.legacy');
  const rows: LatencyRow[] = [];
  for (const m of models) {
    const r = await latencyOf(m, runs);
    console.error(`${m}: lathe ${(r.lathe * 1000).toFixed(1)} ms, ort basic ${(r.ortBasic * 1000).toFixed(1)} ms`);
    rows.push(r);
  }
  console.log(formatLatency(rows).join('\n'));
}

if (process.argv[1]?.endsWith('latency.js')) await main();
