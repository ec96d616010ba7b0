/**
 * Filled corpus models for tests and benchmarks: `lathe fill` (the built CLI) writes each skeleton
 * of ../shared/corpus/models with seeded random weights into a cache folder, once.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding lathe's package.json (works from sources and from dist/). */
export const projectRoot = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();
/** The shared test data: `$LATHE_SHARED`, else `../shared` next to the project (as test/support/shared.ts). */
export const sharedDir = process.env.LATHE_SHARED ?? resolve(projectRoot, '../shared');
export const corpusDir = join(sharedDir, 'corpus/models');
export const nodeTestsDir = join(sharedDir, 'onnx-node-tests/node');
export const cliPath = join(projectRoot, 'dist/node/bin.js');
export const cacheDir = process.env.LATHE_CACHE ?? join(tmpdir(), 'lathe-cache');

/** Skeleton names (without `.onnx`), smallest files first. */
export function corpusModels(): string[] {
  return readdirSync(corpusDir)
    .filter((f) => f.endsWith('.onnx'))
    .sort((a, b) => statSync(join(corpusDir, a)).size - statSync(join(corpusDir, b)).size)
    .map((f) => basename(f, '.onnx'));
}

export function lathe(args: string[], options: { quiet?: boolean } = {}): string {
  return execFileSync(process.execPath, [cliPath, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    stdio: ['ignore', 'pipe', options.quiet ? 'ignore' : 'pipe'],
  });
}

/**
 * Path of the filled model NAME (seed 1), filling it when missing or when the skeleton or the
 * CLI changed since (a stamp file records both).
 */
export function filledModel(name: string): string {
  const dir = join(cacheDir, 'corpus');
  mkdirSync(dir, { recursive: true });
  const out = join(dir, `${name}.onnx`);
  const skeleton = join(corpusDir, `${name}.onnx`);
  // A mistyped name is the usual cause: say what the corpus has instead of an ENOENT stack.
  if (!existsSync(skeleton)) throw new Error(`no corpus model '${name}' (the corpus has: ${corpusModels().join(', ')})`);
  const stamp = `${statSync(skeleton).mtimeMs}:${statSync(cliPath).mtimeMs}`;
  const stampFile = `${out}.stamp`;
  if (existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) return out;
  lathe(['fill', skeleton, '-o', out, '--seed', '1', '--quiet']);
  writeFileSync(stampFile, stamp);
  return out;
}

/** Runs a bench driver's main: a failure is one line and exit status 1, not a stack. */
export async function benchMain(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (e) {
    console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  }
}
