/** The project's own modules and what they import, for meta-tests that read the source. */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** The `.ts` files below `dir`, tests and test helpers (`*.test.ts`, `*test-util*`) left out. */
export function moduleSources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...moduleSources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.includes('test-util')) out.push(p);
  }
  return out;
}

/** Every module specifier a source names, with its line: static, side-effect, re-export, dynamic, require. */
export function moduleSpecifiers(text: string): { spec: string; line: number }[] {
  const patterns = [
    /\bfrom\s*(['"])([^'"]+)\1/g, // import … from '…' / export … from '…'
    /\bimport\s*(['"])([^'"]+)\1/g, // import '…'
    /\bimport\s*\(\s*(['"`])([^'"`]+)\1/g, // import('…'), also import types: import('…').T
    /\brequire\s*\(\s*(['"`])([^'"`]+)\1/g, // require('…')
  ];
  const out: { spec: string; line: number }[] = [];
  for (const re of patterns) {
    for (const m of text.matchAll(re)) out.push({ spec: m[2]!, line: text.slice(0, m.index).split('\n').length });
  }
  return out;
}

/** The text with comments blanked (newlines kept, so line numbers stay), so prose is not scanned. */
export function withoutComments(text: string): string {
  const blank = (c: string) => c.replace(/[^\n]/g, ' ');
  return text.replace(/\/\*[\s\S]*?\*\//g, blank).replace(/(^|[\s;{}(),])\/\/[^\n]*/g, (m, lead: string) => lead + blank(m.slice(lead.length)));
}
