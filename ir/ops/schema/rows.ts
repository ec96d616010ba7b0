/**
 * The row format of the op schema tables (one row per op version, as in ONNX's changelog), and
 * its decoding into `OpSchema`. Rows are strings and numbers so the tables stay compact data.
 *
 * Row: `[name, since, minIn, maxIn, inputs, minOut, maxOut, outputs, attrs, types, deprecated?]`
 * - `maxIn`/`maxOut` -1 = unbounded (a variadic last parameter);
 * - `inputs`/`outputs`: space-separated `name:type` where `type` names a type constraint or is a
 *   type itself (`int64`, `seq(float)`: `tensor(x)` is written `x`); a trailing `?` marks an
 *   optional parameter, `*` a variadic one, `+` a variadic one whose values may differ in type;
 * - `attrs`: space-separated `name:kind`, `!` marking a required attribute; kinds are
 *   f i s t g sp tp (float int string tensor graph sparse_tensor type) and their lists
 *   fs is ss ts gs sps tps;
 * - `types`: `;`-separated `T=type type …` (`@N` stands for the shared list N in ./lists.ts);
 * - `deprecated`: the opset version from which this version is deprecated (its row then lists
 *   nothing else).
 */
import type { AttrKind } from '../../types.js';
import { lists } from './lists.js';

export type SchemaRow = readonly [
  name: string, since: number,
  minIn: number, maxIn: number, inputs: string,
  minOut: number, maxOut: number, outputs: string,
  attrs: string, types: string, deprecated?: number,
];

/** Rows by domain ('' = ai.onnx). */
export type SchemaTable = Readonly<Record<string, readonly SchemaRow[]>>;

export interface ParamSchema {
  readonly name: string;
  /** A type constraint of `OpSchema.types`, or a type written out (`int64`, `seq(float)`). */
  readonly type: string;
  readonly optional: boolean;
  readonly variadic: boolean;
  /** Variadic values may have different types (Loop, If, Scan …). */
  readonly heterogeneous: boolean;
}

export interface AttrSchema {
  readonly kind: AttrKind;
  readonly required: boolean;
}

/** One version of one op, as ONNX defines it. */
export interface OpSchema {
  readonly domain: string;
  readonly name: string;
  /** The opset version that introduced this version. */
  readonly since: number;
  /** Set when this version is deprecated (from that opset on it should not be used). */
  readonly deprecated?: number;
  readonly minInputs: number;
  /** Infinity for a variadic last input. */
  readonly maxInputs: number;
  readonly inputs: readonly ParamSchema[];
  readonly minOutputs: number;
  readonly maxOutputs: number;
  readonly outputs: readonly ParamSchema[];
  /** Every attribute the version defines (an attribute not listed here is unknown to it). */
  readonly attrs: ReadonlyMap<string, AttrSchema>;
  /** Type constraint name → the types it allows, spelled `float`, `seq(int64)`, `map(string,float)`. */
  readonly types: ReadonlyMap<string, ReadonlySet<string>>;
}

const KINDS: Record<string, AttrKind> = {
  f: 'float', i: 'int', s: 'string', t: 'tensor', g: 'graph', sp: 'sparse_tensor', tp: 'type',
  fs: 'floats', is: 'ints', ss: 'strings', ts: 'tensors', gs: 'graphs', sps: 'sparse_tensors', tps: 'types',
};

function words(s: string): string[] {
  return s.length === 0 ? [] : s.split(' ');
}

function params(s: string): ParamSchema[] {
  return words(s).map((w) => {
    const mark = w[w.length - 1];
    const flagged = mark === '?' || mark === '*' || mark === '+';
    const body = flagged ? w.slice(0, -1) : w;
    const colon = body.indexOf(':');
    return {
      name: body.slice(0, colon),
      type: body.slice(colon + 1),
      optional: mark === '?',
      variadic: mark === '*' || mark === '+',
      heterogeneous: mark === '+',
    };
  });
}

/** Decodes one row of `domain`. Throws on a malformed row (a table bug, caught by tests). */
export function decodeRow(domain: string, row: SchemaRow): OpSchema {
  const [name, since, minIn, maxIn, inputs, minOut, maxOut, outputs, attrs, types, deprecated] = row;
  const attrMap = new Map<string, AttrSchema>();
  for (const w of words(attrs)) {
    const required = w.endsWith('!');
    const [an, k] = (required ? w.slice(0, -1) : w).split(':');
    const kind = KINDS[k];
    if (!kind) throw new Error(`op schema ${domain}::${name}-${since}: attribute kind ${k}`);
    attrMap.set(an, { kind, required });
  }
  const typeMap = new Map<string, ReadonlySet<string>>();
  for (const c of types.length === 0 ? [] : types.split(';')) {
    const eq = c.indexOf('=');
    const list = c.slice(eq + 1);
    const items = list.startsWith('@') ? lists[Number(list.slice(1))] : list;
    if (items === undefined) throw new Error(`op schema ${domain}::${name}-${since}: type list ${list}`);
    typeMap.set(c.slice(0, eq), new Set(words(items)));
  }
  return {
    domain, name, since,
    ...(deprecated ? { deprecated } : {}),
    minInputs: minIn, maxInputs: maxIn < 0 ? Infinity : maxIn, inputs: params(inputs),
    minOutputs: minOut, maxOutputs: maxOut < 0 ? Infinity : maxOut, outputs: params(outputs),
    attrs: attrMap, types: typeMap,
  };
}
