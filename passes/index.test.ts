import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { passes } from './index.js';

it('registry keys equal folder names and pass names', () => {
  const here = dirname(fileURLToPath(import.meta.url));
  const folders = readdirSync(here).filter((f) => statSync(join(here, f)).isDirectory()).sort();
  expect(Object.keys(passes).sort()).toEqual(folders);
  for (const [key, factory] of Object.entries(passes)) {
    expect(factory.passName).toBe(key);
    expect(factory().name).toBe(key);
  }
});
