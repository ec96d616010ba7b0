/**
 * Untrusted input through the CLI, in process (`runCli` on the real Node platform with captured
 * streams): QUALITY.md "Loading untrusted models".
 *
 * The contract for input lathe refuses: exit 2 (never 70 = internal error, never a throw), stderr
 * exactly one line `lathe: IN: …`, and nothing written: no OUT, no temp file in OUT's folder.
 * Models that decode but break an IR invariant are refused by `optimize` the same way; `check`
 * exits 2 listing the diagnostics on stdout; `inspect` describes what it loaded.
 * Mutations (truncation, random bytes, bit flips) may leave a valid model: then the invariant is
 * exit ∈ {0, 2}, and 0 ⇒ OUT exists and loads.
 *
 * Covered elsewhere, not repeated here: the decoder's own error messages (ir/onnx/decode.test.ts),
 * loadModel's external-data checks (node/io.test.ts), CLI usage errors on a fake platform
 * (src/cli.test.ts), the built executable on a few bad files (test/cli.e2e.test.ts).
 */
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { LatheError } from '../ir/error.js';
import { float } from '../ir/attrs.js';
import { GraphBuilder, modelOf, tensorType } from '../ir/edit/build.js';
import { encodeModelToBytes } from '../ir/onnx/encode.js';
import type { AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, TensorProto, TypeProto } from '../ir/onnx/proto.js';
import { P } from '../ir/onnx/test-util.js';
import { modelsEqual } from '../ir/text/equal.js';
import type { Model } from '../ir/types.js';
import { loadModel, saveModel } from '../node/io.js';
import { saveModelToBytes } from '../src/io.js';
import { longChainModel, nestedIfModel } from './arbitraries/model.js';
import {
  bytes, expectHandled, expectInvalid, expectOnly, expectRefused, freshDir, input, irVersion8, lathe, ld, opset17,
  removeCaseDirs, show, tag, topLevelEnds, varint, type Outcome,
} from './support/cli-harness.js';

afterAll(removeCaseDirs);

/** A small valid model touching most message kinds: initializer, If with branches, function, metadata. */
function sampleModel(): Model {
  const f32 = tensorType(1, [2, 2]);
  const b = new GraphBuilder('main');
  const x = b.input('x', f32);
  const c = b.input('c', tensorType(9, []));
  const w = b.initializer('w', { dtype: 1, dims: [2, 2], data: { kind: 'raw', bytes: new Uint8Array(new Float32Array([1, -2, 3, -4]).buffer) } });
  const s = b.op('Add', [x, w], undefined, { types: [f32], name: 'add' });
  const t = b.subgraph('then');
  t.output(t.op('Relu', [s], undefined, { types: [f32] }), 'tr', f32);
  const e = b.subgraph('else');
  e.output(e.op('LeakyRelu', [s], { alpha: float(0.1) }, { types: [f32] }), 'el', f32);
  const y = b.op('If', [c], { then_branch: t.build(), else_branch: e.build() }, { types: [f32] });
  const z = b.op('Scale', [y], undefined, { domain: 'local', types: [f32] });
  b.output(z, 'z', f32);
  const fb = new GraphBuilder('', b.ids);
  const fx = fb.input('fx');
  fb.output(fb.op('Neg', [fx]), 'fy');
  return modelOf(b.build(), [{ domain: '', version: 17 }, { domain: 'local', version: 1 }], {
    producerName: 'lathe-test',
    meta: [{ key: 'k', value: 'v' }],
    functions: [{ name: 'Scale', domain: 'local', params: [], paramDefaults: [], opsets: [{ domain: '', version: 17 }], graph: fb.build() }],
  });
}

const sample = saveModelToBytes(sampleModel());

// ---------------------------------------------------------------------------------------------

