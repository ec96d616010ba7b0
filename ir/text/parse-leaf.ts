/**
 * Parsing of the leaf constructs of the text syntax: annotations `@{…}` and header items, types,
 * tensor constants and their data forms, sparse tensors. See print.ts for the syntax.
 */
import { Blob, memorySource } from '../blob.js';
import { LatheError } from '../error.js';
import { DataType } from '../dtype.js';
import type { Dim, Entry, SparseTensor, Tensor, TensorData, Type, TypedField } from '../types.js';
import { encodeFieldElements, encodeRawElements, fieldEntrySize, typedFieldArray } from './elements.js';
import { tokenize, type Token } from './lexer.js';
import { dtypeOfWord, dtypeWord, fromHex, utf8Bytes } from './syntax.js';
import type { Mutable } from '../object.js';

/** Deepest nesting (graphs, types, lists) the parser follows before giving a LatheError. */
export const MAX_PARSE_DEPTH = 256;

/** An annotation / header value. */
export type AVal =
  | { readonly k: 'str'; readonly s: string; readonly tok: Token }
  | { readonly k: 'int'; readonly v: bigint; readonly tok: Token }
  | { readonly k: 'hex'; readonly bytes: Uint8Array; readonly tok: Token }
  | { readonly k: 'null'; readonly tok: Token }
  | { readonly k: 'flag'; readonly tok: Token }
  | { readonly k: 'list'; readonly items: readonly AVal[]; readonly tok: Token }
  | { readonly k: 'entry'; readonly key: string; readonly value: AVal; readonly tok: Token };

const TYPE_WORDS = new Set(['seq', 'map', 'optional', 'sparse_tensor', 'opaque']);
const FIELDS = new Set<string>(['float_data', 'int32_data', 'int64_data', 'double_data', 'uint64_data']);


export class TokenReader {
  protected readonly toks: Token[];
  protected pos = 0;
  protected depth = 0;

  constructor(text: string) {
    this.toks = tokenize(text);
  }

  protected get tok(): Token {
    return this.toks[this.pos];
  }

  protected peek(k = 1): Token {
    return this.toks[Math.min(this.pos + k, this.toks.length - 1)];
  }

  protected next(): Token {
    const t = this.toks[this.pos];
    if (t.kind !== 'eof') this.pos++;
    return t;
  }

  fail(tok: Token, what: string): never {
    throw new LatheError(`line ${tok.line} col ${tok.col}: ${what}`);
  }

  protected describe(t: Token): string {
    return t.kind === 'eof' ? 'end of input' : t.kind === 'str' ? `string "${t.text.slice(0, 40)}"` : `'${t.text}'`;
  }

  protected is(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'punct' && t.text === p;
  }

  protected accept(p: string): boolean {
    if (!this.is(p)) return false;
    this.pos++;
    return true;
  }

  protected expect(p: string, what?: string): Token {
    const t = this.tok;
    if (!this.is(p)) this.fail(t, `expected '${p}'${what ? ' ' + what : ''}, found ${this.describe(t)}`);
    this.pos++;
    return t;
  }

  protected enter(t: Token): void {
    if (++this.depth > MAX_PARSE_DEPTH) this.fail(t, `nesting deeper than ${MAX_PARSE_DEPTH} levels`);
  }

  protected leave(): void {
    this.depth--;
  }

  /** An identifier token (`nan`/`inf` spelled words count, as ONNX's parser reads them). */
  protected isWord(k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'id' || (t.kind === 'float' && /^[A-Za-z]/.test(t.text));
  }

  protected word(what: string): string {
    if (!this.isWord()) this.fail(this.tok, `expected ${what}, found ${this.describe(this.tok)}`);
    return this.next().text;
  }

  /** An identifier or a quoted string. */
  protected name(what: string): string {
    if (this.tok.kind === 'str') return this.next().text;
    return this.word(what);
  }

  // -------------------------------------------------------------------------------------------
  // Annotations and header items

  /** `key (: value)?` items up to `close`, after the opening token was consumed. */
  protected items(close: string, what: string, allowed: readonly string[]): Map<string, AVal> {
    const out = new Map<string, AVal>();
    if (this.accept(close)) return out;
    do {
      const t = this.tok;
      const key = this.word(`a ${what} key`);
      if (!allowed.includes(key)) this.fail(t, `unknown ${what} key '${key}' (allowed: ${allowed.join(', ')})`);
      if (out.has(key)) this.fail(t, `duplicate ${what} key '${key}'`);
      out.set(key, this.accept(':') ? this.aval() : { k: 'flag', tok: t });
    } while (this.accept(','));
    this.expect(close, `to close the ${what}`);
    return out;
  }

