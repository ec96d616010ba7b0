/**
 * Structural equality of models, for round-trip tests: `modelsEqual(a, b)` is null when equal,
 * else a path-like description of the first difference.
 *
 * What "equal" means here:
 * - ids do not matter: values correspond by position (graph inputs, initializers, sparse
 *   initializers, node outputs, then values with no definition in table order) and every
 *   reference must point to corresponding values;
 * - an absent or empty value name matches any name (printing and emitting name unnamed values);
 * - payloads compare by bytes: raw_data and blob data with equal bytes are equal, a typed field
 *   held as an array or as a blob is equal when its bytes are; float attributes compare as
 *   float32 bit patterns (NaN payloads included);
 * - an initializer's tensor name equal to its value's name is the same as no tensor name;
 *   `outputInfo` absent is the same as all null.
 * Everything else (docs, metadata, `extra` bytes, `undefined` vs `[]`) must match exactly.
 */
import type { Attr, Entry, Graph, Model, Node, NodeId, SparseTensor, Tensor, TensorData, Type, Value, ValueId, ValueInfo } from '../types.js';
import { MAX_GRAPH_DEPTH } from './print.js';
import { f32Bits } from './syntax.js';

class Diff {
  constructor(readonly message: string) {}
}

function differ(path: string, what: string): never {
  throw new Diff(`${path}: ${what}`);
}

function show(x: unknown): string {
  if (typeof x === 'bigint') return `${x}n`;
  if (typeof x === 'string') return JSON.stringify(x.length > 60 ? x.slice(0, 60) + '…' : x);
  return String(x);
}

function same(path: string, a: unknown, b: unknown): void {
  if (a !== b && !(typeof a === 'number' && typeof b === 'number' && Number.isNaN(a) && Number.isNaN(b))) differ(path, `${show(a)} vs ${show(b)}`);
}

function present(path: string, a: unknown, b: unknown): boolean {
  if ((a === undefined) !== (b === undefined)) differ(path, a === undefined ? 'absent vs present' : 'present vs absent');
  return a !== undefined;
}

function bytes(path: string, a: Uint8Array, b: Uint8Array): void {
  if (a.length !== b.length) differ(path, `${a.length} bytes vs ${b.length} bytes`);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) differ(path, `byte ${i} differs (${a[i]} vs ${b[i]})`);
}

function list<T>(path: string, a: readonly T[] | undefined, b: readonly T[] | undefined, each: (p: string, x: T, y: T) => void): void {
  if (!present(path, a, b)) return;
  same(`${path}.length`, a!.length, b!.length);
  for (let i = 0; i < a!.length; i++) each(`${path}[${i}]`, a![i], b![i]);
}

function entries(path: string, a: readonly Entry[] | undefined, b: readonly Entry[] | undefined): void {
  list(path, a, b, (p, x, y) => {
    same(`${p}.key`, x.key, y.key);
    same(`${p}.value`, x.value, y.value);
  });
}

function bytesList(path: string, a: readonly Uint8Array[] | undefined, b: readonly Uint8Array[] | undefined): void {
  list(path, a, b, bytes);
}

function type(path: string, a: Type | undefined, b: Type | undefined, depth = 0): void {
  if (!present(path, a, b)) return;
  if (depth > MAX_GRAPH_DEPTH) differ(path, 'type nesting too deep to compare');
  const x = a!;
  const y = b!;
  same(`${path}.kind`, x.kind, y.kind);
  same(`${path}.denotation`, x.denotation, y.denotation);
  bytesList(`${path}.extra`, x.extra, y.extra);
  switch (x.kind) {
    case 'tensor':
    case 'sparse': {
      const yy = y as typeof x;
      same(`${path}.dtype`, x.dtype, yy.dtype);
      list(`${path}.shape`, x.shape, yy.shape, same);
      list(`${path}.dimDenotations`, x.dimDenotations, yy.dimDenotations, same);
      break;
    }
    case 'sequence':
    case 'optional':
      type(`${path}.elem`, x.elem, (y as typeof x).elem, depth + 1);
      break;
    case 'map':
      same(`${path}.key`, x.key, (y as typeof x).key);
      type(`${path}.value`, x.value, (y as typeof x).value, depth + 1);
      break;
    case 'opaque':
      same(`${path}.domain`, x.domain, (y as typeof x).domain);
      same(`${path}.name`, x.name, (y as typeof x).name);
      break;
  }
}

type Norm = { k: string; bytes?: Uint8Array; list?: readonly Uint8Array[] };

