import { Buffer } from 'node:buffer';
import { describe, expect, test } from 'vitest';
import { Blob, memorySource } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import { GraphBuilder, modelOf } from '../ir/edit/build.js';
import { streamKey, normalAt } from '../ir/random.js';
import type { Model, Tensor } from '../ir/types.js';
import { walkGraphs } from '../ir/walk.js';
import { loadModelFromBytes, saveModelToBytes } from './io.js';
import { fillModel, stripModel } from './skeleton.js';
import { floatToBf16, floatToHalf, forEachFloatChunk } from './tensor-values.js';

/** Deterministic "original weights": normal(mean, std) from the lathe PRNG, independent of fill's keys. */
function normalValues(n: number, mean: number, std: number, label: string): Float64Array {
  const key = streamKey(999, label);
  return Float64Array.from({ length: n }, (_, i) => mean + std * normalAt(key, i));
}

function f32Raw(values: ArrayLike<number>, dims: number[]): Tensor {
  return { dtype: 1, dims, data: { kind: 'raw', bytes: new Uint8Array(Float32Array.from(values).buffer) } };
}

function valuesOf(t: Tensor): number[] {
  const out: number[] = [];
  expect(forEachFloatChunk(t, 't', (v, n) => { for (let i = 0; i < n; i++) out.push(v[i]); })).toBe(true);
  return out;
}

