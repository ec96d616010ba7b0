/**
 * Attributes are arrays of `Attr` (user-controlled names never become object keys). These helpers
 * read and write them by name; the first attribute with a name wins, as in ONNX runtimes.
 */
import { LatheError } from './error.js';
import type { Attr, Graph, Tensor, Type } from './types.js';

/** An attribute without its name. */
export type AttrBody = Attr extends infer A ? (A extends Attr ? Omit<A, 'name'> : never) : never;

/**
 * What callers may write for an attribute value: a bigint is an INT (`{ axis: 1n }`), a string a
 * STRING, a list of bigints INTS (an empty array too), of strings STRINGS, a Graph is GRAPH, a Tensor
 * TENSOR; anything else is written as an explicit body: `float(0.5)`, `floats([1, 2])`,
 * `{ kind: 'int', value: 1n }`.
 *
 * A bare JS `number` is not an `AttrInit`: `{ axis: 1 }` once became the FLOAT 1.0, which ONNX
 * rejects or, worse, misreads. TypeScript refuses it; JavaScript callers get a LatheError at run
 * time for an integral number (or a list holding one), whose intent cannot be told. A number with a
 * fraction (`0.5`) can only mean a FLOAT and is still taken as one at run time.
 */
export type AttrInit =
  | bigint
  | string
  | readonly bigint[]
  | readonly string[]
  | Graph
  | readonly Graph[]
  | Tensor
  | AttrBody;

/** Attributes given as `{ name: init }` (names from code) or as a ready array. */
export type AttrsInit = Readonly<Record<string, AttrInit>> | readonly Attr[];

function isGraph(x: object): x is Graph {
  return 'order' in x && 'nodes' in x && 'values' in x;
}

function isTensor(x: object): x is Tensor {
  return 'dtype' in x && 'dims' in x && 'data' in x;
}

/** A FLOAT attribute body: `{ alpha: float(1) }`. */
export function float(value: number): AttrBody {
  return { kind: 'float', value };
}

/** A FLOATS attribute body: `{ scales: floats([1, 2]) }`. */
export function floats(value: readonly number[]): AttrBody {
  return { kind: 'floats', value: [...value] };
}

function bareNumber(name: string, n: number, inList: boolean): never {
  const [int, flt] = inList ? [`[${n}n, …]`, `floats([${n}, …])`] : [`${n}n`, `float(${n})`];
  throw new LatheError(`attribute '${name}': the bare number ${n} is ambiguous; write ${int} for an INT or ${flt} for a FLOAT`);
}

/** Makes an `Attr` named `name` from an init value (see `AttrInit`). */
export function makeAttr(name: string, init: AttrInit): Attr {
  // Not in the type: JavaScript callers (see AttrInit).
  const loose = init as unknown;
  if (typeof loose === 'number') return Number.isInteger(loose) ? bareNumber(name, loose, false) : { name, kind: 'float', value: loose };
  if (typeof init === 'bigint') return { name, kind: 'int', value: init };
  if (typeof init === 'string') return { name, kind: 'string', value: init };
  if (Array.isArray(init)) {
    const list = init as readonly unknown[];
    if (list.length === 0 || typeof list[0] === 'bigint') return { name, kind: 'ints', value: list as bigint[] };
    if (typeof list[0] === 'number') {
      const integral = list.find((x) => typeof x === 'number' && Number.isInteger(x));
      if (integral !== undefined) bareNumber(name, integral as number, true);
      return { name, kind: 'floats', value: list as number[] };
    }
    if (typeof list[0] === 'string') return { name, kind: 'strings', value: list as string[] };
    return { name, kind: 'graphs', value: list as Graph[] };
  }
  const obj = init as object;
  if (isGraph(obj)) return { name, kind: 'graph', value: obj };
  if (isTensor(obj)) return { name, kind: 'tensor', value: obj };
  return { ...(obj as AttrBody), name } as Attr;
}

