/**
 * The op table: built from the kernels and the inference rules (`defineOpTable`), indexed by
 * (domain, name), and the definition in effect for an imported opset.
 *
 * Each (domain, name) has exactly one OpDef (its kernel and rule switch on the opset between the
 * versions listed in `since`); a duplicate op, a second rule for one op, or a rule for an op the
 * table does not define is an error here, at build time, so two files cannot silently shadow or
 * miss each other.
 */
import { LatheError } from '../error.js';
import { normalizeDomain } from '../domain.js';
import type { InferRule, OpDef, OpTable } from './types.js';

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

function opKey(domain: string, name: string): string {
  return `${normalizeDomain(domain)}\u0000${name}`;
}

/** The table by (domain, name): the one place a duplicate op is refused. */
function indexTable(table: OpTable): Map<string, OpDef> {
  const byKey = new Map<string, OpDef>();
  for (const def of table) {
    const key = opKey(def.domain, def.name);
    if (byKey.has(key)) throw new LatheError(`op table: ${def.domain || 'ai.onnx'}::${def.name} is defined twice`);
    if (def.since.length === 0) throw new LatheError(`op table: ${def.domain || 'ai.onnx'}::${def.name} lists no versions`);
    byKey.set(key, def);
  }
  return byKey;
}

/**
 * The op table: each kernel definition with the inference rule of the same (domain, name)
 * attached (`infer`, and `foldInInference` when the rule asks to fold). Errors: a duplicate op, two
 * rules for one op, a rule naming an op with no definition.
 */
export function defineOpTable(kernels: OpTable, rules: readonly InferRule[]): OpTable {
  const byKey = indexTable(kernels);
  const ruleOf = new Map<string, InferRule>();
  for (const r of rules) {
    const key = opKey(r.domain, r.name);
    const label = `${r.domain || 'ai.onnx'}::${r.name}`;
    if (!byKey.has(key)) throw new LatheError(`op table: inference rule for ${label}, which the table does not define`);
    if (ruleOf.has(key)) throw new LatheError(`op table: ${label} has two inference rules`);
    ruleOf.set(key, r);
  }
  return kernels.map((def) => {
    const r = ruleOf.get(opKey(def.domain, def.name));
    if (!r) return def;
    if (def.infer) throw new LatheError(`op table: ${def.domain || 'ai.onnx'}::${def.name} has two inference rules`);
    return { ...def, infer: r.infer, ...(r.fold ? { foldInInference: true } : {}) };
  });
}

/** Indexes `table`; a duplicate (domain, name) is a LatheError naming it. */
export function buildRegistry(table: OpTable): Registry {
  const byKey = indexTable(table);
  // Looked up once per node by every pass and by inference: by domain as spelled, then by name,
  // without building a key string per call (misses fall back to the normalized key).
  const byDomain = new Map<string, Map<string, OpDef>>();
  const lookup = (domain: string, name: string): OpDef | undefined => {
    let names = byDomain.get(domain);
    if (!names) {
      if (byDomain.size >= 256) return byKey.get(opKey(domain, name)); // a model of many made-up domains
      byDomain.set(domain, (names = new Map()));
    }
    let def = names.get(name);
    if (def === undefined && !names.has(name)) {
      def = byKey.get(opKey(domain, name));
      if (names.size < 4096) names.set(name, def!);
    }
    return def;
  };
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
