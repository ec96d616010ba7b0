/**
 * `AttrReader` over a node's attributes: typed access with defaults, errors naming the node.
 *
 * Inside a function body an attribute may be a reference (`ref_attr_name`) to an attribute of
 * the calling node; `resolve` supplies it (the caller's attribute or the function's default).
 * A reference that resolves to nothing behaves as an absent attribute, as ONNX specifies.
 */
import { LatheError } from '../error.js';
import { nodeLabel } from '../walk.js';
import type { Attr, AttrKind, Graph, Node } from '../types.js';
import { tensorValue } from './tensor-value.js';
import type { AttrReader, TensorValue } from './types.js';

/** Resolves a reference attribute (by the referenced name) to the caller's attribute, if any. */
export type RefResolver = (ref: string) => Attr | undefined;

type Of<K extends AttrKind> = Extract<Attr, { kind: K }>;

/** A reader over `node.attrs`; `label` names the node in errors (default `node <nodeLabel>`). */
export function attrReader(node: Node, resolve?: RefResolver, label = `node ${nodeLabel(node)}`): AttrReader {
  const find = (name: string): Attr | undefined => {
    for (const a of node.attrs) {
      if (a.name !== name) continue;
      if (a.kind !== 'ref') return a;
      const r = resolve?.(a.ref);
      return r === undefined ? undefined : { ...r, name };
    }
    return undefined;
  };
  const fail = (name: string, msg: string): never => {
    throw new LatheError(`${label}: attribute '${name}' ${msg}`);
  };
  function typed<K extends AttrKind>(name: string, kinds: readonly K[], dflt: unknown): Of<K> | undefined {
    const a = find(name);
    if (a === undefined) {
      if (dflt === undefined) fail(name, 'is required');
      return undefined;
    }
    if (!(kinds as readonly string[]).includes(a.kind)) fail(name, `is ${a.kind}, expected ${kinds[0]}`);
    return a as Of<K>;
  }
  return {
    has: (name) => find(name) !== undefined,
    get: find,
    int(name, dflt) {
      const a = typed(name, ['int'], dflt);
      return a ? Number(a.value) : dflt!;
    },
    bigint(name, dflt) {
      const a = typed(name, ['int'], dflt);
      return a ? a.value : dflt!;
    },
    float(name, dflt) {
      // An INT where a FLOAT is expected is read as its value (exporters write `alpha=1`).
      const a = typed(name, ['float', 'int'], dflt);
      return a ? Number(a.value) : dflt!;
    },
    string(name, dflt) {
      const a = typed(name, ['string'], dflt);
      return a ? a.value : dflt!;
    },
    ints(name, dflt) {
      const a = typed(name, ['ints'], dflt);
      return a ? a.value.map(Number) : [...dflt!];
    },
    floats(name, dflt) {
      const a = typed(name, ['floats', 'ints'], dflt);
      return a ? a.value.map(Number) : [...dflt!];
    },
    strings(name, dflt) {
      const a = typed(name, ['strings'], dflt);
      return a ? [...a.value] : [...dflt!];
    },
    tensor(name): TensorValue | undefined {
      const a = find(name);
      if (a === undefined) return undefined;
      if (a.kind !== 'tensor') return fail(name, `is ${a.kind}, expected tensor`);
      return tensorValue(a.value, `${label}: attribute '${name}'`);
    },
    graph(name): Graph | undefined {
      const a = find(name);
      if (a === undefined) return undefined;
      if (a.kind !== 'graph') return fail(name, `is ${a.kind}, expected graph`);
      return a.value;
    },
  };
}
