/**
 * `lathe optimize` levels, `--set-input-shape`, `--report FILE.json` (checked against the fields
 * REPORT.md documents) and the Node entry's `optimize()`, on the real file system and the real
 * passes, in process.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { documentedFields, jsonPaths } from './support/report-doc.js';
import { loadModel, saveModel } from '../node/io.js';
import { parseModel } from '../ir/text/parse.js';
import { optimize } from '../node/index.js';
import { passes } from '../passes/index.js';
import { LEVEL_PIPELINES } from '../src/levels.js';
import type { Model } from '../ir/types.js';
import { latheWith, removeCaseDirs } from './support/cli-harness.js';

const root = join(import.meta.dirname, '..');
const dir = mkdtempSync(join(tmpdir(), 'lathe-optimize-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterAll(removeCaseDirs);
const mlp = join(root, 'golden', 'models', 'tiny-mlp.onnx');

// The shared harness registers the shipped passes, as the real CLI does.
const lathe = (...args: string[]) => latheWith(passes, ...args);

const ops = (m: Model) => m.graph.order.map((id) => m.graph.nodes[id].op);

describe('lathe optimize levels', () => {
  it('the level pipelines name registered passes', () => {
    for (const text of Object.values(LEVEL_PIPELINES)) {
      for (const name of text.match(/[a-z][a-z0-9-]*(?=[,{)]|$)/g) ?? []) if (!['fixpoint', 'max'].includes(name)) expect(passes).toHaveProperty(name);
    }
  });
  it('-O2 (the default) fuses MatMul+Add into Gemm, -O1 does not, -O0 runs no pass', async () => {
    const r2 = await lathe('optimize', mlp, '-o', join(dir, 'o2.onnx'));
    expect(r2.code).toBe(0);
    expect(r2.out).toContain('  pipeline -O2: ');
    expect(r2.out).toMatch(/ {4}fuse\/matmul-add-to-gemm: 2\n/);
    expect(ops(loadModel(join(dir, 'o2.onnx')))).toEqual(['Gemm', 'Relu', 'Gemm', 'Softmax']);
    expect((await lathe('optimize', mlp, '-o', join(dir, 'o1.onnx'), '-O1', '-q')).code).toBe(0);
    expect(ops(loadModel(join(dir, 'o1.onnx')))).toEqual(['MatMul', 'Add', 'Relu', 'MatMul', 'Add', 'Softmax']);
    const r0 = await lathe('optimize', mlp, '-o', join(dir, 'o0.onnx'), '-O0');
    expect(r0.out).toContain('  pipeline -O0 (no passes)\n');
    expect(r0.out).not.toContain('passes (runs');
  });
  it('--disable-rules keeps a fusion from firing; --trace-rules says where it was tried', async () => {
    const r = await lathe('optimize', mlp, '-o', join(dir, 'off.onnx'), '--disable-rules', 'matmul-add-*', '-q');
    expect(r.code).toBe(0);
    expect(ops(loadModel(join(dir, 'off.onnx')))).toContain('MatMul');
    const t = await lathe('optimize', mlp, '-o', join(dir, 't.onnx'), '--trace-rules', 'matmul-add-to-gemm', '-q');
    expect(t.err.trimEnd().split('\n')).toEqual(expect.arrayContaining([expect.stringMatching(/^matmul-add-to-gemm \S+ \(Add\): fired$/)]));
  });
  it('--set-input-shape fixes the batch dim the passes see', async () => {
    const out = join(dir, 'shaped.onnx');
    expect((await lathe('optimize', mlp, '-o', out, '--set-input-shape', 'x=4,8', '-q')).code).toBe(0);
    const m = loadModel(out);
    expect(m.graph.values[m.graph.inputs[0]].type).toMatchObject({ shape: [4, 8] });
    expect(m.graph.values[m.graph.outputs[0]].type).toMatchObject({ shape: [4, 4] });
    const bad = await lathe('optimize', mlp, '-o', join(dir, 'bad.onnx'), '--set-input-shape', 'x=4,9');
    expect(bad).toMatchObject({ code: 2, out: '' });
    expect(bad.err).toBe(`lathe: ${mlp}: --set-input-shape x: dim 1 is 9, declared [batch,8]\n`);
  });
  it('--fold-limit lets folding grow the file by that many bytes, and no more', async () => {
    // Tile of a 16-byte constant makes 4 KiB: folding it grows the model by about 4 KiB.
    const input = join(dir, 'tile.onnx');
    saveModel(parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[1024] x) => (float[1024] y) <float[4] c = {1, 2, 3, 4}, int64[1] reps = {256}> {
  t = Tile (c, reps)
  y = Add (x, t)
}`), input);
    const run = async (...extra: string[]) => {
      const out = join(dir, `tile-${extra.join('-') || 'default'}.onnx`);
      const r = await lathe('optimize', input, '-o', out, '-O1', '-q', ...extra);
      expect(r, r.err).toMatchObject({ code: 0 });
      return ops(loadModel(out));
    };
    expect(await run()).toEqual(['Tile', 'Add']); // the default, 0: never bigger
    expect(await run('--fold-limit', '1K')).toEqual(['Tile', 'Add']); // 4 KiB does not fit in 1 KiB
    expect(await run('--fold-limit', '8K')).toEqual(['Add']);
    expect(await run('--fold-limit', '8192')).toEqual(['Add']);
    // It overrides the limit written in --passes text, in every fold-constants step.
    expect(await run('--passes', 'fold-constants{limit=0},eliminate-dead-code', '--fold-limit', '1M')).toEqual(['Add']);
    const bad = await lathe('optimize', input, '-o', join(dir, 'bad-limit.onnx'), '--fold-limit', 'lots');
    expect(bad).toMatchObject({ code: 1, out: '' });
    expect(bad.err).toBe("lathe: --fold-limit lots: expected a number of bytes such as 4096, 64K or 1M (see 'lathe optimize --help')\n");
  });
});

describe('lathe optimize --report FILE.json', () => {
  it('writes every field REPORT.md documents, with its type, and none it does not', async () => {
    const file = join(dir, 'report.json');
    const r = await lathe('optimize', mlp, '-o', join(dir, 'r.onnx'), '--report', file);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`lathe: wrote ${join(dir, 'r.onnx')} (${r.out.match(/\(([^)]+)\)/)![1]}) and the report ${file}\n`);
    const json = JSON.parse(readFileSync(file, 'utf8'));
    const doc = documentedFields(0);
    expect(doc.size).toBeGreaterThan(20);
    const seen = jsonPaths(json);
    for (const [path, types] of seen) {
      expect(doc.has(path), `${path} is not in REPORT.md`).toBe(true);
      for (const t of types) expect(doc.get(path)!.types, path).toContain(t);
    }
    // every documented field is there (the CLI fills the optional ones too), except elements of empty arrays
    for (const path of doc.keys()) if (!/^warnings\[\]/.test(path)) expect(seen.has(path), `${path} missing`).toBe(true);
    expect(json.schemaVersion).toBe(1);
    expect(json.rules).toEqual([{ pass: 'fuse', rule: 'matmul-add-to-gemm', count: 2 }]);
    expect(json.bytes.after).toBe(readFileSync(join(dir, 'r.onnx')).length);
  });
  it('bytes before and after are both on-disk sizes, data files included, so an unchanged model with external data does not grow', async () => {
    const src = join(dir, 'ext-src.onnx');
    const a = join(dir, 'ext-a.onnx');
    const b = join(dir, 'ext-b.onnx');
    // two tensors of 2,000 bytes: both go to the data file, the second after 48 bytes of alignment padding
    const w = (k: number) => `float[500] w${k} = {${Array.from({ length: 500 }, (_, i) => i * k).join(', ')}}`;
    saveModel(parseModel(`<ir_version: 8, opset_import: ["" : 17]>\ng (float[500] x) => (float[500] y) <${w(1)}, ${w(2)}> {\n  t = Mul (x, w1)\n  y = Add (t, w2)\n}\n`), src);
    expect((await lathe('optimize', src, '-O0', '-o', a, '--external-data', 'always')).code).toBe(0);
    const file = join(dir, 'ext-report.json');
    expect((await lathe('optimize', a, '-O0', '-o', b, '--external-data', 'always', '--report', file)).code).toBe(0);
    const size = (p: string) => statSync(p).size;
    const json = JSON.parse(readFileSync(file, 'utf8'));
    expect(size(`${a}.data`)).toBe(2048 + 2000);
    expect(json.bytes.before).toBe(size(a) + size(`${a}.data`));
    expect(json.bytes.after).toBe(size(b) + size(`${b}.data`));
    expect(json.bytes.after).toBe(json.bytes.before);
  });
});

describe('optimize() of the Node entry', () => {
  it('defaults to -O2 with every shipped pass', () => {
    const r = optimize(loadModel(mlp));
    expect(r.report.level).toBe(2);
    expect(ops(r.model)).toEqual(['Gemm', 'Relu', 'Gemm', 'Softmax']);
    expect(r.report.rules).toEqual([{ pass: 'fuse', rule: 'matmul-add-to-gemm', count: 2 }]);
    const traced = optimize(loadModel(mlp), { level: 2, traceRules: 'matmul-add-to-gemm', disableRules: ['nothing'], provenance: false });
    expect(traced.ruleTrace.length).toBeGreaterThanOrEqual(2);
    expect(Object.values(traced.model.graph.nodes).some((n) => n.meta?.some((e) => e.key === 'lathe.rule'))).toBe(false);
  });
});
