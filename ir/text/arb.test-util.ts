/**
 * Random small models for the text round-trip property: every IR field the printer must carry
 * (unnamed values, odd names, all attribute kinds, every dtype and data storage form, subgraphs
 * reading outer values, functions with ref attributes, output infos, annotations, extras).
 *
 * A model is built from one integer seed by a deterministic PRNG, so a failing case is reported by
 * its seed. Names are unique within a model (the text resolves by name); some values are unnamed.
 */
import fc from 'fast-check';
import { Blob, memorySource } from '../blob.js';
import { allDTypes, DataType, rawByteLength } from '../dtype.js';
import type { Attr, AttrKind, Entry, Graph, Model, Node, NodeId, OnnxFunction, SparseTensor, Tensor, TensorData, Type, TypedField, Value, ValueId, ValueInfo } from '../types.js';
import type { Mutable } from '../object.js';


class Rand {
  constructor(private s: number) {
    this.s = (s ^ 0x9e3779b9) >>> 0 || 1;
  }
  u32(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (this.s = x >>> 0);
  }
  int(n: number): number {
    return this.u32() % n;
  }
  chance(p: number): boolean {
    return this.u32() / 2 ** 32 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.int(256);
    return b;
  }
  /** float32 values including -0, inf, NaN (canonical and odd payloads), subnormals. */
  f32(): number {
    const special = [0, -0, 1, -1.5, Infinity, -Infinity, NaN, 1e-45, 3.4028234663852886e38, 0.1];
    if (this.chance(0.3)) return Math.fround(this.pick(special));
    const f = new Float32Array(new Uint32Array([this.u32()]).buffer);
    return f[0];
  }
  i64(): bigint {
    return BigInt.asIntN(64, (BigInt(this.u32()) << 32n) | BigInt(this.u32()));
  }
}

const NAMES = ['x', 'y', 'W', 'B_1', 'a b', 'x/y', 'a.b', 'a::b', '1abc', 'float', 'seq', 'nan', 'Inf', 'stripped', 'sparse', 'q"uote', 'back\\slash', 'é名', '__proto__', 'constructor', 'hasOwnProperty', 'dtype7', 'line\nbreak', '_v0', '_v1', 'int32_data', 'null', 'override'];

class Gen {
  private nv = 0;
  private nn = 0;
  private used = new Set<string>();
  constructor(readonly r: Rand) {}

  name(): string | undefined {
    const r = this.r;
    if (r.chance(0.15)) return undefined;
    for (let i = 0; i < 5; i++) {
      const n = r.chance(0.5) ? r.pick(NAMES) : `t${r.int(1000)}`;
      if (!this.used.has(n)) {
        this.used.add(n);
        return n;
      }
    }
    const n = `u${this.used.size}`;
    this.used.add(n);
    return n;
  }

  str(): string {
    return this.r.pick(['', 'abc', 'with "quotes"', 'multi\nline', 'ünï', '\\', '__proto__', '#not a comment', '@{x}']);
  }

  entries(): Entry[] | undefined {
    if (!this.r.chance(0.2)) return undefined;
    return Array.from({ length: this.r.int(3) }, () => ({ key: this.str(), value: this.str() }));
  }

  extra(): Uint8Array[] | undefined {
    return this.r.chance(0.1) ? Array.from({ length: 1 + this.r.int(2) }, () => this.r.bytes(this.r.int(4))) : undefined;
  }

  type(depth = 0): Type {
    const r = this.r;
    let t: Mutable<Type>;
    const k = depth > 2 ? 0 : r.int(9);
    if (k <= 2 || k === 8) {
      const kind = k === 8 ? 'sparse' : 'tensor';
      const dtype = r.chance(0.05) ? 99 : r.pick(allDTypes).code;
      t = { kind, dtype } as Mutable<Type>;
      if (r.chance(0.85)) {
        const shape = Array.from({ length: r.int(4) }, () => r.pick<number | string | null>([0, 3, 64, 'N', 'batch size', null, 'float']));
        (t as { shape?: unknown }).shape = shape;
        if (shape.length && r.chance(0.1)) (t as { dimDenotations?: unknown }).dimDenotations = shape.map(() => (r.chance(0.5) ? 'DATA_BATCH' : undefined));
      }
    } else if (k === 3) t = r.chance(0.8) ? { kind: 'sequence', elem: this.type(depth + 1) } : { kind: 'sequence' };
    else if (k === 4) t = r.chance(0.8) ? { kind: 'optional', elem: this.type(depth + 1) } : { kind: 'optional' };
    else if (k === 5) t = r.chance(0.8) ? { kind: 'map', key: DataType.INT64, value: this.type(depth + 1) } : { kind: 'map', key: DataType.STRING };
    else if (k === 6) t = { kind: 'opaque', domain: r.pick(['', 'ai.onnx.ml', 'a-b']), name: r.pick(['', 'RNG', 'x.y', 'odd name']) };
    else t = { kind: 'none' };
    if (r.chance(0.1)) t.denotation = 'IMAGE';
    const x = this.extra();
    if (x) t.extra = x;
    return t;
  }