  /** `@{…}` if present. */
  protected annotation(what: string, allowed: readonly string[]): Map<string, AVal> | undefined {
    if (!(this.is('@') && this.is('{', 1))) return undefined;
    this.pos += 2;
    return this.items('}', `${what} annotation`, allowed);
  }

  protected aval(): AVal {
    const t = this.tok;
    switch (t.kind) {
      case 'str': {
        this.next();
        if (this.accept(':')) return { k: 'entry', key: t.text, value: this.aval(), tok: t };
        return { k: 'str', s: t.text, tok: t };
      }
      case 'int':
        this.next();
        return { k: 'int', v: BigInt(t.text), tok: t };
      case 'hex':
        this.next();
        return { k: 'hex', bytes: this.hexBytes(t), tok: t };
      case 'id':
        if (t.text === 'null') {
          this.next();
          return { k: 'null', tok: t };
        }
        break;
      case 'punct':
        if (t.text === '[') {
          this.next();
          this.enter(t);
          const items: AVal[] = [];
          if (!this.accept(']')) {
            do items.push(this.aval());
            while (this.accept(','));
            this.expect(']', 'to close the list');
          }
          this.leave();
          return { k: 'list', items, tok: t };
        }
    }
    return this.fail(t, `expected a string, integer, 0x bytes, null or list, found ${this.describe(t)}`);
  }

  protected hexBytes(t: Token): Uint8Array {
    const b = fromHex(t.text);
    if (!b) this.fail(t, 'hex bytes need an even number of digits');
    return b;
  }

  protected aStr(v: AVal, what: string): string {
    if (v.k !== 'str') this.fail(v.tok, `${what} must be a string`);
    return v.s;
  }

  protected aInt(v: AVal, what: string, min: bigint, max: bigint): bigint {
    if (v.k !== 'int') this.fail(v.tok, `${what} must be an integer`);
    if (v.v < min || v.v > max) this.fail(v.tok, `${what} ${v.v} is out of range`);
    return v.v;
  }

  protected aNum(v: AVal, what: string): number {
    return Number(this.aInt(v, what, 0n, BigInt(Number.MAX_SAFE_INTEGER)));
  }

  protected aList(v: AVal, what: string): readonly AVal[] {
    if (v.k !== 'list') this.fail(v.tok, `${what} must be a [list]`);
    return v.items;
  }

  protected aEntries(v: AVal, what: string): Entry[] {
    return this.aList(v, what).map((e) => {
      if (e.k !== 'entry') this.fail(e.tok, `${what} holds "key": "value" entries`);
      return { key: e.key, value: this.aStr(e.value, `${what} value`) };
    });
  }

  protected aBytesList(v: AVal, what: string): Uint8Array[] {
    return this.aList(v, what).map((e) => {
      if (e.k !== 'hex') this.fail(e.tok, `${what} holds 0x bytes`);
      return e.bytes;
    });
  }

  /** Sets `doc`, `meta`, `extra` from annotation items onto `o`. */
  protected docMetaExtra(o: { doc?: string; meta?: readonly Entry[]; extra?: readonly Uint8Array[] }, m: Map<string, AVal> | undefined): void {
    if (!m) return;
    const doc = m.get('doc');
    if (doc) o.doc = this.aStr(doc, 'doc');
    const meta = m.get('meta');
    if (meta) o.meta = this.aEntries(meta, 'meta');
    const extra = m.get('extra');
    if (extra) o.extra = this.aBytesList(extra, 'extra');
  }

  // -------------------------------------------------------------------------------------------
  // Types

  /** True when a type starts here (a dtype word, a type constructor keyword, or `?`). */
  protected atType(): boolean {
    const t = this.tok;
    if (t.kind === 'punct') return t.text === '?';
    return t.kind === 'id' && (TYPE_WORDS.has(t.text) || dtypeOfWord(t.text) !== undefined);
  }

  protected dtype(what: string): number {
    const t = this.tok;
    const code = this.isWord() ? dtypeOfWord(t.text) : undefined;
    if (code === undefined) this.fail(t, `expected ${what}, found ${this.describe(t)}`);
    this.next();
    return code;
  }

  private shape(): Dim[] | undefined {
    if (!this.accept('[')) return [];
    if (this.accept(']')) return undefined;
    const dims: Dim[] = [];
    do {
      const t = this.tok;
      if (this.accept('?')) dims.push(null);
      else if (t.kind === 'int') {
        this.next();
        const v = Number(t.text);
        if (!Number.isSafeInteger(v)) this.fail(t, `dimension ${t.text} passes 2^53`);
        dims.push(v);
      } else dims.push(this.name('a dimension'));
    } while (this.accept(','));
    this.expect(']', 'to close the shape');
    return dims;
  }

