/**
 * Finding and starting Chromium for the browser tests and the page benchmark. npm cannot download
 * browsers here: Debian's `chromium` package (`.ci/run` installs it) or `$LATHE_CHROMIUM`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

/** The Chromium binary: `$LATHE_CHROMIUM`, else `chromium` (or `chromium-browser`) on PATH; an Error saying how to get one otherwise. */
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

/**
 * Headless Chromium (a generous launch timeout: the machine may be busy). Site isolation is off:
 * headless screenshots leave out-of-process frames blank, and the page's report is a sandboxed
 * (opaque-origin, so out-of-process) frame. It changes what a screenshot captures, not what runs.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(), headless: true, timeout: 120_000,
    args: ['--disable-site-isolation-trials', '--disable-features=IsolateOrigins,site-per-process'],
  });
}