  tensor(named: boolean): Tensor {
    const r = this.r;
    const info = r.chance(0.05) ? undefined : r.pick(allDTypes);
    const dtype = info?.code ?? 77;
    const dims = Array.from({ length: r.int(3) }, () => r.int(4));
    const count = dims.reduce((a, b) => a * b, 1);
    let data: TensorData;
    const form = r.int(10);
    if (dtype === DataType.STRING && form < 7) data = { kind: 'strings', values: Array.from({ length: count }, () => (r.chance(0.2) ? r.bytes(2) : new TextEncoder().encode(this.str()))) };
    else if (form < 4) data = { kind: 'raw', bytes: r.bytes(rawByteLength(dtype, count) ?? r.int(5)) };
    else if (form === 4) data = { kind: 'raw', bytes: r.bytes(r.int(7)) };
    else if (form === 5) {
      const bytes = r.bytes(rawByteLength(dtype, count) ?? 3);
      data = { kind: 'blob', blob: new Blob(memorySource(bytes), 0, bytes.length) };
    } else if (form <= 7) {
      const field = r.pick<TypedField>(['float_data', 'int32_data', 'int64_data', 'double_data', 'uint64_data']);
      const size = field === 'float_data' || field === 'int32_data' ? 4 : 8;
      const bytes = r.bytes(size * r.int(4));
      const buf = bytes.buffer;
      const values =
        r.chance(0.2) ? new Blob(memorySource(r.chance(0.5) ? bytes : r.bytes(5)), 0, bytes.length) :
        field === 'float_data' ? new Float32Array(buf) : field === 'int32_data' ? new Int32Array(buf) : field === 'int64_data' ? new BigInt64Array(buf) : field === 'double_data' ? new Float64Array(buf) : new BigUint64Array(buf);
      if (values instanceof Blob && values.length > values.source.size) data = { kind: 'none' };
      else data = { kind: 'field', field, values } as TensorData;
    } else data = { kind: 'none' };
    const t: Mutable<Tensor> = { dtype, dims, data };
    if (named && r.chance(0.5)) t.name = this.str();
    if (r.chance(0.1)) t.doc = this.str();
    if (r.chance(0.05)) t.segment = { begin: 0n, end: 4n };
    const meta = this.entries();
    if (meta) t.meta = meta;
    if (r.chance(0.05)) t.externalOrigin = r.chance(0.5) ? { location: 'w.bin', offset: 0, length: 16 } : { location: 'a b.bin', offset: 4096, length: 8, keys: [{ key: 'checksum', value: 'abc' }] };
    const x = this.extra();
    if (x) t.extra = x;
    return t;
  }

  sparse(): SparseTensor {
    const s: Mutable<SparseTensor> = { values: this.tensor(true), indices: this.tensor(true), dims: [this.r.int(5), 2] };
    const x = this.extra();
    if (x) s.extra = x;
    return s;
  }

