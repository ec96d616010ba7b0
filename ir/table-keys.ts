/**
 * The keys of a graph table (`nodes`, `values`), listed once per table object. Tables are
 * immutable once built (an edit writes a copy), and a large one is a dictionary-mode object whose
 * `Object.keys` sorts its entries by insertion: on a 200,000-value graph that is tens of
 * milliseconds, paid again by each pass and by the verifier for the same unchanged table.
 */
const memo = new WeakMap<object, readonly string[]>();

/** `Object.keys(table)`, memoized by table identity (do not call it on a table still being filled). */
export function tableKeys<K extends string>(table: Readonly<Record<K, unknown>>): readonly K[] {
  let keys = memo.get(table);
  if (keys === undefined) memo.set(table, (keys = Object.keys(table)));
  return keys as readonly K[];
}