function norm(d: TensorData): Norm {
  switch (d.kind) {
    case 'raw':
      return { k: 'raw', bytes: d.bytes };
    case 'blob':
      return { k: 'raw', bytes: d.blob.bytes() };
    case 'field': {
      const v = d.values;
      return { k: d.field, bytes: 'bytes' in v ? v.bytes() : new Uint8Array(v.buffer, v.byteOffset, v.byteLength) };
    }
    case 'strings':
      return { k: 'strings', list: d.values };
    default:
      return { k: 'none' };
  }
}

function tensor(path: string, a: Tensor, b: Tensor, valueName?: string): void {
  same(`${path}.dtype`, a.dtype, b.dtype);
  list(`${path}.dims`, a.dims, b.dims, same);
  const own = (t: Tensor) => (valueName !== undefined && t.name === valueName ? undefined : t.name);
  same(`${path}.name`, own(a), own(b));
  same(`${path}.doc`, a.doc, b.doc);
  if (present(`${path}.segment`, a.segment, b.segment)) {
    same(`${path}.segment.begin`, a.segment!.begin, b.segment!.begin);
    same(`${path}.segment.end`, a.segment!.end, b.segment!.end);
  }
  entries(`${path}.meta`, a.meta, b.meta);
  // externalOrigin is provenance (where the bytes were read from), not content: a model saved
  // with external data and loaded again computes the same thing, so it is not compared.
  bytesList(`${path}.extra`, a.extra, b.extra);
  const x = norm(a.data);
  const y = norm(b.data);
  same(`${path}.data.kind`, x.k, y.k);
  if (x.bytes) bytes(`${path}.data`, x.bytes, y.bytes!);
  if (x.list) bytesList(`${path}.data`, x.list, y.list);
}

function sparse(path: string, a: SparseTensor, b: SparseTensor, valueName?: string): void {
  tensor(`${path}.values`, a.values, b.values, valueName);
  tensor(`${path}.indices`, a.indices, b.indices);
  list(`${path}.dims`, a.dims, b.dims, same);
  bytesList(`${path}.extra`, a.extra, b.extra);
}

function info(path: string, a: ValueInfo, b: ValueInfo): void {
  type(`${path}.type`, a.type, b.type);
  same(`${path}.doc`, a.doc, b.doc);
  entries(`${path}.meta`, a.meta, b.meta);
  bytesList(`${path}.extra`, a.extra, b.extra);
}

function nameOk(a: string | undefined, b: string | undefined): boolean {
  return !a || !b || a === b;
}

class Comparer {
  private readonly ab = new Map<ValueId, ValueId>();
  private readonly ba = new Map<ValueId, ValueId>();
  private readonly nodes = new Map<NodeId, NodeId>();

  private bind(path: string, x: ValueId, y: ValueId): void {
    const had = this.ab.get(x);
    if (had !== undefined) {
      if (had !== y) differ(path, 'is a different value than at its first occurrence');
      return;
    }
    if (this.ba.has(y)) differ(path, 'is a value already matched to another one');
    this.ab.set(x, y);
    this.ba.set(y, x);
  }

  private ref(path: string, x: ValueId | null, y: ValueId | null): void {
    if ((x === null) !== (y === null)) differ(path, x === null ? 'omitted vs present' : 'present vs omitted');
    if (x === null) return;
    const m = this.ab.get(x);
    if (m === undefined) differ(path, `refers to ${x}, which no enclosing graph defines`);
    if (m !== y) differ(path, 'refers to a different value');
  }