  attr(scope: Scope, inFunction: boolean, depth: number): Attr {
    const r = this.r;
    const name = r.chance(0.8) ? r.pick(['axis', 'alpha', 'value', 'body', 'then_branch', 'nan', 'a b', '__proto__']) : this.str();
    const kinds: AttrKind[] = ['int', 'float', 'string', 'tensor', 'type', 'ints', 'floats', 'strings', 'tensors', 'types', 'sparse_tensor', 'sparse_tensors', 'undefined'];
    if (depth < 2) kinds.push('graph', 'graphs');
    const kind = inFunction && r.chance(0.2) ? 'ref' : r.pick(kinds);
    const n = r.int(3);
    let a: Mutable<Attr>;
    switch (kind) {
      case 'ref':
        a = { name, kind: 'ref', ref: r.pick(['p', 'odd param', 'q']), type: r.pick<AttrKind>(['int', 'floats', 'undefined', 'graph']) };
        break;
      case 'int':
        a = { name, kind, value: r.i64() };
        break;
      case 'float':
        a = { name, kind, value: r.f32() };
        break;
      case 'string':
        a = r.chance(0.2) ? { name, kind, value: '\ufffd', bytes: new Uint8Array([0xff, 0x41]) } : { name, kind, value: this.str() };
        break;
      case 'tensor':
        a = { name, kind, value: this.tensor(true) };
        break;
      case 'type':
        a = { name, kind, value: this.type() };
        break;
      case 'ints':
        a = { name, kind, value: Array.from({ length: n }, () => r.i64()) };
        break;
      case 'floats':
        a = { name, kind, value: Array.from({ length: n }, () => r.f32()) };
        break;
      case 'strings':
        a = r.chance(0.2) ? { name, kind, value: ['a', '\ufffd'], bytes: [new Uint8Array([0x61]), new Uint8Array([0x80])] } : { name, kind, value: Array.from({ length: n }, () => this.str()) };
        break;
      case 'tensors':
        a = { name, kind, value: Array.from({ length: n }, () => this.tensor(true)) };
        break;
      case 'types':
        a = { name, kind, value: Array.from({ length: n }, () => this.type()) };
        break;
      case 'sparse_tensor':
        a = { name, kind, value: this.sparse() };
        break;
      case 'sparse_tensors':
        a = { name, kind, value: Array.from({ length: n }, () => this.sparse()) };
        break;
      case 'graph':
        a = { name, kind, value: this.graph(scope, inFunction, depth + 1) };
        break;
      case 'graphs':
        a = { name, kind, value: Array.from({ length: n }, () => this.graph(scope, inFunction, depth + 1)) };
        break;
      default:
        a = { name, kind: 'undefined' };
    }
    if (r.chance(0.1)) a.doc = this.str();
    const x = this.extra();
    if (x) a.extra = x;
    return a as Attr;
  }

  info(): ValueInfo {
    const i: Mutable<ValueInfo> = {};
    if (this.r.chance(0.6)) i.type = this.type();
    if (this.r.chance(0.1)) i.doc = this.str();
    const m = this.entries();
    if (m) i.meta = m;
    const x = this.extra();
    if (x) i.extra = x;
    return i;
  }

  value(extraFields: Partial<Value> = {}): Mutable<Value> {
    const v: Mutable<Value> = { id: `v${this.nv++}` as ValueId, ...extraFields };
    const name = this.name();
    if (name !== undefined) v.name = name;
    if (!v.def || this.r.chance(0.5)) Object.assign(v, this.info());
    return v;
  }

