/**
 * Lift: proto-level objects (`proto.ts`) → IR (`ir/types.ts`). The inverse is `emit.ts`;
 * `lift(decode(encode(emit(m))))` equals `m`.
 *
 * Decisions (each keeps a round trip exact):
 * - Ids `v0…`/`n0…` are allocated in one sequence for the whole model: per graph its inputs,
 *   initializers, sparse initializers, node outputs (file order), dangling references, orphan
 *   value_info entries; then its subgraphs in node/attribute order; functions after the main graph.
 * - A name resolves in this graph first (inputs, initializers, sparse initializers, ANY node's
 *   output — bad files may be out of order; `order` keeps file order for the verifier), then in
 *   the enclosing graphs. A name defined nowhere becomes a dangling Value (no def) in the graph
 *   that uses it. If a name is defined twice, references resolve to the first definition.
 * - An initializer named like a graph input is the same value (listed in both).
 * - Absent names lift as '' (not undefined), so emit writes back exactly what was read.
 * - Graph outputs apply their ValueInfo to the value when the value has none of it yet and is
 *   local; otherwise (outer value, or a different type than the value's) it goes to
 *   `Graph.outputInfo`.
 * - value_info entries apply to the local value of that name when it has no type/doc/meta yet;
 *   any other entry (unknown name, outer-scope name, duplicate) becomes an "orphan": a Value with
 *   that name and info, no def, referenced by nothing. Emit writes orphans back to value_info.
 * - NodeProto.device_configurations has no IR slot: it is re-encoded (field 10) into `Node.extra`.
 */
import { LatheError } from '../error.js';
import { normalizeDomain } from '../domain.js';
import { defined, plainEqual } from '../object.js';
import type { Attr, AttrKind, Graph, Model, Node, NodeId, OnnxFunction, OpsetId, Value, ValueId, ValueInfo } from '../types.js';
import type { ExternalResolver } from './external.js';
import { liftEntries, liftExtra, liftSparse, liftTensor, liftType, liftValueInfo, toCount } from './lift-tensor.js';
import type { AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, ValueInfoProto } from './proto.js';
import type { Mutable } from '../object.js';

export interface LiftOptions {
  /** Opens external data files; without it, external tensors are a LatheError. */
  external?: ExternalResolver;
  /** File name given to LatheErrors raised while lifting. */
  label?: string;
}

/** Deepest subgraph nesting lift follows (If inside Loop inside …). */
export const MAX_GRAPH_DEPTH = 128;

/** AttributeProto.AttributeType codes, by IR kind. */
export const attrTypeCode: Readonly<Record<AttrKind, number>> = {
  undefined: 0, float: 1, int: 2, string: 3, tensor: 4, graph: 5, floats: 6, ints: 7, strings: 8,
  tensors: 9, graphs: 10, sparse_tensor: 11, sparse_tensors: 12, type: 13, types: 14,
};
const kindByCode = new Map<number, AttrKind>(Object.entries(attrTypeCode).map(([k, v]) => [v, k as AttrKind]));

type MValue = Mutable<Value>;

interface Scope {
  readonly names: Map<string, ValueId>;
  readonly parent?: Scope;
}

const noInputs: readonly (ValueId | null)[] = [];
const noAttrs: readonly Attr[] = [];
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Lossy = new TextDecoder('utf-8', { ignoreBOM: true });

function encodeLenField(field: number, payload: Uint8Array): Uint8Array {
  const head: number[] = [(field << 3) | 2];
  for (let n = payload.length; ; n = Math.floor(n / 128)) {
    if (n < 128) {
      head.push(n);
      break;
    }
    head.push((n % 128) | 128);
  }
  const out = new Uint8Array(head.length + payload.length);
  out.set(head);
  out.set(payload, head.length);
  return out;
}

function hasInfo(v: ValueInfo): boolean {
  return v.type !== undefined || v.doc !== undefined || v.meta !== undefined || v.extra !== undefined;
}

class Lifter {
  private nextValue = 0;
  private nextNode = 0;
  constructor(private readonly external: ExternalResolver | undefined) {}