/** Attributes from an init (record or array), in the record's key order. */
export function toAttrs(init: AttrsInit | undefined): Attr[] {
  if (!init) return [];
  if (Array.isArray(init)) return [...(init as readonly Attr[])];
  return Object.entries(init as Record<string, AttrInit>).map(([k, v]) => makeAttr(k, v));
}

/** The first attribute called `name`. */
export function getAttr(attrs: readonly Attr[], name: string): Attr | undefined {
  for (const a of attrs) if (a.name === name) return a;
  return undefined;
}

/**
 * `attrs` with `attr` in place of the first attribute of the same name (or appended). Returns the
 * same array when the attribute is already there with an equal value, so no-op writes stay no-ops.
 */
export function withAttr(attrs: readonly Attr[], attr: Attr): readonly Attr[] {
  const i = attrs.findIndex((a) => a.name === attr.name);
  if (i < 0) return [...attrs, attr];
  if (attrEqual(attrs[i], attr)) return attrs;
  const out = [...attrs];
  out[i] = attr;
  return out;
}

/** `attrs` without any attribute called `name` (the same array if there was none). */
export function withoutAttr(attrs: readonly Attr[], name: string): readonly Attr[] {
  return attrs.some((a) => a.name === name) ? attrs.filter((a) => a.name !== name) : attrs;
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * Value equality for scalars and lists; graphs, tensors and types compare by identity (they are
 * immutable, so identity implies equality; unequal identities are conservatively "different").
 */
export function attrEqual(a: Attr, b: Attr): boolean {
  if (a === b) return true;
  if (a.name !== b.name || a.kind !== b.kind || a.doc !== b.doc) return false;
  if (a.kind === 'ref') return b.kind === 'ref' && a.ref === b.ref && a.type === b.type;
  if (a.kind === 'undefined') return true;
  const av = (a as { value: unknown }).value;
  const bv = (b as { value: unknown }).value;
  if (Array.isArray(av) && Array.isArray(bv)) return sameList(av, bv);
  return Object.is(av, bv);
}

/** INT attribute value, `fallback` when absent; undefined when present with another kind. */
export function attrInt(attrs: readonly Attr[], name: string, fallback?: bigint): bigint | undefined {
  const a = getAttr(attrs, name);
  return a === undefined ? fallback : a.kind === 'int' ? a.value : undefined;
}

export function attrFloat(attrs: readonly Attr[], name: string, fallback?: number): number | undefined {
  const a = getAttr(attrs, name);
  return a === undefined ? fallback : a.kind === 'float' ? a.value : undefined;
}

export function attrString(attrs: readonly Attr[], name: string, fallback?: string): string | undefined {
  const a = getAttr(attrs, name);
  return a === undefined ? fallback : a.kind === 'string' ? a.value : undefined;
}

export function attrInts(attrs: readonly Attr[], name: string, fallback?: readonly bigint[]): readonly bigint[] | undefined {
  const a = getAttr(attrs, name);
  return a === undefined ? fallback : a.kind === 'ints' ? a.value : undefined;
}

export function attrFloats(attrs: readonly Attr[], name: string, fallback?: readonly number[]): readonly number[] | undefined {
  const a = getAttr(attrs, name);
  return a === undefined ? fallback : a.kind === 'floats' ? a.value : undefined;
}

export function attrGraph(attrs: readonly Attr[], name: string): Graph | undefined {
  const a = getAttr(attrs, name);
  return a?.kind === 'graph' ? a.value : undefined;
}

export function attrTensor(attrs: readonly Attr[], name: string): Tensor | undefined {
  const a = getAttr(attrs, name);
  return a?.kind === 'tensor' ? a.value : undefined;
}

export function attrType(attrs: readonly Attr[], name: string): Type | undefined {
  const a = getAttr(attrs, name);
  return a?.kind === 'type' ? a.value : undefined;
}
