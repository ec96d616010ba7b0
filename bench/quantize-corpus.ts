/**
 * Quantization on the corpus against onnxruntime's Python tools (baselines.json: `ort_quantize_dynamic`,
 * `ort_quantize_static_qdq`): lathe's `quantize()` in process (load, -O2, calibrate, quantize,
 * save) with its own generated calibration samples (4 for static), then the output's file size and
 * the relative L2 error of its first output against the float original in onnxruntime-node
 * (optimizations off) on seeded random inputs, as the corpus README says the baselines were measured.
 *
 *   node dist/bench/quantize-corpus.js [--mode int8-dynamic|int8-static] [MODEL ...]
 */
import { readFileSync, statSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, saveModel } from '../node/io.js';
import { passes } from '../passes/index.js';
import { quantize, type QuantizeMode } from '../src/quantize/quantize.js';
import { benchMain, cacheDir, filledModel, sharedDir } from './corpus.js';
import { createSession, randomFeeds } from './ort.js';

/** The models issue 10's acceptance names per mode. */
export const QUANTIZE_MODELS: Readonly<Record<'int8-dynamic' | 'int8-static', readonly string[]>> = {
  'int8-dynamic': ['whisper-tiny-encoder.legacy', 't5-encoder.legacy', 'distilbert.legacy', 'bert-base.legacy', 'gpt2.legacy'],
  'int8-static': ['squeezenet1_1.legacy', 'mobilenet_v2.legacy', 'ssdlite320.legacy', 'efficientnet_b0.legacy', 'resnet50.legacy'],
};

const BASELINE_KEY: Readonly<Record<string, string>> = { 'int8-dynamic': 'ort_quantize_dynamic', 'int8-static': 'ort_quantize_static_qdq' };

export interface QuantizeRow {
  readonly model: string;
  readonly mode: QuantizeMode;
  readonly bytes: number;
  readonly ortBytes?: number;
  /** First output's relative L2 error against the float model, or a message when it failed. */
  readonly relL2: number | string;
  readonly ortRelL2?: number;
  readonly seconds: number;
}

function fileBytes(path: string): number {
  const data = `${path}.data`;
  return statSync(path).size + (existsSync(data) ? statSync(data).size : 0);
}

/** ||a − b|| / ||a|| of the first output of two models on the same feeds. */
async function firstOutputRelL2(original: string, candidate: string, feeds: Record<string, ort.Tensor>): Promise<number> {
  const a = await createSession(original);
  const b = await createSession(candidate);
  try {
    const name = a.outputNames[0];
    const x = (await a.run(feeds))[name];
    const y = (await b.run(feeds))[b.outputNames[0]];
    if (x.dims.join() !== y.dims.join()) return Infinity;
    const fx = x.data as Float32Array;
    const fy = y.data as Float32Array;
    let num = 0;
    let den = 0;
    for (let i = 0; i < fx.length; i++) {
      num += (fx[i] - fy[i]) ** 2;
      den += fx[i] ** 2;
    }
    return den === 0 ? (num === 0 ? 0 : Infinity) : Math.sqrt(num / den);
  } finally {
    await a.release();
    await b.release();
  }
}

/** Quantizes one filled corpus model and measures it. */
export async function quantizeCorpusModel(name: string, mode: QuantizeMode): Promise<QuantizeRow> {
  const input = filledModel(name);
  const dir = join(cacheDir, 'quantize');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.${mode}.onnx`);
  const t0 = process.hrtime.bigint();
  const model = loadModel(input);
  const r = await quantize(model, { mode, passes, measure: false });
  saveModel(r.model, out);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const base = (JSON.parse(readFileSync(join(sharedDir, 'corpus/baselines.json'), 'utf8')) as { models: Record<string, Record<string, { bytes?: number; rel_err?: number }>> })
    .models[name]?.[BASELINE_KEY[mode] ?? ''];
  let relL2: number | string;
  try {
    relL2 = await firstOutputRelL2(input, out, randomFeeds(model, { seed: 1 }));
  } catch (e) {
    relL2 = `failed: ${(e as Error).message.split('\n')[0].slice(0, 160)}`;
  }
  return {
    model: name, mode, bytes: fileBytes(out), seconds, relL2,
    ...(base?.bytes !== undefined && { ortBytes: base.bytes }),
    ...(base?.rel_err !== undefined && { ortRelL2: base.rel_err }),
  };
}

/** The markdown table, with the acceptance ratios (size at most 1.05x; error at most 1.25x dynamic, 1x static). */
export function formatQuantizeRows(rows: readonly QuantizeRow[]): string[] {
  const lines = [
    '| model | mode | lathe bytes | ort bytes | size ratio (≤ 1.05) | lathe rel L2 | ort rel L2 | error ratio (≤ 1.25 dynamic, ≤ 1 static) | lathe s |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const r of rows) {
    const size = r.ortBytes ? (r.bytes / r.ortBytes).toFixed(3) : '';
    const err = typeof r.relL2 === 'number' ? r.relL2.toExponential(2) : r.relL2;
    const errRatio = typeof r.relL2 === 'number' && r.ortRelL2 ? (r.relL2 / r.ortRelL2).toFixed(2) : '';
    lines.push(`| ${r.model} | ${r.mode} | ${r.bytes} | ${r.ortBytes ?? ''} | ${size} | ${err} | ${r.ortRelL2?.toExponential(2) ?? ''} | ${errRatio} | ${r.seconds.toFixed(1)} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let modes: QuantizeMode[] = ['int8-dynamic', 'int8-static'];
  const names: string[] = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--mode') modes = [args[++i] as QuantizeMode];
    else names.push(args[i]);
  }
  const rows: QuantizeRow[] = [];
  for (const mode of modes) {
    const list = names.length > 0 ? names : QUANTIZE_MODELS[mode as keyof typeof QUANTIZE_MODELS] ?? [];
    for (const m of list) {
      const row = await quantizeCorpusModel(m, mode);
      console.error(`${m} ${mode}: ${row.bytes} bytes (ort ${row.ortBytes}), rel L2 ${row.relL2} (ort ${row.ortRelL2}), ${row.seconds.toFixed(1)} s`);
      rows.push(row);
    }
  }
  for (const l of formatQuantizeRows(rows)) console.log(l);
}

if (process.argv[1]?.endsWith('quantize-corpus.js')) await benchMain(main);
