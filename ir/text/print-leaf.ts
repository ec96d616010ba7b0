/**
 * Printing of the leaf constructs (types, tensors, sparse tensors, annotations) for print.ts,
 * whose header documents the syntax.
 */
import { LatheError } from '../error.js';
import { elementCount } from '../dtype.js';
import type { Entry, Extra, OpsetId, SparseTensor, Tensor, TensorData, Type, Value, ValueInfo } from '../types.js';
import { formatFieldElements, formatRawElements } from './elements.js';
import { dtypeWord, isPlainId, printId, printName, quote, toHex, utf8Text } from './syntax.js';

export interface PrintOptions {
  /** Print tensors with more than this many elements as `stripped` (lossy; for goldens). */
  readonly stripAbove?: number;
}

/** Deepest graph nesting printed (and parsed); deeper input is a LatheError, never a stack overflow. */
export const MAX_GRAPH_DEPTH = 200;

/** An annotation body item: `key: text`, or a flag when `text` is undefined. */
export type Item = readonly [string, string | undefined];

export function annot(items: readonly Item[]): string {
  if (items.length === 0) return '';
  return ' @{' + items.map(([k, v]) => (v === undefined ? k : `${k}: ${v}`)).join(', ') + '}';
}

export function entriesText(list: readonly Entry[]): string {
  return '[' + list.map((e) => `${quote(e.key)}: ${quote(e.value)}`).join(', ') + ']';
}

export function bytesList(list: readonly Uint8Array[]): string {
  return '[' + list.map((b) => '0x' + toHex(b)).join(', ') + ']';
}

export function push(items: Item[], key: string, v: string | undefined): void {
  if (v !== undefined) items.push([key, v]);
}

export function docMetaExtra(items: Item[], x: { doc?: string; meta?: readonly Entry[]; extra?: Extra }): Item[] {
  push(items, 'doc', x.doc === undefined ? undefined : quote(x.doc));
  push(items, 'meta', x.meta && entriesText(x.meta));
  push(items, 'extra', x.extra && bytesList(x.extra));
  return items;
}

export function opsetsText(list: readonly OpsetId[]): string {
  return '[' + list.map((o) => `${quote(o.domain)} : ${o.version}`).join(', ') + ']';
}

export function dimsText(dims: readonly number[]): string {
  return dims.length === 0 ? '' : '[' + dims.join(',') + ']';
}

export function dottedOrQuoted(s: string): string {
  return s.split('.').every(isPlainId) ? s : quote(s);
}

/** A Type in the syntax (`float[N,3]`, `seq(float[])`, `?` …) with its annotation, if any. */
export function printType(t: Type, depth = 0): string {
  if (depth > MAX_GRAPH_DEPTH) throw new LatheError(`type nesting passes ${MAX_GRAPH_DEPTH}`);
  let s: string;
  switch (t.kind) {
    case 'tensor':
    case 'sparse': {
      let inner = dtypeWord(t.dtype);
      if (t.shape === undefined) inner += '[]';
      else if (t.shape.length > 0) inner += '[' + t.shape.map((d) => (d === null ? '?' : typeof d === 'number' ? String(d) : printName(d))).join(',') + ']';
      s = t.kind === 'tensor' ? inner : `sparse_tensor(${inner})`;
      break;
    }
    case 'sequence':
      s = `seq(${t.elem ? printType(t.elem, depth + 1) : ''})`;
      break;
    case 'optional':
      s = `optional(${t.elem ? printType(t.elem, depth + 1) : ''})`;
      break;
    case 'map':
      s = `map(${dtypeWord(t.key)}${t.value ? ', ' + printType(t.value, depth + 1) : ''})`;
      break;
    case 'opaque':
      s = t.domain === '' && t.name === '' ? 'opaque()' : t.domain === '' ? `opaque(${dottedOrQuoted(t.name)})` : `opaque(${dottedOrQuoted(t.domain)}, ${printId(t.name)})`;
      break;
    default:
      s = '?';
  }
  const items: Item[] = [];
  push(items, 'denotation', t.denotation === undefined ? undefined : quote(t.denotation));
  if ((t.kind === 'tensor' || t.kind === 'sparse') && t.dimDenotations) {
    push(items, 'dim_denotations', '[' + t.dimDenotations.map((d) => (d === undefined ? 'null' : quote(d))).join(', ') + ']');
  }
  push(items, 'extra', t.extra && bytesList(t.extra));
  return s + annot(items);
}

