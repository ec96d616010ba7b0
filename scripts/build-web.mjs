#!/usr/bin/env node
/**
 * `npm run web`: builds the page into dist/web (or the folder given): index.html and style.css
 * copied, web/main.ts and web/worker.ts bundled by esbuild from the sources. Everything the page
 * loads is in that one folder (it works offline). Also exports `buildBrowserLibrary`, the bundle
 * of the package's `browser` export condition that the browser tests run.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const common = { bundle: true, platform: 'browser', target: 'es2022', logLevel: 'warning', legalComments: 'none' };

/** Builds the page into `outdir` (default dist/web); returns the folder. */
export async function buildWeb(outdir = join(root, 'dist', 'web')) {
  mkdirSync(outdir, { recursive: true });
  for (const f of ['index.html', 'style.css']) copyFileSync(join(root, 'web', f), join(outdir, f));
  await build({
    ...common,
    entryPoints: { main: join(root, 'web', 'main.ts'), worker: join(root, 'web', 'worker.ts') },
    outdir,
    format: 'iife',
    minify: true,
  });
  return outdir;
}

/**
 * Bundles what the package's `browser` condition names (package.json exports ".": the library with
 * the shipped passes as its default registry) into one file at `outfile`: an ES module, or with
 * `globalName` a script setting that global. `distDir` replaces `dist/` (a private build); the
 * compiled library must be there (`npm run build`).
 */
export async function buildBrowserLibrary(outfile, { distDir = join(root, 'dist'), globalName } = {}) {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const browser = pkg.exports['.'].browser;
  if (!browser.startsWith('./dist/')) throw new Error(`package.json: the browser export ${browser} is not under dist/`);
  const entry = join(distDir, browser.slice('./dist/'.length));
  await build({
    ...common,
    entryPoints: [entry],
    outfile,
    ...(globalName ? { format: 'iife', globalName } : { format: 'esm' }),
  });
  return outfile;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await buildWeb(process.argv[2] ? resolve(process.argv[2]) : undefined); // quiet: `npm run build` runs it
}
