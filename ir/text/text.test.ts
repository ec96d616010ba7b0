import { describe, expect, it } from 'vitest';
import { Blob, memorySource } from '../blob.js';
import { LatheError } from '../error.js';
import { allDTypes, DataType, rawByteLength } from '../dtype.js';
import type { Attr, Graph, Model, Node, NodeId, Tensor, Type, Value, ValueId } from '../types.js';
import { modelsEqual } from './equal.js';
import { parseGraph, parseModel } from './parse.js';
import { printModel, printType } from './print.js';
import { f32BitsOfText, formatF32Bits } from './syntax.js';

// ---------------------------------------------------------------------------------------------
// A tiny IR builder for hand-written models (ids are arbitrary: equality ignores them).

let counter = 0;
const vid = () => `x${counter++}` as ValueId;
const nid = () => `m${counter++}` as NodeId;
const f32 = (dtype: number, shape?: (number | string | null)[]): Type => (shape ? { kind: 'tensor', dtype, shape } : { kind: 'tensor', dtype });

class G {
  values: Record<ValueId, Value> = {};
  nodes: Record<NodeId, Node> = {};
  order: NodeId[] = [];
  inputs: ValueId[] = [];
  outputs: ValueId[] = [];
  initializers: ValueId[] = [];
  val(v: Omit<Value, 'id'>): ValueId {
    const id = vid();
    this.values[id] = { id, ...v };
    return id;
  }
  input(name: string | undefined, type?: Type): ValueId {
    const id = this.val(name === undefined ? (type ? { type } : {}) : type ? { name, type } : { name });
    this.inputs.push(id);
    return id;
  }
  init(name: string, tensor: Tensor): ValueId {
    const id = this.val({ name, tensor });
    this.initializers.push(id);
    return id;
  }
  node(op: string, inputs: (ValueId | null)[], outs: (string | null | undefined)[], extra: Partial<Node> = {}): ValueId[] {
    const id = nid();
    const outputs = outs.map((n, index) => (n === null ? null : this.val(n === undefined ? { def: { node: id, index } } : { name: n, def: { node: id, index } })));
    this.nodes[id] = { id, op, domain: '', inputs, outputs, attrs: [], ...extra };
    this.order.push(id);
    return outputs.filter((o): o is ValueId => o !== null);
  }
  graph(name: string, outputs: ValueId[]): Graph {
    return { name, inputs: this.inputs, outputs, initializers: this.initializers, sparseInitializers: [], order: this.order, nodes: this.nodes, values: this.values };
  }
}

function model(graph: Graph, more: Partial<Model> = {}): Model {
  return { irVersion: 10, opsets: [{ domain: '', version: 21 }], graph, functions: [], meta: [], ...more };
}

function roundTrip(m: Model): string {
  const text = printModel(m);
  const back = parseModel(text);
  expect(modelsEqual(m, back), text).toBeNull();
  expect(printModel(back)).toBe(text);
  return text;
}

function raw(dtype: number, dims: number[], bytes: number[]): Tensor {
  return { dtype, dims, data: { kind: 'raw', bytes: new Uint8Array(bytes) } };
}

function errorOf(f: () => unknown): LatheError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(LatheError);
    return e as LatheError;
  }
  throw new Error('expected a LatheError');
}

// ---------------------------------------------------------------------------------------------