  graph(outer: Scope, inFunction: boolean, depth: number): Graph {
    const r = this.r;
    const values: Record<ValueId, Value> = {};
    const add = (v: Value) => ((values[v.id] = v), v.id);
    const inputs: ValueId[] = [];
    const initializers: ValueId[] = [];
    const sparseInitializers: ValueId[] = [];
    for (let i = r.int(3); i > 0; i--) inputs.push(add(this.value()));
    for (let i = r.int(3); i > 0; i--) {
      const v = this.value();
      v.tensor = this.tensor(false);
      if (r.chance(0.3)) v.tensor = { ...v.tensor, name: 'differs' };
      if (r.chance(0.3)) inputs.push(v.id);
      initializers.push(add(v));
    }
    if (r.chance(0.1)) {
      const v = this.value();
      v.sparse = this.sparse();
      sparseInitializers.push(add(v));
    }
    const visible: ValueId[] = [...outer.visible, ...inputs, ...initializers, ...sparseInitializers];
    const nodes: Record<NodeId, Node> = {};
    const order: NodeId[] = [];
    for (let k = r.int(4); k > 0; k--) {
      const id = `n${this.nn++}` as NodeId;
      const node: Mutable<Node> = {
        id,
        op: r.pick(['Add', 'Relu', 'If', 'Foo', 'my-op', 'Inf', '']),
        domain: r.pick(['', '', 'com.microsoft', 'a-b', 'x..y']),
        inputs: Array.from({ length: r.int(4) }, () => (r.chance(0.15) || visible.length === 0 ? null : r.pick(visible))),
        outputs: [],
        attrs: [],
      };
      node.attrs = Array.from({ length: r.int(3) }, () => this.attr({ visible: [...visible] }, inFunction, depth));
      node.outputs = Array.from({ length: r.int(3) }, (_, index) => (r.chance(0.1) ? null : add(this.value({ def: { node: id, index } }))));
      if (r.chance(0.1)) node.overload = r.pick(['v2', 'odd-overload']);
      if (r.chance(0.3)) node.name = this.str();
      if (r.chance(0.1)) node.doc = this.str();
      const m = this.entries();
      if (m) node.meta = m;
      const x = this.extra();
      if (x) node.extra = x;
      for (const o of node.outputs) if (o) visible.push(o);
      nodes[id] = node;
      order.push(id);
    }
    // dangling references and orphan infos ("extras")
    if (r.chance(0.15)) {
      const v = this.value();
      add(v);
      const users = order.filter((n) => nodes[n].inputs.length > 0);
      if (users.length) (nodes[r.pick(users)].inputs as (ValueId | null)[])[0] = v.id;
    }
    // an orphan info named like a local value (unreferenced: the text keeps it with `orphan`)
    const locals = Object.values(values).filter((v) => v.name !== undefined);
    if (locals.length && r.chance(0.15)) {
      const v: Mutable<Value> = { id: `v${this.nv++}` as ValueId, name: r.pick(locals).name, type: this.type() };
      add(v);
    }
    const outputs = Array.from({ length: r.int(3) }, () => (visible.length ? r.pick(visible) : add(this.value())));
    const g: Mutable<Graph> = { name: r.chance(0.2) ? this.str() : depth === 0 ? 'main' : 'body', inputs, outputs, initializers, sparseInitializers, order, nodes, values };
    if (outputs.length && r.chance(0.2)) g.outputInfo = outputs.map(() => (r.chance(0.5) ? this.info() : null));
    if (r.chance(0.1)) g.doc = this.str();
    const m = this.entries();
    if (m) g.meta = m;
    if (r.chance(0.05)) g.quantization = [{ tensor: 'x', params: [{ key: 'SCALE_TENSOR', value: 's' }] }];
    const x = this.extra();
    if (x) g.extra = x;
    return g;
  }

  func(): OnnxFunction {
    const f: Mutable<OnnxFunction> = {
      name: this.r.pick(['fn', 'odd fn', 'Gelu']),
      domain: this.r.pick(['local', '', 'a-b']),
      params: this.r.chance(0.5) ? ['p', 'odd param'] : [],
      paramDefaults: this.r.chance(0.5) ? [{ name: 'q', kind: 'float', value: 0.5 }] : [],
      opsets: [{ domain: '', version: 17 }],
      graph: this.graph({ visible: [] }, true, 0),
    };
    if (this.r.chance(0.3)) f.overload = 'ov';
    if (this.r.chance(0.2)) f.doc = this.str();
    const m = this.entries();
    if (m) f.meta = m;
    return f;
  }

  model(): Model {
    const r = this.r;
    const m: Mutable<Model> = {
      irVersion: r.pick([3, 8, 10]),
      opsets: r.chance(0.9) ? [{ domain: '', version: 17 }, { domain: 'com.microsoft', version: 1 }] : [],
      graph: this.graph({ visible: [] }, false, 0),
      functions: r.chance(0.4) ? [this.func()] : [],
      meta: this.entries() ?? [],
    };
    if (r.chance(0.5)) m.producerName = this.str();
    if (r.chance(0.2)) m.producerVersion = this.str();
    if (r.chance(0.1)) m.domain = 'ai.lathe';
    if (r.chance(0.2)) m.modelVersion = r.i64();
    if (r.chance(0.2)) m.doc = this.str();
    if (r.chance(0.1)) m.trainingInfo = [r.bytes(3)];
    if (r.chance(0.1)) m.configuration = [r.bytes(2)];
    const x = this.extra();
    if (x) m.extra = x;
    return m;
  }
}

interface Scope {
  readonly visible: readonly ValueId[];
}

/** The model built from `seed` (deterministic). */
export function randomModel(seed: number): Model {
  return new Gen(new Rand(seed)).model();
}

/** Seeds → random small models; counterexamples report the seed. */
export const arbModelSeed = fc.integer({ min: 0, max: 2 ** 31 - 1 });