  model(p: ModelProto): Model {
    // ONNX requires ir_version and a graph (onnx.checker and onnxruntime refuse a file without
    // them). Protobuf decodes an empty or all-unknown-fields file as an empty ModelProto; these
    // checks turn it into a clear "not an ONNX model".
    if (p.irVersion === undefined) throw new LatheError('not an ONNX model (no ir_version)');
    if (p.graph === undefined) throw new LatheError('not an ONNX model (no graph)');
    const graph = this.graph(p.graph, undefined, 0, 'graph');
    return defined({
      irVersion: p.irVersion === undefined ? 0 : toCount(p.irVersion, 'ir_version'),
      opsets: this.opsets(p.opsetImport, 'opset_import'),
      producerName: p.producerName,
      producerVersion: p.producerVersion,
      domain: p.domain,
      modelVersion: p.modelVersion,
      doc: p.docString,
      graph,
      functions: p.functions.map((f) => this.func(f)),
      meta: liftEntries(p.metadataProps) ?? [],
      trainingInfo: p.trainingInfo.length ? p.trainingInfo.slice() : undefined,
      configuration: p.configuration.length ? p.configuration.slice() : undefined,
      extra: liftExtra(p.$unknown),
    });
  }

  private opsets(list: readonly OperatorSetIdProto[], what: string): OpsetId[] {
    return list.map((o) => ({
      domain: normalizeDomain(o.domain),
      version: o.version === undefined ? 0 : toCount(o.version, `${what} version of domain '${o.domain ?? ''}'`),
    }));
  }

  private func(f: FunctionProto): OnnxFunction {
    const what = `function '${f.domain ?? ''}::${f.name ?? ''}'`;
    const body: GraphProto = {
      node: f.node, name: undefined, initializer: [], sparseInitializer: [], input: f.input.map(vi), output: f.output.map(vi),
      valueInfo: f.valueInfo, quantizationAnnotation: [], metadataProps: [], docString: undefined,
    };
    return defined({
      name: f.name ?? '',
      domain: normalizeDomain(f.domain),
      overload: f.overload,
      params: f.attribute.slice(),
      paramDefaults: f.attributeProto.map((a) => this.attr(a, { names: new Map() }, 0, what)),
      opsets: this.opsets(f.opsetImport, `${what} opset_import`),
      graph: this.graph(body, undefined, 0, what, true),
      doc: f.docString,
      meta: liftEntries(f.metadataProps),
      extra: liftExtra(f.$unknown),
    });
  }

  private newValue(values: Record<ValueId, MValue>, name: string, info?: ValueInfo): MValue {
    const id = `v${this.nextValue++}` as ValueId;
    const v: MValue = info ? { id, name, ...info } : { id, name };
    values[id] = v;
    return v;
  }

  /**
   * A name in this graph's scope chain, or a fresh dangling Value (no def: the verifier reports it)
   * defined in this graph. A method rather than a closure: it runs once per node input.
   */
  private resolve(scope: Scope, values: Record<ValueId, MValue>, name: string): ValueId {
    for (let s: Scope | undefined = scope; s; s = s.parent) {
      const id = s.names.get(name);
      if (id !== undefined) return id;
    }
    const v = this.newValue(values, name);
    scope.names.set(name, v.id);
    return v.id;
  }

  /** Node inputs as ids (null for ''), an exact-length array built without a closure. */
  private inputIds(names: readonly string[], scope: Scope, values: Record<ValueId, MValue>): (ValueId | null)[] {
    const n = names.length;
    if (n === 1) return [names[0] ? this.resolve(scope, values, names[0]) : null];
    if (n === 2) {
      const a = names[0] ? this.resolve(scope, values, names[0]) : null;
      return [a, names[1] ? this.resolve(scope, values, names[1]) : null];
    }
    const out = new Array<ValueId | null>(n); // exact length: `push` would reserve 16 slots
    for (let i = 0; i < n; i++) out[i] = names[i] ? this.resolve(scope, values, names[i]) : null;
    return out;
  }

  /** Defines the outputs of node `node` (one Value each, built whole: one shape for all of them). */
  private outputIds(names: readonly string[], node: NodeId, values: Record<ValueId, MValue>, local: Map<string, ValueId>): (ValueId | null)[] {
    const n = names.length;
    if (n === 1) return [this.output(names[0], node, 0, values, local)];
    const out = new Array<ValueId | null>(n);
    for (let i = 0; i < n; i++) out[i] = this.output(names[i], node, i, values, local);
    return out;
  }

