/**
 * Checks a fed value against a declared type: kind, dtype, rank and static dims (symbolic and
 * unknown dims accept any size). Errors are one line naming the value (`what`).
 */
import { LatheError } from '../error.js';
import { dtypeName } from '../dtype.js';
import type { RtValue } from '../ops/types.js';
import type { Type } from '../types.js';
import { describeValue } from './values.js';

/** Deepest type nesting followed (sequence of optional of …). */
const MAX_DEPTH = 64;

export function checkFeed(v: RtValue | null, type: Type | undefined, what: string, depth = 0): void {
  if (!type || type.kind === 'none' || type.kind === 'opaque' || depth > MAX_DEPTH) return;
  const fail = (msg: string): never => {
    throw new LatheError(`${what}: ${msg}`);
  };
  if (v === null) return fail(`no value where a ${type.kind} is declared`);
  if (type.kind === 'tensor' || type.kind === 'sparse') {
    if (v.kind !== 'tensor') return fail(`got a ${describeValue(v)}, declared a tensor`);
    if (type.dtype !== 0 && v.dtype !== type.dtype) fail(`dtype ${dtypeName(v.dtype)}, declared ${dtypeName(type.dtype)}`);
    const shape = type.shape;
    if (!shape) return;
    const want = `[${shape.map((d) => d ?? '?').join(',')}]`;
    if (shape.length !== v.dims.length) fail(`shape [${v.dims.join(',')}] has rank ${v.dims.length}, declared ${want}`);
    shape.forEach((d, i) => {
      if (typeof d === 'number' && d !== v.dims[i]) fail(`shape [${v.dims.join(',')}] differs from declared ${want} at dim ${i}`);
    });
    return;
  }
  if (type.kind === 'sequence') {
    if (v.kind !== 'sequence') return fail(`got a ${describeValue(v)}, declared a sequence`);
    v.items.forEach((item, i) => checkFeed(item, type.elem, `${what}[${i}]`, depth + 1));
    return;
  }
  if (type.kind === 'optional') {
    if (v.kind !== 'optional') return fail(`got a ${describeValue(v)}, declared an optional`);
    if (v.value !== null) checkFeed(v.value, type.elem, what, depth + 1);
    return;
  }
  if (type.kind === 'map') {
    if (v.kind !== 'map') return fail(`got a ${describeValue(v)}, declared a map`);
    if (v.keyDtype !== type.key) fail(`map key ${dtypeName(v.keyDtype)}, declared ${dtypeName(type.key)}`);
  }
}
