/**
 * Models that `lathe check` once called ok although onnx's checker and onnxruntime refuse them,
 * each with the one error code the verifier must now give it. Shared by the verifier's unit tests
 * and the CLI tests (`lathe check` exits 2 on each).
 */
import { parseModel } from '../text/parse.js';
import type { Model, SparseTensor, Tensor, Type } from '../types.js';

/** A one-node model at ai.onnx opset 17 (or as given). */
export function model(body: string, inputs = 'float[2] x', outputs = 'float[2] y', head = 'ir_version: 8, opset_import: ["" : 17]'): Model {
  return parseModel(`<${head}> g (${inputs}) => (${outputs}) { ${body} }`);
}

/** Models lathe check used to call ok, each with the one error code it must now get. */
export const schemaFindings: Record<string, [code: string, model: () => Model]> = {
  'Loop without a body': ['attr-missing', () => model('y = Loop(m, c, x)', 'int64 m, bool c, float[2] x')],
  'Loop body of the wrong kind': ['attr-kind', () => model('y = Loop<body = 3>(m, c, x)', 'int64 m, bool c, float[2] x')],
  'Loop body of the wrong arity': ['body-arity', () => model('y = Loop<body = b (int64 i, bool ci) => (bool co) { co = Identity(ci) }>(m, c, x)', 'int64 m, bool c, float[2] x')],
  'If branch declaring inputs': ['body-arity', () => model('y = If<then_branch = t (float[2] a) => (float[2] o) { o = Neg(a) }, else_branch = e () => (float[2] o2) { o2 = Relu(x) }>(c)', 'bool c, float[2] x')],
  'Loop body with a float iteration number': ['body-arity', () => model('y = Loop<body = b (float i, bool ci, float[2] xi) => (bool co, float[2] xo) { co = Identity(ci)\n xo = Identity(xi) }>(m, c, x)', 'int64 m, bool c, float[2] x')],
  'unknown ai.onnx op': ['op-unknown', () => model('y = Frobnicate(x)')],
  'Cast without to': ['attr-missing', () => model('y = Cast(x)')],
  'Constant with two value attributes': ['attr-conflict', () => model('y = Constant<value_float = 1.0, value_floats = [1.0, 2.0]>()', 'float[2] x')],
  'Constant with no value attribute (opset 13)': ['attr-missing', () => model('y = Constant()', 'float[2] x', 'float[2] y', 'ir_version: 8, opset_import: ["" : 13]')],
  'an attribute the op does not define': ['attr-unknown', () => model('y = Relu<alpha = 0.5>(x)')],
  'Transpose perm as floats': ['attr-kind', () => model('y = Transpose<perm = [1.0, 0.0]>(x)', 'float[2,3] x', 'float[3,2] y')],
  'Add with 1 input': ['op-arity', () => model('y = Add(x)')],
  'Add with 3 inputs': ['op-arity', () => model('y = Add(x, x, x)')],
  'op used before its opset': ['opset-range', () => model('y = Gelu(x)', undefined, undefined, 'ir_version: 8, opset_import: ["" : 5]')],
  'input type the op does not allow': ['input-dtype', () => model('y = Relu(x)', 'string[2] x', 'y')],
  'output declared of another type than the inputs': ['output-dtype', () => model('y = Add(x, x)', 'float[2] x', 'int64[2] y')],
  'inputs of one type constraint with different types': ['input-dtype', () => model('y = Add(x, z)', 'float[2] x, double[2] z')],
  'required input omitted': ['op-arity', () => model('y = Gemm(x, , x)', 'float[2,2] x', 'float[2,2] y')],
  'the last input, required, omitted': ['op-arity', () => withLastInputOmitted(model('y = Add(x, x)'))],
  'Loop body without the condition output': ['body-arity', () => model('y = Loop<body = b (int64 i, bool ci, float[2] xi) => (bool co) { co = Identity(ci) }>(m, c, x)', 'int64 m, bool c, float[2] x')],
  'Scan-9 body of the wrong arity': ['body-arity', () => model('y = Scan<body = b (float s, float t) => (float o) { o = Add(s, t) }, num_scan_inputs = 1>(x)', 'float[2] x', 'float[2] y', 'ir_version: 8, opset_import: ["" : 9]')],
  'Add with 3 inputs, the extra one of another type (one arity error, no dtype error after it)': ['op-arity', () => model('y = Add(x, x, i)', 'float[2] x, int64[2] i')],
  'a map type with key data_type 99': ['bad-dtype', () => withInputType(model('y = Relu(x)', 'float[2] x, float[2] z'), { kind: 'map', key: 99, value: { kind: 'tensor', dtype: 1 } }, 1)],
  'a sparse tensor where the op wants a dense one': ['input-dtype', () => withInputType(model('y = Relu(x)', 'float[2] x'), { kind: 'sparse', dtype: 1, shape: [2] })],
  'initializer of data_type 0': ['bad-dtype', () => withInitDtype(0)],
  'initializer of data_type 99': ['bad-dtype', () => withInitDtype(99)],
  'sparse index out of range': ['sparse-tensor', () => withSparse([5n], [1], [1], [5])],
  'sparse index negative': ['sparse-tensor', () => withSparse([-1n], [1], [1], [5])],
  'sparse indices duplicated': ['sparse-tensor', () => withSparse([2n, 2n], [2], [2], [5])],
  'sparse indices out of order': ['sparse-tensor', () => withSparse([3n, 1n], [2], [2], [5])],
  'sparse indices miscounted': ['sparse-tensor', () => withSparse([1n, 2n, 3n], [3], [2], [5])],
  'sparse coordinates out of range': ['sparse-tensor', () => withSparse([0n, 3n], [1, 2], [1], [2, 3])],
};

