/**
 * Drivers that apply a rule set to every graph of a model (main graph, subgraphs, function
 * bodies), bounded (MLIR's greedy driver and walk driver; tinygrad's graph_rewrite):
 * - `greedy`: sweeps the graph in order, rewriting where a rule fires, until a sweep changes
 *   nothing, or `maxSweeps`/`maxRewrites` is reached (then `stop` says so: a rule set that keeps
 *   undoing itself stops instead of looping);
 * - `walk`: one sweep; nodes a rewrite adds are not revisited.
 *
 * At each node the rules indexed by its op are tried in declaration order; for each, every way
 * the pattern matches is offered to `check` until one is accepted. Then the rewrite builds its
 * replacement through the emitter, the root's outputs are replaced, and matched nodes left
 * without uses are removed. Declines are reported to `trace` with their reason.
 */
import { editAll, type Editor } from '../../ir/edit/edit.js';
import { LatheError } from '../../ir/error.js';
import type { GraphPath } from '../../ir/walk.js';
import type { Model, Node, NodeId, ValueId } from '../../ir/types.js';
import { makeEmitter, type EmitterState } from './emit.js';
import { cannotMatch, matchAt, Operands, type MatchState } from './match.js';
import { isFail, opKey, type MatchContext, type Rule, type RuleSet } from './rule.js';
import { editorView, type Facts, type GraphView } from './view.js';
import type { RuleTraceEvent } from '../pass.js';

export type { RuleTraceEvent } from '../pass.js';

export interface ApplyRulesOptions {
  readonly mode?: 'greedy' | 'walk';
  /** Greedy: at most this many sweeps over one graph (default 16). */
  readonly maxSweeps?: number;
  /** At most this many rewrites in the whole model (default 1,000,000). */
  readonly maxRewrites?: number;
  /** Stamp new nodes with `lathe.rule` metadata (default true). */
  readonly provenance?: boolean;
  /** Rules for which this is true are skipped (`--disable-rules`). */
  readonly disabled?: (rule: string) => boolean;
  /** Rules for which this is true report every attempt to `trace` (`--trace-rules`). */
  readonly traced?: (rule: string) => boolean;
  readonly trace?: (event: RuleTraceEvent) => void;
  /** Called once per rewrite with the rule's name. */
  readonly onRewrite?: (rule: string) => void;
  /** Inferred types and dims of the model's values, for rules that need more than declared types. */
  readonly facts?: Facts;
}

export type StopReason = 'converged' | 'max-sweeps' | 'max-rewrites';

export interface ApplyRulesResult {
  readonly model: Model;
  readonly rewrites: number;
  readonly stop: StopReason;
}

const onnxVersion = (opsets: Model['opsets']): number | undefined => opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version;

/**
 * The ONNX opset a rule may emit for: the graph's own import; in a function body, also no later
 * than the model's (a runtime inlines the body at the model's opset: onnxruntime refuses a Mish
 * of a body importing 18 in a model importing 17, and ONNX wants a body's ops to mean the same
 * at both versions).
 */
function onnxOpset(model: Model, path: GraphPath): number {
  let root = path;
  while (root.parent) root = root.parent;
  const own = onnxVersion(root.step.kind === 'function' ? model.functions[root.step.index].opsets : model.opsets) ?? 0;
  const outer = root.step.kind === 'function' ? onnxVersion(model.opsets) : undefined;
  return outer === undefined ? own : Math.min(own, outer);
}

function inFunctionBody(path: GraphPath): boolean {
  let root = path;
  while (root.parent) root = root.parent;
  return root.step.kind === 'function';
}

/** Values of matched nodes other than the root that something outside the match reads. */
function escapingIntermediate(view: GraphView, nodes: readonly Node[], e: Editor): ValueId | undefined {
  const inside = new Set(nodes.map((n) => n.id));
  for (const n of nodes.slice(1)) {
    for (const v of n.outputs) {
      if (v === null) continue;
      if (view.isGraphOutput(v)) return v;
      for (const u of e.uses(v)) if (u.kind !== 'input' || !inside.has(u.node)) return v;
    }
  }
  return undefined;
}

interface Attempt {
  readonly fired: boolean;
  /** Why it did not fire: a string, or a thunk (see MatchState) resolved only when traced. */
  readonly reason?: string | (() => string);
}

