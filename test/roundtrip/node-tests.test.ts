/**
 * Round trip of every ONNX backend node test model (onnx 1.23.1, ../shared/onnx-node-tests):
 * load → save (-O0) → load gives an equal model, and onnxruntime-node, fed the case's own stored
 * inputs, gives bit-identical outputs for the original and the written file.
 *
 * onnxruntime is an oracle, not a judge of validity: cases it cannot run (ops or types it lacks,
 * sequence/optional/map inputs its JS binding cannot feed) and cases whose outputs differ between
 * two runs of the ORIGINAL (random ops) are counted, not compared. The cases compared today are
 * listed in `node-tests.compared.json` (a ratchet): a listed case that runs and is not compared
 * fails the suite by name, and a full run compares at least as many as the list holds.
 * `LATHE_UPDATE_RATCHET=1` rewrites the list from a full run (raise it as cases start comparing).
 */
import { mkdtempSync, readdirSync, readFileSync, existsSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';
import { memorySource } from '../../ir/blob.js';
import { decodeTensor } from '../../ir/onnx/decode.js';
import { liftTensor } from '../../ir/onnx/lift-tensor.js';
import { rawPayload } from '../../ir/onnx/tensor.js';
import { modelsEqual } from '../../ir/text/equal.js';
import type { Model, Tensor } from '../../ir/types.js';
import { loadModel, saveModel } from '../../node/io.js';
import { diffOutputs, runOrt, type Feeds } from '../../bench/ort.js';
import { nodeTestsDir } from '../support/shared.js';

const cases = readdirSync(nodeTestsDir).sort();
const work = mkdtempSync(join(tmpdir(), 'lathe-node-tests-'));
const tally = { compared: 0, oracleCannotRun: 0, nondeterministic: 0 };
/** Cases that ran (passed or not) and cases onnxruntime compared, in this run. */
const ran = new Set<string>();
const compared = new Set<string>();
const ratchetFile = join(dirname(fileURLToPath(import.meta.url)), 'node-tests.compared.json');
const ratchet = JSON.parse(readFileSync(ratchetFile, 'utf8')) as string[];

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  console.log(`onnx node tests: ${ran.size} round-tripped; onnxruntime compared ${tally.compared} bit-identical, ` +
    `could not run ${tally.oracleCannotRun}, nondeterministic ${tally.nondeterministic}`);
});

const ortType: Record<number, ort.Tensor.Type> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};
const arrays: Record<string, new (b: ArrayBuffer) => ArrayBufferView> = {
  float32: Float32Array, uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array, int32: Int32Array,
  int64: BigInt64Array, bool: Uint8Array, float16: Uint16Array, float64: Float64Array, uint32: Uint32Array, uint64: BigUint64Array,
};

function toOrt(t: Tensor): ort.Tensor | undefined {
  const dims = [...t.dims];
  if (t.dtype === 8 && t.data.kind === 'strings') {
    return new ort.Tensor('string', t.data.values.map((b) => new TextDecoder().decode(b)), dims);
  }
  const type = ortType[t.dtype];
  const raw = rawPayload(t, 'input');
  if (!type || raw === undefined) return t.data.kind === 'none' && type ? new ort.Tensor(type, new arrays[type](new ArrayBuffer(0)) as never, dims) : undefined;
  const bytes = raw instanceof Uint8Array ? raw : raw.bytes();
  const copy = new ArrayBuffer(bytes.length); // aligned, and not a Node Buffer pool slice
  new Uint8Array(copy).set(bytes);
  return new ort.Tensor(type, new arrays[type](copy) as never, dims);
}

/** The case's stored inputs, or undefined when one cannot be fed to onnxruntime-node. */
function storedFeeds(model: Model, dir: string): Feeds | undefined {
  const set = join(dir, 'test_data_set_0');
  if (!existsSync(set)) return undefined;
  const g = model.graph;
  const inits = new Set(g.initializers);
  const inputs = g.inputs.filter((v) => !inits.has(v));
  const feeds: Feeds = {};
  for (let k = 0; k < inputs.length; k++) {
    const v = g.values[inputs[k]];
    const file = join(set, `input_${k}.pb`);
    if (!existsSync(file)) continue; // optional input left out by the case
    if (v.type?.kind !== 'tensor') return undefined;
    const t = toOrt(liftTensor(decodeTensor(memorySource(readFileSync(file))), file, undefined));
    if (!t) return undefined;
    feeds[v.name ?? ''] = t;
  }
  return feeds;
}

describe('onnx node tests round trip', () => {
  it.for(cases)('%s', async (name) => {
    ran.add(name);
    const dir = join(nodeTestsDir, name);
    const src = join(dir, 'model.onnx');
    const out = join(work, `${name}.onnx`);
    const original = loadModel(src);
    saveModel(original, out, { externalData: 'never' });
    const again = loadModel(out);
    expect(modelsEqual(original, again)).toBeNull();

    const feeds = storedFeeds(original, dir);
    if (!feeds) {
      tally.oracleCannotRun++;
      return;
    }
    let first;
    try {
      first = await runOrt(src, feeds);
    } catch {
      tally.oracleCannotRun++;
      return;
    }
    const second = await runOrt(src, feeds);
    if (diffOutputs(first, second) !== null) {
      tally.nondeterministic++;
      return;
    }
    // The written file must load and run wherever the original does.
    const written = await runOrt(out, feeds);
    expect(diffOutputs(first, written)).toBeNull();
    tally.compared++;
    compared.add(name);
    rmSync(out, { force: true });
  });

  // Runs after every case above (a file's tests run in order); a filtered run checks the cases it ran.
  it('compares every case the ratchet lists (node-tests.compared.json)', () => {
    const lost = ratchet.filter((c) => ran.has(c) && !compared.has(c));
    expect(lost, 'cases onnxruntime no longer compares (were compared when the ratchet was taken)').toEqual([]);
    if (ran.size < cases.length) return;
    if (process.env['LATHE_UPDATE_RATCHET'] === '1') writeFileSync(ratchetFile, `${JSON.stringify([...compared].sort(), null, 1)}\n`);
    const gained = [...compared].filter((c) => !ratchet.includes(c));
    if (gained.length > 0) console.log(`node tests newly compared (raise the ratchet with LATHE_UPDATE_RATCHET=1): ${gained.join(', ')}`);
    expect(compared.size).toBeGreaterThanOrEqual(ratchet.length);
  });
});
