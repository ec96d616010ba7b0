/**
 * ONNX textual syntax → Model. Reads what `onnx.parser` reads (docs/Syntax.md) plus lathe's
 * extensions (listed in print.ts), so `parseModel(printModel(m))` equals `m` (see equal.ts).
 *
 * Ids are fresh (`v0, v1, …`, `n0, n1, …`, unique across the model); names are the text's.
 * The parser is depth-bounded (MAX_PARSE_DEPTH) and reports errors as
 * `LatheError("line L col C: what is wrong")`.
 *
 * Scoping (resolved after the whole text is read, so order in the text does not matter):
 * (the same decisions as ir/onnx/lift.ts, so text and protobuf of one model mean the same):
 * - a name used by a node resolves to this graph's definitions (inputs, initializers, node
 *   outputs, in any order), then to enclosing graphs' definitions, nearest first; a name defined
 *   twice resolves to its first definition (SSA violations are the verifier's to report);
 * - otherwise to a value with no definition ("extra") declared by a `<…>` entry of this graph or
 *   an enclosing one (the first of that name); otherwise a new dangling value (no `def`) is added
 *   to this graph's `values` for the verifier to report;
 * - a `<…>` entry without data gives its info (type, doc, meta, extra) to the value this graph
 *   defines under that name when that value has no info yet; otherwise (unknown or outer name,
 *   value already described, or the `orphan` flag) it declares an extra, an "orphan";
 * - an output entry's type/annotation becomes the value's own info when the value is this graph's
 *   and has no info yet, is dropped when equal to the value's info, and otherwise (or with the
 *   `override` flag) is kept in `Graph.outputInfo`.
 */
import type {
  Attr,
  AttrKind,

  Graph,
  Model,
  Node,
  NodeId,
  OnnxFunction,
  OpsetId,
  Type,
  Value,
  ValueId,
  ValueInfo,
} from '../types.js';
import type { Token } from './lexer.js';
import { TokenReader, type AVal } from './parse-leaf.js';
import { infoEqual } from './print.js';
import { attrKindOfWord, f32BitsOfText, f32FromBits, lossyText } from './syntax.js';
import type { Mutable } from '../object.js';
import { normalizeDomain } from '../domain.js';

/** An attribute without its name (distributes over the union). */
type Body = Attr extends infer A ? (A extends Attr ? Omit<A, 'name'> : never) : never;
type MValue = Mutable<Value>;
type MGraph = Mutable<Graph> & {
  inputs: ValueId[];
  outputs: ValueId[];
  initializers: ValueId[];
  sparseInitializers: ValueId[];
  order: NodeId[];
  nodes: Record<NodeId, Node>;
  values: Record<ValueId, MValue>;
};
type MNode = Mutable<Node> & { inputs: (ValueId | null)[]; outputs: (ValueId | null)[]; attrs: Attr[] };

interface Def {
  readonly id: ValueId;
  /** Position: -1 for inputs and initializers, the node's index for node outputs. */
  readonly seq: number;
}

interface Entry2 {
  readonly name: string;
  readonly tok: Token;
  readonly type?: Type;
  readonly m?: Map<string, AVal>;
}

interface GState {
  readonly g: MGraph;
  readonly defs: Map<string, Def[]>;
  readonly infos: Entry2[];
  readonly outs: Entry2[];
  readonly uses: { node: MNode; index: number; name: string; seq: number }[];
  readonly subs: { gs: GState; seq: number }[];
  readonly extras: Map<string, ValueId>;
}

interface Scope {
  readonly gs: GState;
  readonly seq: number;
}

const LIST_OF: Partial<Record<AttrKind, AttrKind>> = {
  floats: 'float',
  ints: 'int',
  strings: 'string',
  tensors: 'tensor',
  graphs: 'graph',
  sparse_tensors: 'sparse_tensor',
  types: 'type',
};

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const VALUE_KEYS = ['doc', 'meta', 'extra'];
const GRAPH_KEYS = ['doc', 'meta', 'quantization', 'extra'];

