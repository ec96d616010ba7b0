/**
 * Round trip of every corpus model, filled with `lathe fill` (seed 1): `lathe optimize -O0` (the
 * built CLI, as users run it), then
 * - lift → emit → lift again gives an equal model (the output loads to the same IR),
 * - onnxruntime-node gives bit-identical outputs for the filled original and the output,
 * - the text syntax round-trips the skeleton (parse(print(m)) equals m).
 * llama-3gb.legacy (3 GB of weights) goes through external data on both sides.
 */
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cacheDir, corpusDir, corpusModels, filledModel, lathe } from '../../bench/corpus.js';
import { compareInOrt } from '../../bench/ort-compare.js';
import { modelsEqual } from '../../ir/text/equal.js';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import { loadModel } from '../../node/io.js';

const out = join(cacheDir, 'roundtrip');
mkdirSync(out, { recursive: true });

describe('corpus round trip', () => {
  it.for(corpusModels())('%s', { timeout: 900_000 }, async (name) => {
    const skeleton = loadModel(join(corpusDir, `${name}.onnx`));
    expect(modelsEqual(skeleton, parseModel(printModel(skeleton)))).toBeNull();

    const filled = filledModel(name);
    const written = join(out, `${name}.onnx`);
    lathe(['optimize', filled, '-o', written, '-O0', '--quiet']);
    expect(modelsEqual(loadModel(filled), loadModel(written))).toBeNull();
    expect(await compareInOrt(filled, written)).toMatch(/^bit-identical/);
    rmSync(written, { force: true });
    if (existsSync(`${written}.data`)) rmSync(`${written}.data`, { force: true });
  });
});
