/**
 * End to end: the compiled `lathe` executable on real files. Builds the project into a private
 * folder first (.cache/cli-e2e, so parallel builds of dist/ by others cannot interfere).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { elementCount } from '../ir/dtype.js';
import { parseModel } from '../ir/text/parse.js';
import { loadModel, saveModel } from '../node/io.js';
import { summarizeModel } from '../src/inspect.js';
import { parseSidecar } from '../src/sidecar.js';
import { forEachFloatChunk } from '../src/tensor-values.js';
import { sharedPath } from './support/shared.js';

const ROOT = resolve(import.meta.dirname, '..');
const BUILD = join(ROOT, '.cache/cli-e2e');
const BIN = join(BUILD, 'dist/node/bin.js');
const CORPUS = sharedPath('corpus');
const RESNET = `${CORPUS}/models/resnet50.legacy.onnx`;
let dir: string;

function lathe(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, LATHE_DEBUG: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  const tsc = join(ROOT, 'node_modules/.bin/tsc');
  spawnSync(tsc, ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(BUILD, 'dist')], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(BIN)) throw new Error(`build did not produce ${BIN}`);
  dir = mkdtempSync(join(tmpdir(), 'lathe-cli-e2e-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('lathe (built executable)', () => {
  test('--version prints package.json version; --help exits 0', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(lathe('--version')).toEqual({ code: 0, out: `lathe ${pkg.version}\n`, err: '' });
    const h = lathe('optimize', '--help');
    expect(h.code).toBe(0);
    expect(h.out).toContain('usage: lathe optimize IN -o OUT');
  });

  test('bad input (empty, random bytes, truncated, a folder, missing) → exit 2, one line, no output', () => {
    const random = new Uint8Array(4096);
    let s = 12345;
    for (let i = 0; i < random.length; i++) random[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
    const cases: [string, Uint8Array | 'dir' | 'missing'][] = [
      ['empty.onnx', new Uint8Array(0)],
      ['random.onnx', random],
      ['truncated.onnx', readFileSync(RESNET).subarray(0, 5000)],
      ['folder.onnx', 'dir'],
      ['missing.onnx', 'missing'],
    ];
    for (const [name, content] of cases) {
      const path = join(dir, name);
      if (content === 'dir') spawnSync('mkdir', ['-p', path]);
      else if (content !== 'missing') writeFileSync(path, content);
      for (const cmd of [['optimize', path, '-o', join(dir, 'out.onnx')], ['inspect', path], ['check', path], ['strip', path, '-o', join(dir, 'out.onnx')]]) {
        const r = lathe(...cmd);
        expect(r.code, `${cmd.join(' ')}: ${r.err}`).toBe(2);
        expect(r.err.startsWith(`lathe: ${path}: `), r.err).toBe(true);
        expect(r.err.trimEnd().split('\n'), r.err).toHaveLength(1);
        expect(r.err).not.toMatch(/\bat .*\.js:\d+/);
      }
    }
    expect(readdirSync(dir).filter((f) => f.startsWith('out') || f.startsWith('.out') || f.endsWith('.tmp'))).toEqual([]);
  });

  test('OUT naming IN is refused (also through a symlink) unless --in-place', () => {
    const a = join(dir, 'a.onnx');
    copyFileSync(RESNET, a);
    symlinkSync(a, join(dir, 'link.onnx'));
    for (const out of [a, join(dir, 'link.onnx'), join(dir, '.', 'a.onnx')]) {
      const r = lathe('optimize', a, '-o', out);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/is the input; pass --in-place/);
    }
    expect(lathe('optimize', a, '--in-place', '-q', '-O0')).toEqual({ code: 0, out: '', err: '' });
    expect(summarizeModel(loadModel(a)).nodes.main).toBe(summarizeModel(loadModel(RESNET)).nodes.main);
  });

  test('--in-place that leaves the input\'s data file unused says so once, and keeps the file', () => {
    const m = join(dir, 'ext.onnx');
    const weights = Array.from({ length: 512 }, (_, i) => i / 7).join(', ');
    const model = () =>
      saveModel(parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[512] x) => (float[512] y) <float[512] w = {${weights}}> { y = Add (x, w) }`), m, { externalData: 'always' });
    model();
    expect(existsSync(`${m}.data`)).toBe(true);
    // the weights go inline: the old data file is now nobody's, as far as lathe can tell
    const inline = lathe('optimize', m, '--in-place', '--external-data', 'never', '-q');
    expect(inline).toEqual({ code: 0, out: '', err: '' }); // --quiet says nothing
    model();
    const said = lathe('optimize', m, '--in-place', '--external-data', 'never');
    expect(said.code).toBe(0);
    expect(said.err).toBe(`lathe: note: ${m}.data is no longer used by ${m} (rewritten in place); delete it unless another model reads it\n`);
    expect(existsSync(`${m}.data`)).toBe(true);
    expect(summarizeModel(loadModel(m)).externalData).toEqual([]);
    // still external under the same name: the file is the model's, nothing to say
    model();
    const kept = lathe('optimize', m, '--in-place', '--external-data', 'always');
    expect(kept.code).toBe(0);
    expect(kept.err).toBe('');
    expect(summarizeModel(loadModel(m)).externalData.map((e) => e.location)).toEqual(['ext.onnx.data']);
  });

  test('quantize of a model onnxruntime cannot run on the generated samples: lathe\'s one line only, no onnxruntime log lines', () => {
    const model = join(dir, 'picky.onnx');
    saveModel(parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[N] x) => (float[4] y) { s = Constant <value = int64[1] {4}> ()  y = Reshape (x, s) }`), model);
    const r = lathe('quantize', model, '-o', join(dir, 'picky-q.onnx'), '--mode', 'int8-static');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^lathe: \S*picky\.onnx: calibration: the model failed on generated sample 1: [^\n]*\n$/);
    expect(existsSync(join(dir, 'picky-q.onnx'))).toBe(false);
  });

  test('fill of a corpus skeleton fills every listed tensor; same seed → same bytes; strip recovers the sidecar', () => {
    const sidecar = parseSidecar(readFileSync(`${CORPUS}/models/resnet50.legacy.weights.json`, 'utf8'), 'w');
    const f1 = join(dir, 'f1.onnx');
    const r = lathe('fill', RESNET, '-o', f1);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(new RegExp(`${sidecar.size} tensors filled`));
    const m = loadModel(f1);
    const g = m.graph;
    const byName = new Map(Object.values(g.values).map((v) => [v.name, v]));
    for (const [key, s] of sidecar) {
      const t = byName.get(key.slice('init:'.length))?.tensor;
      expect(t, key).toBeDefined();
      expect(t!.dims).toEqual(s.dims);
      let n = 0;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      expect(forEachFloatChunk(t!, key, (v, k) => {
        for (let i = 0; i < k; i++) {
          sum += v[i];
          min = Math.min(min, v[i]);
          max = Math.max(max, v[i]);
        }
        n += k;
      })).toBe(true);
      expect(n).toBe(elementCount(s.dims));
      expect(min).toBeGreaterThanOrEqual(s.min);
      expect(max).toBeLessThanOrEqual(s.max);
      expect(Math.abs(sum / n - s.mean)).toBeLessThanOrEqual(5 * s.std / Math.sqrt(n) + 1e-7);
    }
    expect(summarizeModel(m).parameters.stripped).toBe(0);

    const f2 = join(dir, 'f2.onnx');
    const f3 = join(dir, 'f3.onnx');
    expect(lathe('fill', RESNET, '-o', f2, '--quiet').code).toBe(0);
    expect(lathe('fill', RESNET, '-o', f3, '--seed', '1', '--quiet').code).toBe(0);
    expect(readFileSync(f1).equals(readFileSync(f2))).toBe(true);
    expect(readFileSync(f1).equals(readFileSync(f3))).toBe(false);

    // -O0 of a file lathe wrote gives the same bytes back
    const o = join(dir, 'o.onnx');
    expect(lathe('optimize', f1, '-o', o, '-q', '-O0').code).toBe(0);
    expect(readFileSync(o).equals(readFileSync(f1))).toBe(true);

    const s = join(dir, 's.onnx');
    expect(lathe('strip', f1, '-o', s, '-q').code).toBe(0);
    const back = parseSidecar(readFileSync(join(dir, 's.weights.json'), 'utf8'), 's');
    expect([...back.keys()]).toEqual([...sidecar.keys()]);
    for (const [k, v] of back) {
      expect(v.dims).toEqual(sidecar.get(k)!.dims);
      expect(v.dtype).toBe(sidecar.get(k)!.dtype);
    }
    expect(summarizeModel(loadModel(s)).parameters.stripped).toBe(sidecar.size);
  });

  test('inspect and check on a corpus model', () => {
    const i = lathe('inspect', RESNET, '--json');
    expect(i.code).toBe(0);
    const j = JSON.parse(i.out);
    expect(j.inputs[0].type).toMatch(/^float\[[^\]]+,3,224,224\]$/);
    const c = lathe('check', RESNET);
    expect(c.code).toBe(0);
    expect(c.out).toMatch(/: ok \(0 errors, \d+ warnings?\)\n$/);
  });

  test('inspect agrees with the corpus baselines (node counts and op histograms of every model)', () => {
    const baselines = JSON.parse(readFileSync(`${CORPUS}/baselines.json`, 'utf8')).models as Record<string, { input: { nodes: number; ops: Record<string, number> } }>;
    for (const [name, b] of Object.entries(baselines)) {
      const s = summarizeModel(loadModel(`${CORPUS}/models/${name}.onnx`));
      expect(s.nodes.main, name).toBe(b.input.nodes);
      // the baselines key ops by op_type alone
      expect(Object.fromEntries(s.ops.map((o) => [o.op, o.count])), name).toEqual(b.input.ops);
    }
  });
});