function infoOf(v: Value): ValueInfo {
  const o: Mutable<ValueInfo> = {};
  if (v.type !== undefined) o.type = v.type;
  if (v.doc !== undefined) o.doc = v.doc;
  if (v.meta !== undefined) o.meta = v.meta;
  if (v.extra !== undefined) o.extra = v.extra;
  return o;
}

function hasInfo(i: ValueInfo): boolean {
  return i.type !== undefined || i.doc !== undefined || i.meta !== undefined || i.extra !== undefined;
}

class Parser extends TokenReader {
  private nv = 0;
  private nn = 0;
  private readonly all = new Map<ValueId, MValue>();
  /** Graphs resolved without an enclosing scope (main graph, function bodies, graphs in function defaults). */
  private readonly roots: GState[] = [];

  private newValue(gs: GState, name: string): MValue {
    const v: MValue = { id: `v${this.nv++}` as ValueId, name };
    gs.g.values[v.id] = v;
    this.all.set(v.id, v);
    return v;
  }

  private addDef(gs: GState, name: string, id: ValueId, seq: number): void {
    const list = gs.defs.get(name);
    if (list) list.push({ id, seq });
    else gs.defs.set(name, [{ id, seq }]);
  }

  private state(name: string): GState {
    const g: MGraph = { name, inputs: [], outputs: [], initializers: [], sparseInitializers: [], order: [], nodes: {}, values: {} };
    return { g, defs: new Map(), infos: [], outs: [], uses: [], subs: [], extras: new Map() };
  }

  // -------------------------------------------------------------------------------------------
  // Model, functions, graphs

  model(): Model {
    const allowed = ['ir_version', 'opset_import', 'producer_name', 'producer_version', 'domain', 'model_version', 'doc_string', 'metadata_props', 'training_info', 'configuration', 'extra'];
    const head = this.accept('<') ? this.items('>', 'model header', allowed) : new Map<string, AVal>();
    const gs = this.rootGraph();
    const functions: OnnxFunction[] = [];
    while (this.tok.kind !== 'eof') functions.push(this.func());
    this.resolveAll();
    const m: Mutable<Model> = { irVersion: 0, opsets: [], graph: gs.g, functions, meta: [] };
    const get = (k: string) => head.get(k);
    if (get('ir_version')) m.irVersion = this.aNum(get('ir_version')!, 'ir_version');
    if (get('opset_import')) m.opsets = this.opsets(get('opset_import')!);
    if (get('producer_name')) m.producerName = this.aStr(get('producer_name')!, 'producer_name');
    if (get('producer_version')) m.producerVersion = this.aStr(get('producer_version')!, 'producer_version');
    if (get('domain')) m.domain = this.aStr(get('domain')!, 'domain');
    if (get('model_version')) m.modelVersion = this.aInt(get('model_version')!, 'model_version', INT64_MIN, INT64_MAX);
    if (get('doc_string')) m.doc = this.aStr(get('doc_string')!, 'doc_string');
    if (get('metadata_props')) m.meta = this.aEntries(get('metadata_props')!, 'metadata_props');
    if (get('training_info')) m.trainingInfo = this.aBytesList(get('training_info')!, 'training_info');
    if (get('configuration')) m.configuration = this.aBytesList(get('configuration')!, 'configuration');
    if (get('extra')) m.extra = this.aBytesList(get('extra')!, 'extra');
    return m;
  }

  graphOnly(): Graph {
    const gs = this.rootGraph();
    if (this.tok.kind !== 'eof') this.fail(this.tok, `expected end of input after the graph, found ${this.describe(this.tok)}`);
    this.resolveAll();
    return gs.g;
  }

  private rootGraph(): GState {
    const gs = this.state(this.name('a graph name'));
    this.graphAnnotation(gs, false);
    this.graphRest(gs);
    this.roots.push(gs);
    return gs;
  }

  private opsets(v: AVal): OpsetId[] {
    return this.aList(v, 'opset_import').map((e) => {
      if (e.k !== 'entry') this.fail(e.tok, 'opset_import holds "domain" : version entries');
      return { domain: normalizeDomain(e.key), version: this.aNum(e.value, 'opset version') };
    });
  }

