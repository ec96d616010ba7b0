/**
 * The immer side of editing: the Editor's lists (`outputs`, `initializers`) are immer drafts, its
 * tables (`nodes`, `values`) copy-on-write records with the same contract (`DraftTable`), and the
 * graph object is rebuilt with `produce`, so an edit that changed nothing gives back the very same
 * objects (structural sharing and no-op detection).
 *
 * Three rules keep immer cheap and safe on huge and deeply nested models:
 * - A private instance with autoFreeze off. Freezing walks the whole result recursively (a
 *   10,000-deep nested model overflows the stack) and would freeze data users still hold;
 *   immer's global settings (`setAutoFreeze`) stay untouched for users' own immer code.
 * - One draft per list, never a draft of the graph holding drafts of its lists. With more than
 *   one draft in a scope, immer walks every new object written into a draft (recursively, at
 *   finalize) looking for nested drafts: writing a node that holds a 10,000-deep subgraph then
 *   overflows, and every write costs the size of what it holds.
 * - No table of objects is an immer draft: immer would draft each node or value read through it.
 *   Nodes and values are replaced whole, never drafted, so tensors, Blobs and typed arrays are
 *   shared.
 */
import { Immer, current } from 'immer';
import { sameKeys, tableKeys } from '../table-keys.js';

export const immer = new Immer({ autoFreeze: false });

/**
 * A `Record` table (ids to objects) edited copy-on-write: the first real write copies the table
 * once, later writes go to that copy, and `finish` gives the copy, or the base itself when nothing
 * was written. Writing the value already there, or deleting an absent key, is skipped, so no-ops
 * keep the base. This is what an immer draft of the table did, without a proxy trap, a map of
 * assigned keys and a finalize walk over every key per write set: on a 200,000-node graph those
 * were a third of writing inferred types. The copy is made in dictionary mode (a table of
 * hundreds of thousands of ids is one anyway; building it key by key from an empty literal creates
 * a hidden class per key first).
 */
export class DraftTable<K extends string, V extends object> {
  private copy: Record<K, V> | null = null;
  private result: Readonly<Record<K, V>> | null = null;

  constructor(readonly base: Readonly<Record<K, V>>) {}

  get(key: K): V | undefined {
    const table = (this.result ?? this.copy ?? this.base) as Record<string, unknown>;
    const v = table[key];
    if (v === undefined) return undefined;
    // A table holds nodes or values (plain objects) under its own keys; what a plain object
    // inherits under a string key is a function, or Object.prototype for '__proto__'.
    if (typeof v !== 'function' && v !== Object.prototype) return v as V;
    return Object.hasOwn(table, key) ? (v as V) : undefined;
  }

  /** True while nothing has been written: every entry is the base's. */
  untouched(): boolean {
    return this.copy === null && (this.result === null || this.result === this.base);
  }

  set(key: K, value: V): void {
    if (this.get(key) === value) return;
    this.writable()[key] = value;
  }

  delete(key: K): void {
    if (this.get(key) === undefined) return;
    delete this.writable()[key];
  }

  /** The table as edited so far, without ending the edit (a copy: O(table)). */
  current(): Readonly<Record<K, V>> {
    return this.result ?? (this.copy ? copyTable(this.copy) : this.base);
  }

  /** Ends the edit: the base itself when nothing changed. Later writes throw. */
  finish(): Readonly<Record<K, V>> {
    if (!this.result) {
      this.result = this.copy ?? this.base;
      this.copy = null;
    }
    return this.result;
  }

  private writable(): Record<K, V> {
    if (this.result) throw new Error('DraftTable: written after finish');
    return (this.copy ??= copyTable(this.base));
  }
}

/**
 * `base` with each entry replaced by `f(entry)`, in `base`'s order; `base` itself when `f` returns
 * every entry unchanged. One pass, the new table started at the first change: for an edit that
 * rewrites many entries of a large table (a copy then a write per entry costs twice: a table of
 * 200,000 ids is a dictionary, each write a hash insert).
 */
export function mapEntries<K extends string, V>(base: Readonly<Record<K, V>>, f: (value: V) => V): Readonly<Record<K, V>> {
  const keys = tableKeys(base);
  let out: Record<string, unknown> | undefined;
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = base[k];
    const next = f(v);
    if (out) out[k] = next;
    else if (next !== v) {
      out = emptyDictionary();
      for (let j = 0; j < i; j++) out[keys[j]] = base[keys[j]];
      out[k] = next;
    }
  }
  if (!out) return base;
  sameKeys(out, keys);
  return out as Record<K, V>;
}

/** An empty object already in dictionary mode (see `copyTable`). */
function emptyDictionary(): Record<string, unknown> {
  const out = {} as Record<string, unknown>;
  // Deleting a property that is not the last one added moves the object to dictionary mode.
  out['\u0000a'] = 0;
  out['\u0000b'] = 0;
  delete out['\u0000a'];
  delete out['\u0000b'];
  return out;
}

/** A shallow copy of a table's own entries, in their order, as a dictionary-mode object. */
function copyTable<K extends string, V>(base: Readonly<Record<K, V>>): Record<K, V> {
  const out = emptyDictionary();
  for (const k in base) if (Object.hasOwn(base, k)) out[k] = base[k];
  return out as Record<K, V>;
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