describe('files that are not ONNX models', () => {
  test('an empty file', async () => {
    const { dir, path } = input(new Uint8Array(0));
    await expectRefused(path, dir, /: not an ONNX model \(empty file\)$/m);
  });

  test('a model in the ONNX text syntax: the message says so and names the command that reads it', async () => {
    const text = new TextEncoder().encode('\n<ir_version: 8, opset_import: ["" : 17]>\ng (float[2] x) => (float[2] y) {\n  y = Relu (x)\n}\n');
    const { dir, path } = input(text, 'relu.onnx.txt');
    await expectRefused(path, dir, /: ModelProto\.\S+: .* \(this looks like ONNX text, not a binary model: `lathe parse relu\.onnx\.txt -o MODEL\.onnx` converts it\)$/m);
  });

  test('random bytes that happen to start with a letter get no text hint', async () => {
    const { dir, path } = input(new Uint8Array([0x41, 0xff, 0xff, 0xff]));
    await expectRefused(path, dir, /^lathe: .*: (?!.*ONNX text).*$/m);
  });

  test('the sample itself is valid (the mutations below start from a good model)', async () => {
    const { dir, path } = input(sample);
    expect(await expectHandled(path, dir)).toBe('ok');
  });

  test('a valid model truncated at every offset', async () => {
    const ends = topLevelEnds(sample);
    const tally: Record<Outcome, number> = { refused: 0, invalid: 0, ok: 0 };
    const dir = freshDir();
    for (let n = 0; n < sample.length; n++) {
      const { path } = input(sample.subarray(0, n), `t${n}.onnx`, dir);
      // a cut inside a field can never leave a loadable model
      if (!ends.has(n)) await expectRefused(path, dir, /: .*(truncated|passes the end)/);
      else tally[await expectHandled(path, dir)]++;
      rmSync(path);
    }
    console.log(`truncation of a ${sample.length}-byte model: ${JSON.stringify(tally)} at field boundaries, refused elsewhere`);
    // cuts between top-level fields: the empty file, ir_version alone, … up to the whole graph
    expect(tally.refused + tally.invalid + tally.ok).toBe(ends.size - 1);
    expect(tally.refused).toBeGreaterThan(0);
  });

  test('random bytes (fast-check)', async () => {
    const tally: Record<Outcome, number> = { refused: 0, invalid: 0, ok: 0 };
    const dir = freshDir();
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 300 }), async (b) => {
        const { path } = input(b, 'r.onnx', dir);
        tally[await expectHandled(path, dir)]++;
        rmSync(path);
      }),
      { seed: 42, numRuns: 150 },
    );
    console.log(`random bytes: ${JSON.stringify(tally)}`);
    expect(tally.refused).toBeGreaterThan(140);
  });

  test('bit flips and byte overwrites of a valid model (fast-check)', async () => {
    const tally: Record<Outcome, number> = { refused: 0, invalid: 0, ok: 0 };
    const dir = freshDir();
    const edit = fc.oneof(
      fc.record({ at: fc.nat(sample.length - 1), flip: fc.integer({ min: 0, max: 7 }) }),
      fc.record({ at: fc.nat(sample.length - 1), set: fc.integer({ min: 0, max: 255 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 4 }), async (edits) => {
        const b = Uint8Array.from(sample);
        for (const e of edits) b[e.at] = 'flip' in e ? b[e.at] ^ (1 << e.flip) : e.set;
        const { path } = input(b, 'm.onnx', dir);
        tally[await expectHandled(path, dir)]++;
        rmSync(path);
      }),
      { seed: 42, numRuns: 150 },
    );
    console.log(`mutations: ${JSON.stringify(tally)}`);
    // most single-byte damage is caught, some leaves a different but valid model: both must occur
    expect(tally.refused).toBeGreaterThan(20);
    expect(tally.ok).toBeGreaterThan(5);
  });
});

