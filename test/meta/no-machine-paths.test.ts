/**
 * No source or test names a path that exists only on the machine it was written on: shared test
 * data is found through test/support/shared.ts (`../shared` relative to the project root).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { projectRoot } from '../support/shared.js';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mjs|js|py)$/.test(name)) out.push(p);
  }
  return out;
}

// Absolute paths into a home, a workspace or a temp folder of one machine, in a string literal.
const machinePath = /['"`](\/work\/|\/home\/|\/Users\/|\/root\/)/;

test('no file hard-codes an absolute path of one machine', () => {
  const all = ['ir', 'src', 'passes', 'node', 'test', 'bench', 'scripts'].flatMap((d) => files(join(projectRoot, d)));
  expect(all.length).toBeGreaterThan(100);
  const offenders = all.flatMap((f) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .flatMap((line, i) => (machinePath.test(line) && !line.includes('machinePath') ? [`${relative(projectRoot, f)}:${i + 1}`] : [])),
  );
  expect(offenders).toEqual([]);
});
