/**
 * Scratch folders for tests on the real file system: one temporary root per test file, removed
 * after it, and a fresh empty folder under it per call.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** A root under the system's temp folder (removed after the file's tests) and a maker of fresh folders in it. */
export function scratch(prefix: string): { readonly root: string; freshDir(): string } {
  const root = mkdtempSync(join(tmpdir(), prefix));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  return {
    root,
    freshDir() {
      const d = join(root, `d${n++}`);
      mkdirSync(d);
      return d;
    },
  };
}
