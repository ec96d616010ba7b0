/**
 * Round-trip properties over generated valid models (test/arbitraries/model.ts):
 * - binary, in memory: load(save(m)) equals m; save is deterministic (two saves, same bytes) and
 *   idempotent (save(load(save(m))) = save(m), byte for byte);
 * - binary, through files with external data 'always' (payloads of ≥ 1 KiB really go out);
 * - text: parse(print(m)) equals m and print is a fixed point;
 * - verify(m) is empty for every generated model and for each round-tripped copy;
 * - onnxruntime as oracle: the file written from m and the file re-saved after loading it give
 *   bit-identical outputs.
 * The per-model corpus tests (test/roundtrip/) cover real models; this file covers shapes of
 * graphs nobody exported (random DAGs, nested Ifs reading outer values, unnamed values).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { diffOutputs, randomFeeds, runOrt } from '../../bench/ort.js';
import { modelsEqual } from '../../ir/text/equal.js';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import type { Model, Tensor, ValueId } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { loadModel, saveModel } from '../../node/io.js';
import { loadModelFromBytes, saveModelToBytes } from '../../src/io.js';
import { arbModel } from '../arbitraries/model.js';

const work = mkdtempSync(join(tmpdir(), 'lathe-roundtrip-prop-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const SEED = 42;

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0;
}

/** Diagnostics of `m`, or '' when there are none. */
function problems(m: Model): string {
  return verify(m).map((d) => `${d.severity} [${d.code}] ${d.graph}: ${d.message}`).join('\n');
}

/**
 * `m` plus initializers large enough (≥ 1 KiB, emit's default threshold for 'always') to go to
 * the data file. Generated initializers are at most 3×3 floats and would all stay inline.
 */
function withBigInitializers(m: Model, payloads: readonly Uint8Array[]): Model {
  const g = m.graph;
  const values = { ...g.values };
  const initializers = [...g.initializers];
  payloads.forEach((bytes, i) => {
    const id = `vbig${i}` as ValueId;
    const t: Tensor = { dtype: 2, dims: [bytes.length], data: { kind: 'raw', bytes } };
    values[id] = { id, name: `big${i}`, type: { kind: 'tensor', dtype: 2, shape: [bytes.length] }, tensor: t };
    initializers.push(id);
  });
  return { ...m, graph: { ...g, values, initializers } };
}

/**
 * `m` without the `externalOrigin` notes loading puts on external tensors (where the bytes came
 * from is not part of the model; modelsEqual compares it because the text syntax prints it).
 */
function withoutOrigins(m: Model): Model {
  const g = m.graph;
  const values = { ...g.values };
  for (const id of g.initializers) {
    const v = values[id];
    if (v.tensor?.externalOrigin) {
      const { externalOrigin: _o, ...t } = v.tensor;
      values[id] = { ...v, tensor: t };
    }
  }
  return { ...m, graph: { ...g, values } };
}

/** Which of the rarely-seen facts `m`'s main graph carries (the generator must reach each). */
function rareFacts(m: Model): string[] {
  const types = Object.values(m.graph.values).map((v) => v.type).filter((t) => t !== undefined);
  const out: string[] = [];
  if (types.some((t) => t.denotation !== undefined)) out.push('type denotation');
  if (types.some((t) => 'dimDenotations' in t && t.dimDenotations !== undefined)) out.push('dim denotations');
  if (types.some((t) => (t.extra?.length ?? 0) > 0)) out.push('unknown TypeProto fields');
  if ((m.graph.quantization?.length ?? 0) > 0) out.push('quantization annotation');
  return out;
}

const arbBig = fc.array(fc.uint8Array({ minLength: 1024, maxLength: 3000 }), { maxLength: 2 });

