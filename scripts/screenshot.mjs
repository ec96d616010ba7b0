// Screenshots for the README: node scripts/screenshot.mjs PAGE.html OUT.png [WIDTH HEIGHT]
// Opens PAGE in headless Chromium (Debian's package; LATHE_CHROMIUM overrides the path);
// LATHE_SHOT_AT=SELECTOR scrolls that element to the top first; LATHE_SHOT_SELECT=SELECTOR=VALUE
// first chooses VALUE in that <select> (e.g. '#region=1', the report's region 2).
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [page, out, w = '1366', h = '900'] = process.argv.slice(2);
if (!page || !out) {
  console.error('usage: node scripts/screenshot.mjs PAGE.html OUT.png [WIDTH HEIGHT]');
  process.exit(1);
}
const browser = await chromium.launch({ executablePath: process.env.LATHE_CHROMIUM ?? '/usr/bin/chromium' });
try {
  const tab = await browser.newPage({ viewport: { width: Number(w), height: Number(h) } });
  await tab.goto(pathToFileURL(resolve(page)).href);
  const choose = process.env.LATHE_SHOT_SELECT;
  if (choose) {
    const eq = choose.lastIndexOf('=');
    await tab.selectOption(choose.slice(0, eq), choose.slice(eq + 1));
  }
  const at = process.env.LATHE_SHOT_AT;
  if (at) await tab.locator(at).first().evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await tab.screenshot({ path: out });
} finally {
  await browser.close();
}
