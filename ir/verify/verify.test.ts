import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { arbModel, chainModel, invalidModels, longChainModel, nestedIfModel } from '../../test/arbitraries/model.js';
import { Blob, memorySource } from '../blob.js';
import { GraphBuilder, modelOf, tensorType } from '../edit/build.js';
import type { Model, Tensor } from '../types.js';
import { verify } from './verify.js';
import { tensorProblems } from './tensor.js';
import { walkGraphs } from '../walk.js';

describe('verify finds each defect', () => {
  test.each(Object.keys(invalidModels))('%s', (code) => {
    const diags = verify(invalidModels[code]());
    expect(diags.map((d) => d.code)).toContain(code);
    // The defect is the only kind reported (value-table rides along where a table is broken).
    expect(new Set(diags.map((d) => d.code).filter((c) => c !== 'value-table' || code === 'value-table'))).toEqual(new Set([code]));
    for (const d of diags) {
      expect(d.graph).toBeTruthy();
      expect(d.message).toBeTruthy();
    }
  });

  test('every code is covered by an invalid model', () => {
    const documented = [...verifySource().matchAll(/^ \* - `([a-z-]+)`/gm)].map((m) => m[1]);
    expect(documented.length).toBeGreaterThan(15);
    expect(Object.keys(invalidModels).sort()).toEqual([...documented].sort());
  });
});

function verifySource(): string {
  return readFileSync(new URL('./verify.ts', import.meta.url), 'utf8');
}

