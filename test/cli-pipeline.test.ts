/** The CLI around the runner: --verify-each, --print-after, reproducers on failure, `lathe passes`. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { passes } from '../passes/index.js';
import { parseModel } from '../ir/text/parse.js';
import type { Model, ValueId } from '../ir/types.js';
import { definePass } from '../src/pass.js';
import type { PassRegistry } from '../src/schedule.js';
import { latheWith, removeCaseDirs } from './support/cli-harness.js';

const dir = mkdtempSync(join(tmpdir(), 'lathe-pipeline-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterAll(removeCaseDirs);
const mlp = join(import.meta.dirname, '..', 'golden', 'models', 'tiny-mlp.onnx');

const boom = definePass({ name: 'boom', summary: 'always throws', defaults: { why: 'on purpose' }, run: (_m, _c, o): Model => { throw new Error(`kaboom ${o.why}`); } });
const breakOutputs = definePass({
  name: 'break-outputs',
  summary: 'points the graph output at nothing',
  defaults: {},
  run: (m): Model => ({ ...m, graph: { ...m.graph, outputs: ['nowhere' as ValueId] } }),
});
const registry: PassRegistry = { ...passes, boom, 'break-outputs': breakOutputs };

const lathe = (...args: string[]) => latheWith(async () => registry, ...args);

describe('lathe optimize with a pipeline', () => {
  it('runs loops from the text form', async () => {
    const r = await lathe('optimize', mlp, '-o', join(dir, 'a.onnx'), '--passes', 'fixpoint{max=3}(infer-shapes)', '--verify-each');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
  });
  it('--print-after prints the ONNX text when that pass changed the model, and only then', async () => {
    const r = await lathe('optimize', mlp, '-o', join(dir, 'b.onnx'), '--passes', 'infer-shapes,infer-shapes', '--print-after', 'infer-shapes', '-q');
    expect(r.code).toBe(0);
    expect(r.out.match(/# lathe: after infer-shapes\n/g)).toHaveLength(1); // the second run changes nothing
    const text = r.out.replace(/^# lathe: after infer-shapes\n/, '');
    expect(parseModel(text).graph.nodes).toBeDefined();
    expect(text).toMatch(/float\[batch,16\] h/);
  });
  it('a failing pass: one line naming it and the reproducer, which holds its input and pipeline; no output', async () => {
    const out = join(dir, 'c.onnx');
    const r = await lathe('optimize', mlp, '-o', out, '--passes', 'infer-shapes,boom{why=here}');
    expect(r.code).toBe(2);
    const repro = join(dir, 'c.repro.onnx.txt');
    expect(r.err).toBe(`lathe: ${mlp}: pass 'boom' failed: kaboom here (reproducer: ${repro})\n`);
    expect(existsSync(out)).toBe(false);
    const text = readFileSync(repro, 'utf8');
    expect(text).toMatch(/^# lathe reproducer: pass 'boom' failed: kaboom here\n# pipeline: boom\{why=here\}\n/);
    const input = parseModel(text); // the input of the failing pass: after infer-shapes typed it
    expect(Object.values(input.graph.values).some((v) => v.name === 'h' && v.type !== undefined)).toBe(true);
  });
  it('a failing pass whose reproducer cannot be written (no such folder) is still named, with why there is no reproducer', async () => {
    const out = join(dir, 'no-such-folder', 'e.onnx');
    const r = await lathe('optimize', mlp, '-o', out, '--passes', 'boom{why=here}');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^lathe: .*tiny-mlp\.onnx: pass 'boom' failed: kaboom here \(no reproducer: .*e\.repro\.onnx\.txt: .*\)\n$/);
  });
  it('--verify-each stops at the pass that broke the model', async () => {
    const r = await lathe('optimize', mlp, '-o', join(dir, 'd.onnx'), '--passes', 'break-outputs', '--verify-each');
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^lathe: .*: pass 'break-outputs' made an invalid model: \[undefined-output\] .* \(reproducer: .*d\.repro\.onnx\.txt\)\n$/);
  });
  it('refuses --print-after naming an unknown pass, and bad options', async () => {
    const r = await lathe('optimize', mlp, '-o', join(dir, 'e.onnx'), '--passes', 'boom', '--print-after', 'frob');
    expect([r.code, r.err]).toEqual([1, expect.stringMatching(/--print-after: unknown pass 'frob'/)]);
    const o = await lathe('optimize', mlp, '-o', join(dir, 'e.onnx'), '--passes', 'boom{why=1,x=2}');
    expect([o.code, o.err]).toEqual([1, expect.stringMatching(/--passes: pass 'boom' has no option 'x' \(options: why\)/)]);
  });
});

describe('lathe passes', () => {
  it('lists every pass with its summary and options', async () => {
    const r = await lathe('passes');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    for (const [name, f] of Object.entries(registry)) expect(lines.some((l) => l.startsWith(`${name} `) && l.endsWith(`  ${f.summary}`))).toBe(true);
    expect(r.out).toMatch(/^ +why: string \(default "on purpose"\)$/m);
    expect((await lathe('passes', 'x.onnx')).code).toBe(1);
  });
});
