/**
 * `lathe inspect`: a model summary as data (for `--json` and tests) and as short text.
 * Walks the main graph, every nested subgraph and every function body with an explicit stack, so
 * deep nesting cannot overflow the call stack.
 */
import { dtypeName, elementCount, rawByteLength } from '../ir/dtype.js';
import type { Attr, Graph, Model, Tensor, Type, Value } from '../ir/types.js';
import { nodesInOrder } from '../ir/table-keys.js';

export interface OpCount {
  readonly op: string;
  /** '' is the ONNX domain. */
  readonly domain: string;
  readonly count: number;
}

/** `Op`, or `domain.Op` outside the ONNX domain (the text syntax's qualified name). */
export function opLabel(o: { readonly op: string; readonly domain: string }): string {
  return o.domain === '' ? o.op : `${o.domain}.${o.op}`;
}

export interface ValueSummary {
  readonly name: string;
  /** ONNX text-syntax type: `float[batch,3,224,224]`, `seq(int64[])`, `?` when absent. */
  readonly type: string;
}

export interface TensorTotals {
  /** Tensors (or Constant nodes) counted. */
  count: number;
  /** Elements (sparse tensors: stored values). */
  elements: number;
  /** Bytes the payloads take when present (dtype size × elements; string lengths). */
  bytes: number;
  /** Tensors with elements but no payload (a stripped skeleton). */
  stripped: number;
}

export interface ModelSummary {
  readonly irVersion: number;
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly domain?: string;
  readonly modelVersion?: bigint;
  readonly opsets: readonly { readonly domain: string; readonly version: number }[];
  /** Graph inputs that are not initializers. */
  readonly inputs: readonly ValueSummary[];
  /** Graph inputs that are also initializers (IR < 4 style), counted only. */
  readonly initializerInputs: number;
  readonly outputs: readonly ValueSummary[];
  readonly nodes: { readonly main: number; readonly total: number; readonly subgraphs: number };
  /**
   * Op histogram of the MAIN graph (as peers and the corpus baselines count it), by (domain, op),
   * count desc then label.
   */
  readonly ops: readonly OpCount[];
  /** Op histogram of everything else: nested subgraphs and function bodies (each body once). */
  readonly nestedOps: readonly OpCount[];
  /**
   * Every tensor the model holds: initializers (dense and sparse) and `Constant` nodes' values, of
   * all graphs, subgraphs and functions. A model that keeps its weights in Constant nodes (as some
   * exporters do) has as many parameters as one that keeps them in initializers.
   */
  readonly parameters: TensorTotals;
  /** Initializers (dense and sparse) of all graphs. */
  readonly initializers: TensorTotals;
  /** `Constant` nodes' values (tensor, sparse and value_* attributes) of all graphs and functions. */
  readonly constants: TensorTotals;
  readonly functions: number;
  /** External data files referenced when the model was loaded: location, tensors and bytes. */
  readonly externalData: readonly { readonly location: string; readonly tensors: number; readonly bytes: number }[];
}

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quoteId(s: string): string {
  return IDENT.test(s) ? s : JSON.stringify(s);
}

/** A type in the ONNX text syntax (docs/Syntax.md); a tensor of unknown rank prints without brackets. */
export function formatType(t: Type | undefined): string {
  if (!t) return '?';
  switch (t.kind) {
    case 'tensor':
    case 'sparse': {
      const dims = t.shape?.map((d) => (d === null ? '?' : typeof d === 'number' ? String(d) : quoteId(d)));
      const base = `${dtypeName(t.dtype)}${dims ? `[${dims.join(',')}]` : ''}`;
      return t.kind === 'sparse' ? `sparse_tensor(${base})` : base;
    }
    case 'sequence':
      return `seq(${formatType(t.elem)})`;
    case 'optional':
      return `optional(${formatType(t.elem)})`;
    case 'map':
      return `map(${dtypeName(t.key)}, ${formatType(t.value)})`;
    case 'opaque':
      return `opaque(${[t.domain, t.name].filter((s) => s !== '').join(', ')})`;
    case 'none':
      return '?';
  }
}

function emptyTotals(): TensorTotals {
  return { count: 0, elements: 0, bytes: 0, stripped: 0 };
}