  graph(path: string, a: Graph, b: Graph, depth: number): void {
    if (depth > MAX_GRAPH_DEPTH) differ(path, 'graph nesting too deep to compare');
    same(`${path}.name`, a.name, b.name);
    same(`${path}.doc`, a.doc, b.doc);
    entries(`${path}.meta`, a.meta, b.meta);
    bytesList(`${path}.extra`, a.extra, b.extra);
    list(`${path}.quantization`, a.quantization, b.quantization, (p, x, y) => {
      same(`${p}.tensor`, x.tensor, y.tensor);
      entries(`${p}.params`, x.params, y.params);
    });
    list(`${path}.inputs`, a.inputs, b.inputs, (p, x, y) => this.bind(p, x, y));
    list(`${path}.initializers`, a.initializers, b.initializers, (p, x, y) => this.bind(p, x, y));
    list(`${path}.sparseInitializers`, a.sparseInitializers, b.sparseInitializers, (p, x, y) => this.bind(p, x, y));
    same(`${path}.order.length`, a.order.length, b.order.length);
    const na: Node[] = [];
    const nb: Node[] = [];
    for (let i = 0; i < a.order.length; i++) {
      const p = `${path}.nodes[${i}]`;
      const x = a.nodes[a.order[i]];
      const y = b.nodes[b.order[i]];
      if (!x || !y) differ(p, `order lists a node missing from nodes (${x ? 'second' : 'first'} model)`);
      this.nodes.set(x.id, y.id);
      same(`${p}.outputs.length`, x.outputs.length, y.outputs.length);
      x.outputs.forEach((o, j) => {
        const q = y.outputs[j];
        if ((o === null) !== (q === null)) differ(`${p}.outputs[${j}]`, o === null ? 'omitted vs present' : 'present vs omitted');
        if (o !== null) this.bind(`${p}.outputs[${j}]`, o, q!);
      });
      na.push(x);
      nb.push(y);
    }
    const defined = (g: Graph) => new Set([...g.inputs, ...g.initializers, ...g.sparseInitializers]);
    const da = defined(a);
    const db = defined(b);
    const extrasA = Object.values(a.values).filter((v) => !v.def && !da.has(v.id));
    const extrasB = Object.values(b.values).filter((v) => !v.def && !db.has(v.id));
    list(`${path}.values(without definition)`, extrasA, extrasB, (p, x, y) => this.bind(`${p}(${show(x.name)})`, x.id, y.id));
    const va = Object.values(a.values);
    same(`${path}.values.length`, va.length, Object.keys(b.values).length);
    for (const v of va) {
      const p = `${path}.values[${show(v.name)}]`;
      const m = this.ab.get(v.id);
      if (m === undefined || !Object.prototype.hasOwnProperty.call(b.values, m)) differ(p, 'has no counterpart in the second graph');
      this.value(p, v, b.values[m]);
    }
    for (let i = 0; i < na.length; i++) this.node(`${path}.nodes[${i}](${na[i].op})`, na[i], nb[i], depth);
    list(`${path}.outputs`, a.outputs, b.outputs, (p, x, y) => this.ref(p, x, y));
    const oi = (g: Graph) => g.outputs.map((_, i) => g.outputInfo?.[i] ?? null);
    same(`${path}.outputInfo.length`, a.outputInfo?.length ?? a.outputs.length, b.outputInfo?.length ?? b.outputs.length);
    list(`${path}.outputInfo`, oi(a), oi(b), (p, x, y) => {
      if ((x === null) !== (y === null)) differ(p, x === null ? 'null vs set' : 'set vs null');
      if (x && y) info(p, x, y);
    });
  }

  private value(path: string, a: Value, b: Value): void {
    if (!nameOk(a.name, b.name)) differ(`${path}.name`, `${show(a.name)} vs ${show(b.name)}`);
    info(path, a, b);
    if (present(`${path}.def`, a.def, b.def)) {
      same(`${path}.def.node`, this.nodes.get(a.def!.node) ?? `unknown ${a.def!.node}`, b.def!.node);
      same(`${path}.def.index`, a.def!.index, b.def!.index);
    }
    const name = a.name || b.name;
    if (present(`${path}.tensor`, a.tensor, b.tensor)) tensor(`${path}.tensor`, a.tensor!, b.tensor!, name);
    if (present(`${path}.sparse`, a.sparse, b.sparse)) sparse(`${path}.sparse`, a.sparse!, b.sparse!, name);
  }

  private node(path: string, a: Node, b: Node, depth: number): void {
    same(`${path}.op`, a.op, b.op);
    same(`${path}.domain`, a.domain, b.domain);
    same(`${path}.overload`, a.overload, b.overload);
    same(`${path}.name`, a.name, b.name);
    same(`${path}.doc`, a.doc, b.doc);
    entries(`${path}.meta`, a.meta, b.meta);
    bytesList(`${path}.extra`, a.extra, b.extra);
    list(`${path}.inputs`, a.inputs, b.inputs, (p, x, y) => this.ref(p, x, y));
    list(`${path}.attrs`, a.attrs, b.attrs, (p, x, y) => this.attr(`${p}(${x.name})`, x, y, depth));
  }

