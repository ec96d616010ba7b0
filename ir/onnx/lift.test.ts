import { describe, expect, test } from 'vitest';
import { Blob, memorySource } from '../blob.js';
import { LatheError } from '../error.js';
import type { Graph, Value, ValueId } from '../types.js';
import { emitModel } from './emit.js';
import { liftModel } from './lift.js';
import type { ModelProto } from './proto.js';
import { modelsEqual } from '../text/equal.js';
import { normalForm, P } from './test-util.js';
import { evaluate } from '../eval/run.js';
import { verify } from '../verify/verify.js';

const f32bytes = (...v: number[]) => new Uint8Array(new Float32Array(v).buffer);
const byName = (g: Graph, name: string): Value => Object.values(g.values).find((v) => v.name === name)!;
const roundTrip = (p: ModelProto) => {
  const m = liftModel(p);
  const again = liftModel(emitModel(m, { external: 'never' }).proto);
  expect(normalForm(again)).toEqual(normalForm(m));
  expect(modelsEqual(again, m)).toBeNull();
  return m;
};
const err = (p: ModelProto, re: RegExp) => {
  expect(() => liftModel(p)).toThrow(LatheError);
  expect(() => liftModel(p)).toThrow(re);
};

describe('lift: model fields', () => {
  test('versions, metadata, unknowns, carried messages', () => {
    const p = P.model({
      irVersion: 9n, opsetImport: [{ domain: 'ai.onnx', version: 17n }, { domain: 'com.x', version: 1n }],
      producerName: 'p', producerVersion: '1', domain: 'd', modelVersion: 2n ** 62n, docString: 'doc',
      metadataProps: [{ key: '__proto__', value: 'x' }], trainingInfo: [new Uint8Array([1])], configuration: [new Uint8Array([2])],
      $unknown: [new Uint8Array([0xf8, 0x07, 0x01])],
    });
    const m = roundTrip(p);
    expect(m.irVersion).toBe(9);
    expect(m.opsets).toEqual([{ domain: '', version: 17 }, { domain: 'com.x', version: 1 }]);
    expect(m.modelVersion).toBe(2n ** 62n);
    expect(m.meta).toEqual([{ key: '__proto__', value: 'x' }]);
    expect(m.extra).toEqual([new Uint8Array([0xf8, 0x07, 0x01])]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });
  test('ir_version and opset versions out of range name the field', () => {
    err(P.model({ irVersion: 2n ** 60n }), /ir_version passes 2\^53/);
    err(P.model({ irVersion: -1n }), /ir_version is negative/);
    err(P.model({ opsetImport: [{ domain: 'ai.onnx', version: 2n ** 54n }] }), /opset_import version/);
  });
  test('dims beyond 2^53 in a type name the dim', () => {
    const t = (v: bigint) => ({ tensorType: { elemType: 1, shape: { dim: [{ dimValue: 1n }, { dimValue: v }] } } });
    err(P.model({ graph: P.graph({ input: [P.vi('x', t(2n ** 53n))] }) }), /input 'x': dim 1 passes 2\^53/);
  });
  test('a negative dim in a type is an unknown dim, as onnxruntime reads it', () => {
    const t = (v: bigint) => ({ tensorType: { elemType: 1, shape: { dim: [{ dimValue: v }, { dimValue: 10n }] } } });
    const m = roundTrip(P.model({ graph: P.graph({ input: [P.vi('x', t(-1n))], output: [P.vi('x', t(-3n))] }) }));
    const x = byName(m.graph, 'x');
    expect(x.type).toEqual({ kind: 'tensor', dtype: 1, shape: [null, 10] });
  });
});

describe('lift: names and scopes', () => {
  test('ids unique across graphs and functions; ai.onnx domain normalized', () => {
    const sub = P.graph({ node: [P.node('Relu', ['x'], ['y'])], output: [P.vi('y')] });
    const p = P.model({
      graph: P.graph({
        input: [P.vi('x', P.f32(2))], output: [P.vi('z', P.f32(2))],
        node: [P.node('If', ['x'], ['z'], { domain: 'ai.onnx', attribute: [P.attr({ name: 'then_branch', type: 5, g: sub }), P.attr({ name: 'else_branch', type: 5, g: sub })] })],
      }),
      functions: [P.func({ name: 'F', domain: 'd', input: ['a'], output: ['b'], node: [P.node('Neg', ['a'], ['b'])] })],
    });
    const m = roundTrip(p);
    const ids: string[] = [];
    const collect = (g: Graph) => {
      ids.push(...Object.keys(g.values), ...g.order);
      for (const id of g.order) for (const a of g.nodes[id].attrs) if (a.kind === 'graph') collect(a.value);
    };
    collect(m.graph);
    m.functions.forEach((f) => collect(f.graph));
    expect(new Set(ids).size).toBe(ids.length);
    const ifNode = m.graph.nodes[m.graph.order[0]];
    expect(ifNode.domain).toBe('');
    const then = (ifNode.attrs[0] as { value: Graph }).value;
    // the subgraph's Relu reads the OUTER x
    expect(then.nodes[then.order[0]].inputs[0]).toBe(m.graph.inputs[0]);
  });
  test('out-of-order nodes resolve to later outputs and keep file order', () => {
    const p = P.model({
      graph: P.graph({
        input: [P.vi('x')], output: [P.vi('z')],
        node: [P.node('Neg', ['y'], ['z']), P.node('Relu', ['x'], ['y'])],
      }),
    });
    const m = roundTrip(p);
    const [n0, n1] = m.graph.order.map((id) => m.graph.nodes[id]);
    expect(n0.op).toBe('Neg');
    expect(n0.inputs[0]).toBe(n1.outputs[0]);
  });
  test('undefined names become dangling values in the graph that uses them', () => {
    const sub = P.graph({ node: [P.node('Relu', ['ghost'], ['y'])], output: [P.vi('y')] });
    const p = P.model({
      graph: P.graph({
        output: [P.vi('z')],
        node: [P.node('Neg', ['nowhere', ''], ['z', '']), P.node('Loop', [], [], { attribute: [P.attr({ name: 'body', type: 5, g: sub })] })],
      }),
    });
    const m = roundTrip(p);
    const neg = m.graph.nodes[m.graph.order[0]];
    expect(neg.inputs[1]).toBeNull();
    expect(neg.outputs[1]).toBeNull();
    const dangling = m.graph.values[neg.inputs[0]!];
    expect(dangling.name).toBe('nowhere');
    expect(dangling.def).toBeUndefined();
    const body = (m.graph.nodes[m.graph.order[1]].attrs[0] as { value: Graph }).value;
    const ghost = body.values[body.nodes[body.order[0]].inputs[0]!];
    expect(ghost.name).toBe('ghost');
  });
  test('initializer listed as graph input is one value in both lists', () => {
    const p = P.model({
      graph: P.graph({
        input: [P.vi('w', P.f32(2))], output: [P.vi('w')],
        initializer: [P.tensor({ name: 'w', dims: [2n], rawData: f32bytes(1, 2) })],
      }),
    });
    const m = roundTrip(p);
    expect(m.graph.inputs).toEqual(m.graph.initializers);
    expect(m.graph.outputs).toEqual(m.graph.inputs);
    expect(Object.keys(m.graph.values)).toHaveLength(1);
  });
  test('value_info types node outputs; unknown names are kept as orphans', () => {
    const p = P.model({
      graph: P.graph({
        input: [P.vi('x', P.f32(2))], output: [P.vi('z')],
        node: [P.node('Relu', ['x'], ['y']), P.node('Neg', ['y'], ['z'])],
        valueInfo: [P.vi('y', P.f32('N'), { docString: 'd' }), P.vi('elsewhere', P.f32(3)), P.vi('y', P.f32(9))],
      }),
    });
    const m = roundTrip(p);
    expect(byName(m.graph, 'y').type).toEqual({ kind: 'tensor', dtype: 1, shape: ['N'] });
    expect(byName(m.graph, 'y').doc).toBe('d');
    const orphans = Object.values(m.graph.values).filter((v) => !v.def && !m.graph.inputs.includes(v.id));
    expect(orphans.map((v) => v.name)).toEqual(['elsewhere', 'y']);
    const vi = emitModel(m, { external: 'never' }).proto.graph!.valueInfo.map((v) => v.name);
    expect(vi).toEqual(['y', 'elsewhere', 'y']);
  });
  test('subgraph output of an outer value keeps its own ValueInfo in outputInfo', () => {
    const sub = P.graph({ output: [P.vi('x', P.f32('M'))] });
    const p = P.model({
      graph: P.graph({
        input: [P.vi('x', P.f32(2)), P.vi('c')], output: [P.vi('z')],
        node: [P.node('If', ['c'], ['z'], { attribute: [P.attr({ name: 'then_branch', type: 5, g: sub })] })],
      }),
    });
    const m = roundTrip(p);
    const g = (m.graph.nodes[m.graph.order[0]].attrs[0] as { value: Graph }).value;
    expect(g.outputs).toEqual([m.graph.inputs[0]]);
    expect(g.outputInfo).toEqual([{ type: { kind: 'tensor', dtype: 1, shape: ['M'] } }]);
    const out = emitModel(m, { external: 'never' }).proto.graph!.node[0].attribute[0].g!.output[0];
    expect(out.type!.tensorType!.shape!.dim[0].dimParam).toBe('M');
  });
  test('graph output that is a graph input with a different type', () => {
    const m = roundTrip(P.model({ graph: P.graph({ input: [P.vi('x', P.f32(2))], output: [P.vi('x', P.f32(3))] }) }));
    expect(m.graph.outputInfo?.[0]?.type).toEqual({ kind: 'tensor', dtype: 1, shape: [3] });
    expect(m.graph.values[m.graph.inputs[0]].type).toEqual({ kind: 'tensor', dtype: 1, shape: [2] });
  });
  test('denotations of a type and of each dim (numeric, symbolic or unknown) survive', () => {
    const type = {
      denotation: 'TENSOR',
      tensorType: { elemType: 1, shape: { dim: [{ dimParam: 'N', denotation: 'DATA_BATCH' }, { dimValue: 3n, denotation: 'DATA_CHANNEL' }, { denotation: 'DATA_FEATURE' }, { dimValue: 4n }] } },
    };
    const m = roundTrip(P.model({ graph: P.graph({ input: [P.vi('x', type)], output: [P.vi('x')] }) }));
    expect(m.graph.values[m.graph.inputs[0]].type).toEqual({
      kind: 'tensor', dtype: 1, shape: ['N', 3, null, 4], dimDenotations: ['DATA_BATCH', 'DATA_CHANNEL', 'DATA_FEATURE', undefined], denotation: 'TENSOR',
    });
    expect(emitModel(m, { external: 'never' }).proto.graph!.input[0].type).toEqual(type);
  });
  test('a name defined twice resolves to its first definition (graph input before node output, first node output before a later one)', () => {
    const p = P.model({
      graph: P.graph({
        input: [P.vi('x', P.f32(2))], output: [P.vi('z')],
        node: [P.node('Relu', ['x'], ['y']), P.node('Neg', ['x'], ['y']), P.node('Abs', ['y'], ['x']), P.node('Add', ['x', 'y'], ['z'])],
      }),
    });
    const m = liftModel(p);
    const [relu, , , add] = m.graph.order.map((id) => m.graph.nodes[id]);
    expect(add.inputs).toEqual([m.graph.inputs[0], relu.outputs[0]]);
  });
  test('a second initializer named like a graph input is a value of its own, not written over the first', () => {
    const p = P.model({
      graph: P.graph({
        input: [P.vi('w', P.f32(1))], output: [P.vi('w')],
        initializer: [P.tensor({ name: 'w', dims: [1n], rawData: f32bytes(1) }), P.tensor({ name: 'w', dims: [1n], rawData: f32bytes(2) })],
      }),
    });
    const m = liftModel(p);
    const [first, second] = m.graph.initializers;
    expect(first).toBe(m.graph.inputs[0]);
    expect(second).not.toBe(first);
    expect(m.graph.values[first].tensor!.data).toEqual({ kind: 'raw', bytes: f32bytes(1) });
    expect(m.graph.values[second].tensor!.data).toEqual({ kind: 'raw', bytes: f32bytes(2) });
  });
  test('quantization annotations keep their parameter names, and an untyped value_info keeps its doc, through emit', () => {
    const p = P.model({
      graph: P.graph({
        input: [P.vi('x', P.f32(2))], output: [P.vi('z')],
        node: [P.node('Relu', ['x'], ['y']), P.node('Neg', ['y'], ['z'])],
        valueInfo: [P.vi('y', undefined, { docString: 'only a doc' })],
        quantizationAnnotation: [{ tensorName: 'y', quantParameterTensorNames: [{ key: 'SCALE_TENSOR', value: 's' }, { key: 'ZERO_POINT_TENSOR', value: 'zp' }] }],
      }),
    });
    const m = roundTrip(p);
    expect(m.graph.quantization).toEqual([{ tensor: 'y', params: [{ key: 'SCALE_TENSOR', value: 's' }, { key: 'ZERO_POINT_TENSOR', value: 'zp' }] }]);
    const out = emitModel(m, { external: 'never' }).proto.graph!;
    expect(out.quantizationAnnotation[0].quantParameterTensorNames).toEqual([{ key: 'SCALE_TENSOR', value: 's' }, { key: 'ZERO_POINT_TENSOR', value: 'zp' }]);
    expect(out.valueInfo.map((v) => [v.name, v.type, v.docString])).toEqual([['y', undefined, 'only a doc']]);
  });
  test('names like __proto__ and constructor are ordinary names', () => {
    const p = P.model({
      graph: P.graph({
        input: [P.vi('__proto__')], output: [P.vi('constructor')],
        node: [P.node('Relu', ['__proto__'], ['constructor'], { name: 'hasOwnProperty' })],
      }),
    });
    const m = roundTrip(p);
    expect(m.graph.nodes[m.graph.order[0]].inputs[0]).toBe(m.graph.inputs[0]);
    expect(({} as Record<string, unknown>).hasOwnProperty).toBe(Object.prototype.hasOwnProperty);
  });
});

describe('lift: nodes, attributes, functions', () => {
  test('every attribute kind round-trips; untyped old-style attributes are inferred', () => {
    const t = P.tensor({ dims: [1n], rawData: f32bytes(3) });
    const sp = P.sparse({ values: P.tensor({ dims: [1n], rawData: f32bytes(1) }), indices: P.tensor({ dataType: 7, dims: [1n], int64Data: new BigInt64Array([0n]) }), dims: [4n] });
    const attrs = [
      P.attr({ name: 'f', type: 1, f: 0.5 }), P.attr({ name: 'i', i: 3n }), P.attr({ name: 's', type: 3, s: new TextEncoder().encode('é') }),
      P.attr({ name: 'bad', type: 3, s: new Uint8Array([0xff, 0xfe]) }), P.attr({ name: 't', type: 4, t }),
      P.attr({ name: 'sp', type: 11, sparseTensor: sp }), P.attr({ name: 'tp', type: 13, tp: P.f32(1) }),
      P.attr({ name: 'fs', type: 6, floats: [1, 2] }), P.attr({ name: 'is', type: 7, ints: [1n, -2n] }),
      P.attr({ name: 'ss', type: 8, strings: [new Uint8Array([0x61]), new Uint8Array([0xc3])] }),
      P.attr({ name: 'ts', type: 9, tensors: [t] }), P.attr({ name: 'sps', type: 12, sparseTensors: [sp] }),
      P.attr({ name: 'tps', type: 14, typeProtos: [P.f32(2), { sequenceType: { elemType: P.f32() } }, { mapType: { keyType: 7, valueType: { optionalType: {} } } }, { opaqueType: { domain: 'a', name: 'b' } }, {}] }),
      P.attr({ name: 'u', docString: 'undefined one', $unknown: [new Uint8Array([0xa0, 0x06, 0x00])] }),
      // old-style (no type) string and float attributes; a float -0 keeps its sign
      P.attr({ name: 'us', s: new TextEncoder().encode('old') }), P.attr({ name: 'uf', f: 2.5 }), P.attr({ name: 'nz', type: 1, f: -0 }),
    ];
    const m = roundTrip(P.model({ graph: P.graph({ node: [P.node('Custom', [], ['y'], { domain: 'x', overload: 'o', attribute: attrs, docString: 'nd', metadataProps: [{ key: 'k', value: 'v' }], deviceConfigurations: [new Uint8Array([8, 1])] })] }) }));
    const n = m.graph.nodes[m.graph.order[0]];
    expect(n.attrs.map((a) => a.kind)).toEqual(['float', 'int', 'string', 'string', 'tensor', 'sparse_tensor', 'type', 'floats', 'ints', 'strings', 'tensors', 'sparse_tensors', 'types', 'undefined', 'string', 'float', 'float']);
    expect(n.attrs[14]).toMatchObject({ value: 'old' });
    expect(Object.is((n.attrs[16] as { value: number }).value, -0)).toBe(true);
    expect(Object.is(emitModel(m, { external: 'never' }).proto.graph!.node[0].attribute[16].f, -0)).toBe(true);
    expect(n.attrs[2]).toMatchObject({ value: 'é' });
    expect(n.attrs[3]).toMatchObject({ bytes: new Uint8Array([0xff, 0xfe]) });
    expect(n.extra).toEqual([new Uint8Array([0x52, 2, 8, 1])]);
    expect(n.overload).toBe('o');
  });
  test('untyped old-style attributes of every kind are inferred from the field that is set', () => {
    const t = P.tensor({ dims: [1n], rawData: f32bytes(3) });
    const sp = P.sparse({ values: P.tensor({ dims: [1n], rawData: f32bytes(1) }), indices: P.tensor({ dataType: 7, dims: [1n], int64Data: new BigInt64Array([0n]) }), dims: [4n] });
    const attrs = [
      P.attr({ name: 't', t }), P.attr({ name: 'g', g: P.graph({}) }), P.attr({ name: 'sp', sparseTensor: sp }), P.attr({ name: 'tp', tp: P.f32(1) }),
      P.attr({ name: 'fs', floats: [1, 2] }), P.attr({ name: 'is', ints: [1n, -2n] }), P.attr({ name: 'ss', strings: [new Uint8Array([0x61])] }),
      P.attr({ name: 'ts', tensors: [t] }), P.attr({ name: 'gs', graphs: [P.graph({})] }), P.attr({ name: 'sps', sparseTensors: [sp] }),
      P.attr({ name: 'tps', typeProtos: [P.f32(2)] }),
    ];
    const m = roundTrip(P.model({ graph: P.graph({ node: [P.node('Custom', [], ['y'], { domain: 'x', attribute: attrs })] }) }));
    const n = m.graph.nodes[m.graph.order[0]];
    expect(n.attrs.map((a) => a.kind)).toEqual(['tensor', 'graph', 'sparse_tensor', 'type', 'floats', 'ints', 'strings', 'tensors', 'graphs', 'sparse_tensors', 'types']);
    expect(n.attrs[7]).toMatchObject({ value: [{ dims: [1], data: { kind: 'raw', bytes: f32bytes(3) } }] });
  });
  test('string attributes starting with a byte-order mark keep it', () => {
    // TextDecoder drops a leading U+FEFF unless told not to: a separator or stop word "\ufeff…" lost it
    const bom = Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]);
    const m = roundTrip(P.model({ graph: P.graph({ node: [P.node('Custom', [], ['y'], { attribute: [P.attr({ name: 's', type: 3, s: bom }), P.attr({ name: 'ss', type: 8, strings: [bom, bom.subarray(3)] })] })] }) }));
    const n = m.graph.nodes[m.graph.order[0]];
    expect(n.attrs[0]).toMatchObject({ value: '\ufeffa' });
    expect(n.attrs[1]).toMatchObject({ value: ['\ufeffa', 'a'] });
    const out = emitModel(m, { external: 'never' }).proto.graph!.node[0].attribute;
    expect(Array.from(out[0].s!)).toEqual([0xef, 0xbb, 0xbf, 0x61]);
    expect(out[1].strings.map((b) => Array.from(b))).toEqual([[0xef, 0xbb, 0xbf, 0x61], [0x61]]);
  });
  test('function bodies: params, defaults, refs, opsets, value_info on formal inputs', () => {
    const f = P.func({
      name: 'F', domain: 'ai.onnx', overload: 'v2', input: ['a'], output: ['b'], attribute: ['alpha'],
      attributeProto: [P.attr({ name: 'beta', type: 1, f: 2 })], opsetImport: [{ domain: '', version: 18n }],
      node: [P.node('LeakyRelu', ['a'], ['b'], { attribute: [P.attr({ name: 'alpha', type: 1, refAttrName: 'alpha' })] })],
      valueInfo: [P.vi('a', P.f32(1))], docString: 'fd', metadataProps: [{ key: 'm', value: 'n' }],
    });
    const m = roundTrip(P.model({ functions: [f] }));
    const fn = m.functions[0];
    expect(fn).toMatchObject({ name: 'F', domain: '', overload: 'v2', params: ['alpha'], opsets: [{ domain: '', version: 18 }] });
    expect(fn.paramDefaults[0]).toMatchObject({ kind: 'float', value: 2 });
    expect(fn.graph.nodes[fn.graph.order[0]].attrs[0]).toEqual({ name: 'alpha', kind: 'ref', ref: 'alpha', type: 'float' });
    expect(fn.graph.values[fn.graph.inputs[0]].type).toEqual({ kind: 'tensor', dtype: 1, shape: [1] });
  });
  test('a graph-valued default of a function attribute keeps its names and its weights (emit walks it too)', () => {
    const body = P.graph({
      name: 'dflt', input: [P.vi('p', P.f32(2))], output: [P.vi('q')],
      initializer: [P.tensor({ name: 'k', dims: [300n], rawData: new Uint8Array(1200) })],
      node: [P.node('Add', ['p', 'k'], ['q'])],
    });
    const f = P.func({ name: 'G', domain: 'd', input: ['a'], output: ['b'], attribute: [], attributeProto: [P.attr({ name: 'body', type: 5, g: body })], node: [P.node('Neg', ['a'], ['b'])] });
    const m = roundTrip(P.model({ functions: [f] }));
    const { proto, dataFile } = emitModel(m, { external: 'always' });
    const g = proto.functions[0].attributeProto[0].g!;
    expect(g.node[0]).toMatchObject({ input: ['p', 'k'], output: ['q'] });
    expect([g.input[0].name, g.output[0].name, g.initializer[0].name]).toEqual(['p', 'q', 'k']);
    expect(g.initializer[0].dataLocation).toBe(1);
    expect(dataFile!.chunks.map((c) => c.length)).toEqual([1200]);
  });
  test('unknown attribute type is an error naming the attribute', () => {
    err(P.model({ graph: P.graph({ node: [P.node('X', [], [], { name: 'nx', attribute: [P.attr({ name: 'weird', type: 99 })] })] }) }), /nx.*weird.*99/);
  });
  test('subgraph nesting past the limit is a clear error, not a stack overflow', () => {
    let g = P.graph();
    for (let i = 0; i < 200; i++) g = P.graph({ node: [P.node('If', [], [], { attribute: [P.attr({ name: 'then_branch', type: 5, g })] })] });
    err(P.model({ graph: g }), /nesting passes/);
  });
  test('20 nested Ifs and a 10,000-node chain lift and round-trip quickly', () => {
    let g = P.graph({ node: [P.node('Identity', ['x'], ['y'])], output: [P.vi('y')] });
    for (let i = 0; i < 20; i++) {
      const other = P.graph({ node: [P.node('Identity', ['x'], ['y'])], output: [P.vi('y')] });
      g = P.graph({ node: [P.node('If', ['c'], ['y'], { attribute: [P.attr({ name: 'then_branch', type: 5, g }), P.attr({ name: 'else_branch', type: 5, g: other })] })], output: [P.vi('y')] });
    }
    const chain = Array.from({ length: 10000 }, (_, i) => P.node('Relu', [i ? `t${i - 1}` : 'x'], [`t${i}`]));
    const t0 = performance.now();
    roundTrip(P.model({ graph: P.graph({ ...g, input: [P.vi('x'), P.vi('c')] }) }));
    const m = roundTrip(P.model({ graph: P.graph({ input: [P.vi('x')], output: [P.vi('t9999')], node: chain }) }));
    expect(m.graph.order).toHaveLength(10000);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
  test('function and metadata names like __proto__ are ordinary', () => {
    const f = P.func({ name: '__proto__', domain: 'constructor', input: ['hasOwnProperty'], output: ['hasOwnProperty'], metadataProps: [{ key: '__proto__', value: '1' }] });
    const m = roundTrip(P.model({ functions: [f], metadataProps: [{ key: 'constructor', value: '2' }] }));
    expect(m.functions[0]).toMatchObject({ name: '__proto__', domain: 'constructor', meta: [{ key: '__proto__', value: '1' }] });
    expect(Object.getPrototypeOf(m.functions[0])).toBe(Object.prototype);
  });
  test('type nesting past the limit is a clear error', () => {
    let t: ReturnType<typeof P.f32> = P.f32();
    for (let i = 0; i < 100; i++) t = { sequenceType: { elemType: t } };
    err(P.model({ graph: P.graph({ input: [P.vi('x', t)] }) }), /type nesting/);
  });
});

describe('lift: tensors', () => {
  const init = (t: Parameters<typeof P.tensor>[0]) => P.model({ graph: P.graph({ initializer: [P.tensor({ name: 'w', ...t })] }) });
  const tensorOf = (p: ModelProto) => {
    const m = roundTrip(p);
    return m.graph.values[m.graph.initializers[0]].tensor!;
  };
  test('raw_data is kept zero-copy', () => {
    const buf = f32bytes(1, 2, 3, 4);
    const t = tensorOf(init({ dims: [2n, 2n], rawData: buf }));
    expect(t.data).toEqual({ kind: 'raw', bytes: buf });
    expect((t.data as { bytes: Uint8Array }).bytes).toBe(buf);
    expect(t.name).toBeUndefined();
  });
  test('raw_data Blob stays a blob; typed fields stay fields; strings; none', () => {
    const blob = new Blob(memorySource(f32bytes(1, 2)), 0, 8);
    expect(tensorOf(init({ dims: [2n], rawData: blob })).data).toEqual({ kind: 'blob', blob });
    const fd = new Float32Array([1, 2]);
    expect(tensorOf(init({ dims: [2n], floatData: fd })).data).toEqual({ kind: 'field', field: 'float_data', values: fd });
    expect(tensorOf(init({ dataType: 10, dims: [3n], int32Data: new Int32Array([1, 2, 3]) })).data.kind).toBe('field');
    expect(tensorOf(init({ dataType: 8, dims: [2n], stringData: [new Uint8Array([97]), new Uint8Array()] })).data.kind).toBe('strings');
    expect(tensorOf(init({ dims: [5n] })).data).toEqual({ kind: 'none' });
  });
  test('segment, doc, metadata, unknowns survive', () => {
    const t = tensorOf(init({ dims: [0n], segment: { begin: 1n, end: 2n }, docString: 'td', metadataProps: [{ key: 'a', value: 'b' }], $unknown: [new Uint8Array([0x98, 0x06, 0x01])] }));
    expect(t).toMatchObject({ segment: { begin: 1n, end: 2n }, doc: 'td', meta: [{ key: 'a', value: 'b' }] });
    expect(t.extra).toHaveLength(1);
  });
  test('a segment with one bound set lifts the other as 0, not as a copy of the one given', () => {
    expect(tensorOf(init({ dims: [0n], segment: { begin: 2n ** 62n + 1n } })).segment).toEqual({ begin: 2n ** 62n + 1n, end: 0n });
    expect(tensorOf(init({ dims: [0n], segment: { end: 7n } })).segment).toEqual({ begin: 0n, end: 7n });
  });
  test('raw length mismatch names the tensor', () => err(init({ dims: [3n], rawData: f32bytes(1, 2) }), /initializer 'w'.*8 bytes.*needs 12/));
  test('odd int4 count with odd-length payload is fine; a wrong length is not', () => {
    expect(tensorOf(init({ dataType: 22, dims: [3n], rawData: new Uint8Array(2) })).dims).toEqual([3]);
    err(init({ dataType: 22, dims: [3n], rawData: new Uint8Array(3) }), /needs 2/);
  });
  test('string tensor with raw_data is refused', () => err(init({ dataType: 8, dims: [1n], rawData: new Uint8Array(1) }), /string tensor has raw_data/));
  test('rank 2^31 is refused before anything is allocated', () => {
    const dims = new Proxy([], { get: (t, k) => (k === 'length' ? 2 ** 31 : Reflect.get(t, k)) }) as bigint[];
    err(init({ dims }), /rank 2147483648/);
  });
  test('element count past 2^53 and negative dims are refused', () => {
    err(init({ dims: [2n ** 30n, 2n ** 30n, 2n ** 30n] }), /element count passes 2\^53/);
    err(init({ dims: [-1n] }), /dims\[0\] is negative/);
    err(init({ dims: [2n ** 54n] }), /dims\[0\] passes 2\^53/);
  });
  test('typed field entry count must match', () => err(init({ dims: [3n], floatData: new Float32Array(2) }), /2 entries.*needs 3/));
  test('string count must match the element count, fewer as well as more', () => {
    const strs = (n: number) => Array.from({ length: n }, (_, i) => new TextEncoder().encode(`s${i}`));
    err(init({ dataType: 8, dims: [3n], stringData: strs(2) }), /initializer 'w': 2 strings for 3 elements/);
    err(init({ dataType: 8, dims: [3n], stringData: strs(4) }), /initializer 'w': 4 strings for 3 elements/);
  });
  test('a data_location other than DEFAULT (0) or EXTERNAL (1) is refused, negative ones too', () => {
    err(init({ dims: [1n], rawData: f32bytes(1), dataLocation: 2 }), /initializer 'w': data_location 2 is unknown/);
    err(init({ dims: [1n], rawData: f32bytes(1), dataLocation: -1 }), /initializer 'w': data_location -1 is unknown/);
    expect(tensorOf(init({ dims: [1n], rawData: f32bytes(1), dataLocation: 0 })).data).toEqual({ kind: 'raw', bytes: f32bytes(1) });
  });
  test('two payload fields at once are refused', () => err(init({ dims: [1n], rawData: f32bytes(1), floatData: new Float32Array(1) }), /both raw_data and float_data/));
  test('external tensors without a resolver need a file system', () => {
    err(init({ dims: [1n], dataLocation: 1, externalData: [{ key: 'location', value: 'w.bin' }] }), /external data needs a file system/);
  });
  test('sparse initializers keep their name and payloads', () => {
    const sp = P.sparse({ values: P.tensor({ name: 's', dims: [1n], rawData: f32bytes(5) }), indices: P.tensor({ dataType: 7, dims: [1n], int64Data: new BigInt64Array([2n]) }), dims: [4n] });
    const m = roundTrip(P.model({ graph: P.graph({ sparseInitializer: [sp], output: [P.vi('s')] }) }));
    const v = m.graph.values[m.graph.sparseInitializers[0]];
    expect(v.name).toBe('s');
    expect(v.sparse!.dims).toEqual([4]);
    expect(m.graph.outputs).toEqual([v.id as ValueId]);
  });
  test('a sparse initializer named like a graph input is that input\'s default, as a dense one is (onnx\'s checker allows both)', () => {
    const sp = P.sparse({ values: P.tensor({ name: 's', dims: [1n], rawData: f32bytes(5) }), indices: P.tensor({ dataType: 7, dims: [1n], int64Data: new BigInt64Array([2n]) }), dims: [4n] });
    const m = roundTrip(P.model({
      graph: P.graph({ input: [P.vi('s', P.f32(4))], sparseInitializer: [sp], node: [P.node('Neg', ['s'], ['y'])], output: [P.vi('y', P.f32(4))] }),
    }));
    expect(m.graph.sparseInitializers).toEqual(m.graph.inputs);
    expect(verify(m).filter((d) => d.severity === 'error')).toEqual([]);
    expect([...(evaluate(m, {}).get('y') as { data: Float32Array }).data]).toEqual([-0, -0, -5, -0]);
    const fed = evaluate(m, { s: { kind: 'tensor', dtype: 1, dims: [4], data: new Float32Array([1, 2, 3, 4]) } as never });
    expect([...(fed.get('y') as { data: Float32Array }).data]).toEqual([-1, -2, -3, -4]);
  });
});

describe('what is not a model', () => {
  test('no ir_version, or no graph: a clear LatheError, not an empty model', () => {
    const noVersion = { ...P.model(), irVersion: undefined };
    expect(() => liftModel(noVersion)).toThrow(/not an ONNX model \(no ir_version\)/);
    const noGraph = { ...P.model(), graph: undefined };
    expect(() => liftModel(noGraph)).toThrow(/not an ONNX model \(no graph\)/);
  });
});
