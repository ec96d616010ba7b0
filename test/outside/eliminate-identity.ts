import { definePass, editAll } from 'lathe';

/**
 * y = Identity(x)  →  every reader of y reads x, and the node goes.
 *
 * Kept when y is a graph output and x cannot stand in for it (`canTakeOutputName` is false: x is
 * a graph input, an initializer, an outer value or already an output). In the main graph the
 * output's name is the model's interface, so the editor would put an Identity back and the pass
 * would never settle; in a subgraph, onnxruntime refuses an output that is an outer value
 * (microsoft/onnxruntime#11536).
 */
export const eliminateIdentity = definePass({
  name: 'eliminate-identity',
  summary: 'Remove Identity nodes, except where a graph output needs one',
  defaults: {},
  run: (model, ctx) =>
    editAll(model, (e) => {
      for (const node of e.nodes({ op: 'Identity', domain: '' })) {
        const [x] = node.inputs;
        const [y] = node.outputs;
        if (x == null || y == null) continue;
        if (e.isGraphOutput(y) && !e.canTakeOutputName(x)) continue;
        e.replaceAllUses(y, x);
        e.remove(node.id);
        ctx.stats.count('removed');
      }
    }),
});
