/**
 * The library as a browser gets it: the package's `browser` export (compiled into a private
 * folder, bundled by esbuild for the browser platform, so any Node import would fail the build)
 * loads, verifies, optimizes, saves and evaluates models in headless Chromium with the same
 * results as Node: the same diagnostics, the same bytes, the same outputs bit for bit.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadModel } from '../../node/io.js';
import { optimize } from '../../passes/library.js';
import { evaluate } from '../../ir/eval/index.js';
import { verify } from '../../ir/verify/verify.js';
import { loadModelFromBytes, saveModelToBytes } from '../../src/io.js';
import { buildScript, launchChromium, watchedPage } from '../support/browser.js';
import { lathe, show } from '../support/cli-harness.js';
import { scratch } from '../support/scratch.js';
import { corpusModelsDir, projectRoot } from '../support/shared.js';

const dirs = scratch('lathe-browser-lib-');
const BUILD = join(projectRoot, '.cache', 'browser-lib');
let browser: Browser;
let page: Page;
let errors: string[];
let squeezenet: string;

/** The same input tensor on both sides: a fixed pattern in [-1, 1). */
const PATTERN = '(n) => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = ((i * 7919) % 1000) / 500 - 1; return a; }';
const pattern = eval(PATTERN) as (n: number) => Float32Array;

interface BrowserResult {
  diagnostics: string[];
  optimized: string;
  outputs: Record<string, { dims: number[]; data: number[] }>;
}

/** In the page: load, verify, optimize (-O2 with `shapes`), save, evaluate the optimized model on the pattern. */
async function inBrowser(bytes: Uint8Array, input: { name: string; dims: number[] }, shapes: Record<string, number[]>): Promise<BrowserResult> {
  return page.evaluate(
    ({ b64, input, shapes, PATTERN }) => {
      const L = (globalThis as unknown as { lathe: typeof import('../../node/index.js') }).lathe;
      const raw = atob(b64);
      const bytes = new Uint8Array(raw.length);
      for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      const model = L.loadModelFromBytes(bytes);
      const diagnostics = L.verify(model).map((d) => `${d.severity} ${d.code} ${d.message}`);
      const { model: out } = L.optimize(model, { level: 2, setInputShapes: shapes }); // the shipped passes by default, as in Node
      const saved = L.saveModelToBytes(out);
      let s = '';
      for (let i = 0; i < saved.length; i += 0x8000) s += String.fromCharCode(...saved.subarray(i, i + 0x8000));
      const n = input.dims.reduce((a, d) => a * d, 1);
      const data = (0, eval)(PATTERN)(n) as Float32Array;
      const results = L.evaluate(L.loadModelFromBytes(saved), { [input.name]: { kind: 'tensor', dtype: 1, dims: input.dims, data } });
      const outputs: Record<string, { dims: number[]; data: number[] }> = {};
      for (const [k, v] of results) {
        if (v.kind === 'tensor') outputs[k] = { dims: [...v.dims], data: Array.from(v.data as Float32Array) };
      }
      return { diagnostics, optimized: btoa(s), outputs };
    },
    { b64: Buffer.from(bytes).toString('base64'), input, shapes, PATTERN },
  );
}

/** The same steps in Node. */
function inNode(file: string, input: { name: string; dims: number[] }, shapes: Record<string, number[]>): BrowserResult & { bytes: Uint8Array } {
  const model = loadModel(file);
  const diagnostics = verify(model).map((d) => `${d.severity} ${d.code} ${d.message}`);
  const bytes = saveModelToBytes(optimize(model, { level: 2, setInputShapes: shapes }).model);
  const data = pattern(input.dims.reduce((a, d) => a * d, 1));
  // the optimized model as the browser evaluates it: read back from its bytes
  const results = evaluate(loadModelFromBytes(bytes), { [input.name]: { kind: 'tensor', dtype: 1, dims: input.dims, data } });
  const outputs: BrowserResult['outputs'] = {};
  for (const [k, v] of results) if (v.kind === 'tensor') outputs[k] = { dims: [...v.dims], data: Array.from(v.data as Float32Array) };
  return { diagnostics, optimized: '', outputs, bytes };
}

beforeAll(async () => {
  // a private build (npm test builds dist/ too, but others may be rebuilding it meanwhile)
  const tsc = join(projectRoot, 'node_modules', '.bin', 'tsc');
  const r = spawnSync(tsc, ['-p', join(projectRoot, 'tsconfig.build.json'), '--outDir', join(BUILD, 'dist')], { cwd: projectRoot, encoding: 'utf8' });
  if (!existsSync(join(BUILD, 'dist', 'src', 'index.js'))) throw new Error(`tsc did not build the library: ${r.stdout}${r.stderr}`);
  const bundle = join(dirs.freshDir(), 'lathe.js');
  await (await buildScript()).buildBrowserLibrary(bundle, { distDir: join(BUILD, 'dist'), globalName: 'lathe' });
  browser = await launchChromium();
  const w = await watchedPage(browser);
  page = w.page;
  errors = w.errors;
  await page.setContent('<!doctype html><title>lathe library</title>');
  await page.addScriptTag({ content: readFileSync(bundle, 'utf8') });
  squeezenet = join(dirs.freshDir(), 'squeezenet1_1.onnx');
  const fill = await lathe('fill', join(corpusModelsDir, 'squeezenet1_1.legacy.onnx'), '-o', squeezenet, '--quiet');
  expect(fill.code, show(fill)).toBe(0);
});

afterAll(async () => {
  await browser?.close();
});

const cases: [string, () => string, string, number[]][] = [
  ['tiny-mlp', () => join(projectRoot, 'golden', 'models', 'tiny-mlp.onnx'), 'x', [2, 8]],
  ['squeezenet1_1 (filled)', () => squeezenet, 'input', [1, 3, 224, 224]],
];

test.each(cases)('%s: load, verify, optimize, save, evaluate in Chromium = in Node', async (_, file, name, dims) => {
  const path = file();
  const b = await inBrowser(new Uint8Array(readFileSync(path)), { name, dims }, { [name]: dims });
  const n = inNode(path, { name, dims }, { [name]: dims });
  expect(b.diagnostics).toEqual(n.diagnostics);
  expect(Buffer.from(b.optimized, 'base64').equals(Buffer.from(n.bytes))).toBe(true);
  expect(Object.keys(b.outputs).length).toBeGreaterThan(0);
  expect(b.outputs).toEqual(n.outputs);
  expect(errors).toEqual([]);
});