function dataBytes(data: TensorData): Uint8Array | undefined {
  if (data.kind === 'raw') return data.bytes;
  if (data.kind === 'blob') return data.blob.bytes();
  if (data.kind === 'field') {
    const v = data.values;
    return 'bytes' in v ? v.bytes() : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  }
  return undefined;
}

export function dataText(t: Tensor, opts: PrintOptions): string {
  const d = t.data;
  if (d.kind === 'none') return 'stripped';
  const count = elementCount(t.dims);
  if (opts.stripAbove !== undefined && count !== undefined && count > opts.stripAbove) return 'stripped';
  if (d.kind === 'strings') {
    return '{' + d.values.map((b) => { const s = utf8Text(b); return s === undefined ? '0x' + toHex(b) : quote(s); }).join(', ') + '}';
  }
  const bytes = dataBytes(d)!;
  if (d.kind === 'field') {
    const els = formatFieldElements(d.field, bytes);
    return d.field + ' ' + (els ? '{' + els.join(', ') + '}' : '0x' + toHex(bytes));
  }
  const els = formatRawElements(t.dtype, count, bytes);
  return els ? '{' + els.join(', ') + '}' : '0x' + toHex(bytes);
}

export function tensorItems(t: Tensor, withName: boolean): Item[] {
  const items: Item[] = [];
  if (withName) push(items, 'name', t.name === undefined ? undefined : quote(t.name));
  push(items, 'doc', t.doc === undefined ? undefined : quote(t.doc));
  push(items, 'segment', t.segment && `[${t.segment.begin}, ${t.segment.end}]`);
  push(items, 'meta', t.meta && entriesText(t.meta));
  const o = t.externalOrigin;
  push(items, 'external', o && `[${quote(o.location)}, ${o.offset}, ${o.length}${o.keys ? ', ' + entriesText(o.keys) : ''}]`);
  push(items, 'extra', t.extra && bytesList(t.extra));
  return items;
}

/** A tensor constant as in attributes: `float[2] name {1.0, 2.0} @{…}`. */
export function printTensor(t: Tensor, opts: PrintOptions = {}): string {
  const name = t.name === undefined ? '' : ' ' + printName(t.name);
  return `${dtypeWord(t.dtype)}${dimsText(t.dims)}${name} ${dataText(t, opts)}${annot(tensorItems(t, false))}`;
}

export function sparseText(s: SparseTensor, opts: PrintOptions): string {
  const items: Item[] = [];
  push(items, 'extra', s.extra && bytesList(s.extra));
  return `sparse[${s.dims.join(',')}](${printTensor(s.values, opts)}, ${printTensor(s.indices, opts)})${annot(items)}`;
}

export function infoOf(v: Value | ValueInfo): ValueInfo {
  const o: { type?: Type; doc?: string; meta?: readonly Entry[]; extra?: Extra } = {};
  if (v.type !== undefined) o.type = v.type;
  if (v.doc !== undefined) o.doc = v.doc;
  if (v.meta !== undefined) o.meta = v.meta;
  if (v.extra !== undefined) o.extra = v.extra;
  return o;
}

export function hasInfo(v: ValueInfo): boolean {
  return v.type !== undefined || v.doc !== undefined || v.meta !== undefined || v.extra !== undefined;
}

/** Derived type of an initializer: what `float[2] W = …` in an input list declares. */
export function sameAsTensorType(t: Type | undefined, tensor: Tensor): boolean {
  return (
    t !== undefined &&
    t.kind === 'tensor' &&
    t.dtype === tensor.dtype &&
    t.shape !== undefined &&
    t.shape.length === tensor.dims.length &&
    t.shape.every((d, i) => d === tensor.dims[i]) &&
    t.dimDenotations === undefined &&
    t.denotation === undefined &&
    t.extra === undefined
  );
}

/** Structural equality of two ValueInfos (type, doc, meta, extra). */
export function infoEqual(a: ValueInfo, b: ValueInfo): boolean {
  return printInfoKey(a) === printInfoKey(b);
}

function printInfoKey(i: ValueInfo): string {
  return (i.type ? printType(i.type) : '-') + annot(docMetaExtra([], i));
}

