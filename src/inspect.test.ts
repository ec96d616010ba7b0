import { describe, expect, test } from 'vitest';
import { floats } from '../ir/attrs.js';
import { GraphBuilder, modelOf } from '../ir/edit/build.js';
import type { Graph, Model, OnnxFunction, Tensor, ValueId } from '../ir/types.js';
import { formatBytes, formatCount, formatSummary, formatType, summarizeModel, summaryToJson } from './inspect.js';

const f32 = (dims: number[], data: Tensor['data'] = { kind: 'raw', bytes: new Uint8Array(4 * dims.reduce((a, b) => a * b, 1)) }): Tensor => ({
  dtype: 1,
  dims,
  data,
});

function sample(): Model {
  const b = new GraphBuilder('main');
  const x = b.input('x', { kind: 'tensor', dtype: 1, shape: ['batch', 3, 224, null] });
  const w = b.initializer('w', f32([10, 10]));
  const stripped = b.initializer('s', f32([1000], { kind: 'none' }));
  const ext = b.initializer('e', { ...f32([256]), externalOrigin: { location: 'm.data', offset: 0, length: 1024 } });
  const ext2 = b.initializer('e2', { ...f32([16]), externalOrigin: { location: 'm.data', offset: 1024, length: 64 } });
  const c = b.op('Constant', [], { value: f32([2, 3]) });
  const c2 = b.op('Constant', [], { value_floats: floats([1, 2, 3]) });
  const then = b.subgraph('then');
  then.output(then.op('Relu', [then.op('Relu', [x])]));
  const els = b.subgraph('else');
  els.output(els.op('Neg', [x]));
  const cond = b.op('Identity', [c]);
  const y = b.op('If', [cond], { then_branch: then.build(), else_branch: els.build() });
  const z = b.op('FusedMatMul', [y, w], {}, { domain: 'com.microsoft' });
  for (const v of [stripped, ext, ext2, c2]) b.op('Identity', [v]);
  b.output(z, 'z', { kind: 'sequence', elem: { kind: 'tensor', dtype: 7, shape: [] } });
  let g: Graph = b.build();
  // an initializer also listed as a graph input (IR < 4 style), and a sparse initializer
  g = { ...g, inputs: [...g.inputs, w] };
  const sp = 'v900' as ValueId;
  g = {
    ...g,
    sparseInitializers: [sp],
    values: { ...g.values, [sp]: { id: sp, name: 'sp', sparse: { dims: [100, 100], values: f32([5]), indices: { dtype: 7, dims: [5], data: { kind: 'raw', bytes: new Uint8Array(40) } } } } },
  };
  const fb = new GraphBuilder('body');
  const fi = fb.input('a');
  fb.output(fb.op('Relu', [fb.op('Constant', [], { value: f32([4]) })]));
  fb.output(fi);
  const fn: OnnxFunction = { name: 'F', domain: 'local', params: [], paramDefaults: [], opsets: [{ domain: '', version: 17 }], graph: fb.build() };
  return modelOf(g, [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }], {
    producerName: 'pytorch',
    producerVersion: '2.11.0',
    modelVersion: 3n,
    functions: [fn],
  });
}