function addTensor(totals: TensorTotals, t: Tensor, ext: Map<string, { tensors: number; bytes: number }>): void {
  const n = elementCount(t.dims) ?? 0;
  totals.elements += n;
  if (t.data.kind === 'strings') totals.bytes += t.data.values.reduce((s, v) => s + v.length, 0);
  else totals.bytes += rawByteLength(t.dtype, n) ?? 0;
  if (t.data.kind === 'none' && n > 0) totals.stripped++;
  if (t.externalOrigin) {
    const e = ext.get(t.externalOrigin.location) ?? { tensors: 0, bytes: 0 };
    e.tensors++;
    e.bytes += t.externalOrigin.length;
    ext.set(t.externalOrigin.location, e);
  }
}

function summarizeValue(v: Value | undefined): ValueSummary {
  return { name: v?.name ?? '', type: formatType(v?.type) };
}

const CONSTANT_LIST_ATTRS = new Set(['value_floats', 'value_ints', 'value_strings']);
const CONSTANT_SCALAR_ATTRS = new Set(['value_float', 'value_int', 'value_string']);

/** The summary of `model`. */
export function summarizeModel(model: Model): ModelSummary {
  const mainOps = new Map<string, number>();
  const nestedOps = new Map<string, number>();
  const ext = new Map<string, { tensors: number; bytes: number }>();
  const initializers = emptyTotals();
  const constants = emptyTotals();
  let total = 0;
  let subgraphs = 0;
  const stack: Graph[] = [model.graph, ...model.functions.map((f) => f.graph)];
  while (stack.length > 0) {
    const g = stack.pop()!;
    const ops = g === model.graph ? mainOps : nestedOps;
    for (const id of g.initializers) {
      const t = g.values[id]?.tensor;
      if (!t) continue;
      initializers.count++;
      addTensor(initializers, t, ext);
    }
    for (const id of g.sparseInitializers) {
      const s = g.values[id]?.sparse;
      if (!s) continue;
      initializers.count++;
      addTensor(initializers, s.values, ext);
    }
    for (const node of nodesInOrder(g)) {
      if (!node) continue;
      total++;
      // NUL cannot occur in either part, so the key is unambiguous (op names may contain dots)
      const key = `${node.domain}\u0000${node.op}`;
      ops.set(key, (ops.get(key) ?? 0) + 1);
      const isConstant = node.domain === '' && node.op === 'Constant';
      if (isConstant) constants.count++;
      for (const a of node.attrs) {
        if (a.kind === 'graph') {
          stack.push(a.value);
          subgraphs++;
        } else if (a.kind === 'graphs') {
          stack.push(...a.value);
          subgraphs += a.value.length;
        } else if (isConstant) addConstantAttr(constants, a, ext);
      }
    }
  }
  const initializerIds = new Set(model.graph.initializers);
  return {
    irVersion: model.irVersion,
    producerName: model.producerName,
    producerVersion: model.producerVersion,
    domain: model.domain,
    modelVersion: model.modelVersion,
    opsets: model.opsets.map((o) => ({ domain: o.domain, version: o.version })),
    inputs: model.graph.inputs.filter((id) => !initializerIds.has(id)).map((id) => summarizeValue(model.graph.values[id])),
    initializerInputs: model.graph.inputs.filter((id) => initializerIds.has(id)).length,
    outputs: model.graph.outputs.map((id) => summarizeValue(model.graph.values[id])),
    nodes: { main: model.graph.order.length, total, subgraphs },
    ops: histogram(mainOps),
    nestedOps: histogram(nestedOps),
    parameters: {
      count: initializers.count + constants.count,
      elements: initializers.elements + constants.elements,
      bytes: initializers.bytes + constants.bytes,
      stripped: initializers.stripped + constants.stripped,
    },
    initializers,
    constants,
    functions: model.functions.length,
    externalData: [...ext].map(([location, e]) => ({ location, ...e })),
  };
}

function histogram(ops: Map<string, number>): OpCount[] {
  const out = [...ops].map(([key, count]) => {
    const cut = key.indexOf('\u0000');
    return { domain: key.slice(0, cut), op: key.slice(cut + 1), count };
  });
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return out.sort((a, b) => b.count - a.count || cmp(opLabel(a), opLabel(b)));
}

