/**
 * The commands a new user meets first, in process on the real file system (test/support/cli-harness):
 * `print`/`parse`, `run` with .npy and random inputs, named outputs and output summaries, and
 * `compare`.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DataType as D } from '../ir/dtype.js';
import { readValue, writeValue } from '../ir/eval/data.js';
import { readNpy, writeNpy } from '../ir/eval/npy.js';
import type { TensorValue } from '../ir/ops/types.js';
import { modelsEqual } from '../ir/text/equal.js';
import { parseModel } from '../ir/text/parse.js';
import { loadModel } from '../node/io.js';
import { expectOneLine, freshDir, input, lathe, removeCaseDirs, show } from '../test/support/cli-harness.js';
import { saveModelToBytes } from './io.js';
import { formatStat, outputStems } from './run-command.js';

afterAll(removeCaseDirs);

const MLP = `<ir_version: 8, opset_import: ["" : 17]>
g (float[batch,3] x, float[batch,3] bias) => (float[batch,3] "y/out:0", float[batch,3] z) <float[3] w = {1, 2, 3}> {
  t = Mul (x, w)
  "y/out:0" = Add (t, bias)
  z = Relu (t)
}
`;

// same function, computed another way: (x*w)+bias as bias+(x*w), Relu as Max(t, 0)
const MLP2 = `<ir_version: 8, opset_import: ["" : 17]>
g (float[batch,3] x, float[batch,3] bias) => (float[batch,3] "y/out:0", float[batch,3] z) <float[3] w = {1, 2, 3}, float zero = {0}> {
  t = Mul (w, x)
  "y/out:0" = Add (bias, t)
  z = Max (t, zero)
}
`;

const f32 = (dims: number[], xs: number[]): TensorValue => ({ kind: 'tensor', dtype: D.FLOAT, dims, data: Float32Array.from(xs) });

function modelFile(text: string, name = 'm.onnx', dir = freshDir()) {
  return input(saveModelToBytes(parseModel(text)), name, dir);
}

describe('lathe print / parse', () => {
  test('print writes the text syntax to stdout or -o FILE; parse reads it back to an equal model', async () => {
    const { dir, path } = modelFile(MLP);
    const p = await lathe('print', path);
    expect(p.code, show(p)).toBe(0);
    expect(p.out).toContain('"y/out:0" = Add (t, bias)');
    const txt = join(dir, 'm.txt');
    expect((await lathe('print', path, '-o', txt)).code).toBe(0);
    expect(readFileSync(txt, 'utf8')).toBe(p.out);
    const back = join(dir, 'back.onnx');
    const r = await lathe('parse', txt, '-o', back);
    expect(r.code, show(r)).toBe(0);
    expect(r.out).toMatch(/^lathe: wrote .*back.onnx \(\d+ B\)\n$/);
    expect(modelsEqual(loadModel(back), loadModel(path))).toBeNull();
  });

  test('parse errors and invalid models are one line naming the text file, nothing written', async () => {
    const dir = freshDir();
    for (const [text, message] of [
      ['<ir_version: 8, opset_import: ["" : 17]>\ng (float x) => (float y) {\n  y = Relu (x\n}\n', /line \d+ col \d+/],
      ['<ir_version: 8, opset_import: ["" : 17]>\ng (float x) => (float y) {\n  y = Relu (nope)\n}\n', /invalid model|nope/],
    ] as const) {
      const txt = join(dir, 'bad.txt');
      writeFileSync(txt, text);
      const r = await lathe('parse', txt, '-o', join(dir, 'out.onnx'));
      expect(r.code, show(r)).toBe(2);
      expectOneLine(r, txt);
      expect(r.err).toMatch(message);
      expect(readdirSync(dir)).toEqual(['bad.txt']);
    }
    expect((await lathe('parse', join(dir, 'bad.txt'))).code).toBe(1);
  });
});

describe('output file names', () => {
  test('sanitized, never empty or dot-only or a device name, unique even on case-folding file systems', () => {
    expect(outputStems(['logits:0', 'a/b', 'a_b', 'A_B', '', '..', '.hidden', 'CON', 'nul.txt', 'x'.repeat(300)])).toEqual([
      'logits_0', 'a_b', 'a_b_1', 'A_B_2', '_', '_..', '_hidden', '_CON', '_nul.txt', 'x'.repeat(100),
    ]);
    // a name equal to another output's positional file gets a suffix; equal to its own, it is that file
    expect(outputStems(['output_1', 'output_1', 'y'])).toEqual(['output_1_1', 'output_1', 'y']);
  });
});

test('output statistics print with six significant digits, exponents intact', () => {
  expect([2.5, -3.8333, 1e-7, 1.00993e-10, 123456789.5, 0.1009931, 7, -0, 1e20, Infinity].map(formatStat)).toEqual([
    '2.5', '-3.8333', '1e-7', '1.00993e-10', '1.23457e+8', '0.100993', '7', '0', '1e+20', 'Infinity',
  ]);
});

describe('lathe run: inputs', () => {
  test('.npy inputs by folder (input_K.npy) and by name; outputs named after the graph outputs, .npy with --npy', async () => {
    const { dir, path } = modelFile(MLP);
    writeFileSync(join(dir, 'input_0.npy'), writeNpy(f32([2, 3], [1, 2, 3, -4, -5, -6])));
    writeFileSync(join(dir, 'bias.npy'), writeNpy(f32([2, 3], [0.5, 0.5, 0.5, 0.5, 0.5, 0.5])));
    const out = join(dir, 'out');
    const r = await lathe('run', path, '--inputs', dir, '--input', `bias=${join(dir, 'bias.npy')}`, '-o', out, '--npy');
    expect(r.code, show(r)).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['output_0.pb', 'output_1.pb', 'y_out_0.npy', 'y_out_0.pb', 'z.npy', 'z.pb']);
    const y = f32([2, 3], [1.5, 4.5, 9.5, -3.5, -9.5, -17.5]);
    expect(readValue(readFileSync(join(out, 'output_0.pb')))).toEqual(y);
    expect(readValue(readFileSync(join(out, 'y_out_0.pb')))).toEqual(y);
    expect(readNpy(readFileSync(join(out, 'y_out_0.npy')))).toEqual(y);
    expect(readNpy(readFileSync(join(out, 'z.npy')))).toEqual(f32([2, 3], [1, 4, 9, 0, 0, 0]));
    // the summary: name, dtype by name, shape, min/max/mean; plurals right
    expect(r.out).toContain('(3 nodes): wrote 2 outputs');
    expect(r.out).toContain('  y/out:0: float[2,3] min -17.5 max 9.5 mean -2.5  -> y_out_0.pb\n');
    expect(r.out).toContain('  z: float[2,3] min 0 max 9 mean 2.33333  -> z.pb\n');
  });

  test('a model whose value_info is stale (an intermediate declared [2,3], computed [3,2]) still runs, as in onnxruntime', async () => {
    const { dir, path } = modelFile(`<ir_version: 8, opset_import: ["" : 17]> g (float[2,3] x) => (float[3,2] y) <float[2,3] t> { t = Transpose(x)\n y = Neg(t) }`);
    const r = await lathe('run', path, '--random-inputs', '-o', join(dir, 'out'), '-q');
    expect(r.code, r.err).toBe(0);
    expect((readValue(readFileSync(join(dir, 'out', 'output_0.pb'))) as TensorValue).dims).toEqual([3, 2]);
  });

  test('--random-inputs: shapes from the model, symbolic dims bound by --set-input-shape, deterministic per seed', async () => {
    const { dir, path } = modelFile(MLP);
    const run = async (seed: string, out: string) => lathe('run', path, '--random-inputs', '--set-input-shape', 'x=4,3', '--seed', seed, '-o', join(dir, out), '-q');
    for (const [seed, out] of [['1', 'a'], ['1', 'b'], ['2', 'c']]) expect((await run(seed, out)).code).toBe(0);
    const y = (o: string) => readValue(readFileSync(join(dir, o, 'output_0.pb'))) as TensorValue;
    expect(y('a').dims).toEqual([4, 3]); // 'batch' bound through x, and bias shares it
    expect(y('a')).toEqual(y('b'));
    expect(y('a')).not.toEqual(y('c'));
    for (const v of y('a').data as Float32Array) expect(Math.abs(v)).toBeLessThanOrEqual(4);
  });

  test('an unbound symbolic dim, a wrong --set-input-shape and a non-tensor input are one line naming them', async () => {
    const { dir, path } = modelFile(MLP);
    const cases: [string[], RegExp][] = [
      [[], /input 'x': dim 0 is symbolic dim 'batch'; give --set-input-shape x=D0,D1,\.\.\./],
      [['--set-input-shape', 'x=4,5'], /--set-input-shape x: dim 1 is 5, declared \[batch,3\]/],
      [['--set-input-shape', 'x=4'], /1 dim given, input 'x' has rank 2/],
      [['--set-input-shape', 'x=4,3', '--set-input-shape', 'bias=5,3'], /'batch' is 5 here and 4 in another input/],
      [['--set-input-shape', 'q=1'], /the model has no input 'q'/],
    ];
    for (const [extra, message] of cases) {
      const r = await lathe('run', path, '--random-inputs', ...extra, '-o', join(dir, 'out'));
      expect(r.code, show(r)).toBe(2);
      expectOneLine(r, path);
      expect(r.err).toMatch(message);
    }
    expect(existsSync(join(dir, 'out'))).toBe(false);
    const seq = modelFile(`<ir_version: 8, opset_import: ["" : 17]>\ng (seq(float) s) => (int64 n) {\n  n = SequenceLength (s)\n}\n`);
    const r = await lathe('run', seq.path, '--random-inputs', '-o', join(seq.dir, 'out'));
    expect(r.code, show(r)).toBe(2);
    expect(r.err).toMatch(/input 's' is a sequence: --random-inputs makes tensors only/);
    for (const bad of ['x', 'x=a,b', 'x=1,-2']) expect((await lathe('run', path, '--random-inputs', '--set-input-shape', bad, '-o', join(dir, 'o'))).code).toBe(1);
  });

  test('a folder holding earlier outputs is refused; --clear deletes them (and only them)', async () => {
    const { dir, path } = modelFile(MLP);
    const out = join(dir, 'out');
    const args = ['run', path, '--random-inputs', '--set-input-shape', 'x=1,3', '-o', out, '-q'];
    expect((await lathe(...args)).code).toBe(0);
    writeFileSync(join(out, 'output_7.pb'), 'stale');
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const r = await lathe(...args);
    expect(r.code, show(r)).toBe(2);
    expect(r.err).toMatch(/^lathe: .*out: holds 5 earlier output files \(output_0.pb, output_1.pb, output_7.pb, …\); pass --clear/);
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    const c = await lathe(...args, '--clear');
    expect(c.code, show(c)).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['notes.txt', 'output_0.pb', 'output_1.pb', 'y_out_0.pb', 'z.pb']);
    // --clear never deletes the inputs
    const u = await lathe('run', path, '--inputs', out, '-o', out, '--clear');
    expect(u.code, show(u)).toBe(1);
  });
});

describe('lathe compare', () => {
  test('two formulations of one model agree (exit 0); a changed weight differs (exit 1) with the largest differences', async () => {
    const dir = freshDir();
    const a = modelFile(MLP, 'a.onnx', dir).path;
    const b = modelFile(MLP2, 'b.onnx', dir).path;
    const c = modelFile(MLP.replace('{1, 2, 3}', '{1, 2, 3.01}'), 'c.onnx', dir).path;
    const shape = ['--set-input-shape', 'x=2,3'];
    const ok = await lathe('compare', a, b, '--random-inputs', ...shape);
    expect(ok.code, show(ok)).toBe(0);
    expect(ok.out).toMatch(/agree on 2 outputs \(rtol 0.001, atol 0.00001/);
    expect(ok.out).toContain('  y/out:0: float[2,3], max abs diff 0, max rel diff 0  ok\n');
    const bad = await lathe('compare', a, c, '--random-inputs', ...shape);
    expect(bad.code, show(bad)).toBe(1);
    expect(bad.out).toMatch(/differ on 2 of 2 outputs/);
    expect(bad.out).toMatch(/y\/out:0: float\[2,3\], max abs diff [0-9.]+e-3, max rel diff [0-9.e+-]+, [1-6] of 6 elements past tolerance  DIFFERS/);
    // loose enough, it passes
    expect((await lathe('compare', a, c, '--random-inputs', ...shape, '--atol', '0.01')).code).toBe(0);
    // --inputs DIR, the same files for both
    writeFileSync(join(dir, 'input_0.pb'), writeValue(f32([1, 3], [1, 1, 1])));
    writeFileSync(join(dir, 'input_1.pb'), writeValue(f32([1, 3], [0, 0, 0])));
    const d = await lathe('compare', a, c, '--inputs', dir, '--rtol', '0', '--atol', '0');
    expect(d.code, show(d)).toBe(1);
    expect(d.out).toContain('max abs diff 1.00e-2');
  });

  test('dtype, shape and output-name mismatches are differences; outputs pair by name, then position', async () => {
    const dir = freshDir();
    const a = modelFile(MLP, 'a.onnx', dir).path;
    const renamed = modelFile(MLP.replaceAll('"y/out:0"', 'y2'), 'r.onnx', dir).path;
    const r = await lathe('compare', a, renamed, '--random-inputs', '--set-input-shape', 'x=2,3');
    expect(r.code, show(r)).toBe(0);
    expect(r.out).toContain('  y/out:0 / y2: float[2,3]');
    // an input B names differently is fed by position
    const xx = modelFile(MLP.replace('float[batch,3] x,', 'float[batch,3] xx,').replace('Mul (x, w)', 'Mul (xx, w)'), 'xx.onnx', dir).path;
    const byPos = await lathe('compare', a, xx, '--random-inputs', '--set-input-shape', 'x=2,3', '--atol', '0', '--rtol', '0');
    expect(byPos.code, show(byPos)).toBe(0);
    const cast = modelFile(MLP.replace('float[batch,3] z) ', 'double[batch,3] z) ').replace('z = Relu (t)', 'r = Relu (t)\n  z = Cast <to = 11> (r)'), 'd.onnx', dir).path;
    const dt = await lathe('compare', a, cast, '--random-inputs', '--set-input-shape', 'x=2,3');
    expect(dt.code, show(dt)).toBe(1);
    expect(dt.out).toContain('  z: float[2,3], dtype float vs double  DIFFERS\n');
    const one = modelFile(MLP.replace(', float[batch,3] z) ', ') ').replace('  z = Relu (t)\n', ''), 'o.onnx', dir).path;
    const m = await lathe('compare', a, one, '--random-inputs', '--set-input-shape', 'x=2,3');
    expect(m.code, show(m)).toBe(1);
    expect(m.out).toMatch(/differ on 1 of 2 outputs/);
    expect(m.out).toContain(`  z: only in ${a}  DIFFERS\n`);
  });

  test('an evaluator error in B names B', async () => {
    const dir = freshDir();
    const a = modelFile(MLP, 'a.onnx', dir).path;
    const b = modelFile(MLP.replace('z = Relu (t)', 'z = MatMul (t, t)'), 'b.onnx', dir).path;
    const r = await lathe('compare', a, b, '--random-inputs', '--set-input-shape', 'x=2,3');
    expect(r.code, show(r)).toBe(2);
    expectOneLine(r, b);
  });

  test('usage: two models, tolerances are numbers >= 0, --inputs and --random-inputs exclude each other', async () => {
    const dir = freshDir();
    const a = modelFile(MLP, 'a.onnx', dir).path;
    for (const args of [[a], [a, a, a], [a, a, '--rtol', 'x'], [a, a, '--atol', '-1'], [a, a, '--inputs', dir, '--random-inputs']]) {
      const r = await lathe('compare', ...args);
      expect(r.code, `${args.join(' ')}: ${show(r)}`).toBe(1);
    }
  });
});