  private output(name: string, node: NodeId, index: number, values: Record<ValueId, MValue>, local: Map<string, ValueId>): ValueId | null {
    if (!name) return null;
    const id = `v${this.nextValue++}` as ValueId;
    values[id] = { id, name, def: { node, index } };
    if (local.get(name) === undefined) local.set(name, id);
    return id;
  }

  /** Lifts one graph; `fn` marks a function body (inputs/outputs carry no ValueInfo of their own). */
  private graph(p: GraphProto, parent: Scope | undefined, depth: number, what: string, fn = false): Graph {
    if (depth > MAX_GRAPH_DEPTH) throw new LatheError(`${what}: subgraph nesting passes ${MAX_GRAPH_DEPTH}`);
    const values: Record<ValueId, MValue> = {};
    const local = new Map<string, ValueId>();
    const define = (v: MValue) => {
      if (v.name && !local.has(v.name)) local.set(v.name, v.id);
    };
    const inputs: ValueId[] = [];
    for (const i of p.input) {
      const v = this.newValue(values, i.name ?? '', fn ? undefined : liftValueInfo(i, `${what} input '${i.name ?? ''}'`));
      inputs.push(v.id);
      define(v);
    }
    const inputSet = new Set(inputs);
    const adopt = (name: string): MValue | undefined => {
      const id = name ? local.get(name) : undefined;
      const v = id !== undefined && inputSet.has(id) ? values[id] : undefined;
      return v && !v.tensor && !v.sparse ? v : undefined;
    };
    const initializers: ValueId[] = [];
    for (const t of p.initializer) {
      const name = t.name ?? '';
      const v = adopt(name) ?? this.newValue(values, name);
      v.tensor = liftTensor(t, `initializer '${name}'`, this.external, name);
      initializers.push(v.id);
      define(v);
    }
    const sparseInitializers: ValueId[] = [];
    for (const s of p.sparseInitializer) {
      const name = s.values?.name ?? '';
      const v = adopt(name) ?? this.newValue(values, name);
      v.sparse = liftSparse(s, `sparse initializer '${name}'`, this.external, name);
      sparseInitializers.push(v.id);
      define(v);
    }
    // Pass 1: every node output is a definition, wherever the node sits.
    const protoNodes = p.node;
    const count = protoNodes.length;
    const order: NodeId[] = [];
    const shells: Mutable<Node>[] = [];
    const nodes: Record<NodeId, Mutable<Node>> = {};
    for (let k = 0; k < count; k++) {
      const n = protoNodes[k];
      const id = `n${this.nextNode++}` as NodeId;
      order.push(id);
      const shell = this.nodeShell(n, id, this.outputIds(n.output, id, values, local));
      shells.push(shell);
      nodes[id] = shell;
    }
    const scope: Scope = { names: local, parent };
    // Pass 2: inputs, then graph outputs, then value_info, then subgraphs (which see a complete scope).
    for (let k = 0; k < count; k++) {
      const names = protoNodes[k].input;
      shells[k].inputs = names.length === 0 ? [] : this.inputIds(names, scope, values);
    }
    const outputs: ValueId[] = [];
    const outputInfo: (ValueInfo | null)[] = [];
    for (const o of p.output) {
      const id = this.resolve(scope, values, o.name ?? '');
      outputs.push(id);
      const info = fn ? {} : liftValueInfo(o, `${what} output '${o.name ?? ''}'`);
      outputInfo.push(this.applyOutputInfo(values[id], info));
    }
    for (const e of p.valueInfo) this.applyValueInfo(e, values, local, what);
    for (let k = 0; k < count; k++) {
      const n = protoNodes[k];
      const list = n.attribute;
      if (list.length === 0) continue;
      const attrs = new Array<Attr>(list.length);
      for (let j = 0; j < list.length; j++) attrs[j] = this.attr(list[j], scope, depth, what, n);
      shells[k].attrs = attrs;
    }
    return defined({
      name: p.name ?? '',
      doc: p.docString,
      inputs,
      outputs,
      initializers,
      sparseInitializers,
      order,
      nodes,
      values,
      outputInfo: outputInfo.some((x) => x !== null) ? outputInfo : undefined,
      quantization: p.quantizationAnnotation.length
        ? p.quantizationAnnotation.map((q) => ({ tensor: q.tensorName ?? '', params: liftEntries(q.quantParameterTensorNames) ?? [] }))
        : undefined,
      meta: liftEntries(p.metadataProps),
      extra: liftExtra(p.$unknown),
    });
  }

