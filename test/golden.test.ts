/**
 * Golden tests of passes (cases found by test/support/golden.ts): each `input.onnx.txt` must be a
 * valid model, shapes included (but for the verifier codes its folder's `input-accepts.txt` lists); it runs
 * through its folder's pipeline with the model verified after every pass, is printed, and must
 * equal `expected.onnx.txt` (both sides normalized through parse → print, so the expected file
 * may be laid out by hand). A missing expected file FAILS; only
 * `LATHE_UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts` writes expected files (review them).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseModel } from '../ir/text/parse.js';
import { printModel } from '../ir/text/print.js';
import { checkShapes } from '../ir/verify/shapes.js';
import { verify } from '../ir/verify/verify.js';
import { passes } from '../passes/index.js';
import { parsePipeline, runSchedule } from '../src/schedule.js';
import { goldenFolders, normalizedText } from './support/golden.js';
import { projectRoot } from './support/shared.js';

const update = process.env['LATHE_UPDATE_GOLDEN'] === '1';
const all = goldenFolders().flatMap((f) => f.cases);

describe('golden', () => {
  it('finds the golden cases', () => {
    expect(all.length).toBeGreaterThan(0);
  });
  it.each(all.map((c) => [`${c.folder}/${c.name}`, c] as const))('%s', (label, c) => {
    expect(existsSync(c.inputFile), `golden/${label} has no input.onnx.txt`).toBe(true);
    const input = parseModel(readFileSync(c.inputFile, 'utf8'));
    // A pass that repairs an invariant (topo-sort: order) needs inputs breaking it: its folder's
    // `input-accepts.txt` lists the verifier codes its inputs may have (one per line).
    const acceptFile = join(c.dir, '..', 'input-accepts.txt');
    const accepted = new Set(existsSync(acceptFile) ? readFileSync(acceptFile, 'utf8').split('\n').map((l) => l.trim()).filter(Boolean) : []);
    // Shape contradictions too (what `lathe check` adds): a golden input no runtime would load
    // tests nothing (a MatMul of [B,2,3] by [2,2] once slipped into a draft).
    const structural = verify(input);
    const shapes = structural.some((d) => d.severity === 'error') ? [] : checkShapes(input);
    const inputErrors = [...structural, ...shapes].filter((d) => d.severity === 'error' && !accepted.has(d.code));
    expect(inputErrors, `golden/${label}/input.onnx.txt is not a valid model`).toEqual([]);
    const result = runSchedule(parsePipeline(c.pipeline, passes), input, { verifyEach: true });
    const got = printModel(result.model);
    if (update) {
      writeFileSync(c.expectedFile, got);
      return;
    }
    if (!existsSync(c.expectedFile)) {
      throw new Error(
        `${relative(projectRoot, c.expectedFile)} is missing: create it with ` +
          '`LATHE_UPDATE_GOLDEN=1 npx vitest run test/golden.test.ts` and review what it wrote',
      );
    }
    expect(got).toBe(normalizedText(readFileSync(c.expectedFile, 'utf8')));
  });
});
