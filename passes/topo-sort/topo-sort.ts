/**
 * topo-sort: puts the nodes of every graph (main, subgraphs, function bodies) in an order where
 * each node comes after the nodes defining what it reads, inputs and subgraph captures alike.
 * Stable: an already valid order is kept as it is, and a re-sort moves a node only when a
 * dependency forces it (a model read from a file whose nodes are out of order). A graph with a
 * cycle cannot be sorted: it is left unchanged and a warning names it.
 * Returns the same model when every order is valid.
 */
import { LatheError } from '../../ir/error.js';
import { repairOrder } from '../../ir/edit/topo.js';
import type { Model, NodeId } from '../../ir/types.js';
import { mapGraphs, pathLabel } from '../../ir/walk.js';
import { definePass, type PassContext } from '../../src/pass.js';

export function topoSortIn(model: Model, ctx?: PassContext): Model {
  return mapGraphs(model, (g, path) => {
    const copy = [...g.order];
    let order: NodeId[];
    try {
      order = repairOrder(copy, g.nodes, g.values, g.name);
    } catch (e) {
      if (!(e instanceof LatheError)) throw e;
      ctx?.log.warn(`topo-sort: ${pathLabel(model, path)}: ${e.message}; order left as it is`);
      return g;
    }
    if (order === copy) return g;
    ctx?.stats.count('graphs');
    return { ...g, order };
  });
}

export const topoSort = definePass({
  name: 'topo-sort',
  summary: 'Order the nodes of every graph so that each comes after what it reads (stable).',
  defaults: {},
  ensures: ['topo-sorted'],
  run: (model, ctx) => topoSortIn(model, ctx),
});
