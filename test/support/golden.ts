/**
 * The golden cases of passes, shared by test/golden.test.ts (runs them) and the golden meta-test
 * (checks every pass has them): `golden/<folder>/<case>/input.onnx.txt` and `expected.onnx.txt`,
 * the pipeline in `golden/<folder>/pipeline.txt` (default: the folder name as a single pass).
 * Folders without case subfolders (golden/models: sample models for the CLI) are not golden folders.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import { projectRoot } from './shared.js';

/** The golden/ folder of the project. */
export const goldenRoot: string = join(projectRoot, 'golden');

const isDir = (p: string): boolean => statSync(p).isDirectory();

export interface GoldenFolder {
  /** Folder name under golden/ (the pass name, unless pipeline.txt says otherwise). */
  readonly name: string;
  readonly dir: string;
  /** The pipeline its cases run (pipeline.txt, else the folder name). */
  readonly pipeline: string;
  readonly cases: readonly GoldenCase[];
}

export interface GoldenCase {
  readonly folder: string;
  readonly name: string;
  readonly dir: string;
  readonly pipeline: string;
  readonly inputFile: string;
  readonly expectedFile: string;
}

/** Every golden folder (one holding at least one case subfolder), sorted by name. */
export function goldenFolders(): GoldenFolder[] {
  const out: GoldenFolder[] = [];
  for (const name of readdirSync(goldenRoot).sort()) {
    const dir = join(goldenRoot, name);
    if (!isDir(dir)) continue;
    const subdirs = readdirSync(dir).sort().filter((c) => isDir(join(dir, c)));
    if (subdirs.length === 0) continue;
    const pfile = join(dir, 'pipeline.txt');
    const pipeline = existsSync(pfile) ? readFileSync(pfile, 'utf8').trim() : name;
    const cases = subdirs.map((c) => ({
      folder: name,
      name: c,
      dir: join(dir, c),
      pipeline,
      inputFile: join(dir, c, 'input.onnx.txt'),
      expectedFile: join(dir, c, 'expected.onnx.txt'),
    }));
    out.push({ name, dir, pipeline, cases });
  }
  return out;
}

/** A model text in lathe's printed layout (parse → print), so hand-laid-out files compare. */
export function normalizedText(text: string): string {
  return printModel(parseModel(text));
}
