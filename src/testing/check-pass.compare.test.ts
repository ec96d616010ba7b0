/**
 * What checkOne compares, at its edges: each is a way checkPass could pass a broken pass (found by
 * planting one-line bugs in check-pass.ts that the other tests let through). A float output off by
 * 0.1% (past the default tolerance), an integer output off by one, the second output of two, an
 * output that no longer evaluates, one that evaluates but does not verify, growth by one node,
 * and a given model the pass breaks.
 */
import { describe, expect, test } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import type { Model } from '../../ir/types.js';
import { checkOne, checkOneAsync, checkPass } from './check-pass.js';
import type { Oracle } from './oracle.js';
import { evaluate } from '../../ir/eval/run.js';
import { loadModelFromBytes } from '../io.js';
import { failure } from './check-pass.test-util.js';

const HEAD = '<ir_version: 8, opset_import: ["" : 17]>';
const m = (body: string) => parseModel(`${HEAD}\n${body}`);
const f32 = (xs: number[]) => ({ kind: 'tensor', dtype: 1, dims: [xs.length], data: Float32Array.from(xs) }) as never;
const i32 = (xs: number[]) => ({ kind: 'tensor', dtype: 6, dims: [xs.length], data: Int32Array.from(xs) }) as never;

/** A "pass" that returns `out` whatever it is given. */
const becomes = (out: Model) => () => out;

describe('checkOne compares every output within the dtype tolerance', () => {
  const relu = m('g (float[2] x) => (float[2] y) { y = Relu (x) }');
  const scaled = (k: string) => m(`g (float[2] x) => (float[2] y) <float c = {${k}}> { r = Relu (x)\n y = Mul (r, c) }`);
  const feeds = [{ x: f32([1, 2]) }];
  test('float: 0.1% off is a difference, 1e-7 off is not (rtol 1e-4, atol 1e-5)', () => {
    expect(checkOne(becomes(scaled('1.001')), relu, feeds)?.problem).toBe("outputs differ from the original's");
    expect(checkOne(becomes(scaled('1.0000001')), relu, feeds)).toBeUndefined();
  });
  test('integers are exact: off by one is a difference', () => {
    const abs = m('g (int32[2] x) => (int32[2] y) { y = Abs (x) }');
    const plusOne = m('g (int32[2] x) => (int32[2] y) <int32 one = {1}> { a = Abs (x)\n y = Add (a, one) }');
    expect(checkOne(becomes(plusOne), abs, [{ x: i32([1, 2]) }])?.differences).toEqual(['y: 2 of 2 elements differ (max |diff| 1)', 'y[0]: expected 1, got 2', 'y[1]: expected 2, got 3']);
  });
  test('the second output is compared too', () => {
    const two = m('g (float[2] x) => (float[2] y, float[2] z) { y = Relu (x)\n z = Neg (x) }');
    const wrongZ = m('g (float[2] x) => (float[2] y, float[2] z) { y = Relu (x)\n z = Identity (x) }');
    expect(checkOne(becomes(wrongZ), two, [{ x: f32([1, 2]) }])?.differences?.[0]).toMatch(/^z: 2 of 2 elements differ/);
  });
});

test('a difference at an infinity is listed with its element (|inf - x| <= rtol * inf holds, yet they differ)', () => {
  const relu = m('g (float[2] x) => (float[2] y) { y = Relu (x) }');
  const capped = m('g (float[2] x) => (float[2] y) <float c = {3}> { y = Min (x, c) }');
  const negated = m('g (float[2] x) => (float[2] y) { y = Neg (x) }');
  expect(checkOne(becomes(capped), relu, [{ x: f32([Infinity, 1]) }])?.differences).toEqual(['y: 1 of 2 elements differ (max |diff| Infinity)', 'y[0]: expected Infinity, got 3']);
  expect(checkOne(becomes(negated), relu, [{ x: f32([Infinity, 0]) }])?.differences).toEqual(['y: 1 of 2 elements differ (max |diff| Infinity)', 'y[0]: expected Infinity, got -Infinity']);
});

test('an output the oracle does not return for the pass\'s model is a difference', async () => {
  // A runtime may leave out an output (an optional one it prunes): the original's y has no match.
  const relu = m('g (float[2] x) => (float[2] y) { y = Relu (x) }');
  const other = m('g (float[2] x) => (float[2] y) { r = Relu (x)\n y = Identity (r) }');
  let calls = 0;
  const forgetful: Oracle = { name: 'forgetful', run: async (bytes, feeds) => (calls++ === 0 ? evaluate(loadModelFromBytes(bytes), feeds) : new Map()) };
  const f = await checkOneAsync(becomes(other), relu, [{ x: f32([1, 2]) }], forgetful);
  expect(f?.problem).toBe("outputs differ from the original's (in forgetful)");
  expect(f?.differences?.[0]).toMatch(/^y: /);
});

describe('checkOne: outputs that are not sound models', () => {
  const relu = m('g (float[2] x) => (float[2] y) { y = Relu (x) }');
  test('an output that fails to evaluate where the original runs', () => {
    const custom = parseModel('<ir_version: 8, opset_import: ["" : 17, "acme" : 1]>\ng (float[2] x) => (float[2] y) { y = acme.Relu (x) }');
    expect(checkOne(becomes(custom), relu, [{ x: f32([1, -2]) }])?.problem).toMatch(/^the output fails to evaluate where the original runs: /);
  });
  test('an output that evaluates to the same values but does not verify', () => {
    const twice = m('g (float[2] x) => (float[2] y) <float[2] w = {1, 2}, float[2] w = {1, 2}> { y = Relu (x) }');
    expect(checkOne(becomes(twice), relu, [{ x: f32([1, -2]) }])?.problem).toMatch(/^the output does not verify: \[duplicate-initializer\]/);
  });
  test('noGrowth: one node more is growth', () => {
    const more = m('g (float[2] x) => (float[2] y) { r = Relu (x)\n y = Identity (r) }');
    expect(checkOne(becomes(more), relu, [], { noGrowth: 'nodes' })?.problem).toBe('nodes grew from 1 to 2');
  });
});

test('a given model the pass breaks fails checkPass, with runs 0', () => {
  const sub = m('g (float[2] a, float[2] b) => (float[2] y) { y = Sub (a, b) }');
  const swapped = m('g (float[2] a, float[2] b) => (float[2] y) { y = Sub (b, a) }');
  const e = failure(() => checkPass(becomes(swapped), { seed: 1, runs: 0, models: [sub] }));
  expect(e.problem).toBe("outputs differ from the original's");
  expect(e.message).toContain('given model #0');
});
