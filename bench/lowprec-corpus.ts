/**
 * Half precision and int4 on the corpus: each filled model through one lathe pipeline
 * (`convert-float16`, or `quantize-int4-weight` for llama-small.legacy), in process, against
 * onnxruntime's converters' sizes and errors in ../shared/corpus/baselines.json. The error is the
 * relative L2 of the FIRST output, original vs converted, both run in onnxruntime-node (graph
 * optimizations off, one thread) on seeded random inputs, as the baselines measured it.
 * Prints a markdown table.
 *
 *   node dist/bench/lowprec-corpus.js [--fp16 MODEL,...] [--int4 MODEL,...] [--pipeline TEXT]
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { loadModel, saveModel } from '../node/io.js';
import { passes } from '../passes/index.js';
import { parsePipeline, runSchedule } from '../src/schedule.js';
import type { Model } from '../ir/types.js';
import { benchMain, cacheDir, corpusModels, sharedDir } from './corpus.js';
import { asFloats } from './optimize-corpus.js';
import { randomFeeds, type Feeds } from './ort.js';

interface OrtFigures {
  readonly bytes?: number;
  readonly rel_err?: number;
  readonly error?: string;
}

interface Row {
  readonly model: string;
  readonly pipeline: string;
  readonly before: number;
  readonly after: number;
  readonly relL2: number | string;
  /** Load, pipeline and save, in seconds. */
  readonly seconds: number;
  readonly ort?: OrtFigures;
}

function baselines(): Record<string, Record<string, OrtFigures | undefined>> {
  return (JSON.parse(readFileSync(join(sharedDir, 'corpus/baselines.json'), 'utf8')) as { models: Record<string, Record<string, OrtFigures>> }).models;
}

const floats = (t: ort.Tensor): Float64Array => asFloats(t) ?? new Float64Array(0);

/**
 * ||a − b|| / ||a|| of the first outputs of two model files in onnxruntime-node; a message when
 * the reference output is all zeros (the ratio says nothing then).
 */
export async function firstOutputRelL2(original: string, candidate: string, feeds: Feeds): Promise<number | string> {
  const options: ort.InferenceSession.SessionOptions = { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 };
  const a = await ort.InferenceSession.create(original, options);
  const b = await ort.InferenceSession.create(candidate, options);
  try {
    const x = (await a.run(feeds))[a.outputNames[0]];
    const y = (await b.run(feeds))[b.outputNames[0]];
    if (x.dims.join() !== y.dims.join()) return Infinity;
    const fx = floats(x);
    const fy = floats(y);
    let num = 0;
    let den = 0;
    for (let i = 0; i < fx.length; i++) {
      num += (fx[i] - fy[i]) ** 2;
      den += fx[i] ** 2;
    }
    if (den === 0) return `n/a: the original's output is all zeros (L2 norm of the converted one ${Math.sqrt(num).toExponential(1)})`;
    return Math.sqrt(num / den);
  } finally {
    await a.release();
    await b.release();
  }
}

/**
 * `m` with its first output replaced by the first input of the node computing it: for a model
 * whose head is zero (torchvision's ViT: all-zero outputs, nothing to compare), the head's input.
 */
function cutBeforeHead(m: Model): Model {
  const g = m.graph;
  const def = g.values[g.outputs[0]]?.def;
  const x = def ? g.nodes[def.node]?.inputs[0] : undefined;
  if (!x) return m;
  const v = g.values[x]!;
  return { ...m, graph: { ...g, outputs: [x, ...g.outputs.slice(1)], values: { ...g.values, [x]: { ...v, name: v.name ?? 'head_input', type: v.type ?? { kind: 'tensor', dtype: 1 } } } } };
}

async function measure(model: string, pipeline: string, ortKey: string): Promise<Row> {
  const input = join(cacheDir, 'corpus', `${model}.onnx`);
  const dir = join(cacheDir, 'lowprec');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${model}.${pipeline.replace(/[^a-z0-9]+/gi, '_')}.onnx`);
  const t0 = process.hrtime.bigint();
  const m = loadModel(input);
  const converted = runSchedule(parsePipeline(pipeline, passes), m).model;
  saveModel(converted, out, { externalData: 'never' });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let relL2: number | string;
  try {
    relL2 = await firstOutputRelL2(input, out, randomFeeds(m, { seed: 1 }));
  } catch (e) {
    relL2 = `failed: ${(e as Error).message.split('\n')[0].slice(0, 160)}`;
  }
  if (typeof relL2 === 'string' && relL2.startsWith('n/a')) {
    const cutIn = join(dir, `${model}.head-input.onnx`);
    const cutOut = join(dir, `${model}.head-input.${pipeline.replace(/[^a-z0-9]+/gi, '_')}.onnx`);
    const cut = cutBeforeHead(m);
    saveModel(cut, cutIn, { externalData: 'never' });
    saveModel(runSchedule(parsePipeline(pipeline, passes), cut).model, cutOut, { externalData: 'never' });
    const e = await firstOutputRelL2(cutIn, cutOut, randomFeeds(cut, { seed: 1 }));
    relL2 = `${typeof e === 'number' ? e.toExponential(2) : e} (the head's input: the output is all zeros)`;
  }
  const ort = baselines()[model]?.[ortKey];
  return { model, pipeline, before: statSync(input).size, after: statSync(out).size, relL2, seconds, ...(ort ? { ort } : {}) };
}

function table(rows: readonly Row[]): string[] {
  const lines = ['| model | pipeline | bytes before | bytes after | ratio | rel L2 (first output) | lathe s | onnxruntime bytes | onnxruntime rel L2 |', '| --- | --- | --- | --- | --- | --- | --- | --- | --- |'];
  for (const r of rows) {
    const err = typeof r.relL2 === 'number' ? r.relL2.toExponential(2) : r.relL2;
    const ortErr = r.ort?.error ? `failed: ${r.ort.error.slice(0, 60)}…` : r.ort?.rel_err?.toExponential(2) ?? '';
    lines.push(`| ${r.model} | \`${r.pipeline}\` | ${r.before} | ${r.after} | ${(r.after / r.before).toFixed(3)} | ${err} | ${r.seconds.toFixed(1)} | ${r.ort?.bytes ?? ''} | ${ortErr} |`);
  }
  return lines;
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  let fp16 = corpusModels().filter((m) => m !== 'llama-3gb.legacy');
  let int4 = ['llama-small.legacy'];
  let pipeline = 'convert-float16';
  let int4Pipeline = 'quantize-int4-weight{block=32,format=msft}';
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--fp16') fp16 = args[++i].split(',').filter(Boolean);
    else if (args[i] === '--int4') int4 = args[++i].split(',').filter(Boolean);
    else if (args[i] === '--pipeline') pipeline = args[++i];
    else if (args[i] === '--int4-pipeline') int4Pipeline = args[++i];
  }
  const rows: Row[] = [];
  for (const m of fp16) {
    const row = await measure(m, pipeline, 'ort_float16');
    console.error(`${m}: ${row.before} -> ${row.after} bytes, rel L2 ${row.relL2}`);
    rows.push(row);
  }
  for (const m of int4) {
    const row = await measure(m, int4Pipeline, 'ort_matmul_nbits_int4');
    console.error(`${m}: ${row.before} -> ${row.after} bytes, rel L2 ${row.relL2}`);
    rows.push(row);
  }
  console.log(table(rows).join('\n'));
}

if (process.argv[1]?.endsWith('lowprec-corpus.js')) await benchMain(main);
