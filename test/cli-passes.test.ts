/** `lathe optimize IN -o OUT --passes PIPELINE` end to end on the real file system, in process. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadModel } from '../node/io.js';
import { passes } from '../passes/index.js';
import { latheWith, removeCaseDirs } from './support/cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'lathe-passes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterAll(removeCaseDirs);
const mlp = join(import.meta.dirname, '..', 'golden', 'models', 'tiny-mlp.onnx');

const lathe = (...args: string[]) => latheWith(passes, ...args);

describe('lathe optimize --passes', () => {
  it('infer-shapes writes value_info for the intermediates', async () => {
    const out = join(dir, 'typed.onnx');
    const r = await lathe('optimize', mlp, '-o', out, '--passes', 'infer-shapes');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/ {4}infer-shapes: 1 run, 1 changed, [\d.]+ m?s; values-typed 5\n/);
    const m = loadModel(out);
    const typed = Object.values(m.graph.values).filter((v) => v.def && v.type);
    expect(typed.map((v) => [v.name, v.type])).toContainEqual(['h', { kind: 'tensor', dtype: 1, shape: ['batch', 16] }]);
    expect(typed).toHaveLength(6);
  });
  it('an unknown pass is a usage error naming the known ones', async () => {
    const r = await lathe('optimize', mlp, '-o', join(dir, 'x.onnx'), '--passes', 'infer-shapes,frob');
    expect(r.code).toBe(1);
    // the list is elided in the middle once the line passes ~300 characters: check its two ends
    const known = Object.keys(passes).sort();
    expect(r.err).toMatch(new RegExp(`^lathe: --passes: unknown pass 'frob' \\(known: ${known[0]}, `));
    expect(r.err).toContain(`, ${known[known.length - 1]}) (see`);
  });
  it('--passes replaces the level', async () => {
    const r = await lathe('optimize', mlp, '-o', join(dir, 'y.onnx'), '-O1', '--passes', 'infer-shapes');
    expect(r.code).toBe(0);
    expect(r.out).toContain('  pipeline: infer-shapes\n');
  });
});