  private tensorType(kind: 'tensor' | 'sparse', code: number): Type {
    const shape = this.shape();
    return shape === undefined ? { kind, dtype: code } : { kind, dtype: code, shape };
  }

  /** A type, with its annotation. */
  protected type(): Type {
    const t = this.tok;
    this.enter(t);
    let ty: Mutable<Type>;
    if (this.accept('?')) ty = { kind: 'none' };
    else {
      const w = this.word('a type');
      const code = dtypeOfWord(w);
      if (code !== undefined) ty = this.tensorType('tensor', code);
      else {
        this.expect('(', `after '${w}'`);
        switch (w) {
          case 'seq':
          case 'optional': {
            const elem = this.is(')') ? undefined : this.type();
            ty = { kind: w === 'seq' ? 'sequence' : 'optional' };
            if (elem) (ty as { elem?: Type }).elem = elem;
            break;
          }
          case 'map': {
            const key = this.dtype('a map key type');
            ty = { kind: 'map', key };
            if (this.accept(',')) (ty as { value?: Type }).value = this.type();
            break;
          }
          case 'sparse_tensor':
            ty = this.tensorType('sparse', this.dtype('an element type'));
            break;
          case 'opaque': {
            let domain = '';
            let name = '';
            if (!this.is(')')) {
              const first = this.tok.kind === 'str' ? this.next().text : this.dotted('an opaque type name');
              if (this.accept(',')) {
                domain = first;
                name = this.name('an opaque type name');
              } else name = first;
            }
            ty = { kind: 'opaque', domain, name };
            break;
          }
          default:
            this.fail(t, `'${w}' is not a type`);
        }
        this.expect(')', 'to close the type');
      }
    }
    const m = this.annotation('type', ['denotation', 'dim_denotations', 'extra']);
    if (m) {
      const d = m.get('denotation');
      if (d) ty.denotation = this.aStr(d, 'denotation');
      const dd = m.get('dim_denotations');
      if (dd) {
        if (ty.kind !== 'tensor' && ty.kind !== 'sparse') this.fail(dd.tok, 'dim_denotations need a tensor type');
        (ty as { dimDenotations?: (string | undefined)[] }).dimDenotations = this.aList(dd, 'dim_denotations').map((e) =>
          e.k === 'null' ? undefined : this.aStr(e, 'a dim denotation'),
        );
      }
      const x = m.get('extra');
      if (x) ty.extra = this.aBytesList(x, 'extra');
    }
    this.leave();
    return ty;
  }

  /** `a.b.c` identifiers joined by dots. */
  protected dotted(what: string): string {
    let s = this.word(what);
    while (this.accept('.')) s += '.' + this.word(what);
    return s;
  }

  // -------------------------------------------------------------------------------------------
  // Tensors

  /** Dims of a tensor constant's type: a tensor type with numeric dims and no annotations. */
  protected tensorDims(ty: Type, at: Token): { dtype: number; dims: number[] } {
    if (ty.kind !== 'tensor' || ty.denotation !== undefined || ty.extra !== undefined || ty.dimDenotations !== undefined) {
      this.fail(at, 'a tensor constant needs a plain tensor type (like float[2,3])');
    }
    if (ty.shape === undefined) this.fail(at, 'a tensor constant needs a shape (write float for a scalar)');
    const dims = ty.shape.map((d) => {
      if (typeof d !== 'number') this.fail(at, 'a tensor constant needs numeric dimensions');
      return d;
    });
    return { dtype: ty.dtype, dims };
  }

  /** True when a data form starts here. */
  protected atData(): boolean {
    const t = this.tok;
    if (t.kind === 'hex') return true;
    if (t.kind === 'punct') return t.text === '{' || t.text === '[';
    return t.kind === 'id' && (t.text === 'stripped' || FIELDS.has(t.text));
  }

  private elements(): Token[] {
    this.expect('{', 'to start the values');
    const els: Token[] = [];
    if (!this.accept('}')) {
      do {
        const t = this.tok;
        if (t.kind !== 'int' && t.kind !== 'float' && t.kind !== 'hex' && t.kind !== 'str') this.fail(t, `expected a value, found ${this.describe(t)}`);
        els.push(this.next());
      } while (this.accept(','));
      this.expect('}', 'to close the values');
    }
    return els;
  }

