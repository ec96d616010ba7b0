/**
 * Small models each carrying exactly one kind of defect, keyed by the verify code they must
 * trigger. Built with GraphBuilder and then broken by hand, the way a buggy pass or a crafted file
 * would break them.
 */
import { GraphBuilder, modelOf, tensorType } from '../../ir/edit/build.js';
import { counterAllocator } from '../../ir/ids.js';
import type { Graph, Model, Node, NodeId, OnnxFunction, ValueId } from '../../ir/types.js';

const f32 = tensorType(1, [2, 2]);

/** x → Relu → Neg → y, plus the builder to extend it. */
export function chainModel(): { model: Model; x: ValueId; r: ValueId; y: ValueId; relu: NodeId; neg: NodeId } {
  const b = new GraphBuilder();
  const x = b.input('x', f32);
  const r = b.op('Relu', [x], undefined, { types: [f32] });
  const y = b.op('Neg', [r], undefined, { types: [f32] });
  b.output(y, 'y');
  const g = b.build();
  return { model: modelOf(g), x, r, y, relu: g.order[0], neg: g.order[1] };
}

function withGraph(m: Model, patch: Partial<Graph>): Model {
  return { ...m, graph: { ...m.graph, ...patch } };
}

function setNode(g: Graph, id: NodeId, patch: Partial<Node>): Graph['nodes'] {
  return { ...g.nodes, [id]: { ...g.nodes[id], ...patch } };
}

/** A model with `depth` nested If nodes (each then-branch holds the next If). */
export function nestedIfModel(depth: number): Model {
  const b = new GraphBuilder();
  const c = b.input('c', tensorType(9, []));
  const x = b.input('x', f32);
  // Build innermost first so each level can embed the one below.
  const ids = b.ids;
  let inner: Graph | undefined;
  for (let level = depth; level >= 1; level--) {
    const sb = new GraphBuilder(`level${level}`, ids);
    const v = inner
      ? sb.op('If', [c], { then_branch: inner, else_branch: leaf(sb, x) }, { types: [f32] })
      : sb.op('Relu', [x], undefined, { types: [f32] });
    sb.output(v, undefined, f32);
    inner = sb.build();
  }
  const y = inner ? b.op('If', [c], { then_branch: inner, else_branch: leaf(b, x) }, { types: [f32] }) : b.op('Relu', [x]);
  b.output(y, 'y', f32);
  return modelOf(b.build());
}

function leaf(parent: GraphBuilder, x: ValueId): Graph {
  const sb = parent.subgraph('leaf');
  sb.output(sb.op('Neg', [x], undefined, { types: [f32] }), undefined, f32);
  return sb.build();
}

/** A chain of `n` Relu nodes. */
export function longChainModel(n: number): Model {
  const b = new GraphBuilder();
  let v = b.input('x', f32);
  for (let i = 0; i < n; i++) v = b.op(i % 2 ? 'Relu' : 'Neg', [v], undefined, { types: [f32] });
  b.output(v, 'y');
  return modelOf(b.build());
}

function ifModel(): { model: Model; b: GraphBuilder; x: ValueId } {
  const b = new GraphBuilder();
  const c = b.input('c', tensorType(9, []));
  const x = b.input('x', f32);
  const t = b.subgraph('then');
  t.output(t.op('Relu', [x]));
  const e = b.subgraph('else');
  e.output(e.op('Neg', [x]));
  const y = b.op('If', [c], { then_branch: t.build(), else_branch: e.build() });
  b.output(y, 'y');
  return { model: modelOf(b.build()), b, x };
}

let fnIds = 0;
function fn(name: string, callee: string | undefined): OnnxFunction {
  // Ids are model-wide: keep function bodies clear of the main graph's ids.
  fnIds += 100;
  const b = new GraphBuilder(name, counterAllocator(1000 + fnIds, 1000 + fnIds));
  const x = b.input('x');
  b.output(callee ? b.op(callee, [x], undefined, { domain: 'local' }) : b.op('Relu', [x]));
  return { name, domain: 'local', params: [], paramDefaults: [], opsets: [{ domain: '', version: 17 }, { domain: 'local', version: 1 }], graph: b.build() };
}

