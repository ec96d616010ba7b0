/**
 * Helpers for the plain objects the IR is made of: a writable view of a readonly type, a copy
 * without undefined-valued keys, and structural equality of plain data.
 */

/** `T` without `readonly` on its own fields (for building an object, or assigning to a draft). */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * A copy of `o` without its undefined-valued keys, so built objects print, compare and
 * serialize cleanly. (Copying rather than `delete`: deleting keys sends V8 objects into slow
 * dictionary mode.)
 */
export function defined<T extends object>(o: T): T {
  const out = {} as T;
  for (const k in o) if (o[k] !== undefined) out[k] = o[k];
  return out;
}

/**
 * Structural equality of plain data (objects, arrays, primitives, byte arrays), as types and
 * value infos are: an undefined-valued key is the same as an absent one, key order does not
 * matter, byte arrays compare by their bytes.
 */
export function plainEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let n = 0;
  for (const k in x) {
    if (x[k] === undefined) continue;
    n++;
    if (!plainEqual(x[k], y[k])) return false;
  }
  for (const k in y) if (y[k] !== undefined) n--;
  return n === 0;
}