  private func(): OnnxFunction {
    const allowed = ['domain', 'overload', 'opset_import', 'doc_string', 'metadata_props', 'extra'];
    const head = this.accept('<') ? this.items('>', 'function header', allowed) : new Map<string, AVal>();
    const name = this.name('a function name');
    const gs = this.state('');
    this.graphAnnotation(gs, true);
    const params: string[] = [];
    const paramDefaults: Attr[] = [];
    if (this.accept('<')) {
      do {
        if (this.is(':', 1) || this.is('=', 1) || this.is('@', 1)) paramDefaults.push(this.attr(undefined));
        else params.push(this.name('an attribute parameter'));
      } while (this.accept(','));
      this.expect('>', 'to close the attribute parameters');
    }
    this.graphRest(gs);
    this.roots.push(gs);
    const f: Mutable<OnnxFunction> = {
      name,
      domain: head.get('domain') ? this.aStr(head.get('domain')!, 'domain') : '',
      params,
      paramDefaults,
      opsets: head.get('opset_import') ? this.opsets(head.get('opset_import')!) : [],
      graph: gs.g,
    };
    if (head.get('overload')) f.overload = this.aStr(head.get('overload')!, 'overload');
    if (head.get('doc_string')) f.doc = this.aStr(head.get('doc_string')!, 'doc_string');
    if (head.get('metadata_props')) f.meta = this.aEntries(head.get('metadata_props')!, 'metadata_props');
    if (head.get('extra')) f.extra = this.aBytesList(head.get('extra')!, 'extra');
    return f;
  }

  private graphAnnotation(gs: GState, fn: boolean): void {
    const m = this.annotation('graph', fn ? ['name', ...GRAPH_KEYS] : GRAPH_KEYS);
    if (!m) return;
    if (m.get('name')) gs.g.name = this.aStr(m.get('name')!, 'name');
    this.docMetaExtra(gs.g, m);
    const q = m.get('quantization');
    if (q) {
      gs.g.quantization = this.aList(q, 'quantization').map((e) => {
        const pair = this.aList(e, 'a quantization annotation');
        if (pair.length !== 2) this.fail(e.tok, 'a quantization annotation is ["tensor", ["key": "value", …]]');
        return { tensor: this.aStr(pair[0], 'quantization tensor'), params: this.aEntries(pair[1], 'quantization params') };
      });
    }
  }

  /** `(inputs) => (outputs) <entries>? {nodes}`. */
  private graphRest(gs: GState): void {
    this.expect('(', 'to start the graph inputs');
    if (!this.accept(')')) {
      do this.input(gs);
      while (this.accept(','));
      this.expect(')', 'to close the graph inputs');
    }
    this.expect('=>', 'between graph inputs and outputs');
    this.expect('(', 'to start the graph outputs');
    if (!this.accept(')')) {
      do {
        const tok = this.tok;
        const type = this.atType() ? this.type() : undefined;
        const name = this.name('an output name');
        gs.outs.push({ name, tok, type, m: this.annotation('output', ['override', ...VALUE_KEYS]) });
      } while (this.accept(','));
      this.expect(')', 'to close the graph outputs');
    }
    if (this.accept('<') && !this.accept('>')) {
      do this.entry(gs);
      while (this.accept(','));
      this.expect('>', 'to close the initializers and value infos');
    }
    this.expect('{', 'to start the nodes');
    let seq = 0;
    while (!this.accept('}')) {
      if (this.tok.kind === 'eof') this.fail(this.tok, "expected '}' to close the nodes");
      this.node(gs, seq++);
    }
  }

  private initializerData(gs: GState, v: MValue, type: Type | undefined, at: Token, typeIsValue: boolean): void {
    if (this.tok.kind === 'id' && this.tok.text === 'sparse') {
      this.next();
      v.sparse = this.sparseRest();
      if (type) v.type = type;
      gs.g.sparseInitializers.push(v.id);
      return;
    }
    if (!type) this.fail(at, 'an initializer needs a tensor type');
    const { dtype, dims } = this.tensorDims(type, at);
    const t = { dtype, dims, data: this.data(dtype) };
    this.tensorAnnotation(t, true);
    v.tensor = t;
    if (typeIsValue) v.type = type;
    gs.g.initializers.push(v.id);
  }