describe('malformed wire data', () => {
  test.each([
    ['ir_version as length-delimited', bytes(tag(1, 2), [1, 8]), /ModelProto\.ir_version: wire type 2/],
    ['graph as a varint', bytes(irVersion8, tag(7, 0), [5]), /ModelProto\.graph: wire type 0/],
    ['a node as fixed32', bytes(irVersion8, ld(7, [...tag(1, 5), 0, 0, 0, 0])), /GraphProto\.node: wire type 5/],
    ['opset version as length-delimited', bytes(irVersion8, ld(8, [...tag(2, 2), 1, 17])), /OperatorSetIdProto\.version: wire type 2/],
    ['tensor dims as fixed64', bytes(irVersion8, ld(7, ld(5, [...tag(1, 1), 0, 0, 0, 0, 0, 0, 0, 0]))), /TensorProto\.dims: wire type 1/],
    ['graph as an end-group tag', bytes(irVersion8, tag(7, 4)), /ModelProto\.graph: wire type 4 \(group end\)/],
    ['an unknown field as a start-group tag', bytes(irVersion8, tag(50, 3), [0]), /ModelProto\.field 50: group wire type 3 is not supported/],
  ])('%s', async (_name, b, message) => {
    const { dir, path } = input(b);
    await expectRefused(path, dir, message);
  });

  test.each([
    ['2^32', 2n ** 32n],
    ['2^60', 2n ** 60n],
  ])('graph field declaring a length of %s: refused at once, nothing allocated', async (_name, n) => {
    const { dir, path } = input(bytes(irVersion8, tag(7, 2), varint(n), ld(2, [0x61]), opset17));
    const heap = process.memoryUsage().heapUsed;
    const t0 = performance.now();
    await expectRefused(path, dir, new RegExp(`ModelProto\\.graph: declared length ${n} passes the end`));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(process.memoryUsage().heapUsed - heap).toBeLessThan(64 << 20);
  });
});

// ---------------------------------------------------------------------------------------------

/** A model whose initializer `w` (float[4]) points at external data with this location. */
function externalModel(location: string): Uint8Array {
  const w = P.tensor({ name: 'w', dims: [4n], dataLocation: 1, externalData: [{ key: 'location', value: location }, { key: 'length', value: '16' }] });
  return encodeModelToBytes(P.model({ graph: P.graph({ initializer: [w], output: [P.vi('w', P.f32(4))] }) }));
}

describe('external data escaping the model folder (through the CLI)', () => {
  /** `base/model/` for the model, `base/outside/secret.bin` next to it. */
  function scene(): { dir: string; secret: string; outside: string } {
    const base = freshDir();
    const dir = join(base, 'model');
    const outside = join(base, 'outside');
    mkdirSync(dir);
    mkdirSync(outside);
    const secret = join(outside, 'secret.bin');
    writeFileSync(secret, new Uint8Array(64).fill(7));
    return { dir, secret, outside };
  }

  test('../outside/secret.bin', async () => {
    const { dir } = scene();
    const { path } = input(externalModel('../outside/secret.bin'), 'in.onnx', dir);
    await expectRefused(path, dir, /location "\.\.\/outside\/secret\.bin" leaves the model folder/);
  });

  test('an absolute path to an existing file', async () => {
    const { dir, secret } = scene();
    const { path } = input(externalModel(secret), 'in.onnx', dir);
    await expectRefused(path, dir, /is an absolute path/);
  });

  test('a link to a file outside', async () => {
    const { dir, secret } = scene();
    symlinkSync(secret, join(dir, 'w.bin'));
    const { path } = input(externalModel('w.bin'), 'in.onnx', dir);
    // refused before its target is looked at: a link as the final name is never followed (O_NOFOLLOW)
    await expectRefused(path, dir, /external data file w\.bin cannot be opened: a link/);
  });

  test('a link to a folder outside', async () => {
    const { dir, outside } = scene();
    symlinkSync(outside, join(dir, 'sub'));
    const { path } = input(externalModel('sub/secret.bin'), 'in.onnx', dir);
    await expectRefused(path, dir, /external data file sub\/secret\.bin leads outside the model folder/);
  });
});

// ---------------------------------------------------------------------------------------------

const vi = (name: string) => P.vi(name, P.f32(2, 2));