function addConstantAttr(totals: TensorTotals, a: Attr, ext: Map<string, { tensors: number; bytes: number }>): void {
  if (a.kind === 'tensor') addTensor(totals, a.value, ext);
  else if (a.kind === 'sparse_tensor') addTensor(totals, a.value.values, ext);
  else if (CONSTANT_SCALAR_ATTRS.has(a.name)) {
    totals.elements += 1;
    totals.bytes += a.kind === 'string' ? a.value.length : a.kind === 'int' ? 8 : 4;
  } else if (CONSTANT_LIST_ATTRS.has(a.name) && (a.kind === 'floats' || a.kind === 'ints' || a.kind === 'strings')) {
    totals.elements += a.value.length;
    totals.bytes += a.kind === 'strings' ? a.value.reduce((s, v) => s + v.length, 0) : a.value.length * (a.kind === 'ints' ? 8 : 4);
  }
}

/** `1234567` → `1,234,567` (locale-independent). */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** Decimal units, one decimal: `512 B`, `1.5 kB`, `102.2 MB`, `3.0 GB`. */
export function formatBytes(n: number): string {
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB', 'PB'];
  let v = n / 1000;
  let i = 0;
  while (v >= 999.95 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** `1 tensor`, `2 tensors`, `1,000 tensors`. */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? '' : 's'}`;
}

function describeTotals(t: TensorTotals, what: string): string {
  const stripped = t.stripped > 0 ? `, ${t.stripped} stripped` : '';
  return `${plural(t.elements, 'element')} in ${plural(t.count, what)}, ${formatBytes(t.bytes)}${stripped}`;
}

/** The summary as text (a few lines; the op histogram one op per line). */
export function formatSummary(s: ModelSummary, file?: string): string {
  const lines: string[] = [];
  if (file !== undefined) lines.push(`model: ${file}`);
  const producer = [s.producerName, s.producerVersion].filter((x) => x !== undefined && x !== '').join(' ');
  lines.push(`ir_version: ${s.irVersion}${producer ? `, producer: ${producer}` : ''}${s.modelVersion !== undefined ? `, model_version: ${s.modelVersion}` : ''}`);
  lines.push(`opsets: ${s.opsets.map((o) => `${o.domain === '' ? 'ai.onnx' : o.domain} ${o.version}`).join(', ') || 'none'}`);
  const io = (title: string, list: readonly ValueSummary[], extra = '') => {
    lines.push(`${title}:${list.length === 0 ? ' none' : ''}${extra}`);
    for (const v of list) lines.push(`  ${quoteId(v.name)}: ${v.type}`);
  };
  io('inputs', s.inputs, s.initializerInputs > 0 ? ` (and ${plural(s.initializerInputs, 'initializer')} listed as inputs)` : '');
  io('outputs', s.outputs);
  lines.push(`nodes: ${formatCount(s.nodes.main)} in the main graph, ${formatCount(s.nodes.total)} in all (${plural(s.nodes.subgraphs, 'subgraph')}, ${plural(s.functions, 'function')})`);
  const width = Math.max(0, ...[...s.ops, ...s.nestedOps].map((o) => opLabel(o).length));
  const hist = (title: string, list: readonly OpCount[]) => {
    lines.push(`${title}:${list.length === 0 ? ' none' : ''}`);
    for (const o of list) lines.push(`  ${opLabel(o).padEnd(width)}  ${String(o.count).padStart(6)}`);
  };
  hist('ops', s.ops);
  if (s.nestedOps.length > 0) hist('ops in subgraphs and functions', s.nestedOps);
  lines.push(`parameters: ${describeTotals(s.parameters, 'tensor')}`);
  lines.push(`  initializers: ${describeTotals(s.initializers, 'tensor')}`);
  lines.push(`  Constant nodes: ${describeTotals(s.constants, 'tensor')}`);
  lines.push(`functions: ${s.functions}`);
  lines.push(`external data:${s.externalData.length === 0 ? ' none' : ''}`);
  for (const e of s.externalData) lines.push(`  ${e.location}: ${formatBytes(e.bytes)} in ${plural(e.tensors, 'tensor')}`);
  return lines.join('\n') + '\n';
}

/** The summary as one JSON object (bigint as string). */
export function summaryToJson(s: ModelSummary): string {
  return JSON.stringify(s, (_k, v) => (typeof v === 'bigint' ? v.toString() : v));
}
