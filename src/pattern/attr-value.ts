/** Attribute values as the rewriter's patterns see them: plain JavaScript values. */
import type { Attr } from '../../ir/types.js';
import type { AttrValue } from './pattern.js';

/** The value of an attribute: ints as bigint, floats as number, lists as arrays, graphs/tensors as IR data. */
export function attrToJs(a: Attr): AttrValue {
  switch (a.kind) {
    case 'int':
    case 'float':
    case 'string':
    case 'tensor':
    case 'graph':
    case 'ints':
    case 'floats':
    case 'strings':
      return a.value;
    default:
      return a;
  }
}

function scalarEquals(a: unknown, b: unknown): boolean {
  if (typeof a === 'bigint' && typeof b === 'number') return Number.isInteger(b) && a === BigInt(b);
  if (typeof a === 'number' && typeof b === 'bigint') return Number.isInteger(a) && BigInt(a) === b;
  return a === b;
}

/** Equality of an attribute value and a pattern literal (ints and numbers compare numerically). */
export function attrEquals(value: AttrValue, literal: AttrValue): boolean {
  if (Array.isArray(value) || Array.isArray(literal)) {
    if (!Array.isArray(value) || !Array.isArray(literal) || value.length !== literal.length) return false;
    return value.every((x, i) => scalarEquals(x, literal[i]));
  }
  return scalarEquals(value, literal);
}