describe('models that decode but break the IR', () => {
  test('a node input that is never defined', async () => {
    const m = P.model({ graph: P.graph({ input: [vi('x')], output: [vi('y')], node: [P.node('Add', ['x', 'ghost'], ['y'])] }) });
    const { dir, path } = input(encodeModelToBytes(m));
    await expectInvalid(path, dir, 'undefined-value');
  });

  test('a cycle: two nodes feeding each other', async () => {
    const m = P.model({
      graph: P.graph({ input: [vi('x')], output: [vi('b')], node: [P.node('Add', ['x', 'b'], ['a']), P.node('Relu', ['a'], ['b'])] }),
    });
    const { dir, path } = input(encodeModelToBytes(m));
    await expectInvalid(path, dir, 'cycle');
  });

  test('a subgraph reading a value of its sibling subgraph', async () => {
    const branch = (name: string, node: NodeProto, out: string) => P.graph({ name, node: [node], output: [vi(out)] });
    const ifNode = P.node('If', ['c'], ['y'], {
      attribute: [
        P.attr({ name: 'then_branch', type: 5, g: branch('then', P.node('Relu', ['x'], ['t1']), 't1') }),
        P.attr({ name: 'else_branch', type: 5, g: branch('else', P.node('Neg', ['t1'], ['e1']), 'e1') }),
      ],
    });
    const m = P.model({ graph: P.graph({ input: [vi('x'), P.vi('c', { tensorType: { elemType: 9, shape: { dim: [] } } })], output: [vi('y')], node: [ifNode] }) });
    const { dir, path } = input(encodeModelToBytes(m));
    await expectInvalid(path, dir, 'undefined-value');
  });

  test('duplicate value names (two nodes write y)', async () => {
    const m = P.model({
      graph: P.graph({ input: [vi('x')], output: [vi('y')], node: [P.node('Relu', ['x'], ['y']), P.node('Neg', ['x'], ['y'])] }),
    });
    const { dir, path } = input(encodeModelToBytes(m));
    await expectInvalid(path, dir, 'duplicate-name');
  });

  test('function cycles: f calls g calls f', async () => {
    const fn = (name: string, callee: string): FunctionProto =>
      P.func({ name, domain: 'local', input: ['a'], output: ['b'], node: [P.node(callee, ['a'], ['b'], { domain: 'local' })], opsetImport: [{ domain: 'local', version: 1n }] });
    const m = P.model({
      opsetImport: [{ domain: '', version: 17n }, { domain: 'local', version: 1n }],
      functions: [fn('f', 'g'), fn('g', 'f')],
      graph: P.graph({ input: [vi('x')], output: [vi('y')], node: [P.node('f', ['x'], ['y'], { domain: 'local' })] }),
    });
    const { dir, path } = input(encodeModelToBytes(m));
    await expectInvalid(path, dir, 'function-cycle');
  });
});

// ---------------------------------------------------------------------------------------------