  /** Merges an output's ValueInfo into a local value lacking it; returns what must stay separate. */
  private applyOutputInfo(v: MValue | undefined, info: ValueInfo): ValueInfo | null {
    if (!hasInfo(info)) return null;
    if (!v) return info; // an outer-scope value: its own graph owns its info
    const keys = ['type', 'doc', 'meta', 'extra'] as const;
    if (keys.some((k) => info[k] !== undefined && v[k] !== undefined && !plainEqual(info[k], v[k]))) return info;
    for (const k of keys) if (info[k] !== undefined && v[k] === undefined) (v as Record<string, unknown>)[k] = info[k];
    return null;
  }

  private applyValueInfo(e: ValueInfoProto, values: Record<ValueId, MValue>, local: Map<string, ValueId>, what: string): void {
    const name = e.name ?? '';
    const info = liftValueInfo(e, `${what} value_info '${name}'`);
    const id = name ? local.get(name) : undefined;
    const target = id !== undefined ? values[id] : undefined;
    if (target && !hasInfo(target)) Object.assign(target, info);
    else this.newValue(values, name, info);
  }

  /**
   * Built field by field (no spreads, no copies): this runs once per node of million-node graphs.
   * A named node gets `name` in its literal (a property added later would cost an out-of-object
   * property array per node); rarer fields are added in a fixed order.
   */
  private nodeShell(n: NodeProto, id: NodeId, outputs: (ValueId | null)[]): Mutable<Node> {
    const op = n.opType ?? '';
    const domain = normalizeDomain(n.domain);
    let node: Mutable<Node>;
    if (n.overload === undefined && n.name !== undefined) {
      node = { id, op, domain, inputs: noInputs, outputs, attrs: noAttrs, name: n.name };
    } else {
      node = { id, op, domain, inputs: noInputs, outputs, attrs: noAttrs };
      if (n.overload !== undefined) node.overload = n.overload;
      if (n.name !== undefined) node.name = n.name;
    }
    if (n.docString !== undefined) node.doc = n.docString;
    if (n.metadataProps.length) node.meta = liftEntries(n.metadataProps);
    if (n.$unknown?.length || n.deviceConfigurations.length) {
      node.extra = [...(n.$unknown ?? []), ...n.deviceConfigurations.map((c) => encodeLenField(10, c))];
    }
    return node;
  }

