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
import { type Blob } from '../blob.js';
import { LatheError } from '../error.js';
import { defined } from '../object.js';
import type { Attr, Entry, Graph, Model, Node, OnnxFunction, SparseTensor, Tensor, Type, Value, ValueId, ValueInfo } from '../types.js';
import { entry } from '../walk.js';
import { scanModel, type ModelScan } from './emit-walk.js';
import { alignOffset, checkDataFileName } from './external.js';
import { attrTypeCode, MAX_GRAPH_DEPTH } from './lift.js';
import type {
  AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, SparseTensorProto, StringStringEntryProto, TensorProto,
  TypeProto, TypeProtoTensor, ValueInfoProto,
} from './proto.js';
import { inlinePayloadEstimate, rawPayload, rawPayloadLength } from './tensor.js';

export { forEachGraph, forEachTensor } from './emit-walk.js';

/** Where tensor payloads go on output: see `EmitOptions.external`. */
export type ExternalDataMode = 'auto' | 'always' | 'never';

export interface EmitOptions {
  /**
   * 'never': all payloads inline; 'always': payloads ≥ threshold go to the data file; 'auto': all
   * inline when the model fits under `inlineLimit`, else like 'always' (every payload ≥ threshold
   * out, as onnx's own `convert_model_to_external_data` does, not only the overflow: a protobuf just
   * under 2 GB is at the edge of what readers accept).
   */
  external: ExternalDataMode;
  /** Data file name, a plain file name next to the model. Default 'model.onnx.data'. */
  dataLocation?: string;
  /** Smallest payload (bytes) 'always' (and 'auto', once it goes external) moves out. Default 1024. */
  threshold?: number;
  /** The size estimate past which 'auto' goes external. Default `INLINE_LIMIT` (tests use small ones). */
  inlineLimit?: number;
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


/**
 * Fields lift reads as "absent or the default" (domain '' and version 0 of an opset import; an
 * attribute's name '', type UNDEFINED and zero value; a node's op_type ''; a graph's name '') are written only when
 * they differ from that default: the IR cannot tell absent from default there, and writing the
 * default back made re-emitted models grow (10.5 MB of empty attributes became 36.7 MB).
 */
function emitOpset(o: { readonly domain: string; readonly version: number }): { domain?: string; version?: bigint } {
  const p: { domain?: string; version?: bigint } = {};
  if (o.domain !== '') p.domain = o.domain;
  if (o.version !== 0) p.version = BigInt(o.version);
  return p;
}

/** Shared by every empty repeated field emit writes (frozen: readers of the proto never see it grow). */
const EMPTY: never[] = Object.freeze([]) as unknown as never[];

type Dims = readonly (number | string | null)[];

function emitDim(d: number | string | null, denotation: string | undefined) {
  if (typeof d === 'number') return denotation === undefined ? { dimValue: BigInt(d) } : { dimValue: BigInt(d), denotation };
  if (typeof d === 'string') return denotation === undefined ? { dimParam: d } : { dimParam: d, denotation };
  return denotation === undefined ? {} : { denotation };
}

/** Built field by field (no `defined` copies): value_info may hold a type per value of a large graph. */
function emitTensorType(t: { dtype: number; shape?: Dims; dimDenotations?: readonly (string | undefined)[] }): TypeProtoTensor {
  const shape = t.shape;
  const p: TypeProtoTensor = t.dtype === undefined ? {} : { elemType: t.dtype };
  if (shape) {
    const den = t.dimDenotations;
    const dim = new Array<ReturnType<typeof emitDim>>(shape.length);
    for (let i = 0; i < shape.length; i++) dim[i] = emitDim(shape[i], den?.[i]);
    p.shape = { dim };
  }
  return p;
}

export function emitType(t: Type, depth = 0): TypeProto {
  if (depth > 64) throw new LatheError('type nesting passes 64');
  if (t.kind === 'tensor' && t.denotation === undefined && !t.extra?.length) return { tensorType: emitTensorType(t) };
  const sub = (e: Type | undefined) => (e ? emitType(e, depth + 1) : undefined);
  const p: TypeProto = {};
  switch (t.kind) {
    case 'tensor': p.tensorType = emitTensorType(t); break;
    case 'sparse': p.sparseTensorType = emitTensorType(t); break;
    case 'sequence': p.sequenceType = defined({ elemType: sub(t.elem) }); break;
    case 'map': p.mapType = defined({ keyType: t.key, valueType: sub(t.value) }); break;
    case 'optional': p.optionalType = defined({ elemType: sub(t.elem) }); break;
    case 'opaque': p.opaqueType = { domain: t.domain, name: t.name }; break;
  }
  if (t.denotation !== undefined) p.denotation = t.denotation;
  return unknowns(p, t.extra);
}

class Emitter {
  /** Names given to values without one (and to ids no table holds), in the order first asked. */
  private readonly freshNames = new Map<ValueId, string>();
  /** Every name of every value, built the first time a fresh name is needed. */
  private used: Set<string> | undefined;
  private fresh = 0;
  private readonly main: Graph;
  /**
   * Id → value where the main graph's table does not answer alone: the values of every other graph
   * (a later graph wins, as the main graph comes first in walk order) — or of all graphs when some
   * table entry sits under a key that is not its id.
   */
  private readonly byId: Map<ValueId, Value> | undefined;
  /** True when `byId` holds every value (then the main table is not consulted). */
  private readonly exotic: boolean;
  /** Tensors going to the data file, by identity (a tensor shared by two sites is written once). */
  readonly placed = new Map<Tensor, DataChunk>();