  attr(path: string, a: Attr, b: Attr, depth: number): void {
    same(`${path}.name`, a.name, b.name);
    same(`${path}.kind`, a.kind, b.kind);
    same(`${path}.doc`, a.doc, b.doc);
    bytesList(`${path}.extra`, a.extra, b.extra);
    const p = `${path}.value`;
    const f = (q: string, x: number, y: number) => same(q, f32Bits(x), f32Bits(y));
    const g = (q: string, x: Graph, y: Graph) => this.graph(q, x, y, depth + 1);
    switch (a.kind) {
      case 'int':
      case 'float':
        if (a.kind === 'float') f(p, a.value, (b as typeof a).value);
        else same(p, a.value, (b as typeof a).value);
        break;
      case 'string': {
        const y = b as typeof a;
        if (present(`${path}.bytes`, a.bytes, y.bytes)) bytes(`${path}.bytes`, a.bytes!, y.bytes!);
        else same(p, a.value, y.value);
        break;
      }
      case 'strings': {
        const y = b as typeof a;
        if (present(`${path}.bytes`, a.bytes, y.bytes)) bytesList(`${path}.bytes`, a.bytes, y.bytes);
        else list(p, a.value, y.value, same);
        break;
      }
      case 'ints':
        list(p, a.value, (b as typeof a).value, same);
        break;
      case 'floats':
        list(p, a.value, (b as typeof a).value, f);
        break;
      case 'tensor':
        tensor(p, a.value, (b as typeof a).value);
        break;
      case 'tensors':
        list(p, a.value, (b as typeof a).value, (q, x, y) => tensor(q, x, y));
        break;
      case 'sparse_tensor':
        sparse(p, a.value, (b as typeof a).value);
        break;
      case 'sparse_tensors':
        list(p, a.value, (b as typeof a).value, (q, x, y) => sparse(q, x, y));
        break;
      case 'type':
        type(p, a.value, (b as typeof a).value);
        break;
      case 'types':
        list(p, a.value, (b as typeof a).value, (q, x, y) => type(q, x, y));
        break;
      case 'graph':
        g(p, a.value, (b as typeof a).value);
        break;
      case 'graphs':
        list(p, a.value, (b as typeof a).value, g);
        break;
      case 'ref':
        same(`${path}.ref`, a.ref, (b as typeof a).ref);
        same(`${path}.type`, a.type, (b as typeof a).type);
        break;
    }
  }
}

function run(f: () => void): string | null {
  try {
    f();
    return null;
  } catch (e) {
    if (e instanceof Diff) return e.message;
    throw e;
  }
}

/** Null when `a` and `b` are the same model (see the module comment), else the first difference. */
export function modelsEqual(a: Model, b: Model): string | null {
  return run(() => {
    same('irVersion', a.irVersion, b.irVersion);
    list('opsets', a.opsets, b.opsets, (p, x, y) => {
      same(`${p}.domain`, x.domain, y.domain);
      same(`${p}.version`, x.version, y.version);
    });
    same('producerName', a.producerName, b.producerName);
    same('producerVersion', a.producerVersion, b.producerVersion);
    same('domain', a.domain, b.domain);
    same('modelVersion', a.modelVersion, b.modelVersion);
    same('doc', a.doc, b.doc);
    entries('meta', a.meta, b.meta);
    bytesList('trainingInfo', a.trainingInfo, b.trainingInfo);
    bytesList('configuration', a.configuration, b.configuration);
    bytesList('extra', a.extra, b.extra);
    new Comparer().graph('graph', a.graph, b.graph, 0);
    list('functions', a.functions, b.functions, (p, x, y) => {
      const q = `${p}(${x.name})`;
      same(`${q}.name`, x.name, y.name);
      same(`${q}.domain`, x.domain, y.domain);
      same(`${q}.overload`, x.overload, y.overload);
      list(`${q}.params`, x.params, y.params, same);
      const c = new Comparer();
      list(`${q}.paramDefaults`, x.paramDefaults, y.paramDefaults, (r, s, t) => c.attr(r, s, t, 0));
      list(`${q}.opsets`, x.opsets, y.opsets, (r, s, t) => {
        same(`${r}.domain`, s.domain, t.domain);
        same(`${r}.version`, s.version, t.version);
      });
      same(`${q}.doc`, x.doc, y.doc);
      entries(`${q}.meta`, x.meta, y.meta);
      bytesList(`${q}.extra`, x.extra, y.extra);
      c.graph(`${q}.graph`, x.graph, y.graph, 0);
    });
  });
}

/** `modelsEqual` for two graphs on their own (references to enclosing graphs cannot match). */
export function graphsEqual(a: Graph, b: Graph): string | null {
  return run(() => new Comparer().graph('graph', a, b, 0));
}
