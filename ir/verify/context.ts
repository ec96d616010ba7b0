/**
 * The state the verifier's rules share: the model, the options, the report sink, and the tables
 * the definitions walk (definitions.ts) builds and the scope walk (scopes.ts) reads. Rules read
 * it; only the walks fill its tables.
 */
import type { Graph, Model, Node, ValueId } from '../types.js';
import { pathLabel, type GraphPath } from '../walk.js';
import type { Diagnostic, Place } from './diagnostic.js';

export interface VerifyOptions {
  /** Domains accepted on nodes even without an opset import (e.g. a runtime's contrib domain). */
  knownDomains?: readonly string[];
  /** Deepest subgraph nesting accepted (main graph = 0). Default 100. */
  maxDepth?: number;
}

/**
 * Definitions are numbered (`index` maps a ValueId to its number) and their facts kept in parallel
 * arrays: one number per value instead of one object, for graphs of a million values.
 */
export interface Defs {
  readonly index: Map<ValueId, number>;
  /** Index (in `graphs`) of the defining graph. */
  readonly graph: number[];
  /** Position in `order` of the defining node; -1 for inputs and initializers. */
  readonly pos: number[];
  readonly name: (string | undefined)[];
}

export interface VerifyContext {
  readonly model: Model;
  readonly options: VerifyOptions;
  readonly maxDepth: number;
  /** Diagnostics so far, in the order found. */
  readonly out: Diagnostic[];
  /** Appends a diagnostic located in the graph at `p` and returns it. */
  report(code: string, message: string, p: GraphPath, place?: Place, severity?: Diagnostic['severity']): Diagnostic;
  /** The index of the local function `node` calls, if any (first of a duplicated key). */
  callsLocal(node: Node): number | undefined;
  /** Every graph verified, in walk order (roots: main graph, then function bodies). */
  readonly graphs: GraphPath[];
  /** A graph's index in `graphs` (its first occurrence). */
  readonly graphIndex: Map<Graph, number>;
  readonly defs: Defs;
  /** Nodes of each graph by position in `order` (undefined where the table lacks the node). */
  readonly nodeLists: (Node | undefined)[][];
  /**
   * Per graph, the definition each output of each listed node resolves to (-1 for null), in
   * order: the scope walk reads them with a cursor instead of looking every output up again.
   */
  readonly outputDefs: number[][];
  /** Names of initializers a graph defines twice (reported once, as duplicate-initializer). */
  readonly dupInitNames: Map<Graph, Set<string>>;
}

/** The key under which a function (or a call to one) is looked up. */
export function functionKey(domain: string, name: string, overload: string | undefined): string {
  return `${domain}\u0000${name}\u0000${overload ?? ''}`;
}

/** A context with empty tables, the first definition of each function key indexed. */
export function createContext(model: Model, options: VerifyOptions): VerifyContext {
  const out: Diagnostic[] = [];
  const labels = new Map<Graph, string>();
  const label = (p: GraphPath) => {
    let l = labels.get(p.graph);
    if (l === undefined) labels.set(p.graph, (l = pathLabel(model, p)));
    return l;
  };
  const functions = new Map<string, number>();
  model.functions.forEach((f, i) => {
    const key = functionKey(f.domain, f.name, f.overload);
    if (!functions.has(key)) functions.set(key, i);
  });
  return {
    model,
    options,
    maxDepth: options.maxDepth ?? 100,
    out,
    report(code, message, p, place = {}, severity = 'error') {
      const d: Diagnostic = { severity, code, message, graph: label(p), ...place };
      out.push(d);
      return d;
    },
    callsLocal: (n) => functions.get(functionKey(n.domain, n.op, n.overload)),
    graphs: [],
    graphIndex: new Map(),
    defs: { index: new Map(), graph: [], pos: [], name: [] },
    nodeLists: [],
    outputDefs: [],
    dupInitNames: new Map(),
  };
}
