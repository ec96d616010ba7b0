/**
 * README "Test your own pass": the example runs as written (imports mapped to this checkout),
 * and the failure report shown is what checkPass prints for the broken variant.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Test your own pass'));

/** The n-th fenced block of the section. */
function block(n: number): string {
  const blocks = [...section.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => m[1]);
  return blocks[n];
}

async function run(code: string, name: string): Promise<unknown> {
  const dir = join(here, '.gen');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.ts`);
  // Relative imports: the generated file holds no path of this machine.
  const mapped = code
    .replace("from 'lathe/testing'", "from '../../../src/testing.js'")
    .replace("from 'lathe'", "from '../../../src/index.js'");
  writeFileSync(file, mapped);
  return import(file);
}

test('the example passes', async () => {
  await expect(run(block(0), 'example')).resolves.toBeDefined();
});

test('the report shown is the one the broken variant gives', async () => {
  // The broken variant from the README text: the outer Relu is dropped (Relu(Relu(x)) → x).
  const broken = block(0).replace('e.setInput(n.id, 0, inner.inputs[0]!);', 'e.replaceAllUses(n.outputs[0]!, inner.inputs[0]!);');
  expect(broken).not.toBe(block(0));
  const err = await run(broken, 'broken').then(() => undefined, (e: unknown) => e as Error);
  expect(err?.name).toBe('CheckPassError');
  expect(err!.message.trim()).toBe(block(1).trim());
});
