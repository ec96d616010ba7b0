/**
 * Where the tests find the shared test data (`../shared` next to the project root: the ONNX node
 * tests and the skeleton corpus). One place, so no test hard-codes the machine it was written on.
 * `LATHE_SHARED` overrides the location.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder holding lathe's package.json (found walking up, so it works from sources and dist/). */
export const projectRoot: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('test/support/shared.ts: no package.json above this file');
    dir = up;
  }
  return dir;
})();

/** The shared test data folder: `$LATHE_SHARED`, else `../shared` relative to the project root. */
export const sharedDir: string = process.env.LATHE_SHARED ?? resolve(projectRoot, '../shared');

/** A path inside the shared folder: `sharedPath('corpus', 'models')`. */
export function sharedPath(...parts: string[]): string {
  return join(sharedDir, ...parts);
}

/** ONNX's backend node tests, one folder per test (`test_abs/model.onnx`, `test_data_set_0/`). */
export const nodeTestsDir: string = sharedPath('onnx-node-tests', 'node');

/** The skeleton corpus models (`NAME.onnx` + `NAME.weights.json`). */
export const corpusModelsDir: string = sharedPath('corpus', 'models');