  /** A data form for a tensor of `dtype`. */
  protected data(dtype: number): TensorData {
    const t = this.tok;
    if (t.kind === 'hex') {
      this.next();
      return { kind: 'raw', bytes: this.hexBytes(t) };
    }
    if (this.is('[')) this.fail(t, 'external data references are not supported in text (lathe loads the weights)');
    if (t.kind === 'id' && t.text === 'stripped') {
      this.next();
      return { kind: 'none' };
    }
    const fail = (tok: Token, what: string): never => this.fail(tok, what);
    if (t.kind === 'id' && FIELDS.has(t.text)) {
      this.next();
      const field = t.text as TypedField;
      const h = this.tok;
      if (h.kind === 'hex') {
        this.next();
        const bytes = this.hexBytes(h);
        const values = bytes.length % fieldEntrySize(field) === 0 ? typedFieldArray(field, bytes) : new Blob(memorySource(bytes), 0, bytes.length);
        return { kind: 'field', field, values } as TensorData;
      }
      return { kind: 'field', field, values: encodeFieldElements(field, this.elements(), fail) } as TensorData;
    }
    const open = this.tok;
    const els = this.elements();
    if (dtype === DataType.STRING || els[0]?.kind === 'str') {
      return {
        kind: 'strings',
        values: els.map((e) => {
          if (e.kind === 'str') return utf8Bytes(e.text);
          if (e.kind === 'hex') return this.hexBytes(e);
          return this.fail(e, 'string tensors hold "strings" or 0x bytes');
        }),
      };
    }
    return { kind: 'raw', bytes: encodeRawElements(dtype, `${dtypeWord(dtype)} tensor`, els, fail, open) };
  }

  /** Fields of a tensor annotation (`withName` for initializers, whose name is otherwise the value's). */
  protected tensorAnnotation(t: Mutable<Tensor>, withName: boolean): void {
    const keys = ['doc', 'segment', 'meta', 'external', 'extra'];
    const m = this.annotation('tensor', withName ? ['name', ...keys] : keys);
    if (!m) return;
    const name = m.get('name');
    if (name) t.name = this.aStr(name, 'name');
    this.docMetaExtra(t, m);
    const seg = m.get('segment');
    if (seg) {
      const l = this.aList(seg, 'segment');
      if (l.length !== 2) this.fail(seg.tok, 'segment is [begin, end]');
      const lim = 1n << 63n;
      t.segment = { begin: this.aInt(l[0], 'segment begin', -lim, lim - 1n), end: this.aInt(l[1], 'segment end', -lim, lim - 1n) };
    }
    const ext = m.get('external');
    if (ext) {
      const l = this.aList(ext, 'external');
      if (l.length !== 3 && l.length !== 4) this.fail(ext.tok, 'external is [location, offset, length, [keys]?]');
      const o: { location: string; offset: number; length: number; keys?: Entry[] } = {
        location: this.aStr(l[0], 'external location'),
        offset: this.aNum(l[1], 'external offset'),
        length: this.aNum(l[2], 'external length'),
      };
      if (l.length === 4) o.keys = this.aEntries(l[3], 'external keys');
      t.externalOrigin = o;
    }
  }

  /** A tensor constant after its type: `name? data @{…}?`. */
  protected tensorRest(ty: Type, at: Token): Tensor {
    const { dtype, dims } = this.tensorDims(ty, at);
    const t: Mutable<Tensor> = { dtype, dims, data: { kind: 'none' } };
    if (this.tok.kind === 'str' || (this.isWord() && !this.atData())) t.name = this.name('a tensor name');
    this.accept('=');
    if (this.atData()) t.data = this.data(dtype);
    this.tensorAnnotation(t, false);
    return t;
  }

  /** A full tensor constant `float[2] name? data`. */
  protected tensor(): Tensor {
    const at = this.tok;
    return this.tensorRest(this.type(), at);
  }

  /** `sparse[dims](values, indices) @{extra}?`, after the `sparse` word. */
  protected sparseRest(): SparseTensor {
    this.expect('[', "after 'sparse'");
    const dims: number[] = [];
    if (!this.accept(']')) {
      do {
        const t = this.tok;
        if (t.kind !== 'int' || !Number.isSafeInteger(Number(t.text))) this.fail(t, 'sparse dims are integers');
        dims.push(Number(this.next().text));
      } while (this.accept(','));
      this.expect(']', 'to close the dims');
    }
    this.expect('(', 'before the sparse values');
    const values = this.tensor();
    this.expect(',', 'between sparse values and indices');
    const indices = this.tensor();
    this.expect(')', 'after the sparse indices');
    const s: Mutable<SparseTensor> = { values, indices, dims };
    const m = this.annotation('sparse tensor', ['extra']);
    if (m?.get('extra')) s.extra = this.aBytesList(m.get('extra')!, 'extra');
    return s;
  }
}
