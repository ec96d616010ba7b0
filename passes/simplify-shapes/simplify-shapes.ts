/**
 * simplify-shapes: shape-computing nodes whose result inference knows exactly (Shape of a value
 * whose dims are static, Gather/Slice/Concat/arithmetic on such shapes, Size …) become constants.
 * Only what inference proves constant is replaced: a dim the model leaves symbolic (`batch`) keeps
 * its Shape node, so dynamic dims stay dynamic (onnxsim freezes them; lathe never does). Like
 * fold-constants it keeps a size budget (`limit`, default 0; `--fold-limit` sets both): when the
 * model (the constants it reads, and its nodes) would grow by more than `limit` bytes, only values
 * of shape size (MAX_SHAPE_ELEMENTS) are made, and larger ones are left to fold-constants' budget.
 *
 * Then Reshape and Expand targets computed from the input's own dims (Shape → Gather → Unsqueeze
 * → Concat) become constant targets with 0, -1 and 1 (targets.ts), so the scaffolding goes while
 * the dims it copied stay dynamic.
 *
 * Works on the main graph and the subgraphs inferred through it; function bodies are typed per
 * call site, so they are left to inlining.
 */
import { editAll } from '../../ir/edit/edit.js';
import { toTensor } from '../../ir/ops/tensor-value.js';
import type { NodeId, ValueId } from '../../ir/types.js';
import type { GraphPath } from '../../ir/walk.js';
import { hasSubgraphs } from '../../ir/walk.js';
import { definePass, rulesOfPass } from '../../src/pass.js';
import { liveModelBytes } from '../../src/tensor-bytes.js';
import { applyRules, ruleSet } from '../../src/pattern/index.js';
import { targetRules } from './targets.js';

const targets = ruleSet(targetRules);

/**
 * Values this small (shapes, dims, indices into them) are made constants whatever the budget: a
 * few bytes each, and the scaffolding they replace is what this pass exists to remove.
 */
export const MAX_SHAPE_ELEMENTS = 64;

function inFunction(path: GraphPath): boolean {
  let p = path;
  while (p.parent) p = p.parent;
  return p.step.kind === 'function';
}

export const simplifyShapes = definePass({
  name: 'simplify-shapes',
  summary: 'Replace shape computations that inference proves constant (static dims) by constants; symbolic dims stay dynamic.',
  defaults: { limit: 0 },
  run: (model, ctx, options) => {
    const facts = ctx.analyses.get(model, 'types');
    const { values } = facts;
    const counts = { made: 0, removed: 0 };
    const makeConstants = (maxElements: number) => {
      counts.made = counts.removed = 0;
      return values.size === 0 ? model : editAll(model, (e, path) => {
        if (inFunction(path)) return;
        // Nodes all of whose outputs inference knows; constants are made only for the values read
        // outside that set (a chain Shape→Gather→Mul→Concat becomes one constant, not four).
        const known = new Set<NodeId>();
        for (const node of e.nodes()) {
          if (node.op === 'Constant' || hasSubgraphs(node)) continue;
          // `y = Identity(c)` of a constant `c` computes nothing: it stands only where `c` cannot
          // take a graph output's name, and replacing it would insert the same Identity over a copy
          // of `c` on every run (a fixpoint that never converges with dedupe-initializers).
          if (node.op === 'Identity' && node.inputs[0] && e.value(node.inputs[0])?.tensor) continue;
          const outs = node.outputs.filter((v): v is ValueId => v !== null);
          if (outs.length > 0 && outs.every((v) => values.has(v) && !e.value(v)?.tensor && values.get(v)!.data.length <= maxElements)) known.add(node.id);
        }
        const replaced = [...known];
        for (const id of replaced) {
          for (const v of e.node(id)!.outputs) {
            if (v === null) continue;
            const outside = e.uses(v).some((u) => u.kind !== 'input' || !known.has(u.node));
            if (!outside) continue;
            e.replaceAllUses(v, e.addInitializer(toTensor(values.get(v)!)));
            counts.made++;
          }
        }
        // The replaced nodes, and what fed only them, are dead now.
        for (let i = 0; i < replaced.length; i++) {
          const n = e.node(replaced[i]);
          if (!n || !n.outputs.every((v) => v === null || e.uses(v).length === 0)) continue;
          e.remove(n.id);
          counts.removed++;
          for (const v of n.inputs) {
            const def = v === null ? undefined : e.value(v)?.def;
            if (def) replaced.push(def.node);
          }
        }
      });
    };
    // Every value inference knows (up to its MAX_KNOWN_ELEMENTS), unless the model (the constants
    // it reads and its nodes, src/tensor-bytes.ts) then grows by more than `limit` bytes (a Tile of
    // a small constant made whole): then only shape-sized values, which is what this pass is for;
    // the rest is fold-constants' to judge, node by node.
    let folded = makeConstants(Infinity);
    if (folded !== model && liveModelBytes(folded) > liveModelBytes(model) + options.limit) {
      folded = makeConstants(MAX_SHAPE_ELEMENTS);
      ctx.stats.count('over-budget');
    }
    if (counts.made > 0) ctx.stats.count('values-made-constant', counts.made);
    if (counts.removed > 0) ctx.stats.count('nodes-removed', counts.removed);
    // Inferred facts stay true of the values that survive; values made above are new ids.
    const run = rulesOfPass(ctx.rules, 'simplify-shapes');
    return applyRules(folded, targets, {
      facts,
      onRewrite: (r) => ctx.stats.count(`rule/${r}`),
      provenance: run?.provenance ?? true,
      ...(run?.disabled && { disabled: run.disabled }),
      ...(run?.traced && { traced: run.traced }),
      ...(run?.trace && { trace: run.trace }),
    }).model;
  },
});
