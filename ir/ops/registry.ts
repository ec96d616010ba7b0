/**
 * The op table indexed by (domain, name), and the definition in effect for an imported opset.
 *
 * Each (domain, name) has exactly one OpDef (its kernel switches on `ctx.opset` between the
 * versions listed in `since`); a duplicate across the family tables is an error at build time,
 * so two helpers cannot silently shadow each other.
 */
import { LatheError } from '../error.js';
import type { OpDef, OpTable } from './types.js';

/** Domain spellings that mean the ONNX domain. */
function normDomain(d: string): string {
  return d === 'ai.onnx' ? '' : d;
}

export interface Registry {
  /** The definition of (domain, name), whatever the version. */
  lookup(domain: string, name: string): OpDef | undefined;
  /**
   * The definition in effect when the model imports `opset` of `domain`: the op exists when its
   * first `since` ≤ `opset`. Returns the def and the version in effect (highest `since` ≤ opset).
   */
  resolve(domain: string, name: string, opset: number): { def: OpDef; version: number } | undefined;
  /** Every definition, in table order. */
  readonly defs: readonly OpDef[];
}

/** Indexes `table`; a duplicate (domain, name) is a LatheError naming it. */
export function buildRegistry(table: OpTable): Registry {
  const byKey = new Map<string, OpDef>();
  for (const def of table) {
    const key = `${normDomain(def.domain)}\u0000${def.name}`;
    if (byKey.has(key)) throw new LatheError(`op table: ${def.domain || 'ai.onnx'}::${def.name} is defined twice`);
    if (def.since.length === 0) throw new LatheError(`op table: ${def.domain || 'ai.onnx'}::${def.name} lists no versions`);
    byKey.set(key, def);
  }
  const lookup = (domain: string, name: string) => byKey.get(`${normDomain(domain)}\u0000${name}`);
  return {
    defs: [...table],
    lookup,
    resolve(domain, name, opset) {
      const def = lookup(domain, name);
      if (!def) return undefined;
      let version: number | undefined;
      for (const v of def.since) if (v <= opset && (version === undefined || v > version)) version = v;
      return version === undefined ? undefined : { def, version };
    },
  };
}

const cache = new WeakMap<OpTable, Registry>();

/** `buildRegistry` memoized per table object (the standard table is built once per process). */
export function registryFor(table: OpTable): Registry {
  let r = cache.get(table);
  if (!r) {
    r = buildRegistry(table);
    cache.set(table, r);
  }
  return r;
}