describe("names like '__proto__' are ordinary names", () => {
  const NAMES = ['__proto__', 'constructor', 'hasOwnProperty'] as const;

  function protoNamesModel(): ModelProto {
    const fn = (name: string): FunctionProto =>
      P.func({
        name, domain: 'local', input: ['__proto__'], output: ['constructor'], attribute: ['hasOwnProperty', '__proto__'],
        node: [P.node('Relu', ['__proto__'], ['constructor'], { name: 'toString' })], opsetImport: [{ domain: '', version: 17n }],
      });
    const attrs = (): AttributeProto[] => NAMES.map((n, i) => P.attr({ name: n, type: 2, i: BigInt(i) }));
    const meta = NAMES.map((key) => ({ key, value: `v-${key}` }));
    return P.model({
      opsetImport: [{ domain: '', version: 17n }, { domain: 'local', version: 1n }, { domain: '__proto__', version: 1n }],
      metadataProps: meta,
      functions: NAMES.map(fn),
      graph: P.graph({
        name: '__proto__',
        input: [vi('__proto__')],
        output: [vi('hasOwnProperty')],
        metadataProps: meta,
        node: [
          P.node('__proto__', ['__proto__'], ['constructor'], { name: '__proto__', domain: 'local', attribute: attrs().slice(0, 2) }),
          P.node('constructor', ['constructor'], ['valueOf'], { name: 'constructor', domain: 'local', metadataProps: meta }),
          P.node('hasOwnProperty', ['valueOf'], ['toString'], { name: 'hasOwnProperty', domain: 'local', attribute: attrs().slice(1) }),
          P.node('Identity', ['toString'], ['hasOwnProperty'], { name: 'toString', domain: '__proto__' }),
        ],
      }),
    });
  }

  test('optimize succeeds and keeps every name; Object.prototype stays clean', async () => {
    const protoKeys = Object.getOwnPropertyNames(Object.prototype).sort();
    const { dir, path } = input(encodeModelToBytes(protoNamesModel()));
    const out = join(dir, 'out.onnx');
    // the default level's passes cope with the names too; -O0 keeps everything as it was
    const o2 = await lathe('optimize', path, '-o', join(dir, 'o2.onnx'), '-q');
    expect(o2, show(o2)).toMatchObject({ code: 0, err: '' });
    const r = await lathe('optimize', path, '-o', out, '-q', '-O0');
    expect(r, show(r)).toMatchObject({ code: 0, err: '' });
    const c = await lathe('check', path);
    expect(c.out, show(c)).toBe(`${path}: ok (0 errors, 0 warnings)\n`);
    const i = await lathe('inspect', path, '--json');
    expect(i.code, show(i)).toBe(0);
    expect(JSON.parse(i.out).ops).toEqual([
      { op: 'Identity', domain: '__proto__', count: 1 },
      { op: '__proto__', domain: 'local', count: 1 },
      { op: 'constructor', domain: 'local', count: 1 },
      { op: 'hasOwnProperty', domain: 'local', count: 1 },
    ]);
    const m = loadModel(out);
    expect(modelsEqual(loadModel(path), m)).toBeNull();
    const g = m.graph;
    expect(g.name).toBe('__proto__');
    expect(g.order.map((id) => g.nodes[id].name)).toEqual([...NAMES, 'toString']);
    expect(g.order.map((id) => g.nodes[id].op)).toEqual([...NAMES, 'Identity']);
    expect(g.order.map((id) => g.nodes[id].domain)).toEqual(['local', 'local', 'local', '__proto__']);
    expect(g.order.map((id) => g.nodes[id].attrs.map((a) => a.name))).toEqual([['__proto__', 'constructor'], [], ['constructor', 'hasOwnProperty'], []]);
    const names = Object.values(g.values).map((v) => v.name).sort();
    expect(names).toEqual(['__proto__', 'constructor', 'hasOwnProperty', 'toString', 'valueOf']);
    expect(m.opsets.map((o) => o.domain)).toEqual(['', 'local', '__proto__']);
    expect(m.meta.map((e) => e.key)).toEqual([...NAMES]);
    expect(g.meta?.map((e) => e.key)).toEqual([...NAMES]);
    expect(g.nodes[g.order[1]].meta?.map((e) => e.key)).toEqual([...NAMES]);
    expect(m.functions.map((f) => f.name)).toEqual([...NAMES]);
    expect(m.functions[0].params).toEqual(['hasOwnProperty', '__proto__']);
    // no pollution: nothing added to or changed on Object.prototype
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeys);
    expect(({} as Record<string, unknown>)['v-__proto__']).toBeUndefined();
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
    expect(typeof ({} as { hasOwnProperty: unknown }).hasOwnProperty).toBe('function');
  });
});

// ---------------------------------------------------------------------------------------------

/** Saves an IR model as `in.onnx` in a fresh folder. */
function saved(m: Model): { dir: string; path: string } {
  const dir = freshDir();
  const path = join(dir, 'in.onnx');
  saveModel(m, path, { externalData: 'never' });
  return { dir, path };
}

/**
 * A ModelProto with `depth` nested If nodes (each then_branch holds the next level), built
 * without recursion so depth can pass what the IR emitter accepts.
 */
function deepIfProto(depth: number): ModelProto {
  const f = P.f32(2, 2);
  const leaf = (name: string): GraphProto => P.graph({ name, node: [P.node('Neg', ['x'], [`${name}_y`])], output: [P.vi(`${name}_y`, f)] });
  let inner: GraphProto = leaf('bottom');
  for (let level = depth; level >= 1; level--) {
    const ifNode = P.node('If', ['c'], [`y${level}`], {
      attribute: [P.attr({ name: 'then_branch', type: 5, g: inner }), P.attr({ name: 'else_branch', type: 5, g: leaf(`e${level}`) })],
    });
    inner = level === 1
      ? P.graph({ name: 'main', input: [P.vi('x', f), P.vi('c', { tensorType: { elemType: 9, shape: { dim: [] } } })], node: [ifNode], output: [P.vi('y1', f)] })
      : P.graph({ name: `level${level}`, node: [ifNode], output: [P.vi(`y${level}`, f)] });
  }
  return P.model({ irVersion: 8n, opsetImport: [{ domain: '', version: 17n }], graph: inner });
}

