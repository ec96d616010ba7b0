import { describe, expect, test } from 'vitest';
import { Blob, memorySource } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import { GraphBuilder, modelOf } from '../ir/edit/build.js';
import type { Model, Tensor } from '../ir/types.js';
import { opCountReport, runCli, type Platform, type SaveOptions } from './cli.js';
import { summarizeModel } from './inspect.js';
import { LEVEL_PIPELINES } from './levels.js';
import { definePass } from './pass.js';
import type { PassRegistry } from './pipeline.js';
import { op, P } from './pattern/pattern.js';
import { rewritePass } from './pattern/rewrite-pass.js';
import { rule } from './pattern/rule.js';
import { parseModel } from '../ir/text/parse.js';
import { parseSidecar } from './sidecar.js';

/** An in-memory platform: files hold Models (or text); everything printed is recorded. */
class FakePlatform implements Platform {
  readonly version = '9.9.9';
  stdoutIsTTY = false;
  stderrIsTTY = false;
  out = '';
  err = '';
  progressLines: string[] = [];
  files = new Map<string, Model | string>();
  saves: { path: string; options?: SaveOptions }[] = [];
  env_: Record<string, string> = {};
  clock = 0;
  /** Milliseconds the clock advances per `now()` call. */
  tick = 0;
  loadHook?: (path: string) => void;

