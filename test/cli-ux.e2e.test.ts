/**
 * End to end: the new-user commands (print, parse, run with .npy and random inputs, compare)
 * through the compiled `lathe` executable on real files. Builds into its own folder
 * (.cache/cli-ux-e2e) so parallel builds of dist/ cannot interfere.
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DataType as D } from '../ir/dtype.js';
import { readNpy, writeNpy } from '../ir/eval/npy.js';
import { parseModel } from '../ir/text/parse.js';
import { saveModelToBytes } from '../src/io.js';

const ROOT = resolve(import.meta.dirname, '..');
const BUILD = join(ROOT, '.cache/cli-ux-e2e');
const BIN = join(BUILD, 'dist/node/bin.js');
let dir: string;

function lathe(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, LATHE_DEBUG: '' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const MODEL = `<ir_version: 8, opset_import: ["" : 17]>
# w holds float16 bit patterns: 0.5, 1, 2, 4
g (float16[batch,4] x) => (float16[batch,4] "logits:0", int64[batch] idx) <float16[4] w = {14336, 15360, 16384, 17408}> {
  "logits:0" = Mul (x, w)
  idx = ArgMax <axis = 1, keepdims = 0> ("logits:0")
}
`;

beforeAll(() => {
  const tsc = join(ROOT, 'node_modules/.bin/tsc');
  spawnSync(tsc, ['-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(BUILD, 'dist')], { cwd: ROOT, encoding: 'utf8' });
  if (!existsSync(BIN)) throw new Error(`build did not produce ${BIN}`);
  dir = mkdtempSync(join(tmpdir(), 'lathe-cli-ux-e2e-'));
  writeFileSync(join(dir, 'm.onnx'), saveModelToBytes(parseModel(MODEL)));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('lathe (built executable): print, parse, run, compare', () => {
  test('print | parse round-trips to a model that compare finds identical', () => {
    const p = lathe('print', 'm.onnx');
    expect(p.code, p.err).toBe(0);
    writeFileSync(join(dir, 'm.txt'), p.out);
    const r = lathe('parse', 'm.txt', '-o', 'back.onnx');
    expect(r.code, r.err).toBe(0);
    expect(lathe('print', 'back.onnx').out).toBe(p.out);
    const c = lathe('compare', 'm.onnx', 'back.onnx', '--random-inputs', '--set-input-shape', 'x=3,4', '--rtol', '0', '--atol', '0');
    expect(c.code, c.out + c.err).toBe(0);
    expect(c.out).toMatch(/^lathe: m.onnx and back.onnx agree on 2 outputs/);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  test('run: .npy in and out, outputs named after the graph outputs, dtypes by name, stale folders refused', () => {
    writeFileSync(join(dir, 'x.npy'), writeNpy({ kind: 'tensor', dtype: D.FLOAT16, dims: [2, 4], data: Float32Array.of(1, 1, 1, 1, -1, 0, 0.5, 0) }));
    const r = lathe('run', 'm.onnx', '--input', 'x=x.npy', '-o', 'out', '--npy');
    expect(r.code, r.err).toBe(0);
    expect(readdirSync(join(dir, 'out')).sort()).toEqual(['idx.npy', 'idx.pb', 'logits_0.npy', 'logits_0.pb', 'output_0.pb', 'output_1.pb']);
    expect(readNpy(readFileSync(join(dir, 'out/idx.npy')))).toEqual({ kind: 'tensor', dtype: D.INT64, dims: [2], data: BigInt64Array.of(3n, 2n) });
    expect(r.out).toContain('  logits:0: float16[2,4] min -0.5 max 4 mean 1  -> logits_0.pb\n');
    const again = lathe('run', 'm.onnx', '--input', 'x=x.npy', '-o', 'out');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/^lathe: out: holds 6 earlier output files .*--clear.*\n$/);
    // a float32 array for a float16 input: the dtype by name, never a code
    writeFileSync(join(dir, 'x32.npy'), writeNpy({ kind: 'tensor', dtype: D.FLOAT, dims: [2, 4], data: new Float32Array(8) }));
    const bad = lathe('run', 'm.onnx', '--input', 'x=x32.npy', '-o', 'out2');
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^lathe: m.onnx: input 'x' \(x32.npy\): dtype float, declared float16\n$/);
    expect(existsSync(join(dir, 'out2'))).toBe(false);
  });

  test('a typo gets a suggestion', () => {
    const r = lathe('optimze', 'm.onnx');
    expect(r.code).toBe(1);
    expect(r.err).toBe("lathe: unknown command 'optimze'; did you mean 'optimize'? (see 'lathe --help')\n");
  });

  test('stdout that fails: a full device is one line and status 2, with nothing written', () => {
    const full = openSync('/dev/full', 'w');
    try {
      for (const args of [['inspect', 'm.onnx'], ['print', 'm.onnx'], ['optimize', 'm.onnx', '-o', '-']]) {
        const r = spawnSync(process.execPath, [BIN, ...args], { cwd: dir, encoding: 'utf8', stdio: ['ignore', full, 'pipe'], env: { ...process.env, LATHE_DEBUG: '' } });
        expect(r.stderr, args.join(' ')).toBe('lathe: m.onnx: cannot write to stdout: ENOSPC\n');
        expect(r.status, args.join(' ')).toBe(2);
      }
    } finally {
      closeSync(full);
    }
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  test('a reader that closes the pipe early (`lathe print big.onnx | head`) ends lathe quietly with status 0', async () => {
    // 3,000 nodes print as about 150 kB, more than a pipe holds, so lathe writes after the close
    const body = Array.from({ length: 3000 }, (_, i) => `  v${i + 1} = Relu (v${i})`).join('\n');
    writeFileSync(join(dir, 'big.onnx'), saveModelToBytes(parseModel(`<ir_version: 8, opset_import: ["" : 17]>\ng (float[2] v0) => (float[2] v3000) {\n${body}\n}\n`)));
    const child = spawn(process.execPath, [BIN, 'print', 'big.onnx'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((done) => child.on('close', (c) => done(c)));
    expect(err).toBe('');
    expect(code).toBe(0);
  });
});