describe('deep and large models', () => {
  test('20 nested Ifs: optimize is quick and the output equals the input', async () => {
    const m = nestedIfModel(20);
    const { dir, path } = saved(m);
    const out = join(dir, 'out.onnx');
    const r = await lathe('optimize', path, '-o', out, '-q');
    expect(r.code, show(r)).toBe(0);
    expect(r.ms).toBeLessThan(1000);
    expect(modelsEqual(m, loadModel(out))).toBeNull();
    const c = await lathe('check', path);
    expect(c.code, show(c)).toBe(0);
  });

  test('a 10,000-node chain: optimize, check and inspect all succeed', async () => {
    const m = longChainModel(10_000);
    const { dir, path } = saved(m);
    const out = join(dir, 'out.onnx');
    const r = await lathe('optimize', path, '-o', out, '-q');
    expect(r.code, show(r)).toBe(0);
    expect(modelsEqual(m, loadModel(out))).toBeNull();
    for (const cmd of ['check', 'inspect']) {
      const c = await lathe(cmd, path);
      expect(c.code, show(c)).toBe(0);
    }
    const i = await lathe('inspect', path, '--json');
    expect(JSON.parse(i.out).nodes.main).toBe(10_000);
  });

  test('10,000 nested Ifs: the IR builds, saving refuses the depth cleanly, the crafted file is refused by the CLI', async () => {
    const m = nestedIfModel(10_000);
    const dir = freshDir();
    let caught: unknown;
    try {
      saveModel(m, join(dir, 'deep.onnx'));
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(LatheError);
    expect((caught as Error).message).toMatch(/nesting passes \d+/);
    expectOnly(dir, []);
    const { path } = input(encodeModelToBytes(deepIfProto(10_000)), 'in.onnx', dir);
    await expectRefused(path, dir, /nested deeper than \d+ levels|nesting passes \d+/);
  });

  test('types nested 100 deep (past lift) and 10,000 deep (past the decoder) are refused', async () => {
    const seq = (depth: number): TypeProto => {
      let t: TypeProto = P.f32(2);
      for (let i = 0; i < depth; i++) t = { sequenceType: { elemType: t } };
      return t;
    };
    for (const [depth, message] of [[100, /type nesting passes 64/], [10_000, /messages nested deeper than \d+ levels/]] as const) {
      const { dir, path } = input(encodeModelToBytes(P.model({ graph: P.graph({ input: [P.vi('x', seq(depth))], output: [P.vi('x')] }) })));
      await expectRefused(path, dir, message);
    }
  });

  /** 10,000 functions, f_i calling f_{i+1}; the last calls f0 (a cycle) or Relu (a chain). */
  function functionChain(n: number, cycle: boolean): ModelProto {
    const fn = (i: number): FunctionProto =>
      P.func({
        name: `f${i}`, domain: 'local', input: ['a'], output: ['b'], opsetImport: [{ domain: 'local', version: 1n }, { domain: '', version: 17n }],
        node: [i + 1 < n || cycle ? P.node(`f${(i + 1) % n}`, ['a'], ['b'], { domain: 'local' }) : P.node('Relu', ['a'], ['b'])],
      });
    return P.model({
      opsetImport: [{ domain: '', version: 17n }, { domain: 'local', version: 1n }],
      functions: Array.from({ length: n }, (_, i) => fn(i)),
      graph: P.graph({ input: [P.vi('x', P.f32(2))], output: [P.vi('y', P.f32(2))], node: [P.node('f0', ['x'], ['y'], { domain: 'local' })] }),
    });
  }

  test('10,000 functions calling each other in a chain are fine; closed into a cycle they are refused', async () => {
    const chain = input(encodeModelToBytes(functionChain(10_000, false)));
    const r = await lathe('optimize', chain.path, '-o', join(chain.dir, 'out.onnx'), '-q', '-O0');
    expect(r.code, show(r)).toBe(0);
    expect(loadModel(join(chain.dir, 'out.onnx')).functions).toHaveLength(10_000);
    const cycle = input(encodeModelToBytes(functionChain(10_000, true)));
    await expectInvalid(cycle.path, cycle.dir, 'function-cycle');
  });

  test('nesting between the limits: 150 Ifs pass the decoder but not lift; 101 pass lift but not verify', async () => {
    const a = input(encodeModelToBytes(deepIfProto(150)));
    await expectRefused(a.path, a.dir, /subgraph nesting passes 128/);
    const b = saved(nestedIfModel(101));
    await expectInvalid(b.path, b.dir, 'nesting-depth');
  });
});

// ---------------------------------------------------------------------------------------------

/** A model with one initializer `w` (given as a proto) read by a Relu. */
function withInitializer(w: TensorProto): Uint8Array {
  return encodeModelToBytes(P.model({ graph: P.graph({ initializer: [w], node: [P.node('Relu', ['w'], ['y'])], output: [P.vi('y')] }) }));
}

describe('tensors whose declared sizes lie', () => {
  test.each([
    ['raw_data shorter than dtype × dims', P.tensor({ name: 'w', dims: [4n], rawData: new Uint8Array(12) }), /payload is 12 bytes, float × 4 needs 16/],
    ['raw_data longer than dtype × dims', P.tensor({ name: 'w', dims: [2n, 2n], rawData: new Uint8Array(20) }), /payload is 20 bytes/],
    ['dims whose product passes 2^53', P.tensor({ name: 'w', dims: [2n ** 30n, 2n ** 30n], rawData: new Uint8Array(4) }), /element count passes 2\^53/],
    ['a dim past 2^53', P.tensor({ name: 'w', dims: [2n ** 60n] }), /dims\[0\] passes 2\^53/],
    ['a negative dim', P.tensor({ name: 'w', dims: [2n, -1n], rawData: new Uint8Array(8) }), /dims\[1\] is negative/],
    ['a string tensor with raw_data', P.tensor({ name: 'w', dataType: 8, dims: [1n], rawData: new Uint8Array([0x61, 0x62]) }), /string tensor has raw_data/],
    ['int4 × 3 with 1 byte (needs 2)', P.tensor({ name: 'w', dataType: 22, dims: [3n], rawData: new Uint8Array(1) }), /payload is 1 bytes, int4 × 3 needs 2/],
    ['int4 × 3 with 3 bytes (needs 2)', P.tensor({ name: 'w', dataType: 22, dims: [3n], rawData: new Uint8Array(3) }), /payload is 3 bytes, int4 × 3 needs 2/],
    ['float_data with too few values', P.tensor({ name: 'w', dims: [3n], floatData: Float32Array.of(1, 2) }), /float_data has 2 entries/],
  ])('%s', async (_name, w, message) => {
    const { dir, path } = input(withInitializer(w));
    await expectRefused(path, dir, message);
  });

  test('a Constant whose value attribute has a short raw_data', async () => {
    const t = P.tensor({ dims: [4n], rawData: new Uint8Array(8) });
    const m = P.model({ graph: P.graph({ node: [P.node('Constant', [], ['y'], { attribute: [P.attr({ name: 'value', type: 4, t })] })], output: [P.vi('y')] }) });
    const { dir, path } = input(encodeModelToBytes(m));
    await expectRefused(path, dir, /payload is 8 bytes, float × 4 needs 16/);
  });

  test('a rank of 2^31 declared by a packed dims field', async () => {
    // TensorProto.dims packed, declaring 2^31 bytes of varints; only a few follow.
    const tensor = [...tag(1, 2), ...varint(2 ** 31), 1, 1, 1, 1];
    const { dir, path } = input(bytes(irVersion8, ld(7, ld(5, tensor)), opset17));
    const t0 = performance.now();
    await expectRefused(path, dir, /TensorProto\.dims: declared length 2147483648 passes the end/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });
});
