/**
 * `-O1` and `-O2` on every filled corpus model (the skeleton filled at the protobuf wire level,
 * test/support/splice-fill.ts), from the sources, in process. Per model and level:
 * - the output verifies;
 * - onnxruntime-node (optimizations off) gives the same outputs for the reference and the output
 *   on seeded random inputs: relative L2 at most 1e-5 at -O1 and 1e-4 at -O2 (issues 7 and 8);
 * - the node count is at most the peers' best from ../shared/corpus/baselines.json (issues 7 and 8);
 * - the op histogram is the one pinned in corpus-optimize.pinned.json. A change to any pass that
 *   moves a single op on a real model shows here, on purpose: a rule that stopped firing, or one
 *   that started. When the change is meant, look at the difference, then rewrite the pins with
 *   `LATHE_UPDATE_CORPUS_PINS=1 npx vitest run test/roundtrip/corpus-optimize.test.ts` and commit them.
 *   Pins are written only when asked. A corpus model without a pin (one added to ../shared/corpus
 *   after the pins were written) gets every other check and a warning; a missing pins file fails.
 * A model whose own original onnxruntime cannot run is compared in nothing (warned).
 * llama-3gb.legacy is left to the bench (3 GB through external data; the smaller llamas have its
 * structure).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheDir, corpusModels } from '../../bench/corpus.js';
import { peerBest, relativeL2 } from '../../bench/optimize-corpus.js';
import { randomFeeds, type Feeds } from '../../bench/ort.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { walkNodes } from '../../ir/walk.js';
import { loadModel, saveModel } from '../../node/io.js';
import { optimize } from '../../passes/library.js';
import { corpusModelsDir } from '../support/shared.js';
import { splicedModel } from '../support/splice-fill.js';

type Histogram = Record<string, number>;
type Pins = Record<string, Record<'O1' | 'O2', Histogram>>;

const pinsFile = new URL('./corpus-optimize.pinned.json', import.meta.url);
const pinning = process.env.LATHE_UPDATE_CORPUS_PINS === '1';
const pins: Pins = pinning && !existsSync(pinsFile) ? {} : (JSON.parse(readFileSync(pinsFile, 'utf8')) as Pins);
const spliced = join(cacheDir, 'spliced');
const out = join(cacheDir, 'corpus-optimize');
mkdirSync(out, { recursive: true });

/** Ops of every graph (bodies and functions too), as `domain::op` outside the default domain, sorted by key. */
function histogram(m: Model): Histogram {
  const counts = new Map<string, number>();
  walkNodes(m, (n) => {
    const key = n.domain === '' || n.domain === 'ai.onnx' ? n.op : `${n.domain}::${n.op}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  });
  return Object.fromEntries([...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Whether onnxruntime (optimizations off) runs the original at all: else there is no oracle. */
async function ortRuns(file: string, feeds: Feeds): Promise<boolean> {
  let session: ort.InferenceSession | undefined;
  try {
    session = await ort.InferenceSession.create(file, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1, logSeverityLevel: 3 });
    await session.run(feeds);
    return true;
  } catch {
    return false;
  } finally {
    await session?.release();
  }
}

const TOLERANCE = { 1: 1e-5, 2: 1e-4 } as const;

describe('-O1 and -O2 on the filled corpus', () => {
  const names = corpusModels().filter((n) => n !== 'llama-3gb.legacy');
  const found: Pins = {};

  it.for(names)('%s', { timeout: 600_000 }, async (name) => {
    const reference = splicedModel(corpusModelsDir, name, spliced);
    const model = loadModel(reference);
    const feeds = randomFeeds(model, { seed: 1 });
    const oracle = await ortRuns(reference, feeds);
    if (!oracle) console.warn(`${name}: onnxruntime cannot run the original; outputs not compared`);
    const got: Partial<Record<'O1' | 'O2', Histogram>> = {};
    for (const level of [1, 2] as const) {
      const optimized = optimize(model, { level }).model;
      expect(verify(optimized).filter((d) => d.severity === 'error'), `-O${level}`).toEqual([]);
      const file = join(out, `${name}.O${level}.onnx`);
      saveModel(optimized, file);
      try {
        if (oracle) {
          const err = await relativeL2(reference, file, feeds);
          expect(err, `-O${level}: relative L2 against the reference in onnxruntime`).toBeLessThanOrEqual(TOLERANCE[level]);
        }
      } finally {
        rmSync(file, { force: true });
      }
      const best = peerBest(name, level);
      if (best !== undefined) expect(optimized.graph.order.length, `-O${level}: nodes against the peers' best`).toBeLessThanOrEqual(best);
      got[`O${level}`] = histogram(optimized);
    }
    found[name] = got as Record<'O1' | 'O2', Histogram>;
    if (pinning) return;
    if (pins[name]) expect(got, `op histograms of ${name} moved: see this file's header`).toEqual(pins[name]);
    else console.warn(`${name}: no pinned op histogram (see test/roundtrip/corpus-optimize.test.ts)`);
  });

  afterAll(() => {
    if (!pinning) return;
    const all = { ...pins, ...found };
    const sorted = Object.fromEntries(Object.keys(all).sort().map((k) => [k, all[k]]));
    writeFileSync(pinsFile, `${JSON.stringify(sorted, null, 2)}\n`);
  });
});
