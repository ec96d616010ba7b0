/** Tensor payload sizes, for the size budgets of fold-constants and simplify-shapes. */
import type { Attr, Model, Node, Tensor, ValueId } from '../ir/types.js';
import { usesOf } from '../ir/uses.js';
import { rootPaths, walkGraphTree } from '../ir/walk.js';

/** Bytes a tensor's payload takes in the file. */
export function tensorBytes(t: Tensor): number {
  const d = t.data;
  if (d.kind === 'raw') return d.bytes.length;
  if (d.kind === 'strings') return d.values.reduce((n, b) => n + b.length + 2, 0);
  if (d.kind === 'blob') return d.blob.length;
  if (d.kind === 'field') return d.values instanceof Object && 'byteLength' in d.values ? d.values.byteLength : 0;
  return 0;
}

/**
 * A rough size of the NodeProto `node` (names, op type, attributes, doc string and metadata):
 * what removing it saves. The dynamo exporter gives every node a stack trace and scope names in
 * metadata_props, often a kilobyte or more: folding such a node frees them too.
 */
export function nodeProtoBytes(node: Node, nameOf: (v: ValueId) => string | undefined): number {
  let n = 4 + node.op.length + node.domain.length + (node.name?.length ?? 0) + (node.doc?.length ?? 0);
  for (const v of [...node.inputs, ...node.outputs]) n += 2 + (v === null ? 0 : (nameOf(v)?.length ?? 6));
  n += node.attrs.length * 8;
  for (const m of node.meta ?? []) n += 4 + m.key.length + m.value.length;
  return n;
}

/**
 * Roughly the bytes a model's file comes to once unread constants are cleaned up: the payloads of
 * the constants it still reads (`liveTensorBytes`) plus each node's `nodeProtoBytes`. The size
 * budgets compare it before and after a pass.
 */
export function liveModelBytes(model: Model): number {
  let total = liveTensorBytes(model);
  for (const root of rootPaths(model)) {
    walkGraphTree(root, (graph) => {
      for (const id of graph.order) total += nodeProtoBytes(graph.nodes[id], (v) => graph.values[v]?.name);
    });
  }
  return total;
}

/**
 * Payload bytes of the constants a model still reads: initializers with a use (a node input, a
 * subgraph capture or a graph output) and Constant nodes whose output is used, in every graph,
 * subgraph and function body. Constants nothing reads are what dead-code elimination removes, so
 * this is the size a pass's result comes to once cleaned up.
 */
export function liveTensorBytes(model: Model): number {
  let total = 0;
  for (const root of rootPaths(model)) {
    walkGraphTree(root, (graph) => {
      const uses = usesOf(graph);
      for (const v of graph.initializers) {
        const t = graph.values[v]?.tensor;
        if (t && (uses.get(v)?.length ?? 0) > 0) total += tensorBytes(t);
      }
      for (const id of graph.order) {
        const node = graph.nodes[id];
        if (node.op !== 'Constant' || node.domain !== '' || !node.outputs.some((o) => o !== null && (uses.get(o)?.length ?? 0) > 0)) continue;
        for (const a of node.attrs) total += constantAttrBytes(a);
      }
    });
  }
  return total;
}

/**
 * Payload bytes of a Constant node's value attribute, in whichever form it is written: a
 * `value_floats` of 200 elements is as large as a `value` tensor of them.
 */
function constantAttrBytes(a: Attr): number {
  switch (a.kind) {
    case 'tensor':
      return tensorBytes(a.value);
    case 'sparse_tensor':
      return tensorBytes(a.value.values) + tensorBytes(a.value.indices);
    case 'floats':
      return a.value.length * 4;
    case 'ints':
      return a.value.length * 8;
    case 'strings':
      return a.value.reduce((n, v) => n + v.length + 2, 0);
    default:
      return 0;
  }
}
