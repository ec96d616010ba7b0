/**
 * Round trip of every corpus model against a file lathe did not write: the skeleton filled at the
 * protobuf wire level (test/support/splice-fill.ts: no lift, no emit, no `lathe fill`) is the
 * reference; `lathe optimize -O0` runs on it from the sources (in process, not a prebuilt dist/),
 * then
 * - the output loads to the same IR as the reference (lift → emit → lift gives an equal model),
 * - onnxruntime-node gives bit-identical outputs for the reference and lathe's output,
 * - the text syntax round-trips the skeleton (parse(print(m)) equals m).
 * llama-3gb.legacy (3 GB of weights) goes through external data on both sides.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir, corpusModels } from '../../bench/corpus.js';
import { compareInOrt } from '../../bench/ort-compare.js';
import { modelsEqual } from '../../ir/text/equal.js';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import { loadModel } from '../../node/io.js';
import { createNodePlatform } from '../../node/platform.js';
import { runCli } from '../../src/cli.js';
import { corpusModelsDir } from '../support/shared.js';
import { splicedModel } from '../support/splice-fill.js';

const out = join(cacheDir, 'roundtrip');
const spliced = join(cacheDir, 'spliced');
mkdirSync(out, { recursive: true });

/** `lathe ARGS` from the sources, in process; stderr collected for the failure message. */
async function lathe(...args: string[]): Promise<{ code: number; err: string }> {
  let err = '';
  const platform = { ...createNodePlatform(), stderr: (t: string) => void (err += t), progress: () => {} };
  return { code: await runCli(args, platform), err };
}

describe('corpus round trip', () => {
  it.for(corpusModels())('%s', { timeout: 900_000 }, async (name) => {
    const skeleton = loadModel(join(corpusModelsDir, `${name}.onnx`));
    expect(modelsEqual(skeleton, parseModel(printModel(skeleton)))).toBeNull();

    const reference = splicedModel(corpusModelsDir, name, spliced);
    const written = join(out, `${name}.onnx`);
    const r = await lathe('optimize', reference, '-o', written, '-O0', '--quiet');
    expect(r.code, r.err).toBe(0);
    expect(modelsEqual(loadModel(reference), loadModel(written))).toBeNull();
    expect(await compareInOrt(reference, written)).toMatch(/^bit-identical/);
    rmSync(written, { force: true });
    if (existsSync(`${written}.data`)) rmSync(`${written}.data`, { force: true });
  });
});
