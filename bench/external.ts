/**
 * lathe -O2 on models from outside the corpus, against onnxruntime basic's offline output of the
 * same file: node counts (all graphs), file sizes, and the relative L2 error of each output against
 * the original in onnxruntime (optimizations off, one thread), on seeded random inputs.
 *
 *   node dist/bench/external.js [--dim N] [--shape NAME=D0,D1,...]... [--fill NAME=V]... MODEL...
 *
 * Symbolic input dims are N (default 64; 1 for a dim named like a batch) unless --shape gives an
 * input's dims; --fill gives every element of an input one value (a sample rate, a flag). The
 * optimized files go to the cache folder (bench/corpus.ts), never next to the models.
 */
import { copyFileSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import * as ort from 'onnxruntime-node';
import type { Model } from '../ir/types.js';
import { loadModel, saveModel } from '../node/io.js';
import { passes } from '../passes/index.js';
import { summarizeModel } from '../src/inspect.js';
import { optimize } from '../src/optimize.js';
import { cacheDir } from './corpus.js';
import { relativeL2 } from './optimize-corpus.js';
import { randomFeeds, type Feeds } from './ort.js';

interface Options {
  dim: number;
  shapes: Map<string, number[]>;
  fills: Map<string, number>;
  models: string[];
}

function parseArgs(argv: readonly string[]): Options {
  const o: Options = { dim: 64, shapes: new Map(), fills: new Map(), models: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const pair = (what: string) => {
      const v = argv[++i] ?? '';
      const eq = v.indexOf('=');
      if (eq <= 0) throw new Error(`${what} needs NAME=VALUE (got '${v}')`);
      return [v.slice(0, eq), v.slice(eq + 1)] as const;
    };
    if (a === '--dim') o.dim = Number(argv[++i]);
    else if (a === '--shape') {
      const [name, dims] = pair('--shape');
      o.shapes.set(name, dims.split(',').map(Number));
    } else if (a === '--fill') {
      const [name, value] = pair('--fill');
      o.fills.set(name, Number(value));
    } else o.models.push(a);
  }
  if (o.models.length === 0) throw new Error('usage: external.js [--dim N] [--shape NAME=D0,...] [--fill NAME=V] MODEL...');
  return o;
}

/** Random feeds for `model` with the --shape and --fill overrides. */
function feedsFor(model: Model, o: Options, seed: number): Feeds {
  const feeds = randomFeeds(model, { seed, symbolSize: (n) => (/batch/i.test(n) ? 1 : o.dim) });
  for (const [name, dims] of o.shapes) {
    const t = feeds[name];
    if (!t) throw new Error(`--shape ${name}: no such input`);
    const n = dims.reduce((a, b) => a * b, 1);
    const data = t.type === 'float32' ? Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37 + seed)) : undefined;
    if (!data) throw new Error(`--shape ${name}: only float32 inputs can be reshaped here`);
    feeds[name] = new ort.Tensor('float32', data, dims);
  }
  for (const [name, value] of o.fills) {
    const t = feeds[name];
    if (!t) throw new Error(`--fill ${name}: no such input`);
    const n = t.size;
    feeds[name] = t.type === 'int64' ? new ort.Tensor('int64', BigInt64Array.from({ length: n }, () => BigInt(value)), t.dims)
      : t.type === 'float32' ? new ort.Tensor('float32', Float32Array.from({ length: n }, () => value), t.dims)
      : (() => { throw new Error(`--fill ${name}: only int64 and float32 inputs`); })();
  }
  return feeds;
}

async function ortBasic(input: string, out: string): Promise<void> {
  rmSync(out, { force: true });
  const s = await ort.InferenceSession.create(input, { graphOptimizationLevel: 'basic', optimizedModelFilePath: out, intraOpNumThreads: 1, logSeverityLevel: 4 });
  await s.release();
}

async function errorOf(original: string, candidate: string, model: Model, o: Options): Promise<string> {
  try {
    let worst = 0;
    for (const seed of [1, 2]) worst = Math.max(worst, await relativeL2(original, candidate, feedsFor(model, o, seed)));
    return worst.toExponential(2);
  } catch (e) {
    return `not compared: ${(e as Error).message.split('\n')[0].slice(0, 120)}`;
  }
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  const dir = join(cacheDir, 'external');
  mkdirSync(dir, { recursive: true });
  console.log('| model | nodes before | lathe -O2 | onnxruntime basic | bytes before | lathe | onnxruntime basic | rel L2 lathe | rel L2 onnxruntime basic |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const file of o.models) {
    const name = basename(file);
    const ours = join(dir, `${name}.O2.onnx`);
    const model = loadModel(file);
    // onnxruntime's optimized copy of a model with external data refers to the input's data
    // files by their relative names: it gets a folder of its own, with copies of them (lathe
    // reads no external data through a link).
    const ortDir = join(dir, `${name}.ort`);
    mkdirSync(ortDir, { recursive: true });
    for (const { location } of summarizeModel(model).externalData) {
      const link = join(ortDir, location);
      rmSync(link, { force: true });
      copyFileSync(resolve(dirname(file), location), link);
    }
    const theirs = join(ortDir, `${name}.ort-basic.onnx`);
    rmSync(ours, { force: true });
    saveModel(optimize(model, { level: 2, passes }).model, ours);
    let ortNodes = '';
    let ortBytes = '';
    let ortErr = '';
    try {
      await ortBasic(file, theirs);
      ortNodes = String(summarizeModel(loadModel(theirs)).nodes.total);
      ortBytes = String(statSync(theirs).size);
      ortErr = await errorOf(file, theirs, model, o);
    } catch (e) {
      ortNodes = `failed: ${(e as Error).message.split('\n')[0].slice(0, 80)}`;
    }
    const nodes = (m: Model) => summarizeModel(m).nodes.total;
    console.log(`| ${name} | ${nodes(model)} | ${nodes(loadModel(ours))} | ${ortNodes} | ${statSync(file).size} | ${statSync(ours).size} | ${ortBytes} | ${await errorOf(file, ours, model, o)} | ${ortErr} |`);
  }
}

main().catch((e) => {
  console.error(`external: ${(e as Error).message}`);
  process.exit(1);
});