describe('inspect', () => {
  test('formats types in the ONNX text syntax', () => {
    expect(formatType({ kind: 'tensor', dtype: 1, shape: ['batch', 3, 224, 224] })).toBe('float[batch,3,224,224]');
    expect(formatType({ kind: 'tensor', dtype: 7, shape: [] })).toBe('int64[]');
    expect(formatType({ kind: 'tensor', dtype: 10 })).toBe('float16');
    expect(formatType({ kind: 'tensor', dtype: 1, shape: [null, 'seq len'] })).toBe('float[?,"seq len"]');
    expect(formatType({ kind: 'sequence', elem: { kind: 'tensor', dtype: 1, shape: [2] } })).toBe('seq(float[2])');
    expect(formatType({ kind: 'map', key: 8, value: { kind: 'tensor', dtype: 1 } })).toBe('map(string, float)');
    expect(formatType({ kind: 'optional', elem: { kind: 'sparse', dtype: 1, shape: [4] } })).toBe('optional(sparse_tensor(float[4]))');
    expect(formatType(undefined)).toBe('?');
  });

  test('summarizes counts, histogram, parameters, constants, functions and external data', () => {
    const s = summarizeModel(sample());
    expect(s.irVersion).toBe(8);
    expect(s.producerName).toBe('pytorch');
    expect(s.opsets).toEqual([{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }]);
    expect(s.inputs).toEqual([{ name: 'x', type: 'float[batch,3,224,?]' }]);
    expect(s.initializerInputs).toBe(1);
    expect(s.outputs).toEqual([{ name: 'z', type: 'seq(int64[])' }]);
    // main: 2 Constant + Identity + If + FusedMatMul + 4 Identity = 9; then 2, else 1; function 2
    expect(s.nodes).toEqual({ main: 9, total: 14, subgraphs: 2 });
    expect(s.ops).toEqual([
      { domain: '', op: 'Identity', count: 5 },
      { domain: '', op: 'Constant', count: 2 },
      { domain: '', op: 'If', count: 1 },
      { domain: 'com.microsoft', op: 'FusedMatMul', count: 1 },
    ]);
    expect(s.nestedOps).toEqual([
      { domain: '', op: 'Relu', count: 3 },
      { domain: '', op: 'Constant', count: 1 },
      { domain: '', op: 'Neg', count: 1 },
    ]);
    expect(s.initializers).toEqual({ count: 5, elements: 100 + 1000 + 256 + 16 + 5, bytes: 4 * (100 + 1000 + 256 + 16 + 5), stripped: 1 });
    expect(s.constants).toEqual({ count: 3, elements: 6 + 3 + 4, bytes: 4 * 13, stripped: 0 });
    // Constant nodes' tensors (main graph and function body here) are parameters too
    expect(s.parameters).toEqual({ count: 8, elements: 1377 + 13, bytes: 4 * 1390, stripped: 1 });
    expect(s.functions).toBe(1);
    expect(s.externalData).toEqual([{ location: 'm.data', tensors: 2, bytes: 1088 }]);
  });

  test('Constant nodes in subgraphs, of every value form (tensor, sparse, value_*), count as parameters', () => {
    const b = new GraphBuilder('main');
    const c = b.input('c', { kind: 'tensor', dtype: 9, shape: [] });
    const branch = (name: string, attrs: Record<string, unknown>) => {
      const sub = b.subgraph(name);
      sub.output(sub.op('Constant', [], attrs as never));
      return sub.build();
    };
    const sparse = { dims: [10], values: f32([2]), indices: { dtype: 7, dims: [2], data: { kind: 'raw' as const, bytes: new Uint8Array(16) } } };
    const y = b.op('If', [c], { then_branch: branch('then', { sparse_value: { kind: 'sparse_tensor', value: sparse } }), else_branch: branch('else', { value_int: 7n }) });
    b.output(b.op('Identity', [y]), 'y');
    const s = summarizeModel(modelOf(b.build(), [{ domain: '', version: 17 }]));
    expect(s.initializers.count).toBe(0);
    expect(s.constants).toEqual({ count: 2, elements: 2 + 1, bytes: 8 + 8, stripped: 0 });
    expect(s.parameters).toEqual(s.constants);
  });

  test('text and JSON forms', () => {
    const s = summarizeModel(sample());
    const text = formatSummary(s, 'm.onnx');
    expect(text).toContain('model: m.onnx\n');
    expect(text).toContain('ir_version: 8, producer: pytorch 2.11.0, model_version: 3\n');
    expect(text).toContain('opsets: ai.onnx 17, com.microsoft 1\n');
    expect(text).toContain('  x: float[batch,3,224,?]\n');
    expect(text).toContain('(and 1 initializer listed as inputs)');
    expect(text).toContain('nodes: 9 in the main graph, 14 in all (2 subgraphs, 1 function)\n');
    expect(text).toMatch(/\nops:\n {2}Identity +5\n {2}Constant +2\n/);
    expect(text).toMatch(/\nops in subgraphs and functions:\n {2}Relu +3\n/);
    expect(text).toContain('parameters: 1,390 elements in 8 tensors, 5.6 kB, 1 stripped\n');
    expect(text).toContain('  initializers: 1,377 elements in 5 tensors, 5.5 kB, 1 stripped\n');
    expect(text).toContain('  Constant nodes: 13 elements in 3 tensors, 52 B\n');
    expect(text).toContain('  m.data: 1.1 kB in 2 tensors\n');
    const json = JSON.parse(summaryToJson(s));
    expect(json.modelVersion).toBe('3');
    expect(json.ops[0]).toEqual({ domain: '', op: 'Identity', count: 5 });
    expect(text).toContain('  com.microsoft.FusedMatMul  ');
    expect(json.parameters.elements).toBe(1390);
  });

  test('number formatting', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(1000)).toBe('1.0 kB');
    expect(formatBytes(102_000_000)).toBe('102.0 MB');
    expect(formatBytes(999_960)).toBe('1.0 MB');
    expect(formatBytes(3e9)).toBe('3.0 GB');
  });

  test('a deep chain of nested subgraphs is walked without recursion', () => {
    let inner = new GraphBuilder('leaf');
    inner.output(inner.op('Relu', [inner.input('a')]));
    let g = inner.build();
    for (let i = 0; i < 5000; i++) {
      const b = new GraphBuilder(`g${i}`);
      const leaf = b.subgraph(`e${i}`);
      leaf.output(leaf.input('l'));
      b.output(b.op('If', [b.input('c')], { then_branch: g, else_branch: leaf.build() }));
      g = b.build();
    }
    const s = summarizeModel(modelOf(g));
    expect(s.nodes.main).toBe(1);
    expect(s.nodes).toEqual({ main: 1, total: 5001, subgraphs: 10000 });
  });
});