describe('Syntax.md examples', () => {
  it('parses the API example', () => {
    const m = parseModel(`
<
  ir_version: 7,
  opset_import: [ "" : 10 ]
>
agraph (float[N, 128] X, float[128, 10] W, float[10] B) => (float[N, 10] C)
{
    T = MatMul(X, W)
    S = Add(T, B)
    C = Softmax(S)
}`);
    expect(m.irVersion).toBe(7);
    expect(m.opsets).toEqual([{ domain: '', version: 10 }]);
    const g = m.graph;
    expect(g.name).toBe('agraph');
    expect(g.inputs.map((id) => g.values[id].name)).toEqual(['X', 'W', 'B']);
    expect(g.values[g.inputs[0]].type).toEqual({ kind: 'tensor', dtype: DataType.FLOAT, shape: ['N', 128] });
    const [mm, add, sm] = g.order.map((id) => g.nodes[id]);
    expect([mm.op, add.op, sm.op]).toEqual(['MatMul', 'Add', 'Softmax']);
    expect(add.inputs[0]).toBe(mm.outputs[0]);
    expect(g.outputs).toEqual([sm.outputs[0]]);
    // the output's declared type is the value's own (as lift does for a local node output)
    expect(g.values[g.outputs[0]].type).toEqual({ kind: 'tensor', dtype: DataType.FLOAT, shape: ['N', 10] });
    expect(g.outputInfo).toBeUndefined();
  });

  it('reads ONNX forms: typed attributes, attrs after inputs, empty ids, initializers, comments', () => {
    const g = parseGraph(`
g (float[2] X, int64[1] shape = {2}) => (y)  # a comment
  <float[2] W = {1, 2.5}, float t>
{
  [lbl] y, , z = com.microsoft.Foo:v2 (X, , W) <alpha: float = 1, ks: ints = [1, 2], s = "a\\"b", e: strings = []>
  t = Bar (,)
  = Sink (y)
}`);
    const nodes = g.order.map((id) => g.nodes[id]);
    expect(nodes[0]).toMatchObject({ op: 'Foo', domain: 'com.microsoft', overload: 'v2', name: 'lbl' });
    expect(nodes[0].outputs[1]).toBeNull();
    expect(nodes[0].inputs[1]).toBeNull();
    expect(nodes[0].attrs).toEqual([
      { name: 'alpha', kind: 'float', value: 1 },
      { name: 'ks', kind: 'ints', value: [1n, 2n] },
      { name: 's', kind: 'string', value: 'a"b' },
      { name: 'e', kind: 'strings', value: [] },
    ]);
    expect(nodes[1].inputs).toEqual([null]);
    expect(nodes[2].outputs).toEqual([]);
    expect(g.initializers.map((id) => g.values[id].name)).toEqual(['shape', 'W']);
    const w = g.values[g.initializers[1]].tensor!;
    expect(w.data.kind === 'raw' && Array.from(new Float32Array(w.data.bytes.slice().buffer))).toEqual([1, 2.5]);
    // `float t` gives the node output t its type
    expect(g.values[nodes[1].outputs[0]!].type).toEqual({ kind: 'tensor', dtype: DataType.FLOAT, shape: [] });
  });

  it('types: scalar, unknown rank, seq/map/optional/sparse/opaque', () => {
    const cases = ['float', 'float[]', 'float[N,?,3]', 'seq(float[2])', 'map(int64, seq(string))', 'optional(int8)', 'sparse_tensor(float[10])', 'opaque()', 'opaque(ai.onnx.ml, Foo)', 'opaque(test.rng.RNG)'];
    for (const c of cases) {
      const g = parseGraph(`g (${c} x) => (x) {}`);
      expect(printType(g.values[g.inputs[0]].type!)).toBe(c.replace(/, /g, ', '));
    }
  });
});

