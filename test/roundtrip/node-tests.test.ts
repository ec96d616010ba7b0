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
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { modelsEqual } from '../../ir/text/equal.js';
import { loadModel, saveModel } from '../../node/io.js';
import { diffOutputs, runOrt } from '../../bench/ort.js';
import { storedFeeds } from '../support/ort-feeds.js';
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
