/**
 * The page's report seam (web/show-report.ts) in Chromium, under the page's own policy: a text view
 * is shown as text, and an HTML view (what the HTML report will be) runs in a sandboxed frame
 * with its inline script and style working, unable to reach the page or the network.
 */
import { join } from 'node:path';
import { build } from 'esbuild';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { launchChromium, servePage, watchedPage } from '../support/browser.js';
import { scratch } from '../support/scratch.js';
import { projectRoot } from '../support/shared.js';

const dirs = scratch('lathe-show-report-');
let browser: Browser;
let server: Awaited<ReturnType<typeof servePage>>;
let bundle: string;

beforeAll(async () => {
  server = await servePage(dirs.freshDir());
  browser = await launchChromium();
  const r = await build({
    stdin: { contents: "import { showReport } from './web/show-report.ts'; (globalThis as any).showReport = showReport;", resolveDir: projectRoot, loader: 'ts' },
    bundle: true, platform: 'browser', format: 'iife', write: false, target: 'es2022',
  });
  bundle = r.outputFiles[0]!.text;
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const html = (probe: string) => `<!doctype html><html><head><style>body { background: rgb(10, 20, 30); }</style></head>
<body><h1 id="t">report</h1><script>
  document.getElementById('t').textContent = 'script ran';
  let reached = 'no';
  try { reached = String(parent.document.title); } catch { reached = 'blocked'; }
  document.body.dataset.parent = reached;
  fetch('${probe}', { mode: 'no-cors' }).then(() => (document.body.dataset.fetch = 'sent'), () => (document.body.dataset.fetch = 'refused'));
</script></body></html>`;

test('a text view is text; an HTML view runs in a sandboxed frame and opens in a new tab', async () => {
  const { page, requests } = await watchedPage(browser);
  await page.goto(server.url);
  await page.addScriptTag({ content: bundle });
  await page.evaluate((text) => {
    const box = document.createElement('div');
    box.id = 'box';
    document.body.append(box);
    (globalThis as unknown as { showReport: (el: HTMLElement, v: unknown) => void }).showReport(box, { kind: 'text', text });
  }, '<b>not html</b>');
  expect(await page.locator('#box pre').textContent()).toBe('<b>not html</b>');

  await page.evaluate((html) => (globalThis as unknown as { showReport: (el: HTMLElement, v: unknown) => void }).showReport(document.getElementById('box')!, { kind: 'html', html }), html(`${server.url}probe`));
  expect(await page.locator('#box pre').count()).toBe(0);
  const frame = page.frameLocator('#box iframe');
  await expect.poll(() => frame.locator('#t').textContent()).toBe('script ran');
  expect(await frame.locator('body').evaluate((b) => getComputedStyle(b).backgroundColor)).toBe('rgb(10, 20, 30)');
  expect(await frame.locator('body').getAttribute('data-parent')).toBe('blocked');
  await expect.poll(() => frame.locator('body').getAttribute('data-fetch')).toBe('refused');
  expect(requests.filter((r) => r.url.includes('probe'))).toEqual([]); // blocked before any request was made
  expect(await page.locator('#box a[target=_blank]').getAttribute('href')).toMatch(/^blob:/);
  await page.context().close();
});