describe('round trip of hand-written models', () => {
  it('prints a small model exactly', () => {
    const b = new G();
    const x = b.input('X', f32(1, ['N', 3]));
    const w = b.init('W', raw(DataType.FLOAT, [3], [0, 0, 0xc0, 0x3f, 0, 0, 0, 0x80, 0, 0, 0x80, 0x7f]));
    const [y] = b.node('Mul', [x, w], ['Y']);
    b.values[y] = { ...b.values[y], type: f32(1, ['N', 3]) };
    const [z] = b.node('Relu', [y], [undefined], { name: 'relu 1', attrs: [{ name: 'alpha', kind: 'float', value: 0.1 }] });
    const text = roundTrip(model(b.graph('main', [y, z])));
    expect(text).toBe(`<
  ir_version: 10,
  opset_import: ["" : 21]
>
main (float[N,3] X) => (float[N,3] Y, _v0)
  <float[3] W = {1.5, -0.0, inf}>
{
  Y = Mul (X, W)
  ["relu 1"] _v0 = Relu <alpha = 0.1> (Y)
}
`);
  });

  it('subgraphs of If and Loop read outer values and shadow them', () => {
    const thenB = new G();
    const outerRef: ValueId[] = [];
    const main = new G();
    const c = main.input('cond', f32(DataType.BOOL));
    const a = main.input('a', f32(1, [2]));
    outerRef.push(a);
    const [t1] = thenB.node('Identity', [a], ['t1']);
    const elseB = new G();
    const [e1] = elseB.node('Constant', [], ['a']); // shadows the outer `a` in this branch
    const [e2] = elseB.node('Abs', [e1], ['e2']);
    const loopB = new G();
    const i = loopB.input('i', f32(DataType.INT64));
    const cin = loopB.input('cin', f32(DataType.BOOL));
    const [cout] = loopB.node('Identity', [cin], ['cout']);
    const [sum] = loopB.node('Add', [a, a], ['sum']);
    const [r] = main.node('If', [c], ['r'], {
      attrs: [
        { name: 'then_branch', kind: 'graph', value: thenB.graph('then', [t1]) },
        { name: 'else_branch', kind: 'graph', value: elseB.graph('else', [e2]) },
      ],
    });
    const [l] = main.node('Loop', [null, c], ['l'], { attrs: [{ name: 'body', kind: 'graph', value: { ...loopB.graph('body', [cout, sum]), outputInfo: [null, { type: f32(1, [2]) }] } }] });
    void i;
    const m = model(main.graph('main', [r, l]));
    const text = roundTrip(m);
    const back = parseModel(text);
    const ifNode = back.graph.nodes[back.graph.order[0]];
    const elseG = (ifNode.attrs[1] as Extract<Attr, { kind: 'graph' }>).value;
    const [cst, abs] = elseG.order.map((id) => elseG.nodes[id]);
    expect(abs.inputs[0]).toBe(cst.outputs[0]); // the local `a`
    const thenG = (ifNode.attrs[0] as Extract<Attr, { kind: 'graph' }>).value;
    expect(thenG.nodes[thenG.order[0]].inputs[0]).toBe(back.graph.inputs[1]); // the outer `a`
  });

  it('every attribute kind', () => {
    const b = new G();
    const x = b.input('x', f32(1));
    const sub = new G();
    const [s] = sub.node('Identity', [x], ['s']);
    const t = raw(DataType.INT64, [2], [1, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    const sparse = { values: raw(DataType.FLOAT, [1], [0, 0, 0x80, 0x3f]), indices: raw(DataType.INT64, [1], [3, 0, 0, 0, 0, 0, 0, 0]), dims: [5] };
    const attrs: Attr[] = [
      { name: 'i', kind: 'int', value: -(1n << 63n) },
      { name: 'f', kind: 'float', value: Math.fround(0.1) },
      { name: 'fnan', kind: 'float', value: new Float32Array(new Uint32Array([0x7fc00123]).buffer)[0] },
      { name: 's', kind: 'string', value: 'line\nbreak "q" \\' },
      { name: 'sb', kind: 'string', value: '\ufffd', bytes: new Uint8Array([0xfe]) },
      { name: 't', kind: 'tensor', value: { ...t, name: 'tname' } },
      { name: 'g', kind: 'graph', value: sub.graph('float', [s]) },
      { name: 'sp', kind: 'sparse_tensor', value: sparse },
      { name: 'tp', kind: 'type', value: { kind: 'sequence', elem: f32(1, [null, 'N']) } },
      { name: 'fs', kind: 'floats', value: [1, -0, Infinity, NaN] },
      { name: 'is', kind: 'ints', value: [] },
      { name: 'ss', kind: 'strings', value: ['a', ''] },
      { name: 'sbs', kind: 'strings', value: ['a', '\ufffd'], bytes: [new Uint8Array([0x61]), new Uint8Array([0xc3])] },
      { name: 'ts', kind: 'tensors', value: [t, t] },
      { name: 'gs', kind: 'graphs', value: [] },
      { name: 'sps', kind: 'sparse_tensors', value: [sparse] },
      { name: 'tps', kind: 'types', value: [{ kind: 'none' }, { kind: 'opaque', domain: 'd', name: 'n' }, { kind: 'map', key: 7 }] },
      { name: 'u', kind: 'undefined', doc: 'no value' },
      { name: 'odd name', kind: 'int', value: 1n, extra: [new Uint8Array([8, 1])] },
    ];
    b.node('Foo', [x], ['y'], { attrs });
    const text = roundTrip(model(b.graph('main', [])));
    expect(text).toContain('fnan: float = 0x7fc00123');
    expect(text).toContain('sb: string = 0xfe');
    expect(text).toContain('is: ints = []');
    expect(text).toContain('u: undefined @{doc: "no value"}');
    expect(text).toContain('fs = [1.0, -0.0, inf, nan]');
    expect(text).toContain('t = int64[2] tname {1, -1}');
    expect(text).toContain('"odd name" @{extra: [0x0801]} = 1');
    expect(text).toContain('g = "float" () => (s)');
  });

  it('functions with attribute parameters, defaults and references', () => {
    const body = new G();
    const x = body.input('x');
    const [y] = body.node('Mul', [x, x], ['y'], {
      attrs: [
        { name: 'alpha', kind: 'ref', ref: 'a', type: 'float' },
        { name: 'beta', kind: 'ref', ref: 'odd param', type: 'undefined' },
      ],
    });
    const fn = {
      name: 'MyFn',
      domain: 'local',
      overload: 'o1',
      params: ['a', 'odd param'],
      paramDefaults: [{ name: 'c', kind: 'ints', value: [1n] } as Attr],
      opsets: [{ domain: '', version: 17 }],
      graph: body.graph('', [y]),
      doc: 'doc',
      meta: [{ key: 'k', value: 'v' }],
    };
    const main = new G();
    const i = main.input('i', f32(1));
    const [o] = main.node('MyFn', [i], ['o'], { domain: 'local', overload: 'o1' });
    const text = roundTrip(model(main.graph('main', [o]), { functions: [fn, { ...fn, overload: undefined, name: 'Other', graph: { ...fn.graph, name: 'named body' } }] }));
    expect(text).toContain('y = Mul <alpha: float = @a, beta = @"odd param"> (x, x)');
    expect(text).toContain('MyFn <a, "odd param", c = [1]> (x) => (y)');
    expect(text).toContain('o = local.MyFn:o1 (i)');
    expect(text).toContain('Other @{name: "named body"}');
  });

  it('tensor literals of every dtype round trip bit-exactly', () => {
    const b = new G();
    for (const d of allDTypes) {
      if (d.code === DataType.STRING) continue;
      const count = 5;
      const len = rawByteLength(d.code, count)!;
      const bytes = Array.from({ length: len }, (_, k) => (k * 37 + d.code * 11) & 0xff);
      if (d.bits < 8) bytes[len - 1] &= (1 << ((count * d.bits) % 8 || 8)) - 1; // zero padding bits
      b.init(`t_${d.name}`, raw(d.code, [count], bytes));
      b.init(`odd_${d.name}`, raw(d.code, [count], bytes.slice(1))); // wrong length: hex form
    }
    b.init('strs', { dtype: DataType.STRING, dims: [3], data: { kind: 'strings', values: [new Uint8Array([0x61]), new Uint8Array([0xff, 0x00]), new Uint8Array()] } });
    b.init('nans', raw(DataType.FLOAT, [3], [1, 0, 0xc0, 0x7f, 0, 0, 0xc0, 0xff, 0, 0, 0xc0, 0x7f]));
    b.init('dbl', raw(DataType.DOUBLE, [2], [1, 0, 0, 0, 0, 0, 0xf8, 0x7f, 0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f]));
    b.init('pad', raw(DataType.INT4, [1], [0xf1])); // nonzero padding nibble: hex form
    const text = roundTrip(model(b.graph('main', [])));
    expect(text).toContain('strs = {"a", 0xff00, ""}');
    expect(text).toContain('nans = {0x7fc00001, -nan, nan}');
    expect(text).toContain('dbl = {0x7ff8000000000001, 0.1}');
    expect(text).toContain('int4[1] pad = 0xf1');
    expect(text).toContain('float16[5] t_float16 = {');
    expect(text).toMatch(/int4\[5\] t_int4 = \{-?\d, -?\d, -?\d, -?\d, -?\d\}/);
  });

  it('storage forms: typed fields, blobs, stripped, stripAbove', () => {
    const b = new G();
    const bytes = new Uint8Array([0, 0, 0x80, 0x3f, 0, 0, 0, 0x40]);
    b.init('field', { dtype: DataType.FLOAT, dims: [2], data: { kind: 'field', field: 'float_data', values: new Float32Array([1, 2]) } });
    b.init('i64', { dtype: DataType.INT64, dims: [1], data: { kind: 'field', field: 'int64_data', values: new BigInt64Array([-5n]) } });
    b.init('fblob', { dtype: DataType.FLOAT, dims: [2], data: { kind: 'field', field: 'float_data', values: new Blob(memorySource(bytes), 0, 8) } });
    b.init('odd', { dtype: DataType.FLOAT, dims: [2], data: { kind: 'field', field: 'float_data', values: new Blob(memorySource(bytes), 0, 6) } });
    b.init('blob', { dtype: DataType.FLOAT, dims: [2], data: { kind: 'blob', blob: new Blob(memorySource(bytes), 0, 8) } });
    b.init('none', { dtype: DataType.FLOAT, dims: [64, 3, 7, 7], data: { kind: 'none' } });
    // typed fields print their entries as the field's own type: int32_data signed (an int8 -1 is
    // -1, not 4294967295), int64_data signed, uint64_data unsigned up to 2^64 - 1
    b.init('i8', { dtype: DataType.INT8, dims: [2], data: { kind: 'field', field: 'int32_data', values: new Int32Array([-1, 5]) } });
    b.init('i64min', { dtype: DataType.INT64, dims: [1], data: { kind: 'field', field: 'int64_data', values: new BigInt64Array([-(2n ** 63n)]) } });
    b.init('u64', { dtype: DataType.UINT64, dims: [1], data: { kind: 'field', field: 'uint64_data', values: new BigUint64Array([2n ** 64n - 1n]) } });
    const m = model(b.graph('main', []));
    const text = printModel(m);
    expect(text).toContain('float[2] field = float_data {1.0, 2.0}');
    expect(text).toContain('int64[1] i64 = int64_data {-5}');
    expect(text).toContain('float[2] fblob = float_data {1.0, 2.0}');
    expect(text).toContain('float[2] odd = float_data 0x0000803f0000');
    expect(text).toContain('float[2] blob = {1.0, 2.0}');
    expect(text).toContain('float[64,3,7,7] none = stripped');
    expect(text).toContain('int8[2] i8 = int32_data {-1, 5}');
    expect(text).toContain('int64[1] i64min = int64_data {-9223372036854775808}');
    expect(text).toContain('uint64[1] u64 = uint64_data {18446744073709551615}');
    const g = parseModel('main () => () <int8[2] a = int32_data {-128, 127}> {}').graph;
    expect(Array.from((g.values[g.initializers[0]].tensor!.data as { values: Int32Array }).values)).toEqual([-128, 127]);
    const back = parseModel(text);
    expect(modelsEqual(m, back)).toBeNull(); // blob ≡ raw with the same bytes
    const blobBack = back.graph.values[back.graph.initializers[4]].tensor!.data;
    expect(blobBack.kind).toBe('raw');
    expect(printModel(m, { stripAbove: 1 })).toContain('float[2] blob = stripped');
    expect(printModel(m, { stripAbove: 1 })).toContain('int64[1] i64 = int64_data {-5}');
  });

  it('names that need quotes, keyword names, prototype names, unnamed and omitted values', () => {
    const b = new G();
    const names = ['a b', 'x/y', 'a.b', 'a::b', '1abc', '', 'float', 'seq', 'nan', 'Infinity', 'stripped', 'q"q', 'b\\s', '__proto__', 'toString', '_v0'];
    const ins = names.map((n) => b.input(n, f32(1)));
    const [u1, u2] = b.node('__proto__', [ins[0], null, ins[13]], [undefined, 'constructor', null, undefined], { domain: 'my-domain' });
    b.node('constructor', [u1, null], ['hasOwnProperty']);
    const m = model(b.graph('__proto__', [u2, u1]), { meta: [{ key: '__proto__', value: 'constructor' }] });
    const text = roundTrip(m);
    expect(text).toContain('__proto__ (float[] "a b", float[] "x/y", float[] "a.b", float[] "a::b", float[] "1abc", float[] _v1, float[] "float", float[] "seq", float[] "nan", float[] "Infinity", float[] "stripped", float[] "q\\"q", float[] "b\\\\s", float[] __proto__, float[] toString, float[] _v0) => (constructor, _v2)');
    expect(text).toContain('_v2, constructor, "", _v3 = "my-domain".__proto__ ("a b", "", __proto__)'); // _v0 is a real name
    expect(text).toContain('hasOwnProperty = constructor (_v2, "")');
    const back = parseModel(text);
    expect(Object.getPrototypeOf(back.graph.values)).toBe(Object.prototype);
    expect(back.meta).toEqual([{ key: '__proto__', value: 'constructor' }]);
  });

  it('IR-only fields: docs, metadata, extras, denotations, output infos, orphans, quantization', () => {
    const b = new G();
    const x = b.input('x', { kind: 'tensor', dtype: 1, shape: ['N'], dimDenotations: ['DATA_BATCH'], denotation: 'TENSOR', extra: [new Uint8Array([1])] });
    b.values[x] = { ...b.values[x], doc: 'input doc', meta: [{ key: 'k', value: 'v' }], extra: [new Uint8Array([2])] };
    const w = b.init('w', { ...raw(1, [1], [0, 0, 0, 0]), name: 'w0', doc: 'td', segment: { begin: 1n, end: 2n }, meta: [], externalOrigin: { location: 'w.bin', offset: 0, length: 4 } });
    b.values[w] = { ...b.values[w], type: f32(1, [1]), doc: 'init doc' };
    const [y] = b.node('Add', [x, w], ['y'], { doc: 'node doc', meta: [{ key: 'rule', value: 'r' }], extra: [new Uint8Array([9])] });
    const orphan = b.val({ name: 'y', type: f32(7) });
    void orphan;
    const g: Graph = { ...b.graph('main', [y, x, y]), outputInfo: [{ type: f32(1, [3]) }, null, {}], doc: 'gdoc', meta: [], quantization: [{ tensor: 'y', params: [{ key: 'SCALE', value: 's' }] }], extra: [new Uint8Array([3])] };
    const m = model(g, { producerName: '', doc: 'model\ndoc', modelVersion: -3n, domain: 'd', trainingInfo: [new Uint8Array([1, 2])], configuration: [], extra: [new Uint8Array([4])] });
    const text = roundTrip(m);
    expect(text).toContain('y @{override}');
    expect(text).toContain('@{orphan}');
    expect(text).toContain('float[N] @{denotation: "TENSOR", dim_denotations: ["DATA_BATCH"], extra: [0x01]} x @{doc: "input doc"');
    expect(text).toContain('@{name: "w0", doc: "td", segment: [1, 2], meta: [], external: ["w.bin", 0, 4]}');
  });
});

describe('literals print in their shortest exact form', () => {
  it('a float32 prints as the shortest decimal that reads back to its bits, 9 digits when 8 are not enough', () => {
    // 0x3df0b26f: no 8-digit decimal rounds to it; the float64 text of its value (0.11752783507108688)
    // reads back too, but is not what the syntax promises or what ONNX's printer writes.
    expect(formatF32Bits(0x3df0b26f)).toBe('0.117527835');
    expect(f32BitsOfText('0.117527835')).toBe(0x3df0b26f);
    expect(formatF32Bits(0x3dcccccd)).toBe('0.1');
  });

  it('hex bytes read the same with 0x or 0X', () => {
    const g = parseGraph('g () => () <uint8[2] a = 0XAB01, uint8[2] b = 0xab01> {}');
    const bytesOf = (i: number) => Array.from((g.values[g.initializers[i]].tensor!.data as { bytes: Uint8Array }).bytes);
    expect(bytesOf(0)).toEqual([0xab, 0x01]);
    expect(bytesOf(1)).toEqual([0xab, 0x01]);
  });

  it('string tensor elements keep a leading byte-order mark', () => {
    // ef bb bf is U+FEFF: a decoder that strips a BOM (TextDecoder's default) would drop 3 bytes
    const b = new G();
    const bom = Uint8Array.from([0xef, 0xbb, 0xbf, 0x61]);
    b.init('s', { dtype: DataType.STRING, dims: [2], data: { kind: 'strings', values: [bom, Uint8Array.from([0x62])] } });
    const m = model(b.graph('main', []));
    const back = parseModel(printModel(m));
    const t = back.graph.values[back.graph.initializers[0]].tensor!;
    expect(t.data.kind).toBe('strings');
    expect((t.data as Extract<typeof t.data, { kind: 'strings' }>).values.map((v) => Array.from(v))).toEqual([[0xef, 0xbb, 0xbf, 0x61], [0x62]]);
  });
});

describe('scoping on parse', () => {
  it('names defined nowhere become dangling values of the graph that uses them', () => {
    const g = parseGraph('g (x) => (y) { y = Add (x, missing) z = If (x) <then_branch = t () => (w) { w = Neg (missing2) }> }');
    const add = g.nodes[g.order[0]];
    const dangling = g.values[add.inputs[1]!];
    expect(dangling).toEqual({ id: add.inputs[1], name: 'missing' });
    const sub = (g.nodes[g.order[1]].attrs[0] as Extract<Attr, { kind: 'graph' }>).value;
    const neg = sub.nodes[sub.order[0]];
    expect(sub.values[neg.inputs[0]!]).toMatchObject({ name: 'missing2' });
    expect(sub.values[neg.inputs[0]!].def).toBeUndefined();
  });

  it('ids are fresh and unique across the model; order in the text does not matter', () => {
    const m = parseModel('g (x) => (b) { b = Neg (a) a = Neg (x) } <domain: "d"> f (x) => (y) { y = Neg (x) }');
    const ids = [...Object.keys(m.graph.values), ...Object.keys(m.functions[0].graph.values)];
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^v\d+$/.test(id))).toBe(true);
    const [n0, n1] = m.graph.order.map((id) => m.graph.nodes[id]);
    expect(n0.inputs[0]).toBe(n1.outputs[0]); // used before defined: resolves anyway (verify reports order)
  });
});

