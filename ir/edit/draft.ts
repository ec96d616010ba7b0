/**
 * The immer side of editing: the Editor's tables (`nodes`, `values`) and lists (`outputs`,
 * `initializers`) are immer drafts, and the graph object is rebuilt with `produce`, so an edit that
 * changed nothing gives back the very same objects (immer's structural sharing and no-op detection).
 *
 * Three rules keep immer cheap and safe on huge and deeply nested models:
 * - A private instance with autoFreeze off. Freezing walks the whole result recursively (a
 *   10,000-deep nested model overflows the stack) and would freeze data users still hold;
 *   immer's global settings (`setAutoFreeze`) stay untouched for users' own immer code.
 * - One draft per table, never a draft of the graph holding drafts of its tables. With more than
 *   one draft in a scope, immer walks every new object written into a draft (recursively, at
 *   finalize) looking for nested drafts: writing a node that holds a 10,000-deep subgraph then
 *   overflows, and every write costs the size of what it holds.
 * - Never read a table of objects through its draft: immer would draft the node or value read
 *   (and copy the whole table on the first read). Reads go to a plain overlay of the writes; nodes
 *   and values are replaced whole, never drafted, so tensors, Blobs and typed arrays are shared.
 */
import { Immer, current } from 'immer';

export const immer = new Immer({ autoFreeze: false });

const REMOVED: unique symbol = Symbol('removed');

/**
 * A `Record` table (ids to objects) edited through an immer draft created on the first real write.
 * `get` sees the writes; writing the value already there, or deleting an absent key, is skipped
 * (immer would copy the whole table before noticing, and keeps no-ops out of `modified`).
 */
export class DraftTable<K extends string, V extends object> {
  private draft: Record<K, V> | null = null;
  private readonly written = new Map<K, V | typeof REMOVED>();
  private result: Readonly<Record<K, V>> | null = null;

  constructor(readonly base: Readonly<Record<K, V>>) {}

  get(key: K): V | undefined {
    // The hottest read of every pass (each node and value visited goes through it): one hash
    // lookup when nothing was written, not three.
    if (this.written.size !== 0) {
      const w = this.written.get(key);
      if (w !== undefined) return w === REMOVED ? undefined : w;
    }
    const v = (this.base as Record<string, unknown>)[key];
    if (v === undefined) return undefined;
    // A table holds nodes or values (plain objects) under its own keys; what a plain object
    // inherits under a string key is a function, or Object.prototype for '__proto__'.
    if (typeof v !== 'function' && v !== Object.prototype) return v as V;
    return Object.hasOwn(this.base, key) ? (v as V) : undefined;
  }

  set(key: K, value: V): void {
    if (this.get(key) === value) return;
    this.written.set(key, value);
    this.writable()[key] = value;
  }

  delete(key: K): void {
    if (this.get(key) === undefined) return;
    this.written.set(key, REMOVED);
    delete this.writable()[key];
  }

  /** The table as edited so far, without ending the draft (immer `current`: O(table)). */
  current(): Readonly<Record<K, V>> {
    return this.result ?? (this.draft ? (current(this.draft as object) as Record<K, V>) : this.base);
  }

  /** Ends the draft: the base itself when nothing changed. Later writes throw. */
  finish(): Readonly<Record<K, V>> {
    if (!this.result) {
      this.result = this.draft ? (immer.finishDraft(this.draft as object) as Record<K, V>) : this.base;
      this.draft = null;
    }
    return this.result;
  }

  private writable(): Record<K, V> {
    if (this.result) throw new Error('DraftTable: written after finish');
    return (this.draft ??= immer.createDraft(this.base as Record<K, V>) as Record<K, V>);
  }
}

/**
 * A list of ids edited through an immer draft. Its items are strings (never drafted), so reading
 * through the draft is safe.
 */
export class DraftList<T extends string | null> {
  private draft: T[] | null = null;
  private result: readonly T[] | null = null;

  constructor(readonly base: readonly T[]) {}

  /** The list as edited so far. */
  get items(): readonly T[] {
    return this.result ?? this.draft ?? this.base;
  }

  set(index: number, value: T): void {
    if (this.items[index] === value) return;
    this.writable()[index] = value;
  }

  push(value: T): void {
    this.writable().push(value);
  }

  current(): readonly T[] {
    return this.result ?? (this.draft ? (current(this.draft as object) as T[]) : this.base);
  }

  finish(): readonly T[] {
    if (!this.result) {
      this.result = this.draft ? (immer.finishDraft(this.draft as object) as T[]) : this.base;
      this.draft = null;
    }
    return this.result;
  }

  private writable(): T[] {
    if (this.result) throw new Error('DraftList: written after finish');
    return (this.draft ??= immer.createDraft(this.base as T[]) as T[]);
  }
}
