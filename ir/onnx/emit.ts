/**
 * Emit: IR → proto-level objects, the inverse of `lift.ts`, plus the layout of the external data
 * file when payloads go out of the model.
 *
 * - Values with a name keep it (even ''); unnamed values get `_v0`, `_v1`… in walk order, skipping
 *   every name used anywhere in the model.
 * - value_info: every value that is neither a graph input nor output and has a type/doc/meta
 *   (initializers included, so a type lifted from value_info survives), plus orphans (no def, not
 *   referenced); order: initializers, sparse initializers, node outputs in `order`, then the rest
 *   in `values` order. Function bodies also list their inputs/outputs (FunctionProto has no
 *   ValueInfo for them).
 * - Payloads are never read here: raw views and blobs go to raw_data as they are (the encoder
 *   streams blobs), or to the data file as chunks. Typed-field tensors that go external are
 *   converted to raw little-endian bytes (the only copy emit makes).
 * - Sparse tensors always stay inline.
 */
import { LatheError, type Blob } from '../blob.js';
import type { Attr, Entry, Graph, Model, Node, OnnxFunction, SparseTensor, Tensor, Type, Value, ValueId, ValueInfo } from '../types.js';
import { alignOffset, checkDataFileName } from './external.js';
import { attrTypeCode, MAX_GRAPH_DEPTH } from './lift.js';
import type {
  AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, SparseTensorProto, StringStringEntryProto, TensorProto,
  TypeProto, TypeProtoTensor, ValueInfoProto,
} from './proto.js';
import { inlinePayloadEstimate, rawPayload, rawPayloadLength } from './tensor.js';

export interface EmitOptions {
  /** 'never': all payloads inline; 'always': payloads ≥ threshold go to the data file; 'auto': only what keeps the model under 2 GB. */
  external: 'auto' | 'always' | 'never';
  /** Data file name, a plain file name next to the model. Default 'model.onnx.data'. */
  dataLocation?: string;
  /** Smallest payload (bytes) 'always' moves out. Default 1024. */
  threshold?: number;
}

export interface DataChunk {
  readonly offset: number;
  readonly blob?: Blob;
  readonly bytes?: Uint8Array;
  readonly length: number;
}

export interface DataFileLayout {
  readonly location: string;
  /** In offset order; gaps between chunks are zero padding. */
  readonly chunks: readonly DataChunk[];
  readonly size: number;
}

/** Protobuf's 2 GiB message limit, less a margin for what the estimate does not count. */
export const INLINE_LIMIT = 2 ** 31 - 2 ** 26;

const utf8 = new TextEncoder();

function entries(list: readonly Entry[] | undefined): StringStringEntryProto[] {
  return list ? list.map((e) => ({ key: e.key, value: e.value })) : [];
}

function unknowns<T extends object>(o: T, extra: readonly Uint8Array[] | undefined): T {
  if (extra && extra.length) (o as { $unknown?: Uint8Array[] }).$unknown = extra.slice();
  return o;
}