  private input(gs: GState): void {
    const at = this.tok;
    const type = this.atType() ? this.type() : undefined;
    const v = this.newValue(gs, this.name('an input name'));
    gs.g.inputs.push(v.id);
    this.addDef(gs, v.name!, v.id, -1);
    if (type) v.type = type;
    this.docMetaExtra(v, this.annotation('value', VALUE_KEYS));
    if (this.accept('=')) this.initializerData(gs, v, type, at, true);
  }

  private entry(gs: GState): void {
    const tok = this.tok;
    const type = this.atType() ? this.type() : undefined;
    const name = this.name('a value name');
    const m = this.annotation('value', ['orphan', ...VALUE_KEYS]);
    if (!this.accept('=')) {
      gs.infos.push({ name, tok, type, m });
      return;
    }
    let v: MValue | undefined;
    for (let i = gs.g.inputs.length - 1; i >= 0 && !v; i--) if (gs.g.values[gs.g.inputs[i]].name === name) v = gs.g.values[gs.g.inputs[i]];
    if (!v) {
      v = this.newValue(gs, name);
      this.addDef(gs, name, v.id, -1);
    }
    this.docMetaExtra(v, m);
    this.initializerData(gs, v, type, tok, false);
  }

  /** Comma-separated names where empty ones are allowed (ONNX: `Op(, x)`, `Op("")`, `Op(x,)`). */
  private idList(): string[] {
    const out: string[] = [];
    if (!(this.tok.kind === 'str' || this.isWord() || this.is(','))) return out;
    do {
      if (this.tok.kind === 'str' || this.isWord()) out.push(this.next().text);
      else if (this.is(',')) out.push('');
      else break;
    } while (this.accept(','));
    return out;
  }

  private node(gs: GState, seq: number): void {
    const id = `n${this.nn++}` as NodeId;
    const node: MNode = { id, op: '', domain: '', inputs: [], outputs: [], attrs: [] };
    if (this.accept('[')) {
      node.name = this.is(']') ? '' : this.name('a node name');
      this.expect(']', 'to close the node name');
    }
    const outs = this.idList();
    this.expect('=', 'after the node outputs');
    const parts: string[] = [];
    do parts.push(this.name('an operator'));
    while (this.accept('.'));
    node.op = parts.pop()!;
    node.domain = normalizeDomain(parts.join('.'));
    if (this.accept(':')) node.overload = this.name('an overload');
    const ctx = { gs, seq };
    if (this.is('<')) node.attrs = this.attrList(ctx);
    this.expect('(', 'to start the node inputs');
    const ins = this.idList();
    this.expect(')', 'to close the node inputs');
    if (node.attrs.length === 0 && this.is('<')) node.attrs = this.attrList(ctx);
    this.docMetaExtra(node, this.annotation('node', VALUE_KEYS));
    node.outputs = outs.map((name, index) => {
      if (name === '') return null;
      const v = this.newValue(gs, name);
      v.def = { node: id, index };
      this.addDef(gs, name, v.id, seq);
      return v.id;
    });
    node.inputs = ins.map((name, index) => {
      if (name !== '') gs.uses.push({ node, index, name, seq });
      return null;
    });
    gs.g.nodes[id] = node;
    gs.g.order.push(id);
  }

  // -------------------------------------------------------------------------------------------
  // Attributes

  private attrList(ctx: Scope): Attr[] {
    this.expect('<');
    const out: Attr[] = [];
    do out.push(this.attr(ctx));
    while (this.accept(','));
    this.expect('>', 'to close the attributes');
    return out;
  }

