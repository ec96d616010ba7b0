/**
 * Model → ONNX textual syntax (onnx docs/Syntax.md), canonical and lossless.
 *
 * The output is what `onnx.parser` reads, laid out like `onnx.printer` prints it, with attribute
 * types omitted where the value's spelling implies them (`<axis = 1>`, `<alpha = 0.5>`). Every
 * field of the IR survives `parseModel(printModel(m))` (see `modelsEqual`), so the IR's fields that
 * Syntax.md cannot express use the lathe extensions below. Printing is deterministic: attributes,
 * metadata and lists print in stored order.
 *
 * lathe extensions (all optional on input; plain ONNX text never needs them):
 * - Annotations `@{key: value, …}` carry fields Syntax.md has no place for. Values are strings,
 *   integers, `0x…` bytes, `null`, `[…]` lists and `"k": "v"` entries; a key alone is a flag.
 *     type        `float[N] @{denotation: "IMAGE", dim_denotations: ["DATA_BATCH", null], extra: [0x…]} X`
 *     value       `float[N] X @{doc: "…", meta: ["k": "v"], extra: [0x…]}` (after the name)
 *     tensor      after the data: `@{name: "w0", doc: "…", segment: [0, 4], meta: […],
 *                 external: ["w.bin", offset, length, ["key": "value", …]], extra: […]}`
 *                 (`name` only for initializers, whose tensor name defaults to the value's)
 *     attribute   between name and `=`: `alpha @{doc: "…", extra: […]} = 1.0`
 *     node        after the node: `Y = Relu (X) @{doc: "…", meta: […], extra: […]}`
 *     graph       after the graph name: `g @{doc: "…", meta: […], quantization: [["t", ["k": "v"]]],
 *                 extra: […]} (X) => (Y) …`; for a function body also `name: "…"` (the body
 *                 graph's name, '' by default)
 *     output      `(float[2] Y @{override, doc: "…"})`: see "graph layout" below
 *     `<…>` entry `float[2] X @{orphan}`: see "graph layout" below
 * - Model header keys `training_info: [0x…]`, `configuration: [0x…]`, `extra: [0x…]`; function
 *   header keys `metadata_props: […]`, `extra: […]`.
 * - Tensor data forms after `=` (initializers) or after the type/name (tensor attributes):
 *   `{…}` elements of raw_data (see elements.ts for each dtype's element form; string tensors hold
 *   string_data: `"…"` or `0x…` per element when not UTF-8); `0x…` raw bytes for payloads without
 *   an exact element form; `float_data {…}` / `int32_data` / `int64_data` / `double_data` /
 *   `uint64_data` for values kept in a typed field (the field's own entries; `float_data 0x…` when
 *   the packed bytes are not whole entries); `stripped` for no payload (data kind 'none', or any
 *   tensor above `stripAbove` elements). Blob payloads print like raw_data (and parse back as raw).
 * - Sparse tensors: `sparse[dims](values-tensor, indices-tensor) @{extra: […]}` as attribute values
 *   and as `<…>` entries `S = sparse[…](…)` (a sparse initializer).
 * - Types: `?` is a TypeProto with nothing set; `dtype42` is an unknown element type code;
 *   `seq()`, `optional()`, `map(int64)` have no element type.
 * - Attributes: `name: undefined` has no value; `0x…` is a float's bit pattern (NaN payloads) or a
 *   string's bytes (not UTF-8) and needs the `: kind` annotation; attribute, op, domain, overload
 *   and parameter names that are not identifiers are quoted; a graph value may have a quoted name.
 * - Floats print as the shortest decimal that parses back to the same float32 (float64 for double
 *   tensors); `-0.0`, `inf`, `nan`, `-nan`, and `0x7fc00001`-style bit patterns for other NaNs.
 * - Names: identifiers print bare unless they are type or data keywords (`float`, `seq`, `sparse`,
 *   `stripped`, `nan` …); others are quoted. Unnamed values print as `_v<N>` (N counts unnamed
 *   values in print order, skipping names the model uses), so parsing gives them that name.
 *
 * Graph layout: `name (inputs) => (outputs) <initializers, value infos> { nodes }`. Each value's
 * own info (type, doc, meta, extra) prints once: inputs in the input list; a node output that is a
 * graph output in the output list; other node outputs, initializers and values with no definition
 * ("extras": orphan value infos, dangling names) as `<…>` entries, initializers' info after all
 * initializers. An output entry with info that is not the value's own (`Graph.outputInfo`) carries
 * the `override` flag when parsing could otherwise take it for the value's own info; an extra
 * named like a value this graph defines carries the `orphan` flag. parse.ts documents scoping.
 */