  /**
   * One attribute. `what` names the function, or the graph of `node`; the error label is built only
   * when a label is needed (nested payloads, errors), not once per attribute of a large graph.
   */
  private attr(a: AttributeProto, scope: Scope, depth: number, what: string, node?: NodeProto): Attr {
    const name = a.name ?? '';
    const kind: AttrKind | undefined = a.type ? kindByCode.get(a.type) : inferKind(a);
    // The common case, built as one literal: no doc, no unknown fields, a scalar or list kind.
    if (a.docString === undefined && !a.$unknown?.length && a.refAttrName === undefined) {
      switch (kind) {
        case 'float': return { name, kind, value: a.f ?? 0 };
        case 'int': return { name, kind, value: a.i ?? 0n };
        case 'floats': return { name, kind, value: a.floats.slice() };
        case 'ints': return { name, kind, value: a.ints.slice() };
        case 'string': {
          const s = liftString(a.s ?? new Uint8Array());
          return s.bytes ? { name, kind, value: s.value, bytes: s.bytes } : { name, kind, value: s.value };
        }
      }
    }
    const label = `${node ? `${what} node '${node.name ?? ''}' (${node.opType ?? ''})` : what} attribute '${name}'`;
    const common = defined({ name, doc: a.docString, extra: liftExtra(a.$unknown) });
    if (kind === undefined) throw new LatheError(`${label}: attribute type ${a.type} is unknown`);
    if (a.refAttrName !== undefined) return { ...common, kind: 'ref', ref: a.refAttrName, type: kind };
    const graph = (g: GraphProto) => this.graph(g, scope, depth + 1, `${label} graph '${g.name ?? ''}'`);
    const tensor = liftTensorFor(this.external, label);
    switch (kind) {
      case 'float': return { ...common, kind, value: a.f ?? 0 };
      case 'int': return { ...common, kind, value: a.i ?? 0n };
      case 'string': {
        const s = liftString(a.s ?? new Uint8Array());
        return s.bytes ? { ...common, kind, value: s.value, bytes: s.bytes } : { ...common, kind, value: s.value };
      }
      case 'tensor': return { ...common, kind, value: tensor(a.t) };
      case 'graph': return { ...common, kind, value: graph(a.g ?? emptyGraph()) };
      case 'sparse_tensor': return { ...common, kind, value: liftSparse(a.sparseTensor ?? emptySparse(), label, this.external) };
      case 'type': return { ...common, kind, value: a.tp ? liftType(a.tp, label) : { kind: 'none' } };
      case 'floats': return { ...common, kind, value: a.floats.slice() };
      case 'ints': return { ...common, kind, value: a.ints.slice() };
      case 'strings': {
        const list = a.strings.map(liftString);
        const value = list.map((s) => s.value);
        return list.some((s) => s.bytes) ? { ...common, kind, value, bytes: a.strings.slice() } : { ...common, kind, value };
      }
      case 'tensors': return { ...common, kind, value: a.tensors.map((t) => tensor(t)) };
      case 'graphs': return { ...common, kind, value: a.graphs.map(graph) };
      case 'sparse_tensors': return { ...common, kind, value: a.sparseTensors.map((s) => liftSparse(s, label, this.external)) };
      case 'types': return { ...common, kind, value: a.typeProtos.map((t) => liftType(t, label)) };
      default: return { ...common, kind: 'undefined' };
    }
  }
}

function liftTensorFor(external: ExternalResolver | undefined, label: string) {
  return (t: Parameters<typeof liftTensor>[0] | undefined) =>
    t ? liftTensor(t, label, external) : { dtype: 0, dims: [], data: { kind: 'none' as const } };
}

function liftString(b: Uint8Array): { value: string; bytes?: Uint8Array } {
  try {
    return { value: utf8.decode(b) };
  } catch {
    return { value: utf8Lossy.decode(b), bytes: b };
  }
}

/** Old files leave AttributeProto.type unset: the kind is whichever value field is present. */
function inferKind(a: AttributeProto): AttrKind {
  if (a.f !== undefined) return 'float';
  if (a.i !== undefined) return 'int';
  if (a.s !== undefined) return 'string';
  if (a.t !== undefined) return 'tensor';
  if (a.g !== undefined) return 'graph';
  if (a.sparseTensor !== undefined) return 'sparse_tensor';
  if (a.tp !== undefined) return 'type';
  if (a.floats.length) return 'floats';
  if (a.ints.length) return 'ints';
  if (a.strings.length) return 'strings';
  if (a.tensors.length) return 'tensors';
  if (a.graphs.length) return 'graphs';
  if (a.sparseTensors.length) return 'sparse_tensors';
  if (a.typeProtos.length) return 'types';
  return 'undefined';
}

const vi = (name: string): ValueInfoProto => ({ name, metadataProps: [] });

function emptyGraph(): GraphProto {
  return { node: [], initializer: [], sparseInitializer: [], input: [], output: [], valueInfo: [], quantizationAnnotation: [], metadataProps: [] };
}

function emptySparse() {
  return { dims: [] };
}

/**
 * Lifts a ModelProto into the IR. Throws LatheError (with `file` = `options.label`) for input
 * lathe refuses: out-of-range counts and versions, bad payload lengths, unsafe external data.
 */
export function liftModel(proto: ModelProto, options: LiftOptions = {}): Model {
  try {
    return new Lifter(options.external).model(proto);
  } catch (e) {
    if (e instanceof LatheError && options.label !== undefined && e.file === undefined) {
      throw new LatheError(e.message, options.label);
    }
    throw e;
  }
}