/** Drops undefined-valued keys (tidy objects; the encoder treats both alike). */
function tidy<T extends object>(o: T): T {
  // A copy rather than `delete`: deleting keys drops V8 objects into slow dictionary mode.
  const out = {} as T;
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

function emitTensorType(t: { dtype: number; shape?: readonly (number | string | null)[]; dimDenotations?: readonly (string | undefined)[] }): TypeProtoTensor {
  return tidy({
    elemType: t.dtype,
    shape: t.shape
      ? { dim: t.shape.map((d, i) => tidy({
          dimValue: typeof d === 'number' ? BigInt(d) : undefined,
          dimParam: typeof d === 'string' ? d : undefined,
          denotation: t.dimDenotations?.[i],
        })) }
      : undefined,
  });
}

export function emitType(t: Type, depth = 0): TypeProto {
  if (depth > 64) throw new LatheError('type nesting passes 64');
  const sub = (e: Type | undefined) => (e ? emitType(e, depth + 1) : undefined);
  const p: TypeProto = {};
  switch (t.kind) {
    case 'tensor': p.tensorType = emitTensorType(t); break;
    case 'sparse': p.sparseTensorType = emitTensorType(t); break;
    case 'sequence': p.sequenceType = tidy({ elemType: sub(t.elem) }); break;
    case 'map': p.mapType = tidy({ keyType: t.key, valueType: sub(t.value) }); break;
    case 'optional': p.optionalType = tidy({ elemType: sub(t.elem) }); break;
    case 'opaque': p.opaqueType = { domain: t.domain, name: t.name }; break;
  }
  if (t.denotation !== undefined) p.denotation = t.denotation;
  return unknowns(p, t.extra);
}

class Emitter {
  private readonly names = new Map<ValueId, string>();
  private readonly byId = new Map<ValueId, Value>();
  private readonly used = new Set<string>();
  private fresh = 0;
  /** Tensors going to the data file, by identity (a tensor shared by two sites is written once). */
  readonly placed = new Map<Tensor, DataChunk>();

  constructor(readonly model: Model, readonly location: string, external: Set<Tensor>) {
    forEachGraph(model, (g) => {
      for (const v of Object.values(g.values)) {
        this.byId.set(v.id, v);
        if (v.name !== undefined) this.used.add(v.name);
      }
    });
    forEachGraph(model, (g) => {
      for (const v of Object.values(g.values)) this.nameOf(v.id);
    });
    let end = 0;
    forEachTensor(model, (t) => {
      if (!external.has(t) || this.placed.has(t)) return;
      const payload = rawPayload(t, `tensor '${t.name ?? ''}'`)!;
      const offset = alignOffset(end);
      const chunk = payload instanceof Uint8Array
        ? { offset, bytes: payload, length: payload.length }
        : { offset, blob: payload, length: payload.length };
      this.placed.set(t, chunk);
      end = offset + chunk.length;
    });
  }

  nameOf(id: ValueId): string {
    let n = this.names.get(id);
    if (n === undefined) {
      n = this.byId.get(id)?.name;
      if (n === undefined) {
        do n = `_v${this.fresh++}`;
        while (this.used.has(n));
        this.used.add(n);
      }
      this.names.set(id, n);
    }
    return n;
  }

  build(): ModelProto {
    const m = this.model;
    return unknowns(tidy({
      irVersion: BigInt(m.irVersion),
      opsetImport: m.opsets.map((o) => ({ domain: o.domain, version: BigInt(o.version) })),
      producerName: m.producerName,
      producerVersion: m.producerVersion,
      domain: m.domain,
      modelVersion: m.modelVersion,
      docString: m.doc,
      graph: this.graph(m.graph, 0),
      metadataProps: entries(m.meta),
      trainingInfo: m.trainingInfo ? m.trainingInfo.slice() : [],
      functions: m.functions.map((f) => this.func(f)),
      configuration: m.configuration ? m.configuration.slice() : [],
    }), m.extra);
  }

  private valueInfo(name: string, info: ValueInfo | undefined): ValueInfoProto {
    return unknowns(tidy({
      name,
      type: info?.type ? emitType(info.type) : undefined,
      docString: info?.doc,
      metadataProps: entries(info?.meta),
    }), info?.extra);
  }

  private lookup(g: Graph, id: ValueId): Value | undefined {
    return g.values[id] ?? this.byId.get(id);
  }

  /** value_info candidates in definition order (see the file comment). */
  private valueInfoList(g: Graph, fn: boolean): ValueInfoProto[] {
    const boundary = new Set<ValueId>(fn ? [] : [...g.inputs, ...g.outputs]);
    const referenced = new Set<ValueId>([...g.inputs, ...g.outputs, ...g.initializers, ...g.sparseInitializers]);
    const ordered: ValueId[] = [...g.initializers, ...g.sparseInitializers];
    for (const nid of g.order) {
      const n = g.nodes[nid];
      for (const i of n.inputs) if (i !== null) referenced.add(i);
      for (const o of n.outputs) if (o !== null) ordered.push(o);
    }
    for (const id in g.values) ordered.push(id as ValueId);
    const out: ValueInfoProto[] = [];
    const seen = new Set<ValueId>();
    for (const id of ordered) {
      const v = g.values[id];
      if (!v || seen.has(id) || boundary.has(id)) continue;
      seen.add(id);
      const info = v.type !== undefined || v.doc !== undefined || v.meta !== undefined || v.extra !== undefined;
      const orphan = !v.def && !referenced.has(id);
      if (info || orphan) out.push(this.valueInfo(this.nameOf(id), v));
    }
    return out;
  }

  private graph(g: Graph, depth: number): GraphProto {
    if (depth > MAX_GRAPH_DEPTH) throw new LatheError(`graph '${g.name}': subgraph nesting passes ${MAX_GRAPH_DEPTH}`);
    return unknowns(tidy({
      node: g.order.map((id) => this.node(g.nodes[id], depth)),
      name: g.name,
      initializer: g.initializers.map((id) => this.tensor(g.values[id].tensor!, this.nameOf(id))),
      sparseInitializer: g.sparseInitializers.map((id) => this.sparse(g.values[id].sparse!, this.nameOf(id))),
      docString: g.doc,
      input: g.inputs.map((id) => this.valueInfo(this.nameOf(id), g.values[id])),
      output: g.outputs.map((id, i) => this.valueInfo(this.nameOf(id), g.outputInfo?.[i] ?? this.lookup(g, id))),
      valueInfo: this.valueInfoList(g, false),
      quantizationAnnotation: (g.quantization ?? []).map((q) => ({ tensorName: q.tensor, quantParameterTensorNames: entries(q.params) })),
      metadataProps: entries(g.meta),
    }), g.extra);
  }

  private func(f: OnnxFunction): FunctionProto {
    const g = f.graph;
    return unknowns(tidy({
      name: f.name,
      input: g.inputs.map((id) => this.nameOf(id)),
      output: g.outputs.map((id) => this.nameOf(id)),
      attribute: f.params.slice(),
      attributeProto: f.paramDefaults.map((a) => this.attr(a, 0)),
      node: g.order.map((id) => this.node(g.nodes[id], 0)),
      docString: f.doc,
      opsetImport: f.opsets.map((o) => ({ domain: o.domain, version: BigInt(o.version) })),
      domain: f.domain,
      overload: f.overload,
      valueInfo: this.valueInfoList(g, true),
      metadataProps: entries(f.meta),
    }), f.extra);
  }

  /** Built field by field (no tidy copy): this runs once per node of million-node graphs. */
  private node(n: Node, depth: number): NodeProto {
    const p: NodeProto = {
      input: n.inputs.map((id) => (id === null ? '' : this.nameOf(id))),
      output: n.outputs.map((id) => (id === null ? '' : this.nameOf(id))),
      opType: n.op,
      attribute: n.attrs.length ? n.attrs.map((a) => this.attr(a, depth)) : [],
      metadataProps: entries(n.meta),
      deviceConfigurations: [],
    };
    if (n.name !== undefined) p.name = n.name;
    if (n.domain !== '') p.domain = n.domain;
    if (n.overload !== undefined) p.overload = n.overload;
    if (n.doc !== undefined) p.docString = n.doc;
    return unknowns(p, n.extra);
  }

  private attr(a: Attr, depth: number): AttributeProto {
    const p: AttributeProto = {
      name: a.name, floats: [], ints: [], strings: [], tensors: [], graphs: [], sparseTensors: [], typeProtos: [],
    };
    if (a.doc !== undefined) p.docString = a.doc;
    switch (a.kind) {
      case 'ref': p.refAttrName = a.ref; p.type = attrTypeCode[a.type]; break;
      case 'float': p.f = a.value; break;
      case 'int': p.i = a.value; break;
      case 'string': p.s = a.bytes ?? utf8.encode(a.value); break;
      case 'tensor': p.t = this.tensor(a.value); break;
      case 'graph': p.g = this.graph(a.value, depth + 1); break;
      case 'sparse_tensor': p.sparseTensor = this.sparse(a.value); break;
      case 'type': p.tp = emitType(a.value); break;
      case 'floats': p.floats = a.value.slice(); break;
      case 'ints': p.ints = a.value.slice(); break;
      case 'strings': p.strings = a.bytes ? a.bytes.slice() : a.value.map((s) => utf8.encode(s)); break;
      case 'tensors': p.tensors = a.value.map((t) => this.tensor(t)); break;
      case 'graphs': p.graphs = a.value.map((g) => this.graph(g, depth + 1)); break;
      case 'sparse_tensors': p.sparseTensors = a.value.map((s) => this.sparse(s)); break;
      case 'types': p.typeProtos = a.value.map((t) => emitType(t)); break;
    }
    if (a.kind !== 'ref') p.type = attrTypeCode[a.kind];
    return unknowns(p, a.extra);
  }

  private sparse(s: SparseTensor, name?: string): SparseTensorProto {
    return unknowns({
      values: this.tensor(s.values, name, true),
      indices: this.tensor(s.indices, undefined, true),
      dims: s.dims.map(BigInt),
    }, s.extra);
  }

  private tensor(t: Tensor, valueName?: string, inline = false): TensorProto {
    const p: TensorProto = tidy({
      dims: t.dims.map(BigInt),
      dataType: t.dtype,
      segment: t.segment ? { begin: t.segment.begin, end: t.segment.end } : undefined,
      stringData: [],
      name: t.name ?? valueName,
      docString: t.doc,
      externalData: [],
      metadataProps: entries(t.meta),
    });
    const chunk = inline ? undefined : this.placed.get(t);
    const d = t.data;
    if (chunk) {
      p.dataLocation = 1;
      p.externalData = [
        { key: 'location', value: this.location },
        { key: 'offset', value: String(chunk.offset) },
        { key: 'length', value: String(chunk.length) },
        ...entries(t.externalOrigin?.keys),
      ];
    } else if (d.kind === 'raw') p.rawData = d.bytes;
    else if (d.kind === 'blob') p.rawData = d.blob;
    else if (d.kind === 'strings') p.stringData = d.values.slice();
    else if (d.kind === 'field') {
      const key = ({ float_data: 'floatData', int32_data: 'int32Data', int64_data: 'int64Data', double_data: 'doubleData', uint64_data: 'uint64Data' } as const)[d.field];
      (p as unknown as Record<string, unknown>)[key] = d.values;
    }
    return unknowns(p, t.extra);
  }
}

/** Visits the main graph, every subgraph (attributes) and every function body, iteratively. */
export function forEachGraph(model: Model, visit: (g: Graph) => void): void {
  const stack: Graph[] = [...model.functions.map((f) => f.graph).reverse(), model.graph];
  const fromAttrs = (attrs: readonly Attr[], out: Graph[]) => {
    for (const a of attrs) {
      if (a.kind === 'graph') out.push(a.value);
      else if (a.kind === 'graphs') for (const g of a.value) out.push(g);
    }
  };
  while (stack.length) {
    const g = stack.pop()!;
    visit(g);
    const subs: Graph[] = [];
    for (const id of g.order) if (g.nodes[id]) fromAttrs(g.nodes[id].attrs, subs);
    for (let i = subs.length - 1; i >= 0; i--) stack.push(subs[i]); // no spread: arrays may be huge
  }
  for (const f of model.functions) {
    const subs: Graph[] = [];
    fromAttrs(f.paramDefaults, subs);
    for (const g of subs) forEachGraph({ ...model, graph: g, functions: [] }, visit);
  }
}

/** Visits every dense tensor that may go external: initializers and tensor attributes, in walk order. */
export function forEachTensor(model: Model, visit: (t: Tensor) => void): void {
  forEachGraph(model, (g) => {
    for (const id of g.initializers) if (g.values[id]?.tensor) visit(g.values[id].tensor!);
    for (const id of g.order) {
      for (const a of g.nodes[id]?.attrs ?? []) {
        if (a.kind === 'tensor') visit(a.value);
        else if (a.kind === 'tensors') a.value.forEach(visit);
      }
    }
  });
}

/** Which tensors go to the data file under `options`. */
function chooseExternal(model: Model, options: EmitOptions): Set<Tensor> {
  const out = new Set<Tensor>();
  if (options.external === 'never') return out;
  const candidates: { t: Tensor; length: number }[] = [];
  let estimate = 0;
  let nodes = 0;
  forEachGraph(model, (g) => {
    nodes += g.order.length + Object.keys(g.values).length;
  });
  const seen = new Set<Tensor>();
  forEachTensor(model, (t) => {
    estimate += inlinePayloadEstimate(t) + 64;
    if (seen.has(t)) return;
    seen.add(t);
    if (t.data.kind === 'raw' || t.data.kind === 'blob' || t.data.kind === 'field') {
      candidates.push({ t, length: rawPayloadLength(t) ?? 0 });
    }
  });
  if (options.external === 'always') {
    const threshold = options.threshold ?? 1024;
    for (const c of candidates) if (c.length >= threshold) out.add(c.t);
    return out;
  }
  estimate += nodes * 256;
  if (estimate <= INLINE_LIMIT) return out;
  const bySize = candidates.map((c, i) => ({ ...c, i })).sort((a, b) => b.length - a.length || a.i - b.i);
  for (const c of bySize) {
    if (estimate <= INLINE_LIMIT) break;
    out.add(c.t);
    estimate -= inlinePayloadEstimate(c.t);
  }
  return out;
}

/**
 * Model → ModelProto, plus the layout of the data file when some payloads go external (the caller
 * writes it: zero padding between chunks, chunks from their blob or bytes).
 */
export function emitModel(model: Model, options: EmitOptions): { proto: ModelProto; dataFile?: DataFileLayout } {
  const location = options.dataLocation ?? 'model.onnx.data';
  checkDataFileName(location);
  const e = new Emitter(model, location, chooseExternal(model, options));
  const proto = e.build();
  if (e.placed.size === 0) return { proto };
  const chunks = [...e.placed.values()].sort((a, b) => a.offset - b.offset);
  const last = chunks[chunks.length - 1];
  return { proto, dataFile: { location, chunks, size: last.offset + last.length } };
}