  private attr(ctx: Scope | undefined): Attr {
    const name = this.name('an attribute name');
    let kind: AttrKind | undefined;
    if (this.accept(':')) {
      const t = this.tok;
      kind = attrKindOfWord(this.word('an attribute type'));
      if (!kind) this.fail(t, `unknown attribute type '${t.text}'`);
    }
    const m = this.annotation('attribute', ['doc', 'extra']);
    let a: Mutable<Attr>;
    if (kind === 'undefined' && !this.is('=')) a = { name, kind: 'undefined' };
    else {
      this.expect('=', `after attribute '${name}'`);
      if (this.accept('@')) a = { name, kind: 'ref', ref: this.name('an attribute reference'), type: kind ?? 'undefined' };
      else a = { name, ...this.attrValue(kind, ctx) } as Attr;
    }
    this.docMetaExtra(a, m);
    return a;
  }

  private attrValue(kind: AttrKind | undefined, ctx: Scope | undefined): Body {
    const t = this.tok;
    if (kind !== undefined && kind !== 'undefined' && LIST_OF[kind] === undefined && this.is('[')) this.fail(t, `a ${kind} attribute is a single value, not a list`);
    if (!this.accept('[')) {
      if (kind !== undefined && LIST_OF[kind] !== undefined) this.fail(t, `a ${kind} attribute needs a [list]`);
      return this.single(kind === 'undefined' ? undefined : kind, ctx);
    }
    this.enter(t);
    const elem = kind === undefined ? undefined : LIST_OF[kind];
    const els: { kind: AttrKind; value: unknown; bytes?: Uint8Array }[] = [];
    if (!this.accept(']')) {
      do els.push(this.single(elem, ctx) as (typeof els)[number]);
      while (this.accept(','));
      this.expect(']', 'to close the list');
    }
    this.leave();
    let list: AttrKind;
    if (kind !== undefined) list = kind;
    else {
      if (els.length === 0) this.fail(t, 'an empty list needs a type annotation (like `axes: ints = []`)');
      const kinds = new Set(els.map((e) => e.kind));
      if (kinds.size === 2 && kinds.has('int') && kinds.has('float')) {
        for (const e of els) if (e.kind === 'int') Object.assign(e, { kind: 'float', value: f32FromBits(f32BitsOfText(String(e.value))) });
        kinds.delete('int');
      }
      if (kinds.size !== 1) this.fail(t, 'a list attribute mixes kinds of values');
      const k = [...kinds][0];
      list = (Object.keys(LIST_OF) as AttrKind[]).find((l) => LIST_OF[l] === k)!;
    }
    const values = els.map((e) => e.value);
    if (list === 'strings' && els.some((e) => e.bytes)) {
      const bytes = els.map((e) => e.bytes ?? new TextEncoder().encode(e.value as string));
      return { kind: 'strings', value: bytes.map(lossyText), bytes };
    }
    return { kind: list, value: values } as Body;
  }

