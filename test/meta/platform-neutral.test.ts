/**
 * The core (ir/, src/, passes/) runs in a browser: it imports no `node:` module and no Node
 * built-in by its bare name, in any form (static `import … from`, side-effect `import '…'`,
 * `export … from`, dynamic `import('…')`, `require('…')`). File access goes through
 * ByteSource/ByteSink adapters in node/.
 */
import { readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { expect, test } from 'vitest';
import { projectRoot } from '../support/shared.js';
import { moduleSources, moduleSpecifiers, withoutComments } from '../support/sources.js';

const builtins = new Set(builtinModules.filter((b) => !b.startsWith('_')));

/** True for `node:x`, a bare built-in (`fs`), or a built-in's subpath (`fs/promises`). */
function isNodeBuiltin(spec: string): boolean {
  return spec.startsWith('node:') || builtins.has(spec) || builtins.has(spec.split('/')[0]!);
}

/** Why a source is not platform-neutral, one line per finding (empty when it is). */
function findings(file: string, source: string): string[] {
  const text = withoutComments(source);
  const where = relative(projectRoot, file);
  const out = moduleSpecifiers(text)
    .filter(({ spec }) => isNodeBuiltin(spec))
    .map(({ spec, line }) => `${where}:${line}: imports '${spec}'`);
  // a require or import whose argument is not a literal could name anything
  for (const m of text.matchAll(/\b(require|import)\s*\(\s*(?!['"`])/g)) {
    out.push(`${where}:${text.slice(0, m.index).split('\n').length}: ${m[1]}() of a computed name`);
  }
  if (/\bprocess\./.test(text)) out.push(`${where}: uses process.`);
  if (/\bBuffer\./.test(text)) out.push(`${where}: uses Buffer.`);
  return out;
}

test('ir/, src/, passes/, the browser entry (browser/) and the page (web/) import nothing from Node', () => {
  const files = ['ir', 'src', 'passes', 'browser', 'web'].flatMap((d) => moduleSources(join(projectRoot, d)));
  expect(files.length).toBeGreaterThan(50);
  expect(files.flatMap((f) => findings(f, readFileSync(f, 'utf8')))).toEqual([]);
});

test('the scan sees every form of import', () => {
  const planted = [
    "import { readFileSync } from 'node:fs';",
    "import * as path from 'path';",
    "import 'fs';",
    "export { x } from 'node:os';",
    "const fs = await import('node:fs');",
    "const cp = await import(\"child_process\");",
    "const p = require('fs/promises');",
    "const q = require(name);",
  ];
  const found = findings('/x.ts', planted.join('\n'));
  expect(found).toHaveLength(planted.length);
  expect(findings('/x.ts', "import { a } from './fs.js';\nconst m = await import('./run.js');\n// no opset import (here)\n/* require(x) */")).toEqual([]);
});
