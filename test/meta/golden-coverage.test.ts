/**
 * Every registered pass has golden cases that show both sides of it: `golden/<pass-name>/` holds at
 * least one case where the pass fires (expected differs from input after parse → print) and one
 * where it must not (expected equals input). Every golden folder names a registered pass, or has a
 * pipeline.txt whose passes are all registered.
 */
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { passes } from '../../passes/index.js';
import { parsePipeline } from '../../src/schedule.js';
import { goldenFolders, normalizedText } from '../support/golden.js';

const folders = goldenFolders();
const byName = new Map(folders.map((f) => [f.name, f]));
const registered = Object.keys(passes).sort();

describe('golden coverage', () => {
  it('there are registered passes', () => {
    expect(registered.length).toBeGreaterThan(0);
  });

  it.each(registered)('pass %s has a case where it fires and one where it declines', (name) => {
    const folder = byName.get(name);
    expect(folder, `no golden folder golden/${name}/ for registered pass '${name}'`).toBeDefined();
    const kinds = folder!.cases
      .filter((c) => existsSync(c.inputFile) && existsSync(c.expectedFile))
      .map((c) => (normalizedText(readFileSync(c.inputFile, 'utf8')) === normalizedText(readFileSync(c.expectedFile, 'utf8')) ? 'declines' : 'fires'));
    expect(kinds, `golden/${name}/ needs a case where the pass changes the model`).toContain('fires');
    expect(kinds, `golden/${name}/ needs a case where the pass leaves the model as it is`).toContain('declines');
  });

  it.each(folders.map((f) => [f.name, f] as const))('golden/%s names registered passes', (name, f) => {
    if (f.pipeline === name) {
      expect(registered, `golden/${name}/ is not a registered pass (and has no pipeline.txt)`).toContain(name);
    } else {
      expect(() => parsePipeline(f.pipeline, passes), `golden/${name}/pipeline.txt`).not.toThrow();
    }
  });
});
