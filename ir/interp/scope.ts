/**
 * Values of one graph run, chained to the enclosing graph's scope: a subgraph reads outer values
 * by ValueId without copies. Shared by the evaluator (runtime values) and shape inference (what
 * is known about each value).
 */
import type { ValueId } from '../types.js';

export class Scope<T> {
  /** This graph's own values; an entry may be null (an omitted optional value). */
  readonly values = new Map<ValueId, T | null>();
  constructor(readonly parent?: Scope<T>) {}

  /** The value of `id` here or in an enclosing scope; undefined when no scope binds it. */
  lookup(id: ValueId): T | null | undefined {
    for (let s: Scope<T> | undefined = this; s; s = s.parent) {
      const v = s.values.get(id);
      if (v !== undefined || s.values.has(id)) return v;
    }
    return undefined;
  }
}
