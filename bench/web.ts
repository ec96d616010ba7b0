/**
 * `npm run bench -- web`: the page against the CLI on the filled corpus models. Per model: the
 * CLI's wall time for `lathe optimize M -o OUT` (-O2, a fresh process as a user runs it) and the
 * page's time in headless Chromium from picking the file to the optimized bytes being ready
 * (read, load, inspect, verify, passes, save; the worker's own work), best of `runs` each. The
 * downloaded bytes are compared with the CLI's. Target: the page within 2x the CLI.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startWebServer } from '../node/web-server.js';
import { launchChromium } from './chromium.js';
import { cacheDir, cliPath, filledModel, projectRoot } from './corpus.js';

/** Every corpus model small enough for a browser tab (all but the 3 GB llama), smallest first. */
export const WEB_MODELS = [
  'squeezenet1_1.legacy', 'mobilenet_v2.legacy', 'ssdlite320.legacy', 'mobilenet_v2.dynamo', 'efficientnet_b0.legacy',
  'whisper-tiny-encoder.legacy', 'resnet50.legacy', 'resnet50.legacy-fn', 'resnet50.legacy-nofold', 'resnet50.dynamo',
  't5-encoder.legacy', 'llama-small.legacy', 'llama-small.dynamo', 'distilbert.legacy', 'vit_b_16.dynamo',
  'bert-base.legacy', 'bert-base.dynamo', 'gpt2.legacy',
];

/** The filled model: the shared cache's copy when there is one (never refilled here), else filled now. */
function filled(name: string): string {
  const cached = join(cacheDir, 'corpus', `${name}.onnx`);
  return existsSync(cached) ? cached : filledModel(name);
}

function seconds(f: () => void): number {
  const t = process.hrtime.bigint();
  f();
  return Number(process.hrtime.bigint() - t) / 1e9;
}

export async function benchWeb(log: (s: string) => void, work: string, models = WEB_MODELS, runs = 2): Promise<void> {
  const root = join(projectRoot, 'dist', 'web');
  const server = await startWebServer({ root, port: 0 });
  const browser = await launchChromium();
  log('### The page against the CLI (`lathe optimize -O2`; page: headless Chromium, the same options)');
  log('');
  log('| model | file | CLI s | page s (open + optimize) | page / CLI | same bytes | then the HTML report s |');
  log('| --- | --- | --- | --- | --- | --- | --- |');
  let within = 0;
  try {
    for (const name of models) {
      const input = filled(name);
      const out = join(work, `web-${name}.onnx`);
      let cli = Infinity;
      for (let i = 0; i < runs; i++) cli = Math.min(cli, seconds(() => execFileSync(process.execPath, [cliPath, 'optimize', input, '-o', out, '--quiet'], { stdio: 'ignore' })));
      let best = { total: Infinity, open: 0, optimize: 0, report: 0 };
      let same = false;
      for (let i = 0; i < runs; i++) {
        const context = await browser.newContext({ acceptDownloads: true });
        const page = await context.newPage();
        await page.goto(server.url);
        const t0 = performance.now();
        await page.setInputFiles('#file', input);
        await page.waitForFunction(() => document.body.dataset.state !== 'busy', undefined, { timeout: 600_000, polling: 20 });
        const t1 = performance.now();
        await page.click('#run');
        await page.waitForFunction(() => document.body.dataset.state !== 'busy', undefined, { timeout: 600_000, polling: 20 });
        const t2 = performance.now();
        const error = await page.textContent('#error');
        if (error) throw new Error(`the page failed on ${name}: ${error}`);
        // the report follows the download (its graph layout is not part of optimizing)
        await page.waitForFunction(() => document.body.dataset.report === 'shown', undefined, { timeout: 600_000, polling: 20 });
        const t3 = performance.now();
        if (t2 - t0 < best.total) best = { total: t2 - t0, open: t1 - t0, optimize: t2 - t1, report: t3 - t2 };
        if (i === 0) {
          const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')]);
          same = readFileSync(await download.path()).equals(readFileSync(out));
        }
        await context.close();
      }
      const ratio = best.total / 1000 / cli;
      if (ratio <= 2) within++;
      const size = `${(statSync(input).size / 1e6).toFixed(1)} MB`;
      log(`| ${name} | ${size} | ${cli.toFixed(2)} | ${(best.total / 1000).toFixed(2)} (${(best.open / 1000).toFixed(2)} + ${(best.optimize / 1000).toFixed(2)}) | ${ratio.toFixed(2)}x | ${same ? 'yes' : '**no**'} | ${(best.report / 1000).toFixed(2)} |`);
    }
  } finally {
    await browser.close();
    await server.close();
  }
  log('');
  log(`Within 2x the CLI on ${within} of ${models.length} models. Best of ${runs} each; the CLI's time is a whole process (start-up, read, write), the page's from picking the file to the bytes being ready for download; the HTML report (graph layout) follows, its time in the last column.`);
  log('');
}