function stats(xs: readonly number[]) {
  const n = xs.length;
  const mean = xs.reduce((s, x) => s + x, 0) / n;
  const std = Math.sqrt(xs.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
  return { min: xs.reduce((a, b) => Math.min(a, b)), max: xs.reduce((a, b) => Math.max(a, b)), mean, std };
}

/** A model with one tensor of each interesting kind. */
function sampleModel() {
  const b = new GraphBuilder('main');
  const x = b.input('x', { kind: 'tensor', dtype: 1, shape: ['batch', 100] });
  const big = normalValues(100 * 30, 0.1, 0.5, 'big');
  const w = b.initializer('w', f32Raw(big, [100, 30]));
  const small = b.initializer('small', f32Raw([1, 2, 3, 4, 5, 6, 7, 8].flatMap((v) => Array(8).fill(v)), [8, 8])); // 64 elements: kept
  const ints = b.initializer('ints', { dtype: 7, dims: [100], data: { kind: 'raw', bytes: new Uint8Array(800) } });
  const halfVals = normalValues(200, -1, 0.25, 'half');
  const half = b.initializer('h', { dtype: 10, dims: [200], data: { kind: 'raw', bytes: new Uint8Array(Uint16Array.from(halfVals, floatToHalf).buffer) } });
  const bf = b.initializer('bf', { dtype: 16, dims: [2, 50], data: { kind: 'raw', bytes: new Uint8Array(Uint16Array.from(normalValues(100, 3, 1, 'bf'), floatToBf16).buffer) } });
  const dbl = b.initializer('d', { dtype: 11, dims: [70], data: { kind: 'field', field: 'double_data', values: normalValues(70, 0, 2, 'd') } });
  const withNan = b.initializer('nan', f32Raw(Array.from({ length: 80 }, (_, i) => (i === 7 ? NaN : i)), [80]));
  const c = b.op('Constant', [], { value: f32Raw(normalValues(65, 5, 1, 'c'), [65]) }, { outputs: ['cst'] });
  const sub = b.subgraph('then');
  sub.output(sub.initializer('inner', f32Raw(normalValues(100, 0, 1, 'inner'), [100])));
  const y = b.op('MatMul', [x, w]);
  b.op('If', [b.op('Identity', [c])], { then_branch: sub.build(), else_branch: sub.build() });
  for (const v of [small, ints, half, bf, dbl, withNan]) b.op('Identity', [v]);
  b.output(y, 'y');
  return { model: modelOf(b.build()), big };
}

/** The first tensor named `name` in any graph (main, subgraphs, function bodies), walk order. */
function tensorByName(m: Model, name: string): Tensor {
  let found: Tensor | undefined;
  walkGraphs(m, (g) => {
    if (found) return false;
    for (const v of Object.values(g.values)) if (v.name === name && v.tensor) return void (found = v.tensor);
    for (const id of g.order) {
      const n = g.nodes[id];
      const out = n.outputs[0];
      if (n.op === 'Constant' && out && g.values[out]?.name === name) {
        const a = n.attrs.find((a) => a.name === 'value');
        if (a?.kind === 'tensor') return void (found = a.value);
      }
    }
  });
  if (!found) throw new Error(`no tensor ${name}`);
  return found;
}

/** The tensors a sidecar key names in `m` (see skeleton.ts for the key forms). */
function tensorByKey(m: Model, key: string): Tensor {
  return tensorByName(m, key.replace(/^fn:[^/]*\//, '').replace(/@.*$/, '').split(':')[1]);
}

describe('strip', () => {
  test('strips float tensors of more than 64 elements in every graph and records exact stats', () => {
    const { model, big } = sampleModel();
    const r = stripModel(model);
    expect([...r.weights.keys()]).toEqual(['init:w', 'init:h', 'init:bf', 'init:d', 'const:cst', 'init:inner', 'init:inner@main/#3 If.else_branch']);
    const w = r.weights.get('init:w')!;
    const want = stats([...Float32Array.from(big)]);
    expect(w.dtype).toBe('float32');
    expect(w.dims).toEqual([100, 30]);
    expect(w.min).toBe(want.min);
    expect(w.max).toBe(want.max);
    expect(w.mean).toBeCloseTo(want.mean, 12);
    expect(w.std).toBeCloseTo(want.std, 12);
    expect(r.weights.get('init:h')!.dtype).toBe('float16');
    expect(r.weights.get('init:bf')!.dtype).toBe('bfloat16');
    expect(r.weights.get('init:d')!.dtype).toBe('float64');
    expect(r.weights.get('const:cst')!.dims).toEqual([65]);
    for (const name of ['w', 'h', 'bf', 'd', 'cst']) expect(tensorByName(r.model, name).data.kind).toBe('none');
    for (const name of ['small', 'ints', 'nan']) expect(tensorByName(r.model, name)).toBe(tensorByName(model, name));
    expect(r.kept).toEqual([{ key: 'init:nan', reason: expect.stringContaining('NaN') }]);
    // subgraph initializers are stripped too, in both branches (silero VAD keeps its weights there)
    const ifNode = Object.values(r.model.graph.nodes).find((n) => n.op === 'If')!;
    for (const branch of ifNode.attrs) {
      expect(branch.kind === 'graph' && Object.values(branch.value.values).find((v) => v.name === 'inner')?.tensor?.data.kind).toBe('none');
    }
    expect(r.bytesRemoved).toBe(3000 * 4 + 200 * 2 + 100 * 2 + 70 * 8 + 65 * 4 + 2 * 100 * 4);
    // the input model is unchanged
    expect(tensorByName(model, 'w').data.kind).toBe('raw');
  });

  test('a Constant in a function body is stripped and filled, keyed by its function', () => {
    const b = new GraphBuilder('main');
    const x = b.input('x', { kind: 'tensor', dtype: 1, shape: [100] });
    b.output(b.op('AddW', [x], undefined, { domain: 'local' }), 'y');
    const fb = new GraphBuilder('', b.ids);
    const fx = fb.input('fx');
    const w = fb.op('Constant', [], { value: f32Raw(normalValues(100, 2, 1, 'fw'), [100]) }, { outputs: ['fw'] });
    fb.output(fb.op('Add', [fx, w]), 'fy');
    const model = modelOf(b.build(), [{ domain: '', version: 17 }, { domain: 'local', version: 1 }], {
      functions: [{ name: 'AddW', domain: 'local', params: [], paramDefaults: [], opsets: [{ domain: '', version: 17 }], graph: fb.build() }],
    });
    const r = stripModel(model);
    expect([...r.weights.keys()]).toEqual(['fn:local::AddW/const:fw']);
    expect(tensorByName(r.model, 'fw').data.kind).toBe('none');
    const f = fillModel(r.model, r.weights, { seed: 3 });
    expect(f.filled).toBe(1);
    expect(tensorByName(f.model, 'fw').data.kind).toBe('blob');
    const back = loadModelFromBytes(saveModelToBytes(f.model));
    expect(valuesOf(tensorByName(back, 'fw'))).toEqual(valuesOf(tensorByName(f.model, 'fw')));
  });

  test('streams a lazy blob across many chunks with float64 accuracy', () => {
    const n = 300_001;
    const vals = normalValues(n, 1000, 0.001, 'stream'); // large mean, tiny spread: a naive sum-of-squares would fail
    const bytes = new Uint8Array(Float32Array.from(vals).buffer);
    const b = new GraphBuilder();
    const v = b.initializer('w', { dtype: 1, dims: [n], data: { kind: 'blob', blob: new Blob(memorySource(bytes), 0, bytes.length) } });
    b.output(b.op('Identity', [v]));
    let seen = 0;
    const r = stripModel(modelOf(b.build()), { onBytes: (k) => (seen += k) });
    expect(seen).toBe(bytes.length);
    const want = stats([...Float32Array.from(vals)]);
    const got = r.weights.get('init:w')!;
    expect(Math.abs(got.mean - want.mean)).toBeLessThan(1e-9);
    expect(Math.abs(got.std - want.std) / want.std).toBeLessThan(1e-6);
  });
});

describe('fill', () => {
  test('a sidecar entry of lower rank whose dims are a prefix of the tensor\'s is refused (rank checked, not only the common dims)', () => {
    const r = stripModel(sampleModel().model);
    const entry = [...r.weights].find(([, s]) => s.dims.length >= 2);
    expect(entry).toBeDefined();
    const [key, s] = entry!;
    const weights = new Map(r.weights).set(key, { ...s, dims: s.dims.slice(0, -1) });
    expect(() => fillModel(r.model, weights, { seed: 0 })).toThrow(/do not match the model's/);
  });

  test('strip → fill gives the right dtypes and dims and the recorded statistics', () => {
    const { model } = sampleModel();
    const r = stripModel(model);
    const f = fillModel(r.model, r.weights, { seed: 0 });
    expect(f.filled).toBe(7);
    for (const [key, s] of r.weights) {
      const t = tensorByKey(f.model, key);
      expect(t.data.kind).toBe('blob');
      expect(t.dims).toEqual(s.dims);
      const got = stats(valuesOf(t));
      expect(got.min).toBeGreaterThanOrEqual(s.min);
      expect(got.max).toBeLessThanOrEqual(s.max);
      // normal(mean, std) clipped to the data's own range: close in mean; std shrinks a little
      const n = s.dims.reduce((a, d) => a * d, 1);
      expect(Math.abs(got.mean - s.mean)).toBeLessThan((5 * s.std) / Math.sqrt(n) + 0.01 * Math.abs(s.mean));
      expect(got.std).toBeGreaterThan(0.7 * s.std);
      expect(got.std).toBeLessThan(1.1 * s.std);
    }
  });

  test('filled tensors (initializers and Constant values) survive emit and lift with their bytes', () => {
    const { model } = sampleModel();
    const r = stripModel(model);
    const filled = fillModel(r.model, r.weights, { seed: 1 }).model;
    const back = loadModelFromBytes(saveModelToBytes(filled));
    for (const [key] of r.weights) {
      const want = valuesOf(tensorByKey(filled, key));
      expect(valuesOf(tensorByKey(back, key)), key).toEqual(want);
    }
    expect(Buffer.from(saveModelToBytes(back)).equals(Buffer.from(saveModelToBytes(filled)))).toBe(true);
  });

  test('same seed → identical bytes; another seed → different bytes; std 0 → constant', () => {
    const { model } = sampleModel();
    const r = stripModel(model);
    const bytes = (m: Model) => {
      const d = tensorByName(m, 'w').data;
      return Buffer.from(d.kind === 'blob' ? d.blob.bytes() : new Uint8Array());
    };
    const a = bytes(fillModel(r.model, r.weights, { seed: 7 }).model);
    expect(a.equals(bytes(fillModel(r.model, r.weights, { seed: 7 }).model))).toBe(true);
    expect(a.equals(bytes(fillModel(r.model, r.weights, { seed: 8 }).model))).toBe(false);
    const constant = new Map([['init:w', { ...r.weights.get('init:w')!, std: 0, mean: 0.125 }]]);
    expect(new Set(valuesOf(tensorByName(fillModel(r.model, constant).model, 'w')))).toEqual(new Set([0.125]));
  });

  test('a key naming no tensor, or a dtype/dims mismatch, is a LatheError naming the sidecar and key', () => {
    const { model } = sampleModel();
    const r = stripModel(model);
    const w = r.weights.get('init:w')!;
    const fails = (weights: Map<string, typeof w>, re: RegExp) => {
      let err: unknown;
      try {
        fillModel(r.model, weights, { sidecarFile: 'm.weights.json' });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LatheError);
      expect((err as LatheError).file).toBe('m.weights.json');
      expect((err as LatheError).message).toMatch(re);
    };
    fails(new Map([['init:nope', w]]), /^init:nope: names no initializer/);
    fails(new Map([['const:nope', w]]), /^const:nope: names no Constant/);
    fails(new Map([['init:__proto__', w]]), /^init:__proto__: names no/);
    fails(new Map([['init:w', { ...w, dims: [30, 100] }]]), /^init:w: dims \[30,100\] do not match/);
    fails(new Map([['init:w', { ...w, dtype: 'float16' }]]), /^init:w: dtype float16 does not match/);
  });
});