import { LatheError } from '../error.js';
import { rawByteLength } from '../dtype.js';
import { walkGraphs } from '../walk.js';
import { formatRawElements } from './elements.js';
import type {
  Attr,
  Entry,
  Extra,
  Graph,
  Model,
  OnnxFunction,
  OpsetId,
  SparseTensor,
  Tensor,
  TensorData,
  Type,
  Value,
  ValueId,
  ValueInfo,
} from '../types.js';
import {
  annot,
  bytesList,
  dataText,
  dimsText,
  docMetaExtra,
  dottedOrQuoted,
  entriesText,
  hasInfo,
  infoEqual,
  infoOf,
  type Item,
  MAX_GRAPH_DEPTH,
  opsetsText,
  printTensor,
  printType,
  push,

  sameAsTensorType,
  sparseText,
  tensorItems,
  type PrintOptions,
} from './print-leaf.js';
import { attrKindWord, dtypeWord, f32Bits, formatF32Bits, isPlainId, printId, printName, quote, toHex } from './syntax.js';

export { infoEqual, MAX_GRAPH_DEPTH, printTensor, printType, type PrintOptions };

const STEP = '  ';

class Printer {
  private readonly values = new Map<ValueId, Value>();
  private readonly names = new Map<ValueId, string>();
  private readonly used = new Set<string>();
  private fresh = 0;

  constructor(private readonly opts: PrintOptions) {}

  /** Registers every value (for names of outer-scope references) and every name in use. */
  collect(g: Graph, depth: number): void {
    if (depth > MAX_GRAPH_DEPTH) throw new LatheError(`graph nesting passes ${MAX_GRAPH_DEPTH}`);
    for (const v of Object.values(g.values)) {
      this.values.set(v.id, v);
      if (v.name) this.used.add(v.name);
    }
    for (const id of g.order) for (const a of g.nodes[id]?.attrs ?? []) for (const sub of subgraphs(a)) this.collect(sub, depth + 1);
  }

  /** Assigns fresh names in print order: inputs, initializers, node outputs (then their subgraphs), extras. */
  assign(g: Graph): void {
    for (const id of g.inputs) this.nameOf(id);
    for (const id of g.initializers) this.nameOf(id);
    for (const id of g.sparseInitializers) this.nameOf(id);
    for (const nid of g.order) {
      const node = g.nodes[nid];
      if (!node) continue;
      for (const o of node.outputs) if (o !== null) this.nameOf(o);
      for (const a of node.attrs) for (const sub of subgraphs(a)) this.assign(sub);
    }
    for (const v of Object.values(g.values)) this.nameOf(v.id);
  }

  nameOf(id: ValueId): string {
    let name = this.names.get(id);
    if (name !== undefined) return name;
    name = this.values.get(id)?.name;
    if (!name) {
      do name = `_v${this.fresh++}`;
      while (this.used.has(name));
      this.used.add(name);
    }
    this.names.set(id, name);
    return name;
  }

  model(m: Model): string {
    this.collect(m.graph, 0);
    for (const f of m.functions) this.collect(f.graph, 0);
    this.assign(m.graph);
    for (const f of m.functions) this.assign(f.graph);
    const head: string[] = [`ir_version: ${m.irVersion}`, `opset_import: ${opsetsText(m.opsets)}`];
    if (m.producerName !== undefined) head.push(`producer_name: ${quote(m.producerName)}`);
    if (m.producerVersion !== undefined) head.push(`producer_version: ${quote(m.producerVersion)}`);
    if (m.domain !== undefined) head.push(`domain: ${quote(m.domain)}`);
    if (m.modelVersion !== undefined) head.push(`model_version: ${m.modelVersion}`);
    if (m.doc !== undefined) head.push(`doc_string: ${quote(m.doc)}`);
    if (m.meta.length > 0) head.push(`metadata_props: ${entriesText(m.meta)}`);
    if (m.trainingInfo) head.push(`training_info: ${bytesList(m.trainingInfo)}`);
    if (m.configuration) head.push(`configuration: ${bytesList(m.configuration)}`);
    if (m.extra) head.push(`extra: ${bytesList(m.extra)}`);
    let out = '<\n' + head.map((h) => STEP + h).join(',\n') + '\n>\n' + this.graph(m.graph, '', 0) + '\n';
    for (const f of m.functions) out += '\n' + this.func(f) + '\n';
    return out;
  }