  constructor(readonly model: Model, readonly location: string, external: Set<Tensor>, private readonly scan: ModelScan) {
    this.main = model.graph;
    let exotic = false;
    let unnamed = false;
    for (const [g, keys] of scan.keys) {
      const table = g.values;
      for (let i = 0; i < keys.length; i++) {
        const v = table[keys[i]];
        if (v.id !== keys[i]) exotic = true;
        if (v.name === undefined) unnamed = true;
      }
    }
    this.exotic = exotic;
    const graphs = scan.graphs;
    if (exotic || graphs.length > 1) {
      const byId = new Map<ValueId, Value>();
      for (let gi = exotic ? 0 : 1; gi < graphs.length; gi++) {
        const table = graphs[gi].values;
        for (const k of this.keysOf(graphs[gi])) byId.set(table[k].id, table[k]);
      }
      this.byId = byId;
    }
    if (unnamed) {
      // Fresh names in walk order, as if every value were named on the way.
      for (const g of graphs) {
        const table = g.values;
        for (const k of this.keysOf(g)) this.nameOf(table[k].id);
      }
    }
    let end = 0;
    for (const t of scan.tensors) {
      if (!external.has(t) || this.placed.has(t)) continue;
      const payload = rawPayload(t, `tensor '${t.name ?? ''}'`)!;
      const offset = alignOffset(end, payload.length);
      const chunk = payload instanceof Uint8Array
        ? { offset, bytes: payload, length: payload.length }
        : { offset, blob: payload, length: payload.length };
      this.placed.set(t, chunk);
      end = offset + chunk.length;
    }
  }

  private keysOf(g: Graph): readonly ValueId[] {
    return this.scan.keys.get(g) ?? (Object.keys(g.values) as ValueId[]);
  }

  /** The value with this id anywhere in the model (the last one in walk order if several). */
  private value(id: ValueId): Value | undefined {
    const byId = this.byId;
    if (byId !== undefined) {
      const v = byId.get(id);
      if (v !== undefined || this.exotic) return v;
    }
    return entry(this.main.values, id);
  }

  nameOf(id: ValueId): string {
    const v = this.value(id);
    if (v !== undefined && v.name !== undefined) return v.name;
    let n = this.freshNames.get(id);
    if (n === undefined) {
      const used = (this.used ??= this.allNames());
      do n = `_v${this.fresh++}`;
      while (used.has(n));
      used.add(n);
      this.freshNames.set(id, n);
    }
    return n;
  }

  private allNames(): Set<string> {
    const used = new Set<string>();
    for (const g of this.scan.graphs) {
      const table = g.values;
      for (const k of this.keysOf(g)) {
        const name = table[k].name;
        if (name !== undefined) used.add(name);
      }
    }
    return used;
  }

  /** Names of node inputs/outputs ('' for null), exact length, no closure. */
  private names(ids: readonly (ValueId | null)[]): string[] {
    const n = ids.length;
    if (n === 1) return [ids[0] === null ? '' : this.nameOf(ids[0])];
    const out = new Array<string>(n);
    for (let i = 0; i < n; i++) {
      const id = ids[i];
      out[i] = id === null ? '' : this.nameOf(id);
    }
    return out;
  }

