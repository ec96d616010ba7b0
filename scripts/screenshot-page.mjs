// The README's screenshot of the page: node scripts/screenshot-page.mjs MODEL.onnx OUT.png [SHAPE ...]
// Serves dist/web (npm run build first), opens it in headless Chromium (Debian's package;
// LATHE_CHROMIUM overrides the path), picks MODEL, optimizes at -O2 with the given
// --set-input-shape lines, and shoots the whole page once the report is shown.
import { chromium } from 'playwright-core';
import { startWebServer } from '../dist/node/web-server.js';

const [model, out, ...shapes] = process.argv.slice(2);
if (!model || !out) {
  console.error('usage: node scripts/screenshot-page.mjs MODEL.onnx OUT.png [NAME=D0,D1,... ...]');
  process.exit(1);
}
const server = await startWebServer({ port: 0 });
// site isolation off: headless screenshots leave the report's out-of-process frame blank otherwise
const browser = await chromium.launch({ executablePath: process.env.LATHE_CHROMIUM ?? '/usr/bin/chromium', args: ['--disable-site-isolation-trials', '--disable-features=IsolateOrigins,site-per-process'] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  await page.goto(server.url, { waitUntil: 'networkidle' });
  await page.setInputFiles('#file', model);
  await page.waitForFunction(() => !document.querySelector('#model').hidden || document.body.dataset.state === 'error');
  await page.fill('#shapes', shapes.join('\n'));
  await page.click('#run');
  await page.waitForFunction(() => document.body.dataset.state === 'done' || document.body.dataset.state === 'error', undefined, { timeout: 300_000 });
  await page.waitForFunction(() => document.body.dataset.report === 'shown', undefined, { timeout: 300_000 });
  await page.waitForTimeout(500); // the report's frame paints
  await page.setViewportSize({ width: 1200, height: await page.evaluate(() => document.documentElement.scrollHeight) });
  await page.waitForTimeout(500);
  await page.screenshot({ path: out }); // a tall viewport, not fullPage: fullPage leaves the frame blank
} finally {
  await browser.close();
  await server.close();
}