  func(f: OnnxFunction): string {
    const head: string[] = [`domain: ${quote(f.domain)}`];
    if (f.overload !== undefined) head.push(`overload: ${quote(f.overload)}`);
    head.push(`opset_import: ${opsetsText(f.opsets)}`);
    if (f.doc !== undefined) head.push(`doc_string: ${quote(f.doc)}`);
    if (f.meta !== undefined) head.push(`metadata_props: ${entriesText(f.meta)}`);
    if (f.extra !== undefined) head.push(`extra: ${bytesList(f.extra)}`);
    const params = [...f.params.map(printId), ...f.paramDefaults.map((a) => this.attr(a, '', 1))];
    return '<\n' + head.map((h) => STEP + h).join(',\n') + '\n>\n' + this.graph(f.graph, '', 0, { name: f.name, params });
  }

  private valueItems(v: Value): Item[] {
    return docMetaExtra([], v);
  }

  private info(info: ValueInfo, name: string, extra: Item[] = []): string {
    const items = docMetaExtra(extra, info);
    return (info.type ? printType(info.type) + ' ' : '') + printName(name) + annot(items);
  }

  /** `float[2] W @{value info} = {…} @{tensor fields}`; `withInfo` when the value is declared here. */
  private initializer(v: Value, withInfo: boolean): string {
    const t = v.tensor!;
    const items = tensorItems(t, true);
    const info = withInfo ? annot(this.valueItems(v)) : '';
    return `${dtypeWord(t.dtype)}${dimsText(t.dims)} ${printName(this.nameOf(v.id))}${info} = ${dataText(t, this.opts)}${annot(items)}`;
  }

  /**
   * `name (inputs) => (outputs) <entries> {nodes}` with lines after the first indented by `ind`.
   * `fn` makes it a function body: `fname @{…} <params> (…)`, whose graph name is '' unless
   * the annotation says otherwise (FunctionProto has no graph name; lift gives the body '').
   */
  graph(g: Graph, ind: string, depth: number, fn?: { name: string; params: readonly string[] }): string {
    if (depth > MAX_GRAPH_DEPTH) throw new LatheError(`graph nesting passes ${MAX_GRAPH_DEPTH}`);
    const gItems: Item[] = [];
    if (fn && g.name !== '') gItems.push(['name', quote(g.name)]);
    push(gItems, 'doc', g.doc === undefined ? undefined : quote(g.doc));
    push(gItems, 'meta', g.meta && entriesText(g.meta));
    push(gItems, 'quantization', g.quantization && '[' + g.quantization.map((q) => `[${quote(q.tensor)}, ${entriesText(q.params)}]`).join(', ') + ']');
    push(gItems, 'extra', g.extra && bytesList(g.extra));
    const inputs = new Set(g.inputs);
    const inits = new Set(g.initializers);
    const sparse = new Set(g.sparseInitializers);
    const vals = g.values;
    const val = (id: ValueId): Value => vals[id] ?? this.values.get(id) ?? { id };

    // Inline `(float[2] W = {…})` only when it keeps the initializer order exact.
    const inputInits = g.inputs.filter((id) => inits.has(id));
    const inline =
      inputInits.length > 0 &&
      new Set(inputInits).size === inputInits.length &&
      inputInits.every((id, i) => g.initializers[i] === id && sameAsTensorType(val(id).type, val(id).tensor!));
    const inlined = new Set(inline ? inputInits : []);
    const inputTexts = g.inputs.map((id) => {
      const v = val(id);
      if (inlined.has(id) && !sparse.has(id)) return this.initializer(v, true);
      return this.info(infoOf(v), this.nameOf(id));
    });

    // A node output's own info prints at its first output entry that has no outputInfo; the
    // parser reads `<…>` entries before output entries, and output entries in order.
    const ownAt = new Map<ValueId, number>();
    g.outputs.forEach((id, i) => {
      const v = vals[id];
      if (v?.def && !inputs.has(id) && !ownAt.has(id) && (g.outputInfo?.[i] ?? null) === null && hasInfo(infoOf(v))) ownAt.set(id, i);
    });
    const outputTexts = g.outputs.map((id, i) => {
      const v = val(id);
      const oi = g.outputInfo?.[i] ?? null;
      const name = this.nameOf(id);
      if (oi === null) return ownAt.get(id) === i ? this.info(infoOf(v), name) : printName(name);
      const own = (ownAt.get(id) ?? -1) >= i ? {} : infoOf(v);
      const assignable = vals[id] !== undefined && !hasInfo(own);
      const flag = !hasInfo(oi) || assignable || infoEqual(oi, own);
      return this.info(oi, name, flag ? [['override', undefined]] : []);
    });

    // Initializers first (their info follows as plain entries: the parser gives an entry's info
    // to the value only while the value has none).
    const entries: string[] = [];
    for (const id of g.initializers) {
      if (inlined.has(id)) continue;
      const v = val(id);
      entries.push(v.tensor ? this.initializer(v, false) : printName(this.nameOf(id)));
    }
    for (const id of g.sparseInitializers) {
      const v = val(id);
      if (v.sparse) entries.push(`${printName(this.nameOf(id))} = ${sparseText(v.sparse, this.opts)}`);
    }
    const localNames = new Set<string>();
    for (const v of Object.values(vals)) if (v.def || inputs.has(v.id) || inits.has(v.id) || sparse.has(v.id)) localNames.add(this.nameOf(v.id));
    const described = new Set<ValueId>();
    for (const id of [...g.initializers, ...g.sparseInitializers]) {
      const v = val(id);
      if (inputs.has(id) || described.has(id) || !hasInfo(infoOf(v))) continue;
      described.add(id);
      entries.push(this.info(infoOf(v), this.nameOf(id)));
    }
    for (const v of Object.values(vals)) {
      if (inputs.has(v.id) || inits.has(v.id) || sparse.has(v.id) || ownAt.has(v.id)) continue;
      if (v.def) {
        if (hasInfo(infoOf(v))) entries.push(this.info(infoOf(v), this.nameOf(v.id)));
        continue;
      }
      const name = this.nameOf(v.id);
      entries.push(this.info(infoOf(v), name, localNames.has(name) ? [['orphan', undefined]] : []));
    }

    const inner = ind + STEP;
    const params = fn && fn.params.length > 0 ? ` <${fn.params.join(', ')}>` : '';
    let s = printName(fn ? fn.name : g.name) + annot(gItems) + params + ` (${inputTexts.join(', ')}) => (${outputTexts.join(', ')})`;
    if (entries.length > 0) {
      const one = entries.join(', ');
      s += one.length <= 100 ? `\n${inner}<${one}>` : `\n${inner}<\n${entries.map((e) => inner + STEP + e).join(',\n')}\n${inner}>`;
    }
    s += `\n${ind}{\n`;
    for (const nid of g.order) {
      const node = g.nodes[nid];
      if (!node) throw new LatheError(`graph ${quote(g.name)}: order lists node ${nid} that is not in nodes`);
      s += inner + this.node(node, inner, depth) + '\n';
    }
    return s + ind + '}';
  }