describe('binary round trip (property)', () => {
  test('in memory: load(save(m)) equals m; save is deterministic and idempotent; verify stays clean', () => {
    let withIf = 0;
    const facts = new Map<string, number>();
    fc.assert(
      fc.property(arbModel(), (m) => {
        expect(problems(m)).toBe('');
        if (Object.values(m.graph.nodes).some((n) => n.op === 'If')) withIf++;
        for (const f of rareFacts(m)) facts.set(f, (facts.get(f) ?? 0) + 1);
        const bytes = saveModelToBytes(m);
        expect(sameBytes(saveModelToBytes(m), bytes), 'two saves differ').toBe(true);
        const back = loadModelFromBytes(bytes);
        expect(modelsEqual(m, back)).toBeNull();
        expect(problems(back)).toBe('');
        expect(sameBytes(saveModelToBytes(back), bytes), 'save(load(save(m))) differs from save(m)').toBe(true);
      }),
      { seed: SEED, numRuns: 200 },
    );
    // the generator must reach subgraphs and the rarely-used type facts, or the property says
    // nothing about them
    expect(withIf).toBeGreaterThan(20);
    for (const f of ['type denotation', 'dim denotations', 'unknown TypeProto fields', 'quantization annotation']) {
      expect(facts.get(f) ?? 0, f).toBeGreaterThan(20);
    }
  });

  test("files with external data 'always': load(save(m)) equals m; re-saving gives the same bytes", () => {
    let external = 0;
    let k = 0;
    fc.assert(
      fc.property(arbModel(), arbBig, (base, big) => {
        const m = withBigInitializers(base, big);
        const dir = join(work, `ext${k++}`);
        const path = join(dir, 'm.onnx');
        mkdirSync(dir, { recursive: true });
        const r1 = saveModel(m, path, { externalData: 'always' });
        expect(r1.dataFile !== undefined).toBe(big.length > 0);
        const back = loadModel(path);
        expect(modelsEqual(m, withoutOrigins(back))).toBeNull();
        expect(problems(back)).toBe('');
        const bigBack = back.graph.initializers.map((id) => back.graph.values[id].tensor!).filter((t) => t.dims[0] >= 1024);
        expect(bigBack).toHaveLength(big.length);
        for (const t of bigBack) expect(t.externalOrigin?.location).toBe('m.onnx.data');
        if (big.length > 0) external++;
        // the loaded model streams its blobs from m.onnx.data into a second pair of files (same
        // names, another folder): both files come out byte-identical
        const dir2 = join(dir, 'again');
        mkdirSync(dir2);
        const r2 = saveModel(back, join(dir2, 'm.onnx'), { externalData: 'always' });
        expect(modelsEqual(m, withoutOrigins(loadModel(join(dir2, 'm.onnx'))))).toBeNull();
        expect(sameBytes(readFileSync(join(dir2, 'm.onnx')), readFileSync(path))).toBe(true);
        expect(r2.dataBytes).toBe(r1.dataBytes);
        if (r1.dataFile) expect(sameBytes(readFileSync(r2.dataFile!), readFileSync(r1.dataFile))).toBe(true);
        // nothing else in the folders: no temp files left behind
        const files = r1.dataFile ? ['m.onnx', 'm.onnx.data'] : ['m.onnx'];
        expect(readdirSync(dir2).sort()).toEqual(files);
        expect(readdirSync(dir).sort()).toEqual(['again', ...files]);
        rmSync(dir, { recursive: true, force: true });
      }),
      { seed: SEED, numRuns: 100 },
    );
    expect(external).toBeGreaterThan(30);
  });
});

describe('text round trip (property)', () => {
  test('parse(print(m)) equals m, print is a fixed point, and the parsed model verifies clean', () => {
    fc.assert(
      fc.property(arbModel(), (m) => {
        const text = printModel(m);
        const back = parseModel(text);
        const diff = modelsEqual(m, back);
        if (diff !== null) throw new Error(`${diff}\n${text}`);
        expect(printModel(back)).toBe(text);
        expect(problems(back)).toBe('');
        // Text and binary agree. Printer and emitter name unnamed values differently (both
        // legal), so compare on the binary round trip, where every value has its emitted name.
        const bytes = saveModelToBytes(m);
        const named = loadModelFromBytes(bytes);
        expect(sameBytes(saveModelToBytes(parseModel(printModel(named))), bytes)).toBe(true);
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

describe('onnxruntime oracle (property)', () => {
  test('the written file and the re-saved file give bit-identical outputs', async () => {
    let k = 0;
    let compared = 0;
    await fc.assert(
      fc.asyncProperty(arbModel({ maxNodes: 8 }), fc.integer({ min: 1, max: 1 << 30 }), async (m, feedSeed) => {
        const a = join(work, `ort${k}.onnx`);
        const b = join(work, `ort${k++}.resaved.onnx`);
        saveModel(m, a, { externalData: 'never' });
        saveModel(loadModel(a), b, { externalData: 'never' });
        const feeds = randomFeeds(m, { seed: feedSeed });
        const first = await runOrt(a, feeds);
        const second = await runOrt(b, feeds);
        expect(first.outputs.length).toBeGreaterThan(0);
        expect(diffOutputs(first, second)).toBeNull();
        compared++;
      }),
      { seed: SEED, numRuns: 20 },
    );
    expect(compared).toBe(20);
  });
});
