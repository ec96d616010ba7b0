import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DataType as D } from '../ir/dtype.js';
import { readValue, writeValue } from '../ir/eval/data.js';
import type { RtValue } from '../ir/ops/types.js';
import { parseModel } from '../ir/text/parse.js';
import { expectOneLine, freshDir, input, lathe, removeCaseDirs, show } from '../test/support/cli-harness.js';
import { compareValues } from '../test/conformance/runner.js';
import { saveModelToBytes } from './io.js';
import { nodeTestsDir } from '../test/support/shared.js';

afterAll(removeCaseDirs);

// No standard kernel needed: graph outputs that are inputs, and a local function passing through.
const MODEL = `<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2,N] x, int64[3] k, float[1] w) => (float[2,N] a, int64[3] b, float[1] c) <float[1] w = {0.5}> {
  b = local.Pass (k)
  a = local.Pass (x)
  c = local.Pass (w)
}
<domain: "local", opset_import: ["" : 17]>
Pass (X) => (X) {}
`;

const f32 = (dims: number[], xs: number[]): RtValue => ({ kind: 'tensor', dtype: D.FLOAT, dims, data: Float32Array.from(xs) });
const i64 = (xs: bigint[]): RtValue => ({ kind: 'tensor', dtype: D.INT64, dims: [xs.length], data: BigInt64Array.from(xs) });

function setup() {
  const { dir, path } = input(saveModelToBytes(parseModel(MODEL)));
  writeFileSync(join(dir, 'input_0.pb'), writeValue(f32([2, 3], [1, 2, 3, 4, 5, 6])));
  writeFileSync(join(dir, 'input_1.pb'), writeValue(i64([7n, -8n, 2n ** 62n])));
  return { dir, path, out: join(dir, 'out') };
}

describe('lathe run', () => {
  test('--inputs DIR reads input_K.pb of the non-initializer inputs and writes output_K.pb', async () => {
    const { dir, path, out } = setup();
    const r = await lathe('run', path, '--inputs', dir, '-o', out);
    expect(r.code, show(r)).toBe(0);
    expect(r.out).toContain('wrote 3 outputs');
    expect(readValue(readFileSync(join(out, 'output_0.pb')))).toEqual(f32([2, 3], [1, 2, 3, 4, 5, 6]));
    expect(readValue(readFileSync(join(out, 'output_1.pb')))).toEqual(i64([7n, -8n, 2n ** 62n]));
    expect(readValue(readFileSync(join(out, 'output_2.pb')))).toEqual(f32([1], [0.5]));
  });

  test('--input NAME=FILE gives or overrides inputs, initializers included', async () => {
    const { dir, path, out } = setup();
    const w = join(dir, 'w.pb');
    writeFileSync(w, writeValue(f32([1], [9])));
    const r = await lathe('run', path, '--input', `x=${join(dir, 'input_0.pb')}`, '--input', `k=${join(dir, 'input_1.pb')}`, `--input=w=${w}`, '-o', out, '-q');
    expect(r.code, show(r)).toBe(0);
    expect(r.out).toBe('');
    expect(readValue(readFileSync(join(out, 'output_2.pb')))).toEqual(f32([1], [9]));
  });

  test('a missing input is exit 2 with one line naming it', async () => {
    const { path, out } = setup();
    const r = await lathe('run', path, '--input', `x=${join(out, '..', 'input_0.pb')}`, '-o', out);
    expect(r.code, show(r)).toBe(2);
    expectOneLine(r, path);
    expect(r.err).toMatch(/input 'k' is missing/);
  });

  test('wrong dtype, rank or static dim is exit 2 naming the input', async () => {
    for (const [value, message] of [
      [i64([1n, 2n]), /input 'x' \(.*input_0.pb\): dtype int64, declared float/],
      [f32([6], [1, 2, 3, 4, 5, 6]), /input 'x' .*: shape \[6\] has rank 1, declared \[2,N\]/],
      [f32([3, 2], [1, 2, 3, 4, 5, 6]), /input 'x' .*: shape \[3,2\] differs from declared \[2,N\] at dim 0/],
    ] as const) {
      const { dir, path, out } = setup();
      writeFileSync(join(dir, 'input_0.pb'), writeValue(value));
      const r = await lathe('run', path, '--inputs', dir, '-o', out);
      expect(r.code, show(r)).toBe(2);
      expectOneLine(r, path);
      expect(r.err).toMatch(message);
    }
  });

  test('a garbage input file and an unknown --input name are exit 2', async () => {
    const { dir, path, out } = setup();
    writeFileSync(join(dir, 'input_1.pb'), Uint8Array.of(0x0a, 0x7f));
    const r = await lathe('run', path, '--inputs', dir, '-o', out);
    expect(r.code, show(r)).toBe(2);
    expect(r.err).toMatch(/input 'k'/);
    const u = await lathe('run', path, '--inputs', dir, '--input', 'nope=x.pb', '-o', out);
    expect(u.code, show(u)).toBe(2);
    expect(u.err).toMatch(/no input 'nope'/);
  });

  test('ONNX node-test cases (tensors and sequences) reproduce their expected outputs', async () => {
    for (const name of ['test_add_bcast', 'test_identity_sequence', 'test_optional_get_element_optional_sequence']) {
      const data = join(nodeTestsDir, name, 'test_data_set_0');
      const out = freshDir();
      const r = await lathe('run', join(data, '..', 'model.onnx'), '--inputs', data, '-o', out, '-q');
      expect(r.code, show(r)).toBe(0);
      const got = readFileSync(join(out, 'output_0.pb'));
      const want = readFileSync(join(data, 'output_0.pb'));
      const kind = name.includes('sequence') ? ({ kind: 'sequence' } as const) : undefined;
      expect(compareValues(readValue(got, kind), readValue(want, kind), false, name)).toBeUndefined();
    }
  });

  test('an invalid model is refused before it runs, as optimize refuses it', async () => {
    const head = '<ir_version: 8, opset_import: ["" : 17]>';
    const cases: Record<string, string> = {
      'duplicate-name': `${head} g (float[2] x) => (float[2] y) { y = Relu(x)\n y = Relu(x) }`,
      'duplicate-name ': `${head} g (float[2] x, float[2] x) => (float[2] y) { y = Relu(x) }`,
      'op-arity': `${head} g (float[2] x) => (float[2] y) { y = Add(x, x, x) }`,
    };
    for (const [code, text] of Object.entries(cases)) {
      const { dir, path } = input(saveModelToBytes(parseModel(text)));
      writeFileSync(join(dir, 'input_0.pb'), writeValue(f32([2], [1, 2])));
      const out = join(dir, 'out');
      const r = await lathe('run', path, '--inputs', dir, '-o', out);
      expect(r.code, show(r)).toBe(2);
      expectOneLine(r, path);
      expect(r.err).toContain(`invalid model: [${code.trim()}]`);
      expect(existsSync(out)).toBe(false);
    }
  });

  test('usage errors are exit 1', async () => {
    const { dir, path } = setup();
    expect((await lathe('run', path, '--inputs', dir)).code).toBe(1);
    expect((await lathe('run', path, '--input', 'x', '-o', freshDir())).code).toBe(1);
    expect((await lathe('run', path, '--inputs', dir, '-o', freshDir(), '--seed', '-1')).code).toBe(1);
  });
});