  private node(node: Graph['nodes'][keyof Graph['nodes']], ind: string, depth: number): string {
    const label = node.name === undefined ? '' : `[${printName(node.name)}] `;
    const outs = node.outputs.map((o) => (o === null ? '""' : printName(this.nameOf(o)))).join(', ');
    const ins = node.inputs.map((o) => (o === null ? '""' : printName(this.nameOf(o)))).join(', ');
    let op = isPlainId(node.op) ? node.op : quote(node.op);
    if (node.domain !== '') op = dottedOrQuoted(node.domain) + '.' + op;
    if (node.overload !== undefined) op += ':' + printId(node.overload);
    const items = docMetaExtra([], node);
    const head = (outs ? outs + ' ' : '') + '= ' + op;
    if (node.attrs.length === 0) return `${label}${head} (${ins})${annot(items)}`;
    if (!node.attrs.some((a) => a.kind === 'graph' || a.kind === 'graphs')) {
      return `${label}${head} <${node.attrs.map((a) => this.attr(a, ind, depth)).join(', ')}> (${ins})${annot(items)}`;
    }
    const inner = ind + STEP;
    const attrs = node.attrs.map((a) => inner + this.attr(a, inner, depth)).join(',\n');
    return `${label}${head} (${ins}) <\n${attrs}\n${ind}>${annot(items)}`;
  }