  build(): ModelProto {
    const m = this.model;
    return unknowns(defined({
      irVersion: BigInt(m.irVersion),
      opsetImport: m.opsets.map(emitOpset),
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

  /** Built field by field in the order name, type, docString, metadataProps (no `defined` copy). */
  valueInfo(name: string, info: ValueInfo | undefined): ValueInfoProto {
    if (info === undefined) return { name, metadataProps: [] };
    const type = info.type ? emitType(info.type) : undefined;
    let p: ValueInfoProto;
    if (info.doc === undefined) p = type ? { name, type, metadataProps: entries(info.meta) } : { name, metadataProps: entries(info.meta) };
    else p = type ? { name, type, docString: info.doc, metadataProps: entries(info.meta) } : { name, docString: info.doc, metadataProps: entries(info.meta) };
    return unknowns(p, info.extra);
  }

  private lookup(g: Graph, id: ValueId): Value | undefined {
    return g.values[id] ?? this.value(id);
  }

  /** value_info candidates in definition order (see the file comment). */
  private valueInfoList(g: Graph, fn: boolean): ValueInfoProto[] {
    const scan = new ValueInfoScan(this, g, fn);
    for (const id of g.initializers) scan.consider(id);
    for (const id of g.sparseInitializers) scan.consider(id);
    const order = g.order;
    for (let i = 0; i < order.length; i++) {
      const outputs = g.nodes[order[i]].outputs;
      for (let j = 0; j < outputs.length; j++) if (outputs[j] !== null) scan.consider(outputs[j]!);
    }
    for (const id of this.keysOf(g)) scan.consider(id);
    return scan.out;
  }

  private graph(g: Graph, depth: number): GraphProto {
    if (depth > MAX_GRAPH_DEPTH) throw new LatheError(`graph '${g.name}': subgraph nesting passes ${MAX_GRAPH_DEPTH}`);
    return unknowns(defined({
      node: g.order.map((id) => this.node(g.nodes[id], depth)),
      name: g.name || undefined, // lift reads an absent name as ''
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
    return unknowns(defined({
      name: f.name,
      input: g.inputs.map((id) => this.nameOf(id)),
      output: g.outputs.map((id) => this.nameOf(id)),
      attribute: f.params.slice(),
      attributeProto: f.paramDefaults.map((a) => this.attr(a, 0)),
      node: g.order.map((id) => this.node(g.nodes[id], 0)),
      docString: f.doc,
      opsetImport: f.opsets.map(emitOpset),
      domain: f.domain,
      overload: f.overload,
      valueInfo: this.valueInfoList(g, true),
      metadataProps: entries(f.meta),
    }), f.extra);
  }

  /** Built as one literal (no `defined` copy, no closures): this runs once per node of million-node graphs. */
  private node(n: Node, depth: number): NodeProto {
    const input = this.names(n.inputs);
    const output = this.names(n.outputs);
    const attribute = n.attrs.length ? this.attrs(n.attrs, depth) : EMPTY;
    const metadataProps = n.meta ? entries(n.meta) : EMPTY;
    const p: NodeProto = n.name !== undefined
      ? { input, output, name: n.name, opType: n.op || undefined, attribute, metadataProps, deviceConfigurations: EMPTY }
      : { input, output, opType: n.op || undefined, attribute, metadataProps, deviceConfigurations: EMPTY };
    if (n.domain !== '') p.domain = n.domain;
    if (n.overload !== undefined) p.overload = n.overload;
    if (n.doc !== undefined) p.docString = n.doc;
    return unknowns(p, n.extra);
  }

  private attrs(list: readonly Attr[], depth: number): AttributeProto[] {
    const out = new Array<AttributeProto>(list.length);
    for (let i = 0; i < list.length; i++) out[i] = this.attr(list[i], depth);
    return out;
  }

  private attr(a: Attr, depth: number): AttributeProto {
    const p: AttributeProto = {
      name: a.name || undefined, floats: EMPTY, ints: EMPTY, strings: EMPTY, tensors: EMPTY, graphs: EMPTY, sparseTensors: EMPTY, typeProtos: EMPTY,
    };
    if (a.doc !== undefined) p.docString = a.doc;
    switch (a.kind) {
      case 'ref': p.refAttrName = a.ref; p.type = attrTypeCode[a.type]; break;
      case 'float': if (!Object.is(a.value, 0)) p.f = a.value; break;
      case 'int': if (a.value !== 0n) p.i = a.value; break;
      case 'string': { const b = a.bytes ?? utf8.encode(a.value); if (b.length) p.s = b; break; }
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
    if (a.kind !== 'ref' && attrTypeCode[a.kind] !== 0) p.type = attrTypeCode[a.kind];
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
    const p: TensorProto = defined({
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

/**
 * Decides which values go to a graph's value_info (see the file comment), one id at a time: part 1
 * is initializers, sparse initializers and node outputs in order, part 2 the values table in its
 * order. What it remembers is only what a decision needs: the ids written (a written id may come
 * again; an id not written never is, its value and the sets being the same the second time) and,
 * lazily, the set of referenced ids (built only when a value without a def and without info shows
 * up, and then from the node inputs only if the graph's own lists do not answer).
 */
class ValueInfoScan {
  readonly out: ValueInfoProto[] = [];
  private readonly written = new Set<ValueId>();
  private readonly boundary: Set<ValueId> | undefined;
  private referenced: Set<ValueId> | undefined;
  private nodeInputsRead = false;

  constructor(private readonly emitter: Emitter, private readonly g: Graph, fn: boolean) {
    if (!fn && g.inputs.length + g.outputs.length > 0) {
      const b = new Set<ValueId>(g.inputs);
      for (const id of g.outputs) b.add(id);
      this.boundary = b;
    }
  }

  consider(id: ValueId): void {
    const v = this.g.values[id];
    if (!v || this.boundary?.has(id)) return;
    const info = v.type !== undefined || v.doc !== undefined || v.meta !== undefined || v.extra !== undefined;
    if (!info && (v.def || this.isReferenced(id))) return; // neither info nor an orphan
    if (this.written.has(id)) return;
    this.written.add(id);
    this.out.push(this.emitter.valueInfo(this.emitter.nameOf(id), v));
  }

  /** Read by a node, or listed as a graph input, output, initializer or sparse initializer. */
  private isReferenced(id: ValueId): boolean {
    const g = this.g;
    let r = this.referenced;
    if (r === undefined) {
      r = this.referenced = new Set<ValueId>(g.inputs);
      for (const x of g.outputs) r.add(x);
      for (const x of g.initializers) r.add(x);
      for (const x of g.sparseInitializers) r.add(x);
    }
    if (r.has(id)) return true;
    if (this.nodeInputsRead) return false;
    this.nodeInputsRead = true;
    for (const nid of g.order) for (const i of g.nodes[nid].inputs) if (i !== null) r.add(i);
    return r.has(id);
  }
}

/** Which tensors go to the data file under `options`. */
function chooseExternal(scan: ModelScan, options: EmitOptions): Set<Tensor> {
  const out = new Set<Tensor>();
  if (options.external === 'never') return out;
  const candidates: { t: Tensor; length: number }[] = [];
  let estimate = 0;
  const seen = new Set<Tensor>();
  for (const t of scan.tensors) {
    estimate += inlinePayloadEstimate(t) + 64;
    if (seen.has(t)) continue;
    seen.add(t);
    if (t.data.kind === 'raw' || t.data.kind === 'blob' || t.data.kind === 'field') {
      candidates.push({ t, length: rawPayloadLength(t) ?? 0 });
    }
  }
  const limit = options.inlineLimit ?? INLINE_LIMIT;
  if (options.external === 'auto') {
    estimate += scan.size * 256;
    if (estimate <= limit) return out;
  }
  const threshold = options.threshold ?? 1024;
  const small: { t: Tensor; length: number; i: number }[] = [];
  candidates.forEach((c, i) => {
    if (c.length >= threshold) {
      out.add(c.t);
      estimate -= inlinePayloadEstimate(c.t);
    } else small.push({ ...c, i });
  });
  // Still too big with every large payload out (a model of many small tensors): the largest small ones follow.
  if (options.external === 'auto' && estimate > limit) {
    small.sort((a, b) => b.length - a.length || a.i - b.i);
    for (const c of small) {
      if (estimate <= limit) break;
      out.add(c.t);
      estimate -= inlinePayloadEstimate(c.t);
    }
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
  const scan = scanModel(model);
  const e = new Emitter(model, location, chooseExternal(scan, options), scan);
  const proto = e.build();
  if (e.placed.size === 0) return { proto };
  const chunks = [...e.placed.values()].sort((a, b) => a.offset - b.offset);
  const last = chunks[chunks.length - 1];
  return { proto, dataFile: { location, chunks, size: last.offset + last.length } };
}