/** Tries one rule at `node`; on success the graph is rewritten. */
function tryRule(rule: Rule, node: Node, e: Editor, view: GraphView, opset: number, provenance: boolean, operands: Operands | undefined): Attempt {
  if (rule.minOpset !== undefined && opset < rule.minOpset) return { fired: false, reason: `needs ONNX opset ${rule.minOpset}, the graph imports ${opset}` };
  // Untraced, a node that cannot match skips the matcher (a traced one gets the matcher's reason).
  if (operands && cannotMatch(rule.root, operands)) return { fired: false };
  const st: MatchState = { failure: 'no match' };
  let reason: string | undefined;
  for (const sol of matchAt(rule.root, node, view, st)) {
    const escaping = rule.sharedIntermediates ? undefined : escapingIntermediate(view, sol.nodes, e);
    if (escaping !== undefined) {
      reason = `intermediate value ${e.value(escaping)?.name ?? escaping} is used outside the match`;
      continue;
    }
    const ctx: MatchContext = { view, root: node, nodes: sol.nodes, opset };
    let data: unknown;
    try {
      data = rule.check(sol.env, ctx);
    } catch (err) {
      // A constant whose payload cannot be read (a stripped skeleton …): the rule declines.
      if (!(err instanceof LatheError)) throw err;
      reason = err.message;
      continue;
    }
    if (data === false || isFail(data)) {
      reason = data === false ? 'check declined' : data.reason;
      continue;
    }
    const state: EmitterState = { added: [] };
    const replacement = rule.rewrite(sol.env, makeEmitter(e, view, node, rule.name, provenance, state), data);
    if (replacement === null) {
      // Nodes the rewrite built before declining are dead: remove them (last first).
      removeDead(e, state.added.map((v) => e.value(v)?.def?.node).filter((n): n is NodeId => n !== undefined).reverse());
      reason = 'rewrite declined';
      continue;
    }
    replaceOutputs(e, node, replacement);
    removeDead(e, sol.nodes.map((n) => n.id));
    return { fired: true };
  }
  return { fired: false, reason: reason ?? st.failure };
}

function replaceOutputs(e: Editor, root: Node, replacement: ValueId | readonly (ValueId | null)[]): void {
  const list = typeof replacement === 'string' ? [replacement] : replacement;
  list.forEach((to, i) => {
    const from = root.outputs[i];
    if (to === null || from === null || from === undefined || to === from) return;
    const type = e.value(from)?.type;
    e.replaceAllUses(from, to);
    if (type && !e.value(to)?.type && e.value(to)?.def) e.setValue(to, { type });
  });
}

/**
 * Removes the listed nodes that no longer feed anything, then, transitively, the nodes of this
 * graph that fed only them (a Constant whose one reader was rewritten away goes too).
 */
function removeDead(e: Editor, ids: readonly NodeId[]): void {
  const work = [...ids];
  for (let i = 0; i < work.length; i++) {
    const n = e.node(work[i]);
    if (!n || n.outputs.length === 0 || !n.outputs.every((v) => v === null || e.uses(v).length === 0)) continue;
    e.remove(n.id);
    for (const v of n.inputs) {
      const def = v === null ? undefined : e.value(v)?.def;
      if (def) work.push(def.node);
    }
  }
}

/** Applies `rules` to every graph of `model`; returns the same model when nothing fired. */
export function applyRules(model: Model, rules: RuleSet, options: ApplyRulesOptions = {}): ApplyRulesResult {
  const maxSweeps = options.mode === 'walk' ? 1 : (options.maxSweeps ?? 16);
  const maxRewrites = options.maxRewrites ?? 1_000_000;
  const provenance = options.provenance ?? true;
  let rewrites = 0;
  let stop: StopReason = 'converged';
  // Rules by domain, then op: a node's rules without building its `domain::op` key.
  const byDomain = new Map<string, Map<string, readonly Rule[]>>();
  for (const r of rules.rules) {
    const alts = r.root.kind === 'or' ? r.root.alts : [r.root];
    for (const a of alts) {
      if (a.kind !== 'op') continue;
      let ops = byDomain.get(a.domain);
      if (!ops) byDomain.set(a.domain, (ops = new Map()));
      ops.set(a.op, rules.byRoot.get(opKey(a.domain, a.op))!);
    }
  }
  const out = editAll(model, (e, path) => {
    const opset = onnxOpset(model, path);
    const view = editorView(e, inFunctionBody(path), options.facts, opset);
    let shared: Operands | undefined;
    for (let sweep = 0; ; sweep++) {
      if (sweep === maxSweeps) {
        if (options.mode !== 'walk') stop = 'max-sweeps';
        return;
      }
      let changed = false;
      for (const node of e.nodes()) {
        // (e.nodes() yields only nodes still in the graph, read just before.)
        const candidates = byDomain.get(node.domain)?.get(node.op);
        if (!candidates) continue;
        let operands: Operands | undefined;
        for (const rule of candidates) {
          if (options.disabled?.(rule.name)) continue;
          if (rewrites >= maxRewrites) {
            stop = 'max-rewrites';
            return;
          }
          const traced = options.traced?.(rule.name) ?? false;
          // Traced rules get the matcher's own reason, so they skip the quick test.
          if (!traced) operands ??= shared ? shared.reset(node) : (shared = new Operands(node, view));
          const attempt = tryRule(rule, node, e, view, opset, provenance, traced ? undefined : operands);
          if (traced) {
            const why = typeof attempt.reason === 'function' ? attempt.reason() : attempt.reason;
            options.trace?.({ rule: rule.name, node: node.id, op: node.op, ...(node.name !== undefined && { nodeName: node.name }), fired: attempt.fired, ...(why !== undefined && { reason: why }) });
          }
          if (attempt.fired) {
            rewrites++;
            changed = true;
            options.onRewrite?.(rule.name);
            break;
          }
        }
      }
      if (!changed) return;
    }
  });
  return { model: out, rewrites, stop };
}