describe('verify details', () => {
  test('valid chain has no diagnostics', () => {
    expect(verify(chainModel().model)).toEqual([]);
  });

  test('diagnostics name the node by ONNX name, else #index op', () => {
    const unnamed = verify(invalidModels['unknown-domain']());
    expect(unnamed[0].node).toBe('#0 Relu');
    const { model, relu } = chainModel();
    const g = model.graph;
    const named: Model = { ...model, graph: { ...g, nodes: { ...g.nodes, [relu]: { ...g.nodes[relu], name: 'my_relu', domain: 'zz' } } } };
    expect(verify(named)[0].node).toBe('my_relu');
  });

  test('shadowing an outer name is a warning; a duplicate in one graph is an error', () => {
    expect(verify(invalidModels['shadowed-name']()).map((d) => d.severity)).toEqual(['warning']);
    expect(verify(invalidModels['duplicate-name']()).map((d) => d.severity)).toEqual(['error']);
  });

  test('a cycle is reported as a cycle, not as use-before-def', () => {
    const diags = verify(invalidModels.cycle());
    expect(diags.map((d) => d.code)).toEqual(['cycle']);
    expect(diags[0].message).toContain('→');
  });

  test('subgraph may read outer values defined before its node, not after', () => {
    const b = new GraphBuilder();
    const c = b.input('c', tensorType(9, []));
    const x = b.input('x');
    const t = b.subgraph('then');
    t.output(t.op('Relu', [x]));
    const e = b.subgraph('else');
    e.output(x);
    const y = b.op('If', [c], { then_branch: t.build(), else_branch: e.build() });
    b.output(y, 'y');
    expect(verify(modelOf(b.build()))).toEqual([]);

    // Now the then-branch reads a value defined after the If.
    const b2 = new GraphBuilder();
    const c2 = b2.input('c', tensorType(9, []));
    const x2 = b2.input('x');
    const later = 'v100' as typeof x2;
    const t2 = b2.subgraph('then');
    t2.output(t2.op('Relu', [later]));
    const e2 = b2.subgraph('else');
    e2.output(x2);
    const y2 = b2.op('If', [c2], { then_branch: t2.build(), else_branch: e2.build() });
    const g2 = b2.build();
    // Define v100 after the If by a Neg node.
    const neg = { id: 'n100' as never, op: 'Neg', domain: '', inputs: [x2], outputs: [later], attrs: [] };
    const model = modelOf({
      ...g2,
      outputs: [y2, later],
      order: [...g2.order, neg.id],
      nodes: { ...g2.nodes, [neg.id]: neg },
      values: { ...g2.values, [later]: { id: later, name: 'late', def: { node: neg.id, index: 0 } } },
    });
    const diags = verify(model);
    expect(diags.map((d) => d.code)).toEqual(['use-before-def']);
    expect(diags[0].graph).toMatch(/^main\/#0 If\.then_branch$/);
    expect(diags[0].value).toBe('late');
  });

  test('function bodies use their own opsets; calls to local functions need no import', () => {
    const b = new GraphBuilder();
    // Ids are unique model-wide, so the body shares the main graph's allocator.
    const body = new GraphBuilder('F', b.ids);
    const fx = body.input('x');
    body.output(body.op('Relu', [fx]));
    const x = b.input('x');
    b.output(b.op('F', [x], undefined, { domain: 'local' }), 'y');
    const fnNoOpset = { name: 'F', domain: 'local', params: [], paramDefaults: [], opsets: [], graph: body.build() };
    const m = modelOf(b.build(), [{ domain: '', version: 17 }], { functions: [fnNoOpset] });
    expect(verify(m).map((d) => [d.code, d.graph])).toEqual([['unknown-domain', 'function local::F']]);
    const ok = { ...m, functions: [{ ...fnNoOpset, opsets: [{ domain: '', version: 17 }] }] };
    expect(verify(ok)).toEqual([]);
    expect(verify(invalidModels['unknown-domain'](), { knownDomains: ['com.example'] })).toEqual([]);
  });

  test('names like __proto__ are harmless', () => {
    const b = new GraphBuilder();
    const x = b.input('__proto__');
    const y = b.op('Relu', [x], undefined, { name: 'constructor' });
    b.output(y, 'hasOwnProperty');
    expect(verify(modelOf(b.build()))).toEqual([]);
  });

  test('input with an initializer default (same id in both lists) is fine', () => {
    const b = new GraphBuilder();
    const w = b.initializer('w', { dtype: 1, dims: [1], data: { kind: 'raw', bytes: new Uint8Array(4) } });
    b.output(b.op('Relu', [w]), 'y');
    const g = b.build();
    expect(verify(modelOf({ ...g, inputs: [w] }))).toEqual([]);
  });
});

describe('scale and depth', () => {
  test('10,000-deep chain verifies without overflow', () => {
    expect(verify(longChainModel(10_000))).toEqual([]);
  });

  test('10,000-deep nesting reports nesting-depth once and does not overflow', () => {
    const diags = verify(nestedIfModel(10_000));
    expect(diags.map((d) => d.code)).toEqual(['nesting-depth']);
    expect(verify(nestedIfModel(99))).toEqual([]);
  });

  test('200k nodes verify quickly (time printed)', () => {
    const m = longChainModel(200_000);
    verify(m);
    const t0 = performance.now();
    const diags = verify(m);
    const ms = performance.now() - t0;
    console.log(`verify 200k-node chain: ${ms.toFixed(0)} ms`);
    expect(diags).toEqual([]);
  });
});

describe('generator self-check', () => {
  test('every generated model verifies clean', () => {
    fc.assert(
      fc.property(arbModel(), (m) => {
        expect(verify(m)).toEqual([]);
      }),
      { seed: 42, numRuns: 300 },
    );
  });

  test('generator makes If nodes, attributes and initializers', () => {
    const seen = new Set<string>();
    let deepest = 0;
    fc.assert(
      fc.property(arbModel(), (m) => {
        for (const id of m.graph.order) seen.add(m.graph.nodes[id].op);
        if (m.graph.initializers.length) seen.add('<init>');
        walkGraphs(m, (_g, p) => {
          deepest = Math.max(deepest, p.depth);
        });
      }),
      { seed: 7, numRuns: 200 },
    );
    for (const op of ['If', 'LeakyRelu', 'Transpose', 'Softmax', 'Add', '<init>']) expect(seen).toContain(op);
    expect(deepest).toBeGreaterThanOrEqual(2); // Ifs nest inside branches
  });
});

describe('tensor payload checks', () => {
  const codes = (t: Tensor) => tensorProblems(t).map(([c]) => c);
  test('raw, blob, field, strings', () => {
    expect(codes({ dtype: 1, dims: [2], data: { kind: 'raw', bytes: new Uint8Array(8) } })).toEqual([]);
    expect(codes({ dtype: 1, dims: [2], data: { kind: 'raw', bytes: new Uint8Array(7) } })).toEqual(['tensor-size']);
    expect(codes({ dtype: 22, dims: [3], data: { kind: 'raw', bytes: new Uint8Array(2) } })).toEqual([]); // int4 packs 2 per byte
    const src = memorySource(new Uint8Array(64));
    expect(codes({ dtype: 7, dims: [8], data: { kind: 'blob', blob: new Blob(src, 0, 64) } })).toEqual([]);
    expect(codes({ dtype: 7, dims: [9], data: { kind: 'blob', blob: new Blob(src, 0, 64) } })).toEqual(['tensor-size']);
    expect(codes({ dtype: 1, dims: [3], data: { kind: 'field', field: 'float_data', values: new Float32Array(2) } })).toEqual(['tensor-size']);
    expect(codes({ dtype: 14, dims: [2], data: { kind: 'field', field: 'float_data', values: new Float32Array(4) } })).toEqual([]); // complex64
    expect(codes({ dtype: 1, dims: [2], data: { kind: 'field', field: 'float_data', values: new Blob(src, 0, 8) } })).toEqual([]);
    expect(codes({ dtype: 1, dims: [3], data: { kind: 'field', field: 'float_data', values: new Blob(src, 0, 8) } })).toEqual(['tensor-size']);
    // double_data held as a Blob: 8 bytes per value
    expect(codes({ dtype: 11, dims: [2], data: { kind: 'field', field: 'double_data', values: new Blob(src, 0, 16) } })).toEqual([]);
    expect(codes({ dtype: 11, dims: [4], data: { kind: 'field', field: 'double_data', values: new Blob(src, 0, 16) } })).toEqual(['tensor-size']);
    expect(codes({ dtype: 8, dims: [2], data: { kind: 'strings', values: [new Uint8Array(1)] } })).toEqual(['tensor-size']);
    expect(codes({ dtype: 8, dims: [1], data: { kind: 'raw', bytes: new Uint8Array(1) } })).toEqual(['tensor-size']);
    expect(codes({ dtype: 1, dims: [2 ** 30, 2 ** 30, 2 ** 30], data: { kind: 'none' } })).toEqual(['bad-dims']);
    expect(codes({ dtype: 1, dims: [1.5], data: { kind: 'none' } })).toEqual(['bad-dims']);
  });

  test('tensor attributes are checked too, naming the node', () => {
    const b = new GraphBuilder();
    const bad: Tensor = { dtype: 1, dims: [4], data: { kind: 'raw', bytes: new Uint8Array(3) } };
    b.output(b.op('Constant', [], { value: bad }, { name: 'c0' }), 'y');
    const diags = verify(modelOf(b.build()));
    expect(diags.map((d) => [d.code, d.node])).toEqual([['tensor-size', 'c0']]);
  });

  test('every tensor of a tensors attribute, and the indices of a sparse_tensor attribute, are checked', () => {
    const good: Tensor = { dtype: 1, dims: [1], data: { kind: 'raw', bytes: new Uint8Array(4) } };
    const bad: Tensor = { dtype: 1, dims: [4], data: { kind: 'raw', bytes: new Uint8Array(3) } };
    const badIndices: Tensor = { dtype: 7, dims: [1], data: { kind: 'raw', bytes: new Uint8Array(5) } };
    const b = new GraphBuilder();
    b.output(b.op('Custom', [], [{ name: 'ts', kind: 'tensors', value: [good, bad] }], { name: 'c0', domain: 'x' }), 'y');
    b.output(b.op('Constant', [], [{ name: 'sparse_value', kind: 'sparse_tensor', value: { values: good, indices: badIndices, dims: [3] } }], { name: 'c1' }), 'z');
    const diags = verify(modelOf(b.build(), [{ domain: '', version: 17 }, { domain: 'x', version: 1 }]));
    expect(diags.map((d) => [d.code, d.node])).toEqual([['tensor-size', 'c0'], ['tensor-size', 'c1']]);
  });

  test('a sparse-typed value with a negative dim is bad-dims, as a dense one is', () => {
    const b = new GraphBuilder();
    const x = b.input('x', { kind: 'sparse', dtype: 1, shape: [-1] });
    b.output(b.op('Identity', [x]), 'y');
    expect(verify(modelOf(b.build())).map((d) => d.code)).toContain('bad-dims');
  });
});