  env(name: string) {
    return this.env_[name];
  }
  now() {
    return (this.clock += this.tick);
  }
  stdout(t: string) {
    this.out += t;
  }
  stderr(t: string) {
    this.err += t;
  }
  progress(t: string) {
    this.progressLines.push(t);
  }
  loadModel(path: string): Model {
    this.loadHook?.(path);
    const f = this.files.get(path);
    if (f === undefined) throw new LatheError('cannot open: ENOENT', path);
    if (typeof f === 'string') throw new LatheError('not an ONNX model: truncated field at byte 3', path);
    return f;
  }
  saveModel(model: Model, path: string, options?: SaveOptions) {
    // stream every blob like the real save, so progress meters see the bytes
    let dataBytes = 0;
    for (const v of Object.values(model.graph.values)) {
      const d = v.tensor?.data;
      if (d?.kind === 'blob') d.blob.forEachChunk((c) => (dataBytes += c.length), 1 << 16);
    }
    this.files.set(path, model);
    for (const f of options?.alongside ?? []) this.files.set(f.path, new TextDecoder().decode(f.bytes));
    this.saves.push({ path, options });
    return { modelBytes: 1000, dataBytes };
  }
  readText(path: string) {
    const f = this.files.get(path);
    if (typeof f !== 'string') throw new LatheError('cannot read: ENOENT', path);
    return f;
  }
  writeText(path: string, text: string) {
    this.files.set(path, text);
  }
  exists(path: string) {
    return this.files.has(path);
  }
  fileSize(path: string) {
    return this.files.has(path) ? 1234 : undefined;
  }
  samePath(a: string, b: string) {
    return a.replace(/^\.\//, '') === b.replace(/^\.\//, '');
  }
  bytes = new Map<string, Uint8Array>();
  dirs = new Set<string>();
  readBytes(path: string) {
    const b = this.bytes.get(path);
    if (b === undefined) throw new LatheError('cannot read: ENOENT', path);
    return b;
  }
  writeBytes(path: string, bytes: Uint8Array) {
    this.bytes.set(path, bytes);
  }
  writeFiles(files: readonly { path: string; bytes: Uint8Array }[]) {
    for (const f of files) this.bytes.set(f.path, f.bytes);
  }
  makeDir(path: string) {
    this.dirs.add(path);
  }
  listDir(path: string) {
    const prefix = path.endsWith('/') ? path : `${path}/`;
    const names = [...this.bytes.keys(), ...this.files.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
    return names.filter((n) => !n.includes('/')).sort();
  }
  removeFile(path: string) {
    this.bytes.delete(path);
    this.files.delete(path);
  }
}

function f32(n: number, fill = 0.5): Tensor {
  return { dtype: 1, dims: [n], data: { kind: 'raw', bytes: new Uint8Array(new Float32Array(n).fill(fill).buffer) } };
}

function model(opts: { broken?: boolean; big?: number } = {}): Model {
  const b = new GraphBuilder('main');
  const x = b.input('x', { kind: 'tensor', dtype: 1, shape: [100] });
  const w = b.initializer('w', f32(opts.big ?? 100));
  const y = b.op('Add', [x, w]);
  b.output(b.op('Relu', [y]), 'y');
  const g = b.build();
  if (!opts.broken) return modelOf(g);
  // a node reading a value nobody defines
  const n = g.order[0];
  return modelOf({ ...g, nodes: { ...g.nodes, [n]: { ...g.nodes[n], inputs: ['v999' as never, w] } } });
}

/** Identity stand-ins for the passes the -O levels name (the real ones live in passes/, tested there). */
const LEVEL_STANDINS: PassRegistry = Object.fromEntries(
  [...new Set(Object.values(LEVEL_PIPELINES).join(',').match(/[a-z][a-z0-9-]*/g) ?? [])]
    .filter((n) => !['fixpoint', 'seq', 'repeat', 'max', 'n'].includes(n))
    .map((name) => [name, definePass({ name, summary: 'stand-in', defaults: {}, run: (m) => m })]),
);

async function run(p: FakePlatform, ...args: string[]) {
  p.out = '';
  p.err = '';
  return runCli(args, p, LEVEL_STANDINS);
}

function oneLine(text: string) {
  expect(text.endsWith('\n')).toBe(true);
  expect(text.trimEnd().split('\n')).toHaveLength(1);
}

describe('cli: usage', () => {
  test('help and version', async () => {
    const p = new FakePlatform();
    expect(await run(p, '--help')).toBe(0);
    expect(p.out).toContain('usage: lathe COMMAND');
    for (const c of ['optimize', 'inspect', 'check', 'strip', 'fill']) expect(p.out).toContain(`  ${c}`);
    expect(await run(p, 'fill', '--help')).toBe(0);
    expect(p.out).toContain('usage: lathe fill IN -o OUT [--seed N]');
    expect(await run(p, 'help', 'strip')).toBe(0);
    expect(p.out).toContain('usage: lathe strip');
    expect(await run(p, '--version')).toBe(0);
    expect(p.out).toBe('lathe 9.9.9\n');
  });

  test.each([
    [[], /^lathe: missing command \(see 'lathe --help'\)\n$/],
    [['frobnicate', 'a.onnx'], /^lathe: unknown command 'frobnicate'/],
    [['--frob'], /^lathe: unknown option '--frob'/],
    [['optimize', 'a.onnx', '-o', 'b.onnx', '--frob'], /^lathe: unknown option '--frob' \(see 'lathe optimize --help'\)\n$/],
    [['optimize', 'a.onnx'], /^lathe: optimize: missing -o OUT/],
    [['optimize', '-o', 'b.onnx'], /^lathe: optimize: missing input file/],
    [['optimize', 'a.onnx', 'c.onnx', '-o', 'b.onnx'], /one input file expected, got 2/],
    [['optimize', 'a.onnx', '-o'], /option '-o' needs a value/],
    [['optimize', 'a.onnx', '-o', 'b', '-o', 'c'], /given twice/],
    [['optimize', 'a.onnx', '-o', 'b.onnx', '-O3'], /^lathe: -O3: the levels are -O0, -O1 and -O2/],
    [['optimize', 'a.onnx', '-o', 'b.onnx', '-O1', '-O2'], /more than one -O level/],
    [['optimize', 'a.onnx', '-o', 'b.onnx', '--passes', 'frobnicate'], /^lathe: --passes: unknown pass 'frobnicate' \(known: /],
    [['optimize', 'a.onnx', '-o', 'b.onnx', '--set-input-shape', 'x=2,?'], /--set-input-shape expects NAME=D0,D1,... with sizes or symbols \(got 'x=2,\?'\)/],
    [['optimize', 'a.onnx', '-o', 'b.onnx', '--set-input-shape', 'x=2', '--set-input-shape', 'x=3'], /--set-input-shape x given twice/],
    // no input name, and a dim no JS number holds exactly: usage errors, before any file is read
    [['optimize', 'a.onnx', '-o', 'b.onnx', '--set-input-shape', '=2,3'], /--set-input-shape expects NAME=D0,D1,... with sizes or symbols \(got '=2,3'\)/],
    [['optimize', 'a.onnx', '-o', 'b.onnx', '--set-input-shape', 'x=99999999999999999999'], /^lathe: --set-input-shape x: a dim is too large/],
    [['optimize', 'a.onnx', '-o', 'b.onnx', '--report'], /option '--report' needs a value/],
    [['optimize', 'a.onnx', '-o', 'b.onnx', '--report', 'b.onnx'], /--report b.onnx would overwrite a model/],
    [['optimize', 'a.onnx', '-o', 'b.onnx', '--external-data', 'sometimes'], /--external-data must be/],
    // refused before anything is read or written: a report, sidecar or filled model over a file we need
    [['optimize', 'a.onnx', '-o', 'b.onnx', '--report', 'a.onnx'], /--report a.onnx would overwrite a model/],
    [['strip', 'a.weights.json', '-o', 'a.onnx'], /^lathe: strip: the sidecar a.weights.json would overwrite the input/],
    [['fill', 'a.onnx', '-o', 'w.json', '--weights', 'w.json'], /^lathe: fill: output w.json is the weights sidecar/],
    [['inspect', 'a.onnx', '--quiet=1'], /unknown option/],
    [['inspect', 'a.onnx', '--json=yes'], /takes no value/],
    [['check', 'a.onnx', '-o', 'b.onnx'], /unknown option '-o'/],
    [['fill', 'a.onnx', '-o', 'b.onnx', '--seed', '-1'], /--seed must be an integer/],
    [['fill', 'a.onnx', '-o', 'b.onnx', '--seed', '1.5'], /--seed must be an integer/],
    [['fill', 'a.onnx', '-o', 'b.onnx', '--seed=9007199254740992'], /--seed must be an integer/],
    [['strip', 'a.onnx', '-o', 'a.onnx'], /^lathe: strip: output a.onnx is the input; pass --in-place/],
    [['optimize', 'a.onnx', '-o', './a.onnx'], /is the input/],
  ])('%j → exit 1 with one line', async (args, message) => {
    const p = new FakePlatform();
    p.files.set('a.onnx', model());
    expect(await run(p, ...(args as string[]))).toBe(1);
    oneLine(p.err);
    expect(p.err).toMatch(message);
    expect(p.err).toMatch(/--help'\)\n$/);
    expect(p.out).toBe('');
    expect(p.saves).toEqual([]);
  });
});

describe('cli: optimize', () => {
  test('-O0 writes OUT and prints the report; --quiet prints nothing', async () => {
    const p = new FakePlatform();
    const m = model();
    p.files.set('a.onnx', m);
    expect(await run(p, 'optimize', 'a.onnx', '-o', 'b.onnx', '-O0')).toBe(0);
    expect(p.files.get('b.onnx')).toBe(m);
    expect(p.saves[0].options).toEqual({ externalData: 'auto' });
    expect(p.out).toBe(
      'lathe: wrote b.onnx (1.0 kB)\n' +
        '  nodes 2 -> 2, size 1.2 kB -> 1.0 kB\n' +
        '  time: load 0.0 ms, verify 0.0 ms, passes 0.0 ms, save 0.0 ms\n' +
        '  pipeline -O0 (no passes)\n' +
        '  op counts unchanged\n',
    );
    expect(await run(p, 'optimize', 'a.onnx', '-o', 'c.onnx', '-O0', '--quiet', '--external-data=always')).toBe(0);
    expect(p.out).toBe('');
    expect(p.err).toBe('');
    expect(p.saves[1]).toEqual({ path: 'c.onnx', options: { externalData: 'always' } });
  });

  test('the default level is -O2; -O1 runs its own pipeline; --passes replaces the level', async () => {
    const p = new FakePlatform();
    p.files.set('a.onnx', model());
    expect(await run(p, 'optimize', 'a.onnx', '-o', 'b.onnx')).toBe(0);
    expect(p.out).toContain(`  pipeline -O2: ${LEVEL_PIPELINES[2]}\n`);
    expect(p.out).toMatch(/\n {4}fuse: \d+ runs?, 0 changed, 0\.0 ms\n/);
    expect(await run(p, 'optimize', 'a.onnx', '-o', 'b.onnx', '-O1')).toBe(0);
    expect(p.out).toContain(`  pipeline -O1: ${LEVEL_PIPELINES[1]}\n`);
    expect(p.out).not.toContain('fuse:');
    expect(await run(p, 'optimize', 'a.onnx', '-o', 'b.onnx', '-O1', '--passes', 'fuse')).toBe(0);
    expect(p.out).toContain('  pipeline: fuse\n');
    expect(p.out).not.toContain('simplify-algebra:');
  });

  test('--in-place allows OUT = IN (and -o may be omitted)', async () => {
    const p = new FakePlatform();
    p.files.set('a.onnx', model());
    expect(await run(p, 'optimize', 'a.onnx', '-o', 'a.onnx', '--in-place', '-q')).toBe(0);
    expect(await run(p, 'optimize', 'a.onnx', '--in-place', '-q')).toBe(0);
    expect(p.saves.map((s) => s.path)).toEqual(['a.onnx', 'a.onnx']);
  });

  test('a model with verifier errors: exit 2, one line naming the first error, nothing written', async () => {
    const p = new FakePlatform();
    p.files.set('bad.onnx', model({ broken: true }));
    expect(await run(p, 'optimize', 'bad.onnx', '-o', 'out.onnx')).toBe(2);
    oneLine(p.err);
    expect(p.err).toMatch(/^lathe: bad.onnx: invalid model: \[[a-z-]+\] main\/.*: /);
    expect(p.saves).toEqual([]);
  });

  test('bad input: exit 2 with one line and no stack; LATHE_DEBUG=1 adds the stack', async () => {
    const p = new FakePlatform();
    p.files.set('junk.onnx', 'junk');
    expect(await run(p, 'optimize', 'junk.onnx', '-o', 'out.onnx')).toBe(2);
    expect(p.err).toBe('lathe: junk.onnx: not an ONNX model: truncated field at byte 3\n');
    expect(await run(p, 'inspect', 'missing.onnx')).toBe(2);
    expect(p.err).toBe('lathe: missing.onnx: cannot open: ENOENT\n');
    p.env_.LATHE_DEBUG = '1';
    expect(await run(p, 'check', 'junk.onnx')).toBe(2);
    expect(p.err.split('\n')[0]).toBe('lathe: junk.onnx: not an ONNX model: truncated field at byte 3');
    expect(p.err).toContain('LatheError');
    expect(p.err.split('\n').length).toBeGreaterThan(3);
  });

  test('error lines are at most ~300 characters: a huge name is elided in the middle, its ends kept', async () => {
    const p = new FakePlatform();
    const name = `start${'x'.repeat(1_000_000)}end`;
    p.loadHook = () => {
      throw new LatheError(`value '${name}' is defined twice`);
    };
    expect(await run(p, 'inspect', 'a.onnx')).toBe(2);
    oneLine(p.err);
    expect(p.err.length).toBeLessThanOrEqual(301);
    expect(p.err).toMatch(/^lathe: a\.onnx: value 'startx+ … x+end' is defined twice\n$/);
    expect(await run(p, 'optimize', `${'d/'.repeat(1000)}a.onnx`, '-o', 'o.onnx')).toBe(2);
    expect(p.err.length).toBeLessThanOrEqual(301);
  });

  test('any other exception is an internal error: exit 70 with the stack', async () => {
    const p = new FakePlatform();
    p.loadHook = () => {
      throw new TypeError('boom');
    };
    expect(await run(p, 'inspect', 'a.onnx')).toBe(70);
    expect(p.err).toMatch(/^lathe: internal error: TypeError: boom\n\s+at /);
  });
});

describe('cli: inspect and check', () => {
  test('inspect prints text, or one JSON object with --json', async () => {
    const p = new FakePlatform();
    p.files.set('a.onnx', modelOf(model().graph, undefined, { modelVersion: 5n }));
    expect(await run(p, 'inspect', 'a.onnx')).toBe(0);
    expect(p.out).toContain('model: a.onnx\n');
    expect(p.out).toContain('  x: float[100]\n');
    expect(await run(p, 'inspect', 'a.onnx', '--json')).toBe(0);
    oneLine(p.out);
    const j = JSON.parse(p.out);
    expect(j.modelVersion).toBe('5');
    expect(j.nodes.main).toBe(2);
  });

  test('check: exit 0 and a summary for a valid model; exit 2 and diagnostics for an invalid one', async () => {
    const p = new FakePlatform();
    p.files.set('a.onnx', model());
    p.files.set('bad.onnx', model({ broken: true }));
    expect(await run(p, 'check', 'a.onnx')).toBe(0);
    expect(p.out).toBe('a.onnx: ok (0 errors, 0 warnings)\n');
    expect(await run(p, 'check', 'bad.onnx')).toBe(2);
    const lines = p.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^error \[[a-z-]+\] main\/.+: .+/);
    expect(lines.at(-1)).toMatch(/^bad.onnx: invalid \(\d+ errors?, \d+ warnings?\)$/);
  });

  test('check: a shape contradiction every runtime refuses is an error (exit 2)', async () => {
    const p = new FakePlatform();
    p.files.set('m.onnx', parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] x) => (y) {
  ax = Constant <value = int64[1] {0}> ()
  y = Squeeze (x, ax)
}`));
    expect(await run(p, 'check', 'm.onnx')).toBe(2);
    expect(p.out).toBe('error [shape-mismatch] main/#1 Squeeze: axis 0 of shape [2, 3] is 2, not 1\nm.onnx: invalid (1 error, 0 warnings)\n');
  });
});

describe('cli: strip and fill', () => {
  test('strip writes OUT and OUT minus .onnx + .weights.json; fill reads it back', async () => {
    const p = new FakePlatform();
    p.files.set('a.onnx', model({ big: 1000 }));
    expect(await run(p, 'strip', 'a.onnx', '-o', 's.onnx')).toBe(0);
    expect(p.out).toMatch(/^lathe: wrote s.onnx \(1.0 kB\) and s.weights.json: 1 tensor stripped \(4.0 kB\)\n$/);
    const sidecar = parseSidecar(p.files.get('s.weights.json') as string, 's.weights.json');
    expect(sidecar.get('init:w')).toEqual({ dtype: 'float32', dims: [1000], min: 0.5, max: 0.5, mean: 0.5, std: 0 });
    expect(await run(p, 'fill', 's.onnx', '-o', 'f.onnx', '--seed', '3')).toBe(0);
    expect(p.out).toMatch(/^lathe: wrote f.onnx \(1.0 kB\): 1 tensor filled \(4.0 kB, seed 3\)\n/);
    const filled = p.files.get('f.onnx') as Model;
    const w = Object.values(filled.graph.values).find((v) => v.name === 'w')!.tensor!;
    expect(w.data.kind).toBe('blob');
    expect(new Float32Array((w.data as { blob: Blob }).blob.bytes().slice().buffer).every((v) => v === 0.5)).toBe(true);
  });

  test('fill finds SIDECAR by the corpus rule, else IN.weights.json, else --weights', async () => {
    const p = new FakePlatform();
    const sidecar = '{"init:w": {"dtype": "float32", "dims": [100], "min": -1.0, "max": 1.0, "mean": 0.0, "std": 0.5}}';
    p.files.set('m.onnx', model());
    p.files.set('m.weights.json', sidecar);
    expect(await run(p, 'fill', 'm.onnx', '-o', 'o.onnx', '-q')).toBe(0);
    p.files.set('n.bin', model());
    p.files.set('n.bin.weights.json', sidecar);
    expect(await run(p, 'fill', 'n.bin', '-o', 'o2.onnx', '-q')).toBe(0);
    p.files.set('other.json', sidecar);
    expect(await run(p, 'fill', 'n.bin', '-o', 'o3.onnx', '-q', '--weights', 'other.json')).toBe(0);
    expect(p.saves.map((s) => s.path)).toEqual(['o.onnx', 'o2.onnx', 'o3.onnx']);
  });

  test('missing sidecar or a key naming no tensor → exit 2 naming the file (and key), nothing written', async () => {
    const p = new FakePlatform();
    p.files.set('m.onnx', model());
    expect(await run(p, 'fill', 'm.onnx', '-o', 'o.onnx')).toBe(2);
    expect(p.err).toBe('lathe: m.onnx: weights sidecar not found (looked for m.weights.json; give --weights FILE)\n');
    expect(await run(p, 'fill', 'm.onnx', '-o', 'o.onnx', '--weights', 'gone.json')).toBe(2);
    expect(p.err).toBe('lathe: gone.json: weights sidecar not found\n');
    p.files.set('m.weights.json', '{"init:nope": {"dtype": "float32", "dims": [100], "min": 0, "max": 1, "mean": 0.5, "std": 0.1}}');
    expect(await run(p, 'fill', 'm.onnx', '-o', 'o.onnx')).toBe(2);
    expect(p.err).toBe('lathe: m.weights.json: init:nope: names no initializer of the model\n');
    p.files.set('m.weights.json', '{"init:w": {');
    expect(await run(p, 'fill', 'm.onnx', '-o', 'o.onnx')).toBe(2);
    expect(p.err).toMatch(/^lathe: m.weights.json: not a valid weights sidecar \(JSON\)/);
    expect(p.saves).toEqual([]);
  });

  test('a TTY gets a progress line during long saves, cleared at the end; --quiet and pipes get none', async () => {
    const p = new FakePlatform();
    p.files.set('m.onnx', model({ big: 1 << 20 }));
    p.files.set('m.weights.json', '{"init:w": {"dtype": "float32", "dims": [1048576], "min": -1.0, "max": 1.0, "mean": 0.0, "std": 0.5}}');
    p.tick = 100; // each clock read advances 100 ms
    expect(await run(p, 'fill', 'm.onnx', '-o', 'o.onnx')).toBe(0);
    expect(p.progressLines).toEqual([]);
    p.stderrIsTTY = true;
    expect(await run(p, 'fill', 'm.onnx', '-o', 'o.onnx', '-q')).toBe(0);
    expect(p.progressLines).toEqual([]);
    expect(await run(p, 'fill', 'm.onnx', '-o', 'o.onnx')).toBe(0);
    expect(p.progressLines.length).toBeGreaterThan(2);
    expect(p.progressLines[0]).toMatch(/^lathe: writing [\d.]+ [kM]B \/ 4.2 MB \(\d+%\)$/);
    expect(p.progressLines.at(-1)).toBe('');
  });
});

describe('cli: messages a new user reads', () => {
  test('every command help has its descriptions in one column; long option names wrap', async () => {
    const p = new FakePlatform();
    for (const c of ['optimize', 'inspect', 'strip', 'fill', 'run', 'print', 'parse', 'compare']) {
      expect(await run(p, c, '--help')).toBe(0);
      const opts = p.out.slice(p.out.indexOf('options:\n') + 'options:\n'.length).split('\n').filter((l) => l !== '');
      // where each description starts: after the option and 2+ spaces, or after the indent of a wrapped line
      const starts = opts.map((l) => (/^\s*-\S*(?: \S+)*$/.test(l) ? undefined : (/^\s*-\S*(?: \S+)*\s{2,}/.exec(l) ?? /^\s+/.exec(l))![0].length));
      const columns = new Set(starts.filter((x) => x !== undefined));
      expect([...columns], `${c}:\n${opts.join('\n')}`).toHaveLength(1);
    }
    expect(await run(p, 'run', '--help')).toBe(0);
    expect(p.out).toMatch(/\n {6}--set-input-shape NAME=D0,D1,\.\.\.\n +bind the symbolic dims/);
  });

  test.each([
    [['optimze', 'a.onnx'], "unknown command 'optimze'; did you mean 'optimize'?"],
    [['inpsect', 'a.onnx'], "unknown command 'inpsect'; did you mean 'inspect'?"],
    [['comapre'], "unknown command 'comapre'; did you mean 'compare'?"],
    [['frobnicate'], "unknown command 'frobnicate' (see"],
    [['--verison'], "unknown option '--verison'; did you mean '--version'?"],
    [['help', 'optimze'], "no help on 'optimze'; did you mean 'optimize'?"],
    [['optimize', 'a.onnx', '-o', 'b.onnx', '--qiuet'], "unknown option '--qiuet'; did you mean '--quiet'?"],
    [['run', 'a.onnx', '--random-input'], "unknown option '--random-input'; did you mean '--random-inputs'?"],
    [['run', 'a.onnx', '--random-inputz=3'], "unknown option '--random-inputz=3'; did you mean '--random-inputs'?"],
    [['optimize', 'a.onnx', '--frobnicate'], "unknown option '--frobnicate' (see"],
  ])('did you mean: %j', async (args, message) => {
    const p = new FakePlatform();
    expect(await run(p, ...args)).toBe(1);
    expect(p.err).toContain(message);
    oneLine(p.err);
  });

  test('the op report lists only ops whose count changed, new and removed ones included', () => {
    const before = summarizeModel(model());
    const b = new GraphBuilder('main');
    const x = b.input('x', { kind: 'tensor', dtype: 1, shape: [100] });
    b.output(b.op('Relu', [b.op('Sub', [b.op('Sub', [x, x]), x])]), 'y');
    const after = summarizeModel(modelOf(b.build()));
    expect(opCountReport(before, after)).toBe('  Add: 1 -> 0\n  Sub: 0 -> 2\n');
    expect(opCountReport(before, before)).toBe('  op counts unchanged\n');
  });

  test('counts are singular for one: 1 tensor, 1 output, 1 node', async () => {
    const p = new FakePlatform();
    p.files.set('a.onnx', model());
    expect(await run(p, 'inspect', 'a.onnx')).toBe(0);
    expect(p.out).toContain('(0 subgraphs, 0 functions)');
    expect(p.out).toContain('parameters: 100 elements in 1 tensor, 400 B\n');
  });
});

describe('cli: optimize flags (input shapes, rules, report)', () => {
  const [x] = P.vars('x');
  const doubleNeg = rule('double-neg', op.Neg(op.Neg(x)), (m) => m.x);
  const reluAbs = rule('relu-to-abs', op.Relu(x), (m, emit) => emit.op('Abs', [m.x]));
  const registry: PassRegistry = {
    ...LEVEL_STANDINS,
    'neg-rules': rewritePass({ name: 'neg-rules', summary: 'test', rules: [doubleNeg] }),
    'abs-rules': rewritePass({ name: 'abs-rules', summary: 'test', rules: [reluAbs] }),
  };
  const negs = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[batch,3] p, float[batch,seq] q) => (float[batch,3] y, float[batch,seq] z) { n1 = Neg (p)  n2 = Neg (n1)  y = Relu (n2)  z = Neg (q) }`);
  async function runWith(p: FakePlatform, ...args: string[]) {
    p.out = '';
    p.err = '';
    return runCli(args, p, registry);
  }
  const shapesOf = (m: Model, ids: readonly string[]) => ids.map((id) => (m.graph.values[id as never]?.type as { shape?: unknown } | undefined)?.shape);

  test('--set-input-shape fixes dims (symbols allowed) before the passes, and a fixed symbol everywhere it is declared', async () => {
    const p = new FakePlatform();
    p.files.set('a.onnx', negs);
    expect(await runWith(p, 'optimize', 'a.onnx', '-o', 'b.onnx', '-O0', '--set-input-shape', 'p=2,3', '--set-input-shape', 'q=batch,n')).toBe(0);
    const out = p.files.get('b.onnx') as Model;
    expect(shapesOf(out, out.graph.inputs)).toEqual([[2, 3], [2, 'n']]);
    expect(shapesOf(out, out.graph.outputs)).toEqual([[2, 3], [2, 'n']]);
  });

  test.each([
    [['--set-input-shape', 'r=1'], "lathe: a.onnx: --set-input-shape r: the model has no input 'r'\n"],
    [['--set-input-shape', 'p=2'], "lathe: a.onnx: --set-input-shape p: 1 dim given, input 'p' has rank 2 [batch,3]\n"],
    [['--set-input-shape', 'p=2,4'], 'lathe: a.onnx: --set-input-shape p: dim 1 is 4, declared [batch,3]\n'],
    [['--set-input-shape', 'p=2,k'], "lathe: a.onnx: --set-input-shape p: dim 1 is k, declared [batch,3]\n"],
    [['--set-input-shape', 'p=2,3', '--set-input-shape', 'q=4,5'], "lathe: a.onnx: --set-input-shape q: 'batch' is 4 here and 2 in another input\n"],
  ])('--set-input-shape %j is one line, exit 2, nothing written', async (flags, message) => {
    const p = new FakePlatform();
    p.files.set('a.onnx', negs);
    expect(await runWith(p, 'optimize', 'a.onnx', '-o', 'b.onnx', ...flags)).toBe(2);
    expect(p.err).toBe(message);
    expect(p.saves).toEqual([]);
  });

  test('nodes out of topological order are sorted first, with a warning (onnxruntime loads such files)', async () => {
    const p = new FakePlatform();
    p.files.set('u.onnx', parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Relu (xc)  xc = Cast <to: int = 1> (x) }`));
    expect(await runWith(p, 'optimize', 'u.onnx', '-o', 'v.onnx', '--passes', 'neg-rules')).toBe(0);
    expect(p.err).toBe('lathe: warning: nodes were out of topological order (1 read before the definition, in 1 graph): sorted them first\n');
    const out = p.files.get('v.onnx') as Model;
    expect(out.graph.order.map((id) => out.graph.nodes[id].op)).toEqual(['Cast', 'Relu']);
    // check still calls the file invalid (ONNX requires the order) and says what the commands do
    expect(await runWith(p, 'check', 'u.onnx')).toBe(2);
    expect(p.out).toMatch(/u\.onnx: invalid \(1 error, 0 warnings\)\nnote: the errors are nodes out of topological order only: optimize, quantize, run and compare sort them first\n$/);
    // another error is still refused, with nothing written
    p.files.set('w.onnx', parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Relu (xc)  xc = Cast <to: int = 1> (x)  z = Neg (nothing) }`));
    expect(await runWith(p, 'optimize', 'w.onnx', '-o', 'x.onnx', '--passes', 'neg-rules')).toBe(2);
    expect(p.err).toMatch(/^lathe: w\.onnx: invalid model: /);
    expect(p.files.has('x.onnx')).toBe(false);
    // compare sorts too (it stopped on "input 'xc' has no value"), and refuses the other error
    expect(await runWith(p, 'compare', 'u.onnx', 'v.onnx', '--random-inputs')).toBe(0);
    expect(await runWith(p, 'compare', 'u.onnx', 'w.onnx', '--random-inputs')).toBe(2);
    expect(p.err).toMatch(/^lathe: w\.onnx: invalid model: /);
  });

  test('rules that fired are counted in the report; --disable-rules turns them off', async () => {
    const p = new FakePlatform();
    p.files.set('a.onnx', negs);
    expect(await runWith(p, 'optimize', 'a.onnx', '-o', 'b.onnx', '--passes', 'neg-rules')).toBe(0);
    expect(p.out).toContain('  rules fired:\n    neg-rules/double-neg: 1\n');
    expect(p.out).toContain('    Neg: 3 -> 1\n');
    expect(await runWith(p, 'optimize', 'a.onnx', '-o', 'c.onnx', '--passes', 'neg-rules', '--disable-rules', 'other,double-*')).toBe(0);
    expect(p.files.get('c.onnx')).toBe(negs);
    expect(p.out).not.toContain('rules fired');
    // the name as the report prints it (pass/rule) works too; another pass's qualifier does not
    expect(await runWith(p, 'optimize', 'a.onnx', '-o', 'd.onnx', '--passes', 'neg-rules', '--disable-rules', 'neg-rules/double-neg')).toBe(0);
    expect(p.files.get('d.onnx')).toBe(negs);
    expect(await runWith(p, 'optimize', 'a.onnx', '-o', 'e.onnx', '--passes', 'neg-rules', '--disable-rules', 'fuse/double-neg')).toBe(0);
    expect(p.files.get('e.onnx')).not.toBe(negs);
  });

  test('--trace-rules prints one line per attempt to stderr, with why it did not fire', async () => {
    const p = new FakePlatform();
    p.files.set('a.onnx', negs);
    expect(await runWith(p, 'optimize', 'a.onnx', '-o', 'b.onnx', '--passes', 'neg-rules', '--trace-rules', 'double-*', '-q')).toBe(0);
    const lines = p.err.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) expect(l).toMatch(/^double-neg \S+ \(Neg\): \S/);
    expect(lines.filter((l) => l.endsWith(': fired'))).toHaveLength(1);
    // the Neg of q (input not a Neg) and the inner Neg of p decline, each with a reason
    expect(lines.filter((l) => !l.endsWith(': fired')).length).toBeGreaterThanOrEqual(2);
    expect(p.out).toBe('');
    // a rule not traced prints nothing
    expect(await runWith(p, 'optimize', 'a.onnx', '-o', 'b.onnx', '--passes', 'neg-rules', '--trace-rules', 'gelu-*', '-q')).toBe(0);
    expect(p.err).toBe('');
  });

  test('rewritten nodes carry lathe.rule metadata unless --no-provenance', async () => {
    const p = new FakePlatform();
    const relu = negs;
    p.files.set('a.onnx', relu);
    const metaOf = (m: Model) => Object.values(m.graph.nodes).flatMap((n) => (n.meta ?? []).map((e) => e.key));
    expect(await runWith(p, 'optimize', 'a.onnx', '-o', 'b.onnx', '--passes', 'abs-rules', '-q')).toBe(0);
    expect(await runWith(p, 'optimize', 'a.onnx', '-o', 'c.onnx', '--passes', 'abs-rules', '-q', '--no-provenance')).toBe(0);
    const [b, c] = [p.files.get('b.onnx') as Model, p.files.get('c.onnx') as Model];
    expect(b).not.toBe(relu);
    expect(c).not.toBe(relu);
    expect(metaOf(b)).toContain('lathe.rule');
    expect(metaOf(c)).not.toContain('lathe.rule');
  });

  test('--report FILE.json writes the report as JSON instead of printing it (bytes and times included)', async () => {
    const p = new FakePlatform();
    p.files.set('a.onnx', negs);
    expect(await runWith(p, 'optimize', 'a.onnx', '-o', 'b.onnx', '--passes', 'neg-rules', '--report', 'r.json')).toBe(0);
    expect(p.out).toBe('lathe: wrote b.onnx (1.0 kB) and the report r.json\n');
    const r = JSON.parse(p.files.get('r.json') as string);
    expect(r).toMatchObject({
      schemaVersion: 1, level: null, pipeline: 'neg-rules', nodes: { before: 4, after: 2 },
      ops: [{ op: 'Neg', before: 3, after: 1 }], bytes: { before: 1234, after: 1000 },
      timeMs: { load: 0, verify: 0, passes: 0, save: 0 },
      passes: [{ pass: 'neg-rules', runs: 1, changed: 1, ms: 0, stats: {} }],
      rules: [{ pass: 'neg-rules', rule: 'double-neg', count: 1 }], warnings: [],
    });
  });
});