/** One broken model per verify code. */
export const invalidModels: Record<string, () => Model> = {
  'duplicate-value-id': () => {
    const { model, neg, r } = chainModel();
    const g = model.graph;
    // Neg claims the same output id as Relu.
    return withGraph(model, { nodes: setNode(g, neg, { outputs: [r] }), outputs: [r] });
  },
  'duplicate-node-id': () => {
    const { model, relu } = chainModel();
    return withGraph(model, { order: [relu, ...model.graph.order] });
  },
  'duplicate-name': () => {
    const { model, r } = chainModel();
    const g = model.graph;
    return withGraph(model, { values: { ...g.values, [r]: { ...g.values[r], name: 'x' } } });
  },
  'shadowed-name': () => {
    // The then-branch defines a value named like the outer input `x`.
    const { model } = ifModel();
    const g = model.graph;
    const ifNode = g.nodes[g.order[0]];
    const thenG = (ifNode.attrs[0] as { value: Graph }).value;
    const out = thenG.outputs[0];
    const renamed: Graph = { ...thenG, values: { ...thenG.values, [out]: { ...thenG.values[out], name: 'x' } } };
    const attrs = [{ ...ifNode.attrs[0], kind: 'graph' as const, value: renamed }, ifNode.attrs[1]];
    return withGraph(model, { nodes: setNode(g, ifNode.id, { attrs }) });
  },
  'duplicate-initializer': () => {
    const b = new GraphBuilder();
    const t = { dtype: 1, dims: [], data: { kind: 'raw' as const, bytes: new Uint8Array(4) } };
    const w1 = b.initializer('w', t);
    const w2 = b.initializer('w', t);
    b.output(b.op('Add', [w1, w2]), 'y');
    return modelOf(b.build());
  },
  'node-table': () => {
    const { model, neg } = chainModel();
    return withGraph(model, { order: model.graph.order.filter((id) => id !== neg) , outputs: [] });
  },
  'value-table': () => {
    const { model, r } = chainModel();
    const values = { ...model.graph.values };
    delete values[r];
    return withGraph(model, { values });
  },
  'use-before-def': () => {
    const { model } = chainModel();
    return withGraph(model, { order: [...model.graph.order].reverse() });
  },
  cycle: () => {
    const { model, relu, y } = chainModel();
    // Relu reads Neg's output, and Neg reads Relu's.
    return withGraph(model, { nodes: setNode(model.graph, relu, { inputs: [y] }) });
  },
  'out-of-scope': () => {
    // The else-branch reads a value defined inside the then-branch.
    const { model } = ifModel();
    const g = model.graph;
    const ifNode = g.nodes[g.order[0]];
    const thenG = (ifNode.attrs[0] as { value: Graph }).value;
    const elseG = (ifNode.attrs[1] as { value: Graph }).value;
    const inThen = thenG.outputs[0];
    const elseNode = elseG.nodes[elseG.order[0]];
    const elseBroken: Graph = { ...elseG, nodes: { ...elseG.nodes, [elseNode.id]: { ...elseNode, inputs: [inThen] } } };
    const attrs = [ifNode.attrs[0], { ...ifNode.attrs[1], kind: 'graph' as const, value: elseBroken }];
    return withGraph(model, { nodes: setNode(g, ifNode.id, { attrs }) });
  },
  'undefined-value': () => {
    const { model, relu } = chainModel();
    return withGraph(model, { nodes: setNode(model.graph, relu, { inputs: ['v999' as ValueId] }) });
  },
  'undefined-output': () => {
    const { model } = chainModel();
    return withGraph(model, { outputs: ['v998' as ValueId] });
  },
  'null-graph-io': () => {
    const { model } = chainModel();
    return withGraph(model, { outputs: [null as unknown as ValueId] });
  },
  'no-outputs': () => {
    const { model, neg } = chainModel();
    const values = { ...model.graph.values };
    const y = model.graph.nodes[neg].outputs[0]!;
    delete values[y];
    return withGraph(model, { nodes: setNode(model.graph, neg, { outputs: [] }), values, outputs: [] });
  },
  'unknown-domain': () => {
    const { model, relu } = chainModel();
    return withGraph(model, { nodes: setNode(model.graph, relu, { domain: 'com.example' }) });
  },
  'bad-dims': () => {
    const b = new GraphBuilder();
    const w = b.initializer('w', { dtype: 1, dims: [-1], data: { kind: 'none' } }, tensorType(1, [2]));
    b.output(b.op('Relu', [w]), 'y');
    return modelOf(b.build());
  },
  'tensor-size': () => {
    const b = new GraphBuilder();
    const w = b.initializer('w', { dtype: 1, dims: [2, 3], data: { kind: 'raw', bytes: new Uint8Array(20) } });
    b.output(b.op('Relu', [w]), 'y');
    return modelOf(b.build());
  },
  'duplicate-function': () => {
    const { model } = chainModel();
    return { ...model, functions: [fn('F', undefined), fn('F', undefined)] };
  },
  'function-cycle': () => {
    const { model } = chainModel();
    return { ...model, functions: [fn('F', 'G'), fn('G', 'F')] };
  },
  'nesting-depth': () => nestedIfModel(101),
};
