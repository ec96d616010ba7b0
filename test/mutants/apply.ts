/**
 * Builds a mutant: a copy of one pass folder (passes/NAME) with ONE textual change in one file,
 * written under test/mutants/.gen/ (git-ignored) with imports that leave the folder pointed back
 * at the real modules, then imported. The mutant is the real pass's code with that one change,
 * like the mutants of a mutation-testing tool.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PassFactory } from '../../src/pass.js';

export interface Mutant {
  /** kebab-case id. */
  readonly name: string;
  /** The pass folder under passes/. */
  readonly pass: string;
  /** The file inside it (relative to the folder) that changes. */
  readonly file: string;
  /** Text that occurs exactly once in that file … */
  readonly find: string;
  /** … and what replaces it. */
  readonly replace: string;
  /** Further edits of the same file when one logical change touches two places. */
  readonly also?: readonly { readonly find: string; readonly replace: string }[];
  /** What the change breaks, in words. */
  readonly breaks: string;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const genRoot = join(here, '.gen');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...tsFiles(p));
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

/** Writes the mutant's folder and returns the path of its copy of the pass's entry module. */
export function writeMutant(m: Mutant): string {
  const src = join(root, 'passes', m.pass);
  const dst = join(genRoot, m.name);
  rmSync(dst, { recursive: true, force: true });
  let patched = false;
  for (const file of tsFiles(src)) {
    const rel = relative(src, file);
    let text = readFileSync(file, 'utf8');
    if (rel === m.file) {
      for (const edit of [{ find: m.find, replace: m.replace }, ...(m.also ?? [])]) {
        const at = text.indexOf(edit.find);
        if (at < 0 || text.indexOf(edit.find, at + 1) >= 0) throw new Error(`mutant ${m.name}: the text to change must occur exactly once in ${m.pass}/${m.file}`);
        text = text.slice(0, at) + edit.replace + text.slice(at + edit.find.length);
      }
      patched = true;
    }
    // Imports leaving the folder go back to the real modules.
    text = text.replace(/from '(\.\.?\/[^']+)'/g, (whole, spec: string) => {
      const target = resolve(dirname(file), spec);
      if (target.startsWith(src + '/')) return whole;
      return `from '${relative(dirname(join(dst, rel)), target).replace(/^(?!\.)/, './')}'`;
    });
    mkdirSync(dirname(join(dst, rel)), { recursive: true });
    writeFileSync(join(dst, rel), text);
  }
  if (!patched) throw new Error(`mutant ${m.name}: no file ${m.pass}/${m.file}`);
  return join(dst, `${m.pass}.ts`);
}

/** The pass factory a mutant's entry module exports. */
export async function loadMutant(m: Mutant): Promise<PassFactory> {
  const mod = (await import(writeMutant(m))) as Record<string, unknown>;
  const f = Object.values(mod).find((x): x is PassFactory => typeof x === 'function' && 'passName' in x);
  if (!f) throw new Error(`mutant ${m.name}: no pass factory exported by ${m.pass}.ts`);
  return f;
}
