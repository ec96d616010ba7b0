/**
 * Test support for the IR bridge: proto-object builders (every repeated field present, as the
 * decoder gives them) and a structural normal form of models for equality checks.
 */
import { Blob } from '../blob.js';
import type { Model, Tensor, TensorData } from '../types.js';
import type {
  AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, SparseTensorProto, TensorProto, TypeProto, ValueInfoProto,
} from './proto.js';
import { rawPayload } from './tensor.js';

export const P = {
  model: (m: Partial<ModelProto> = {}): ModelProto => ({
    irVersion: 10n, opsetImport: [{ domain: '', version: 21n }], metadataProps: [], trainingInfo: [], functions: [], configuration: [],
    graph: P.graph(), ...m,
  }),
  graph: (g: Partial<GraphProto> = {}): GraphProto => ({
    node: [], initializer: [], sparseInitializer: [], input: [], output: [], valueInfo: [], quantizationAnnotation: [], metadataProps: [],
    name: 'g', ...g,
  }),
  node: (op: string, input: string[], output: string[], n: Partial<NodeProto> = {}): NodeProto => ({
    input, output, opType: op, attribute: [], metadataProps: [], deviceConfigurations: [], ...n,
  }),
  vi: (name: string, type?: TypeProto, v: Partial<ValueInfoProto> = {}): ValueInfoProto => ({ name, type, metadataProps: [], ...v }),
  f32: (...dims: (number | string)[]): TypeProto => ({
    tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: BigInt(d) } : { dimParam: d })) } },
  }),
  tensor: (t: Partial<TensorProto> = {}): TensorProto => ({
    dims: [], stringData: [], externalData: [], metadataProps: [], dataType: 1, ...t,
  }),
  attr: (a: Partial<AttributeProto>): AttributeProto => ({
    floats: [], ints: [], strings: [], tensors: [], graphs: [], sparseTensors: [], typeProtos: [], ...a,
  }),
  func: (f: Partial<FunctionProto>): FunctionProto => ({
    input: [], output: [], attribute: [], attributeProto: [], node: [], opsetImport: [], valueInfo: [], metadataProps: [], ...f,
  }),
  sparse: (s: Partial<SparseTensorProto>): SparseTensorProto => ({ dims: [], ...s }),
};

function payload(t: Tensor, mode: 'exact' | 'content'): unknown {
  const d: TensorData = t.data;
  if (mode === 'content' && (d.kind === 'raw' || d.kind === 'blob' || d.kind === 'field')) {
    const p = rawPayload(t, 'test')!;
    return { bytes: Array.from(p instanceof Blob ? p.bytes() : p) };
  }
  if (d.kind === 'raw') return { bytes: Array.from(d.bytes) };
  if (d.kind === 'blob') return { bytes: Array.from(d.blob.bytes()) };
  if (d.kind === 'field') return { field: d.field, bytes: Array.from(rawPayload(t, 'test') as Uint8Array) };
  if (d.kind === 'strings') return { strings: d.values.map((v) => Array.from(v)) };
  return { none: true };
}

/**
 * A plain-data normal form: payloads become byte arrays (raw views and blobs alike; with
 * `content`, typed fields too), `externalOrigin` is dropped (where bytes came from is not part of
 * the model), Uint8Arrays become arrays. Equal normal forms = equal models.
 */
export function normalForm(m: Model, mode: 'exact' | 'content' = 'exact'): unknown {
  const walk = (x: unknown): unknown => {
    if (x instanceof Uint8Array) return Array.from(x);
    if (Array.isArray(x)) return x.map(walk);
    if (x && typeof x === 'object') {
      if ('data' in x && 'dims' in x && 'dtype' in x) {
        const t = x as Tensor;
        const { externalOrigin: _o, data: _d, ...rest } = t;
        return { ...(walk(rest) as object), payload: payload(t, mode), keys: t.externalOrigin?.keys };
      }
      const out: Record<string, unknown> = Object.create(null);
      for (const [k, v] of Object.entries(x)) if (v !== undefined) out[k] = walk(v);
      return out;
    }
    return x;
  };
  return walk(m);
}