  attr(a: Attr, ind: string, depth: number): string {
    const items = docMetaExtra([], { doc: a.doc, extra: a.extra });
    const name = printId(a.name);
    if (a.kind === 'undefined') return `${name}: undefined${annot(items)}`;
    if (a.kind === 'ref') {
      const typed = a.type === 'undefined' ? '' : ': ' + attrKindWord(a.type);
      return `${name}${typed}${annot(items)} = @${printId(a.ref)}`;
    }
    let typed = false;
    let value: string;
    const float = (x: number) => {
      const t = formatF32Bits(f32Bits(x));
      if (t.startsWith('0x')) typed = true;
      return t;
    };
    const list = (xs: readonly string[]) => {
      if (xs.length === 0) typed = true;
      return '[' + xs.join(', ') + ']';
    };
    const g = (x: Graph) => this.graph(x, ind, depth + 1);
    switch (a.kind) {
      case 'int':
        value = String(a.value);
        break;
      case 'float':
        value = float(a.value);
        break;
      case 'string':
        typed = a.bytes !== undefined;
        value = a.bytes ? '0x' + toHex(a.bytes) : quote(a.value);
        break;
      case 'tensor':
        value = printTensor(a.value, this.opts);
        break;
      case 'graph':
        value = g(a.value);
        break;
      case 'sparse_tensor':
        value = sparseText(a.value, this.opts);
        break;
      case 'type':
        value = printType(a.value);
        break;
      case 'ints':
        value = list(a.value.map(String));
        break;
      case 'floats':
        value = list(a.value.map(float));
        break;
      case 'strings':
        if (a.bytes) typed = true;
        value = list(a.bytes ? a.bytes.map((b) => '0x' + toHex(b)) : a.value.map(quote));
        break;
      case 'tensors':
        value = list(a.value.map((t) => printTensor(t, this.opts)));
        break;
      case 'graphs':
        value = list(a.value.map(g));
        break;
      case 'sparse_tensors':
        value = list(a.value.map((s) => sparseText(s, this.opts)));
        break;
      case 'types':
        value = list(a.value.map((t) => printType(t)));
        break;
    }
    return `${name}${typed ? ': ' + attrKindWord(a.kind) : ''}${annot(items)} = ${value}`;
  }
}

function subgraphs(a: Attr): readonly Graph[] {
  return a.kind === 'graph' ? [a.value] : a.kind === 'graphs' ? a.value : [];
}

/** The longest string V8 holds (2^29 − 24 UTF-16 units on 64-bit platforms). */
const MAX_TEXT = 2 ** 29 - 24;

/** Elements sampled from the start of a large tensor to estimate its text's length. */
const SAMPLE = 256;

/**
 * About how many characters `t`'s values print as: small tensors 2 a element (the least, "0,"),
 * large raw ones their element count times the mean width of their first SAMPLE elements as printed.
 */
function estimatedChars(t: Tensor, count: number): number {
  const d = t.data;
  if (d.kind === 'none') return 0; // prints as `stripped`
  const bytes = rawByteLength(t.dtype, SAMPLE);
  if (count <= 16 * SAMPLE || bytes === undefined || (d.kind !== 'raw' && d.kind !== 'blob')) return 2 * count;
  try {
    const head = d.kind === 'raw' ? d.bytes.subarray(0, bytes) : d.blob.source.read(d.blob.offset, Math.min(bytes, d.blob.length));
    const els = formatRawElements(t.dtype, SAMPLE, head);
    if (!els) return 2 * count;
    const width = els.reduce((w, e) => w + e.length + 2, 0) / els.length;
    return width * count;
  } catch {
    return 2 * count; // unreadable: the printer reports it
  }
}

/** About how many characters the tensors that print with their values take (initializers and tensor attributes, every graph). */
function printedChars(m: Model, options: PrintOptions): number {
  let n = 0;
  const add = (t: Tensor) => {
    const count = t.dims.reduce((p, d) => p * d, 1);
    if (options.stripAbove === undefined || count <= options.stripAbove) n += estimatedChars(t, count);
  };
  walkGraphs(m, (g) => {
    for (const id of g.initializers) {
      const t = g.values[id]?.tensor;
      if (t) add(t);
    }
    for (const id of g.order) for (const a of g.nodes[id]?.attrs ?? []) if (a.kind === 'tensor') add(a.value);
  });
  return n;
}

/**
 * The whole model in the text syntax (header, main graph, functions). A model whose text cannot
 * be one string (a weight-bearing BERT is over a billion characters) is a LatheError, found before
 * any text is built when an estimate from each large tensor's first elements says so.
 */
export function printModel(m: Model, options: PrintOptions = {}): string {
  const chars = printedChars(m, options);
  const tooLarge = () =>
    new LatheError(`the model's text would pass the longest string JavaScript can hold (about 512 MB; its tensors alone are about ${Math.round(chars / 2 ** 20)} MB of text): print the model without its weights (lathe strip) instead`);
  if (chars > MAX_TEXT) throw tooLarge();
  try {
    return new Printer(options).model(m);
  } catch (e) {
    if (e instanceof RangeError && /string length/i.test(e.message)) throw tooLarge();
    throw e;
  }
}

/**
 * One graph on its own (no header). Values it uses from enclosing graphs, which it cannot see,
 * print under fresh names.
 */
export function printGraph(g: Graph, options: PrintOptions = {}): string {
  const p = new Printer(options);
  p.collect(g, 0);
  p.assign(g);
  return p.graph(g, '', 0) + '\n';
}