  /** One attribute value; `expected` (a single kind) steers int→float and `0x` forms. */
  private single(expected: AttrKind | undefined, ctx: Scope | undefined): Body {
    const t = this.tok;
    let out: Body;
    if (t.kind === 'int') {
      this.next();
      if (expected === 'float') out = { kind: 'float', value: f32FromBits(f32BitsOfText(t.text)) };
      else {
        const v = BigInt(t.text);
        if (v < INT64_MIN || v > INT64_MAX) this.fail(t, `${t.text} does not fit int64`);
        out = { kind: 'int', value: v };
      }
    } else if (t.kind === 'float') {
      this.next();
      out = { kind: 'float', value: f32FromBits(f32BitsOfText(t.text)) };
    } else if (t.kind === 'hex') {
      this.next();
      if (expected === 'float') {
        if (t.text.length !== 8) this.fail(t, 'a float bit pattern has 8 hex digits');
        out = { kind: 'float', value: f32FromBits(parseInt(t.text, 16)) };
      } else if (expected === 'string') {
        const bytes = this.hexBytes(t);
        out = { kind: 'string', value: lossyText(bytes), bytes };
      } else return this.fail(t, 'a 0x value needs the attribute type (`: float` or `: string`)');
    } else if (t.kind === 'str' && !(this.is('(', 1) || (this.is('@', 1) && this.is('{', 2)))) {
      this.next();
      out = { kind: 'string', value: t.text };
    } else if (this.isWord() && t.text === 'sparse') {
      this.next();
      out = { kind: 'sparse_tensor', value: this.sparseRest() };
    } else if (this.atType()) {
      const ty = this.type();
      const tensor = this.tok.kind === 'str' || this.is('=') || this.atData() || this.isWord();
      out = tensor ? { kind: 'tensor', value: this.tensorRest(ty, t) } : { kind: 'type', value: ty };
    } else if (this.tok.kind === 'str' || this.isWord()) {
      this.enter(t);
      const gs = this.state(this.name('a graph name'));
      this.graphAnnotation(gs, false);
      this.graphRest(gs);
      this.leave();
      if (ctx) ctx.gs.subs.push({ gs, seq: ctx.seq });
      else this.roots.push(gs);
      out = { kind: 'graph', value: gs.g };
    } else return this.fail(t, `expected an attribute value, found ${this.describe(t)}`);
    if (expected !== undefined && out.kind !== expected) this.fail(t, `expected a ${expected} value, found a ${out.kind}`);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Scoping

  private resolveAll(): void {
    for (const gs of this.roots) this.resolve(gs, []);
  }

  private pick(list: readonly Def[] | undefined): ValueId | undefined {
    return list?.[0].id;
  }

  private lookup(gs: GState, name: string, seq: number, scopes: readonly Scope[]): ValueId {
    const local = this.pick(gs.defs.get(name));
    if (local) return local;
    for (const s of scopes) {
      const outer = this.pick(s.gs.defs.get(name));
      if (outer) return outer;
    }
    const extra = gs.extras.get(name) ?? scopes.map((s) => s.gs.extras.get(name)).find((x) => x !== undefined);
    if (extra) return extra;
    const v = this.newValue(gs, name);
    gs.extras.set(name, v.id);
    return v.id;
  }

  private entryInfo(e: Entry2): Mutable<ValueInfo> {
    const info: Mutable<ValueInfo> = {};
    if (e.type) info.type = e.type;
    this.docMetaExtra(info, e.m);
    return info;
  }

  private apply(v: MValue, info: ValueInfo): void {
    if (info.type !== undefined) v.type = info.type;
    if (info.doc !== undefined) v.doc = info.doc;
    if (info.meta !== undefined) v.meta = info.meta;
    if (info.extra !== undefined) v.extra = info.extra;
  }

  private resolve(gs: GState, scopes: readonly Scope[]): void {
    const g = gs.g;
    for (const e of gs.infos) {
      const def = this.pick(gs.defs.get(e.name));
      if (def && !e.m?.has('orphan') && !hasInfo(infoOf(g.values[def]))) this.apply(g.values[def], this.entryInfo(e));
      else {
        const v = this.newValue(gs, e.name);
        this.apply(v, this.entryInfo(e));
        if (!gs.extras.has(e.name)) gs.extras.set(e.name, v.id);
      }
    }
    for (const u of gs.uses) u.node.inputs[u.index] = this.lookup(gs, u.name, u.seq, scopes);
    const outputInfo: (ValueInfo | null)[] = [];
    for (const o of gs.outs) {
      const id = this.lookup(gs, o.name, Infinity, scopes);
      g.outputs.push(id);
      if (o.type === undefined && o.m === undefined) {
        outputInfo.push(null);
        continue;
      }
      const info = this.entryInfo(o);
      if (o.m?.has('override')) {
        outputInfo.push(info);
        continue;
      }
      const v = this.all.get(id)!;
      const own = infoOf(v);
      if (g.values[id] !== undefined && !hasInfo(own)) {
        this.apply(v, info);
        outputInfo.push(null);
      } else outputInfo.push(infoEqual(info, own) ? null : info);
    }
    if (outputInfo.some((x) => x !== null)) g.outputInfo = outputInfo;
    for (const s of gs.subs) this.resolve(s.gs, [{ gs, seq: s.seq }, ...scopes]);
  }
}

/** Parses a whole model (header optional, then the main graph, then functions). */
export function parseModel(text: string): Model {
  return new Parser(text).model();
}

/** Parses one graph (no header, no functions): handy for tests and goldens of subgraphs. */
export function parseGraph(text: string): Graph {
  return new Parser(text).graphOnly();
}


