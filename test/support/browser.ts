/**
 * Browser tests' helpers: Debian's Chromium driven by playwright-core (npm cannot download
 * browsers here: `.ci/run` installs the `chromium` package; `$LATHE_CHROMIUM` names another
 * binary), and the page built into a scratch folder and served by `lathe web`'s own server.
 * A missing browser fails the test with a message saying how to install it: never a skip.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../../node/web-server.js';
import { projectRoot } from './shared.js';

export { chromiumPath, launchChromium } from '../../bench/chromium.js';

interface BuildModule {
  buildWeb(outdir?: string): Promise<string>;
  buildBrowserLibrary(outfile: string, options?: { distDir?: string; globalName?: string }): Promise<string>;
}

/** scripts/build-web.mjs, loaded at run time (a plain .mjs script, outside the typed sources). */
export async function buildScript(): Promise<BuildModule> {
  return (await import(pathToFileURL(join(projectRoot, 'scripts', 'build-web.mjs')).href)) as BuildModule;
}

/** The page built into `dir` and served on 127.0.0.1 (close it after). */
export async function servePage(dir: string): Promise<WebServer & { files: string[] }> {
  await (await buildScript()).buildWeb(dir);
  const server = await startWebServer({ root: dir, port: 0 });
  return { ...server, files: readdirSync(dir) };
}

/** A page that records console errors, uncaught exceptions and every request it makes. */
export async function watchedPage(browser: Browser): Promise<{ page: Page; errors: string[]; requests: { url: string; method: string }[] }> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1100, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: { url: string; method: string }[] = [];
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  context.on('request', (r) => requests.push({ url: r.url(), method: r.method() }));
  return { page, errors, requests };
}