describe('errors carry line and column', () => {
  const cases: [string, RegExp][] = [
    ['g (x) => (y) {\n  y = Foo <a = "open> (x)\n}', /^line 2 col 16: unterminated string/],
    ['g (x) => (y) {\n  y = Foo <a: intz = 1> (x)\n}', /^line 2 col 15: unknown attribute type 'intz'/],
    ['g (x) => (y) {\n  y = Foo (x\n}', /^line 3 col 1: expected '\)' to close the node inputs/],
    ['g (x) => (y) { y = Foo <a = []> (x) }', /^line 1 col 29: an empty list needs a type annotation/],
    ['g (x) => (y) { y = Foo <a = 0x01> (x) }', /^line 1 col 29: a 0x value needs the attribute type/],
    ['g (x) => (y) { y = Foo <a = 99999999999999999999> (x) }', /does not fit int64/],
    ['g (x) => (y) { y = Foo <a = -9223372036854775809> (x) }', /^line 1 col 29: -9223372036854775809 does not fit int64/],
    ['g (uint8[2] x = {1, 256}) => (x) {}', /^line 1 col 21: 256 is out of range for uint8 tensor/],
    ['g (x @{dog: "x"}) => (x) {}', /^line 1 col 8: unknown value annotation key 'dog'/],
    ['g (float[N] x = {1.0}) => (x) {}', /numeric dimensions/],
    ['g (x) => (y) { y = Foo <a: floats = 1.0> (x) }', /needs a \[list\]/],
    ['g (x) => (y) { y = Foo (x) } junk', /^line 1 col 30: /],
    ['g (x) => (y) { y = Foo (x) $ }', /^line 1 col 28: unexpected character "\$"/],
    // refused, not rounded to 2^53 + 2 or dropped (a seq has no dims to denote)
    ['g (float[9007199254740993] x) => (x) {}', /^line 1 col 10: dimension 9007199254740993 passes 2\^53/],
    ['g (seq(float) @{dim_denotations: ["N"]} x) => (x) {}', /^line 1 col 34: dim_denotations need a tensor type/],
    // a key given twice is an error, not "the last one wins"
    ['g (x @{doc: "a", doc: "b"}) => (x) {}', /^line 1 col 18: duplicate value annotation key 'doc'/],
    ['g () => () <s = sparse[9007199254740993](float[1] {1.0}, int64[1] {0})> {}', /^line 1 col 24: sparse dims are integers/],
  ];
  for (const [text, re] of cases) {
    it(re.source, () => {
      const e = errorOf(() => parseGraph(text));
      expect(e.message).toMatch(re);
    });
  }

  it('model header keys are checked', () => {
    expect(errorOf(() => parseModel('<ir_version: 8, opset: []> g () => () {}')).message).toMatch(/^line 1 col 17: unknown model header key 'opset'/);
    expect(errorOf(() => parseModel('<ir_version: "8"> g () => () {}')).message).toMatch(/^line 1 col 14: ir_version must be an integer/);
  });

  it('a 10,000-deep nested graph attribute is a LatheError, not a stack overflow', () => {
    const depth = 10_000;
    const text = 'g () => () { x = If () <b = '.repeat(depth) + 'g () => () {}' + '> }'.repeat(depth);
    const e = errorOf(() => parseGraph(text));
    expect(e.message).toMatch(/nesting deeper than 256 levels/);
  });

  it('deeply nested types and lists are bounded too', () => {
    expect(errorOf(() => parseGraph(`g (${'seq('.repeat(5000)}float${')'.repeat(5000)} x) => () {}`)).message).toMatch(/nesting deeper/);
    expect(errorOf(() => parseModel(`<metadata_props: ${'['.repeat(5000)}>`)).message).toMatch(/nesting deeper/);
  });
});