export function i64(values: bigint[], dims: number[]): Tensor {
  const bytes = new Uint8Array(new BigInt64Array(values).buffer);
  return { dtype: 7, dims, data: { kind: 'raw', bytes } };
}

export function f32(count: number): Tensor {
  return { dtype: 1, dims: [count], data: { kind: 'raw', bytes: new Uint8Array(count * 4) } };
}

/** y = Add(x, w) with w an initializer whose data_type is `dtype`. */
function withInitDtype(dtype: number): Model {
  const m = model('y = Add(x, w)', 'float[2] x, float[2] w', 'float[2] y');
  const g = m.graph;
  const w = g.inputs[1];
  const value = { ...g.values[w], tensor: { dtype, dims: [2], data: { kind: 'raw' as const, bytes: new Uint8Array(8) } } };
  return { ...m, graph: { ...g, inputs: [g.inputs[0]], initializers: [w], values: { ...g.values, [w]: value } } };
}

/** y = Add(x, s) with s a sparse initializer of the given indices, values and dims. */
export function withSparse(indices: bigint[], indexDims: number[], values: number[], dims: number[]): Model {
  const m = model('y = Add(x, s)', `float[${dims.join(',')}] x, float[${dims.join(',')}] s`, `float[${dims.join(',')}] y`);
  const g = m.graph;
  const s = g.inputs[1];
  const sparse: SparseTensor = { values: f32(values[0]), indices: i64(indices, indexDims), dims };
  const value = { ...g.values[s], sparse };
  return { ...m, graph: { ...g, inputs: [g.inputs[0]], sparseInitializers: [s], values: { ...g.values, [s]: value } } };
}


/** `m` with graph input `index` declared of type `type` (types the text format cannot write). */
function withInputType(m: Model, type: Type, index = 0): Model {
  const g = m.graph;
  const x = g.inputs[index];
  return { ...m, graph: { ...g, values: { ...g.values, [x]: { ...g.values[x], type } } } };
}

/** `m` with the last input of its first node omitted ('' in the file; the text format drops a trailing one). */
function withLastInputOmitted(m: Model): Model {
  const g = m.graph;
  const id = g.order[0];
  const node = g.nodes[id];
  return { ...m, graph: { ...g, nodes: { ...g.nodes, [id]: { ...node, inputs: [...node.inputs.slice(0, -1), null] } } } };
}
