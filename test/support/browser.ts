/**
 * Browser tests' helpers: Debian's Chromium driven by playwright-core (npm cannot download
 * browsers here: `.ci/run` installs the `chromium` package; `$LATHE_CHROMIUM` names another
 * binary), and the page built into a scratch folder and served by `lathe web`'s own server.
 * A missing browser fails the test with a message saying how to install it: never a skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';
import { startWebServer, type WebServer } from '../../node/web-server.js';
import { projectRoot } from './shared.js';

/** The Chromium binary: `$LATHE_CHROMIUM`, else `chromium` (or `chromium-browser`) on PATH. */
export function chromiumPath(): string {
  const given = process.env.LATHE_CHROMIUM;
  if (given) {
    if (!existsSync(given)) throw new Error(`LATHE_CHROMIUM=${given}: no such file`);
    return given;
  }
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
    } catch {
      // not on PATH: try the next name
    }
  }
  throw new Error(
    "the browser tests need Chromium: on Debian/Ubuntu 'apt-get install -y chromium' (what .ci/run does), " +
      'or set LATHE_CHROMIUM to a Chromium/Chrome binary (npm cannot download browsers here)',
  );
}

/** Headless Chromium (generous launch timeout: the machine may be busy). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath(), headless: true, timeout: 120_000 });
}

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