describe('modelsEqual', () => {
  const base = () => parseModel('<ir_version: 8, opset_import: ["" : 17]> g (float[2] x, float[2] w = {1.0, 2.0}) => (y) { y = Add <alpha = 0.5> (x, w) }');

  it('ignores ids, reports the first difference with a path', () => {
    const a = base();
    const b = parseModel('# other ids\n' + printModel(base()).replace('g (', 'g (').replace('', ''));
    expect(modelsEqual(a, b)).toBeNull();
    const w = a.graph.initializers[0];
    const t = a.graph.values[w].tensor!;
    const bytes = (t.data as { bytes: Uint8Array }).bytes.slice();
    bytes[0] ^= 1;
    const changed: Model = { ...a, graph: { ...a.graph, values: { ...a.graph.values, [w]: { ...a.graph.values[w], tensor: { ...t, data: { kind: 'raw', bytes } } } } } };
    expect(modelsEqual(a, changed)).toMatch(/^graph\.values\["w"\]\.tensor\.data: byte 0 differs/);
    const n = a.graph.nodes[a.graph.order[0]];
    const swapped: Model = { ...a, graph: { ...a.graph, nodes: { [n.id]: { ...n, inputs: [n.inputs[1], n.inputs[0]] } } } };
    expect(modelsEqual(a, swapped)).toMatch(/^graph\.nodes\[0\]\(Add\)\.inputs\[0\]: refers to a different value/);
    const nan: Model = { ...a, graph: { ...a.graph, nodes: { [n.id]: { ...n, attrs: [{ name: 'alpha', kind: 'float', value: 0.5000001 }] } } } };
    expect(modelsEqual(a, nan)).toMatch(/attrs\[0\]\(alpha\)\.value/);
    expect(modelsEqual(a, { ...a, opsets: [] })).toMatch(/^opsets\.length/);
  });
});
