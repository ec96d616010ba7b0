/**
 * A pass written outside the package, as a user would: `eliminate-identity.ts` imports only
 * `lathe` (resolved to the package entry: vitest alias and tsconfig paths, the same module the
 * `exports` of package.json name). It runs through `runSchedule` beside lathe's own passes; its
 * golden cases sit in ./golden; PASSES.md shows this code and a test below keeps the two equal.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluate, parseModel, parsePipeline, passes, printModel, printSchedule, runSchedule, verify, type Model, type PassRegistry } from 'lathe';
import { arbModel } from '../arbitraries/model.js';
import { eliminateIdentity } from './eliminate-identity.js';

const here = import.meta.dirname;
const goldenDir = join(here, 'golden');
const cases = readdirSync(goldenDir).sort();

describe('eliminate-identity, written outside the package', () => {
  it.each(cases)('golden %s', (name) => {
    const input = parseModel(readFileSync(join(goldenDir, name, 'input.onnx.txt'), 'utf8'));
    const file = join(goldenDir, name, 'expected.onnx.txt');
    expect(existsSync(file)).toBe(true); // never written by the test
    const { model } = runSchedule(eliminateIdentity(), input, { verifyEach: true });
    expect(printModel(model)).toBe(printModel(parseModel(readFileSync(file, 'utf8'))));
  });

  it('fires where it should and leaves the model itself alone where it must not', () => {
    const read = (name: string) => parseModel(readFileSync(join(goldenDir, name, 'input.onnx.txt'), 'utf8'));
    const fired = runSchedule(eliminateIdentity(), read('removes'));
    expect(fired.stats.get('eliminate-identity/removed')).toBe(2);
    const kept = read('input-to-output');
    expect(runSchedule(eliminateIdentity(), kept).model).toBe(kept);
  });

  it('runs in a pipeline beside lathe’s own passes', () => {
    const registry: PassRegistry = { ...passes, 'eliminate-identity': eliminateIdentity };
    const schedule = parsePipeline('fixpoint(eliminate-identity,infer-shapes)', registry);
    expect(printSchedule(schedule)).toBe('fixpoint(eliminate-identity,infer-shapes)');
    const input = parseModel(readFileSync(join(goldenDir, 'removes', 'input.onnx.txt'), 'utf8'));
    const r = runSchedule(schedule, input, { verifyEach: true });
    expect(r.stop).toBe('done');
    expect(r.model.graph.order).toHaveLength(1);
  });

  // #region property
  it('on random models: valid after, same outputs, a second run changes nothing', () => {
    const inputsOf = (m: Model) =>
      Object.fromEntries(
        m.graph.inputs.map((id, i) => {
          const v = m.graph.values[id]!;
          const t = v.type!.kind === 'tensor' ? v.type! : undefined;
          const dims = (t?.shape ?? []) as number[];
          const n = dims.reduce((a, b) => a * b, 1);
          const data = t?.dtype === 9 ? new Uint8Array([i % 2]) : Float32Array.from({ length: n }, (_, k) => k - i);
          return [v.name!, { kind: 'tensor' as const, dtype: t!.dtype, dims, data }];
        }),
      );
    let fired = 0;
    fc.assert(
      fc.property(arbModel(), (model) => {
        const once = runSchedule(eliminateIdentity(), model, { verifyEach: true });
        expect(verify(once.model).filter((d) => d.severity === 'error')).toEqual([]);
        expect(evaluate(once.model, inputsOf(model))).toEqual(evaluate(model, inputsOf(model)));
        expect(runSchedule(eliminateIdentity(), once.model).model).toBe(once.model);
        if (once.changed) fired++;
      }),
      { numRuns: 150, seed: 7 },
    );
    expect(fired).toBeGreaterThan(20);
  });
  // #endregion
});

describe('PASSES.md', () => {
  it('shows this pass and its property test as they are', () => {
    const md = readFileSync(join(here, '..', '..', 'PASSES.md'), 'utf8');
    const block = (marker: string) => {
      const m = md.match(new RegExp(`<!-- ${marker} -->\\n\`\`\`ts\\n([\\s\\S]*?)\`\`\`\\n`));
      if (!m) throw new Error(`PASSES.md has no block marked ${marker}`);
      return m[1];
    };
    expect(block('test/outside/eliminate-identity.ts')).toBe(readFileSync(join(here, 'eliminate-identity.ts'), 'utf8'));
    const test = readFileSync(join(here, 'eliminate-identity.test.ts'), 'utf8');
    const region = test.match(/ {2}\/\/ #region property\n([\s\S]*?) {2}\/\/ #endregion\n/)![1];
    expect(block('test/outside/eliminate-identity.test.ts#property')).toBe(region.replace(/^ {2}/gm, ''));
  });
});
