/**
 * Rewrite rules: a pattern, a `check` that returns the data the rewrite needs (or the reason it
 * declines), and a `rewrite` that builds the replacement through the emitter only (DESIGN.md "The
 * rewrite-pattern API"). Rules are plain values; a `RuleSet` indexes them by root op.
 */
import { LatheError } from '../../ir/error.js';
import type { Node, ValueId } from '../../ir/types.js';
import type { Emitter } from './emit.js';
import type { PNode, Pattern } from './pattern.js';
import type { GraphView } from './view.js';

/** A declined match, with the reason `--trace-rules` prints. */
export interface Fail {
  readonly kind: 'fail';
  readonly reason: string;
  readonly sources: readonly ValueId[];
}

/** `return fail('MatMul operands are not 2-D', m.a)` in a check. */
export function fail(reason: string, ...sources: ValueId[]): Fail {
  return { kind: 'fail', reason, sources };
}

export function isFail(x: unknown): x is Fail {
  return typeof x === 'object' && x !== null && (x as { kind?: unknown }).kind === 'fail' && typeof (x as { reason?: unknown }).reason === 'string';
}

/** What a check sees beside the bindings: the graph, the root node and every matched node. */
export interface MatchContext {
  readonly view: GraphView;
  readonly root: Node;
  /** Matched nodes, root first. */
  readonly nodes: readonly Node[];
  /** The ONNX opset the graph imports (the function's own for a function body). */
  readonly opset: number;
}

/**
 * What `rewrite` returns: the value replacing the root's (first) output, one per root output
 * (null = that output is left as it is, and must then be unused or the rewrite keeps the root),
 * or null to decline after all.
 */
export type Replacement = ValueId | readonly (ValueId | null)[] | null;

export interface RuleSpec<B, D> {
  /** kebab-case, unique in its rule set: `matmul-add-to-gemm`. */
  readonly name: string;
  /** The root must be an op pattern (or alternatives of op patterns). */
  readonly match: Pattern<B>;
  /** Data for the rewrite, or `fail(...)`. `true`/absent: no data. `false` declines without a reason. */
  readonly check?: (m: B, ctx: MatchContext) => D | Fail | false;
  readonly rewrite: (m: B, emit: Emitter, data: D) => Replacement;
  /** The ONNX opset the replacement needs (e.g. 17 for LayerNormalization): below it the rule declines. */
  readonly minOpset?: number;
  /**
   * Intermediate nodes of a match normally may feed nothing outside the match and no graph
   * output (else the rewrite would duplicate their work). Rules that only read them say so.
   */
  readonly sharedIntermediates?: boolean;
}

/** A rule as the driver holds it (bindings erased). */
export interface Rule {
  readonly name: string;
  readonly root: PNode;
  readonly minOpset?: number;
  readonly sharedIntermediates: boolean;
  check(m: Readonly<Record<string, unknown>>, ctx: MatchContext): unknown;
  rewrite(m: Readonly<Record<string, unknown>>, emit: Emitter, data: unknown): Replacement;
}

const RULE_NAME = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** Makes a rule; the check's data type flows to the rewrite's third argument. */
export function defineRule<B, D = true>(spec: RuleSpec<B, D>): Rule {
  if (!RULE_NAME.test(spec.name)) throw new LatheError(`rule name '${spec.name}' is not kebab-case`);
  const root = spec.match.node;
  const alts = root.kind === 'or' ? root.alts : [root];
  if (alts.length === 0 || alts.some((a) => a.kind !== 'op')) throw new LatheError(`rule ${spec.name}: the root of a pattern must be an op`);
  return {
    name: spec.name,
    root,
    ...(spec.minOpset !== undefined && { minOpset: spec.minOpset }),
    sharedIntermediates: spec.sharedIntermediates ?? false,
    check: (m, ctx) => (spec.check ? spec.check(m as B, ctx) : true),
    rewrite: (m, emit, data) => spec.rewrite(m as B, emit, data as D),
  };
}

/**
 * The one-line form for tables: `rule('double-neg', op.Neg(op.Neg(x)), (m) => m.x)` (the
 * rewrite gets the bindings and the emitter), with an optional check and other options.
 */
export function rule<B, D = true>(
  name: string,
  match: Pattern<B>,
  rewrite: (m: B, emit: Emitter, data: D) => Replacement,
  extra: Omit<RuleSpec<B, D>, 'name' | 'match' | 'rewrite'> = {},
): Rule {
  return defineRule<B, D>({ name, match, rewrite, ...extra });
}

/** Rules indexed by root op (`domain::op`), each list in declaration order (first success wins). */
export interface RuleSet {
  readonly rules: readonly Rule[];
  readonly byRoot: ReadonlyMap<string, readonly Rule[]>;
}

export const opKey = (domain: string, op: string): string => `${domain}::${op}`;

/** Indexes rules by their root ops; two rules of one name are an error. */
export function ruleSet(rules: readonly Rule[]): RuleSet {
  const byRoot = new Map<string, Rule[]>();
  const names = new Set<string>();
  for (const r of rules) {
    if (names.has(r.name)) throw new LatheError(`two rules are named '${r.name}'`);
    names.add(r.name);
    const alts = r.root.kind === 'or' ? r.root.alts : [r.root];
    const keys = new Set(alts.map((a) => (a.kind === 'op' ? opKey(a.domain, a.op) : '')));
    for (const k of keys) {
      const list = byRoot.get(k);
      if (list) list.push(r);
      else byRoot.set(k, [r]);
    }
  }
  return { rules, byRoot };
}

/** A glob over rule names (`gelu-*`, `*-to-gemm`; several separated by commas) as a predicate. */
export function ruleGlob(globs: string): (name: string) => boolean {
  const parts = globs.split(',').map((g) => g.trim()).filter((g) => g !== '');
  if (parts.length === 0) return () => false;
  const res = parts.map((g) => new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`));
  return (name) => res.some((re) => re.test(name));
}
