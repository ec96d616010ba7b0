/**
 * Golden tests of passes: `golden/<folder>/<case>/input.onnx.txt` runs through the pipeline in
 * `golden/<folder>/pipeline.txt` (default: the folder name as a single pass), prints, and must
 * equal `expected.onnx.txt` (both sides normalized through parse → print, so the expected file
 * may be laid out by hand). A missing expected file is written; LATHE_UPDATE_GOLDEN=1 rewrites all.
 */
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../ir/text/parse.js';
import { printModel } from '../ir/text/print.js';
import { passes } from '../passes/index.js';
import { parsePipeline, runSchedule } from '../src/schedule.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'golden');
const update = process.env['LATHE_UPDATE_GOLDEN'] === '1';

const isDir = (p: string): boolean => statSync(p).isDirectory();

interface Case { folder: string; name: string; dir: string; pipeline: string }

function cases(): Case[] {
  const out: Case[] = [];
  for (const folder of readdirSync(root).sort()) {
    const fdir = join(root, folder);
    if (!isDir(fdir)) continue;
    const pfile = join(fdir, 'pipeline.txt');
    const pipeline = existsSync(pfile) ? readFileSync(pfile, 'utf8').trim() : folder;
    for (const name of readdirSync(fdir).sort()) {
      const dir = join(fdir, name);
      if (isDir(dir) && existsSync(join(dir, 'input.onnx.txt'))) out.push({ folder, name, dir, pipeline });
    }
  }
  return out;
}

const all = cases();

describe('golden', () => {
  it('finds the golden cases', () => {
    expect(all.length).toBeGreaterThan(0);
  });
  it.each(all.map((c) => [`${c.folder}/${c.name}`, c] as const))('%s', (_label, c) => {
    const input = parseModel(readFileSync(join(c.dir, 'input.onnx.txt'), 'utf8'));
    const result = runSchedule(parsePipeline(c.pipeline, passes), input);
    const got = printModel(result.model);
    const file = join(c.dir, 'expected.onnx.txt');
    if (update || !existsSync(file)) {
      writeFileSync(file, got);
      return;
    }
    const expected = printModel(parseModel(readFileSync(file, 'utf8')));
    expect(got).toBe(expected);
  });
});
