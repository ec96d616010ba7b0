/**
 * The core (ir/, src/, passes/) runs in a browser: it imports no `node:` module and no Node
 * built-in by its bare name. File access goes through ByteSource/ByteSink adapters in node/.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { projectRoot } from '../../bench/corpus.js';

const builtins = ['fs', 'path', 'os', 'child_process', 'crypto', 'url', 'util', 'stream', 'buffer', 'worker_threads'];

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...sources(p));
    else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.includes('test-util')) out.push(p);
  }
  return out;
}

test('ir/, src/ and passes/ import nothing from Node', () => {
  const files = ['ir', 'src', 'passes'].flatMap((d) => sources(join(projectRoot, d)));
  expect(files.length).toBeGreaterThan(50);
  const offenders = files.filter((f) => {
    const text = readFileSync(f, 'utf8');
    return /from\s+['"]node:/.test(text) || builtins.some((b) => new RegExp(`from\\s+['"]${b}['"]`).test(text)) || /\bprocess\./.test(text) || /\bBuffer\./.test(text);
  });
  expect(offenders).toEqual([]);
});
