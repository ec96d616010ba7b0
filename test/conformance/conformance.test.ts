/**
 * ONNX node-test conformance of the reference evaluator.
 *
 * `npx vitest run test/conformance` runs every case, writes OPS.md at the project root and fails
 * only when fewer cases pass than `ratchet.json` records (raise it as kernels land), so CI
 * catches regressions without failing on ops still missing.
 *
 * `LATHE_CASES=regex npx vitest run test/conformance` runs only the matching cases and prints
 * each one's result and failure reason (no OPS.md, no ratchet).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { standardOps } from '../../ir/ops/index.js';
import { compareValues, listCases, opsReport, runCase, type CaseResult } from './runner.js';

const here = dirname(fileURLToPath(import.meta.url));
const filter = process.env.LATHE_CASES;

test('compareValues: tolerance, NaN, exact integers, shapes and dtypes', () => {
  const f = (...xs: number[]) => ({ kind: 'tensor' as const, dtype: 1, dims: [xs.length], data: Float32Array.from(xs) });
  expect(compareValues(f(1, NaN), f(1 + 5e-4, NaN), false, 'o')).toBeUndefined();
  expect(compareValues(f(1), f(1.01), false, 'o')).toMatch(/o: 1\/1 elements differ/);
  expect(compareValues(f(1, 2), f(1), false, 'o')).toMatch(/shape \[2\], expected \[1\]/);
  expect(compareValues(f(1, 2), f(5, 6), true, 'o')).toBeUndefined();
  const bf = (x: number) => ({ kind: 'tensor' as const, dtype: 16, dims: [1], data: Float32Array.of(x) });
  // ONNX's tolerance strictly: one bfloat16 step (0.5%) is past rtol 1e-3.
  expect(compareValues(bf(0.400390625), bf(0.400390625), false, 'o')).toBeUndefined();
  expect(compareValues(bf(0.40234375), bf(0.400390625), false, 'o')).toMatch(/differ/);
  const i = (x: number) => ({ kind: 'tensor' as const, dtype: 6, dims: [1], data: Int32Array.of(x) });
  expect(compareValues(i(1), i(2), false, 'o')).toMatch(/differ/);
  expect(compareValues(i(1), f(1), false, 'o')).toMatch(/dtype int32, expected float/);
  expect(compareValues({ kind: 'optional', value: null }, { kind: 'optional', value: f(1) }, false, 'o')).toMatch(/got none/);
});

test('node-test conformance', () => {
  const t0 = performance.now();
  const cases = listCases(undefined, filter ? new RegExp(filter) : undefined);
  const results: CaseResult[] = cases.map((c) => runCase(c));
  const ms = performance.now() - t0;
  const passes = results.filter((r) => r.pass).length;
  if (filter) {
    for (const r of results) console.log(`${r.pass ? 'PASS' : 'FAIL'} ${r.name} (${r.ms.toFixed(0)} ms)${r.reason ? `: ${r.reason}` : ''}`);
    console.log(`${passes} / ${results.length} pass in ${(ms / 1000).toFixed(1)} s`);
    return;
  }
  writeFileSync(join(here, '../../OPS.md'), opsReport(results, standardOps, ms));
  const slow = [...results].sort((a, b) => b.ms - a.ms).slice(0, 5);
  console.log(`conformance: ${passes} / ${results.length} pass in ${(ms / 1000).toFixed(1)} s; slowest: ${slow.map((r) => `${r.name} ${r.ms.toFixed(0)} ms`).join(', ')}`);
  const ratchet = JSON.parse(readFileSync(join(here, 'ratchet.json'), 'utf8')) as { evaluatorPasses: number };
  expect(passes, `conformance regressed below the ratchet (test/conformance/ratchet.json); see OPS.md`).toBeGreaterThanOrEqual(ratchet.evaluatorPasses);
}, 1_800_000);
