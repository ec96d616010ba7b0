/**
 * topo-sort: puts the nodes of every graph (main, subgraphs, function bodies) in an order where
 * each node comes after the nodes defining what it reads, inputs and subgraph captures alike.
 * Stable: an already valid order is kept as it is, and a re-sort moves a node only when a
 * dependency forces it (a model read from a file whose nodes are out of order). A graph with a
 * cycle cannot be sorted: it is left unchanged and a warning names it.
 * Returns the same model when every order is valid.
 */
import { sortModel } from '../../ir/edit/topo.js';
import type { Model } from '../../ir/types.js';
import { definePass, type PassContext } from '../../src/pass.js';

export function topoSortIn(model: Model, ctx?: PassContext): Model {
  return sortModel(
    model,
    (graph, message) => ctx?.log.warn(`topo-sort: ${graph}: ${message}; order left as it is`),
    () => ctx?.stats.count('graphs'),
  );
}

export const topoSort = definePass({
  name: 'topo-sort',
  summary: 'Order the nodes of every graph so that each comes after what it reads (stable).',
  defaults: {},
  ensures: ['topo-sorted'],
  run: (model, ctx) => topoSortIn(model, ctx),
});
