/**
 * The page in headless Chromium: it optimizes models into exactly the bytes `lathe optimize`
 * writes for the same options, shows a bad file's one-line CLI message, reads external data from
 * the files picked with the model, renders the report without console errors, and makes no
 * request but for its own files.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { encodeModelToBytes } from '../../ir/onnx/encode.js';
import { parseModel } from '../../ir/text/parse.js';
import { saveModel } from '../../node/io.js';
import { P } from '../../ir/onnx/test-util.js';
import { lathe, show } from '../support/cli-harness.js';
import { launchChromium, servePage, watchedPage } from '../support/browser.js';
import { inkStats, readPng } from '../support/png.js';
import { scratch } from '../support/scratch.js';
import { corpusModelsDir, projectRoot } from '../support/shared.js';

const dirs = scratch('lathe-page-');
const tinyMlp = join(projectRoot, 'golden', 'models', 'tiny-mlp.onnx');

let browser: Browser;
let server: Awaited<ReturnType<typeof servePage>>;
/** squeezenet1_1's skeleton filled with weights (5 MB). */
let squeezenet: string;

beforeAll(async () => {
  server = await servePage(dirs.freshDir());
  browser = await launchChromium();
  squeezenet = join(dirs.freshDir(), 'squeezenet1_1.onnx');
  const fill = await lathe('fill', join(corpusModelsDir, 'squeezenet1_1.legacy.onnx'), '-o', squeezenet, '--quiet');
  expect(fill.code, show(fill)).toBe(0);
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

/** Opens the page and picks `files` (the model first); `offline`: the network is cut once the page has loaded. */
async function openWith(files: string[], offline = false): Promise<ReturnType<typeof watchedPage>> {
  const w = await watchedPage(browser);
  await w.page.goto(server.url, { waitUntil: 'networkidle' });
  if (offline) await w.page.context().setOffline(true);
  await w.page.setInputFiles('#file', files);
  await w.page.waitForFunction(() => document.body.dataset.state !== 'busy' && (document.querySelector('#model') as HTMLElement).hidden === false || document.body.dataset.state === 'error', undefined, { timeout: 60_000 });
  return w;
}

/** Chooses the options, runs, and returns the downloaded bytes. */
async function optimizeIn(page: Page, level: '0' | '1' | '2' | 'pipeline', opts: { pipeline?: string; shapes?: string[] } = {}): Promise<Uint8Array> {
  await page.check(`input[name=level][value="${level}"]`);
  if (opts.pipeline !== undefined) await page.fill('#pipeline', opts.pipeline);
  await page.fill('#shapes', (opts.shapes ?? []).join('\n'));
  await page.click('#run');
  await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.state === 'error', undefined, { timeout: 120_000 });
  const failed = await page.textContent('#error');
  expect(failed, 'the page showed an error').toBe('');
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
  return new Uint8Array(readFileSync(await download.path()));
}

/** `lathe optimize IN -o OUT ARGS` (in process) and the bytes it wrote. */
async function cliOptimize(input: string, ...args: string[]): Promise<Uint8Array> {
  const out = join(dirs.freshDir(), 'out.onnx');
  const r = await lathe('optimize', input, '-o', out, '--quiet', ...args);
  expect(r.code, show(r)).toBe(0);
  return new Uint8Array(readFileSync(out));
}

function expectOnlyOwnFiles(requests: { url: string; method: string }[]): void {
  const own = new Set(['', ...server.files].map((f) => new URL(f, server.url).href));
  const foreign = requests.filter((r) => !(r.method === 'GET' && own.has(r.url.split('?')[0]!)) && !r.url.startsWith('blob:'));
  expect(foreign).toEqual([]);
  expect(requests.length).toBeGreaterThan(0);
}

test('tiny-mlp at -O2, -O1 and a pipeline: the downloaded bytes are the CLI output, and the page requests nothing else', async () => {
  const { page, errors, requests } = await openWith([tinyMlp]);
  expect(await page.textContent('#inspect')).toContain('tiny-mlp.onnx');
  const cases: [Parameters<typeof optimizeIn>[1], Parameters<typeof optimizeIn>[2], string[]][] = [
    ['2', {}, ['-O2']],
    ['1', {}, ['-O1']],
    ['pipeline', { pipeline: 'infer-shapes,fuse' }, ['--passes', 'infer-shapes,fuse']],
  ];
  for (const [level, opts, args] of cases) {
    const fromPage = await optimizeIn(page, level, opts);
    expect(Buffer.from(fromPage).equals(Buffer.from(await cliOptimize(tinyMlp, ...args))), args.join(' ')).toBe(true);
    expect(await page.evaluate(() => (document.querySelector('#progress') as HTMLProgressElement).value)).toBe(1);
  }
  expect(errors).toEqual([]);
  expectOnlyOwnFiles(requests);
  await page.context().close();
});

test('a filled corpus model with --set-input-shape, offline: the same bytes as the CLI', async () => {
  const { page, errors, requests } = await openWith([squeezenet], true);
  expect(await page.textContent('#inspect')).toContain('input: float[batch,3,224,224]');
  const fromPage = await optimizeIn(page, '2', { shapes: ['input=1,3,224,224'] });
  expect(fromPage.length).toBeGreaterThan(4_000_000);
  expect(Buffer.from(fromPage).equals(Buffer.from(await cliOptimize(squeezenet, '--set-input-shape', 'input=1,3,224,224')))).toBe(true);
  expect(errors).toEqual([]);
  expectOnlyOwnFiles(requests);
  await page.context().close();
});

test('a model whose nodes are out of order (as float16 converters write them) optimizes on the page: the CLI\'s bytes', async () => {
  const unsorted = join(dirs.freshDir(), 'unsorted.onnx');
  saveModel(parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Relu (xc)  xc = Cast <to: int = 1> (x) }`), unsorted);
  const { page, errors } = await openWith([unsorted]);
  const fromPage = await optimizeIn(page, '2');
  expect(Buffer.from(fromPage).equals(Buffer.from(await cliOptimize(unsorted)))).toBe(true);
  expect(await reportText(page)).toMatch(/out of topological order/);
  expect(errors).toEqual([]);
  await page.context().close();
});

/** The report's text, whether shown as text or as an HTML document in a frame. */
async function reportText(page: Page): Promise<string> {
  if ((await page.locator('#report iframe').count()) > 0) return page.frameLocator('#report iframe').locator('body').innerText();
  return page.locator('#report').innerText();
}

test('the report renders without console errors, its screenshot has content, and the page stayed responsive', async () => {
  const { page, errors } = await openWith([squeezenet]);
  // progress shown by the page while the worker works: each label change timed on the page's own thread
  await page.evaluate(() => {
    const w = window as unknown as { seen: number[] };
    w.seen = [];
    new MutationObserver(() => w.seen.push(performance.now())).observe(document.querySelector('#status')!, { childList: true, characterData: true, subtree: true });
  });
  await optimizeIn(page, '2');
  const seen = await page.evaluate(() => (window as unknown as { seen: number[] }).seen);
  expect(seen.length).toBeGreaterThan(5); // verifying, the passes, writing, done
  expect(seen.at(-1)! - seen[0]!).toBeGreaterThan(0);
  // the HTML report (src/report-html) in its frame, sent after the bytes: the node count before, the ops that went, both graphs drawn
  await page.waitForFunction(() => document.body.dataset.report === 'shown', undefined, { timeout: 120_000 });
  expect(await page.locator('#report iframe').count()).toBe(1);
  const text = await reportText(page);
  expect(text).toMatch(/\b83\b/);
  expect(text).toContain('Identity');
  const frame = page.frameLocator('#report iframe');
  expect(await frame.locator('#row-nodes').innerText()).toMatch(/\b83\b/);
  for (const side of ['#graph-before', '#graph-after']) expect(await frame.locator(`${side} g.node`).count(), side).toBeGreaterThan(10);
  expect(errors).toEqual([]);
  const shot = readPng(await page.locator('#report iframe').screenshot()); // the report itself, not the page around it
  expect(shot.width).toBeGreaterThan(300);
  expect(shot.height).toBeGreaterThan(200);
  const { ink, colours } = inkStats(shot);
  expect(ink).toBeGreaterThan(0.02); // text drawn, not a blank box
  expect(colours).toBeGreaterThan(8); // anti-aliased text, not one flat colour
  await page.context().close();
});

test('external data: read from the file picked with the model; a clear message without it', async () => {
  const dir = dirs.freshDir();
  const model = join(dir, 'sq.onnx');
  const r = await lathe('optimize', squeezenet, '-o', model, '-O0', '--external-data', 'always', '--quiet');
  expect(r.code, show(r)).toBe(0);
  const { page, errors } = await openWith([model, `${model}.data`]);
  expect(await page.textContent('#inspect')).toContain('sq.onnx.data');
  const fromPage = await optimizeIn(page, '1');
  expect(Buffer.from(fromPage).equals(Buffer.from(await cliOptimize(model, '-O1')))).toBe(true);
  expect(errors).toEqual([]);
  await page.context().close();

  const alone = await openWith([model]);
  expect(await alone.page.textContent('#error')).toBe(
    'lathe: sq.onnx: external data file sq.onnx.data was not given: pick it together with the model (both files at once)',
  );
  await alone.page.context().close();
});

test('bad files show the one line the CLI prints, and nothing else happens', async () => {
  const dir = dirs.freshDir();
  const cases: [string, Uint8Array][] = [
    ['garbage.onnx', new TextEncoder().encode('this is not a model at all')],
    ['truncated.onnx', readFileSync(tinyMlp).subarray(0, 200)],
  ];
  for (const [name, bytes] of cases) {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    const cli = await lathe('inspect', path);
    expect(cli.code, show(cli)).toBe(2);
    const line = cli.err.trimEnd().replace(path, basename(path));
    const { page, errors } = await openWith([path]);
    expect(await page.textContent('#error')).toBe(line);
    expect(await page.isHidden('#model')).toBe(true);
    expect(errors).toEqual([]);
    await page.context().close();
  }
  // a model that decodes but does not verify: it opens (inspect shows it), optimizing gives `lathe optimize`'s line
  const invalid = join(dir, 'invalid.onnx');
  const g = P.graph({ input: [P.vi('x', P.f32(2))], output: [P.vi('y', P.f32(2))], node: [P.node('NoSuchOp', ['x'], ['y'])] });
  writeFileSync(invalid, encodeModelToBytes(P.model({ graph: g })));
  const cli = await lathe('optimize', invalid, '-o', join(dir, 'out.onnx'));
  expect(cli.code, show(cli)).toBe(2);
  const opened = await openWith([invalid]);
  expect(await opened.page.isHidden('#model')).toBe(false);
  await opened.page.click('#run');
  await opened.page.waitForFunction(() => document.body.dataset.state === 'error');
  expect(await opened.page.textContent('#error')).toBe(cli.err.trimEnd().replace(invalid, 'invalid.onnx'));
  await opened.page.context().close();

  // bad options: the CLI's usage line
  const { page } = await openWith([tinyMlp]);
  await page.check('input[name=level][value="pipeline"]');
  await page.fill('#pipeline', 'no-such-pass');
  await page.click('#run');
  await page.waitForFunction(() => document.body.dataset.state === 'error');
  expect(await page.textContent('#error')).toMatch(/^lathe: --passes: .*no-such-pass/);
  await page.context().close();
});
