/**
 * Editing: `edit(model, e => …)` returns a new Model, or the SAME object when the recipe changed
 * nothing, so `changed = out !== in`.
 *
 * Built on immer (see draft.ts): the Editor writes into immer drafts of the graph's tables
 * (`nodes`, `values`) and lists (`outputs`, `initializers`) and the graph is rebuilt with `produce`,
 * so untouched nodes, values, tables and subgraphs are shared and a no-op edit is the same object.
 * Nodes and values themselves are replaced whole (small objects built here), never drafted: what
 * they hold (tensor payloads, Blobs, typed arrays, subgraphs) is shared by reference.
 *
 * Which graph: `edit` edits the main graph, `editGraph(model, path, …)` one graph reached by a
 * walk (a subgraph or a function body), `editAll` every graph in turn (subgraphs before the graph
 * holding them). An Editor sees one graph; replacing a value also rewrites reads of it inside the
 * subgraphs of that graph's nodes (captures), since those are uses too.
 *
 * Graph output names (decision): a main-graph output's ONNX name is the model's interface. When
 * `replaceAllUses(from, to)` rewrites an output slot holding a named `from`, the name (and the
 * type, if `to` has none) moves to `to` when `to` is a node output of this graph that is not
 * already a graph output; otherwise (`to` is a graph input, an initializer, an outer value or
 * already an output) an `Identity(to)` carrying the name is inserted for that slot. A pass that
 * removes Identity nodes must therefore skip `y = Identity(x)` when `y` is a main-graph output and
 * `x` cannot take the name (`e.canTakeOutputName(x)` is false), or it will never converge.
 * Subgraph and function outputs are positional: their slots are rewritten directly (a node
 * output of that graph without a type takes the slot's declared type, and its name if unnamed).
 * onnxruntime refuses a subgraph output that is an outer value (microsoft/onnxruntime#11536): a
 * pass should not make one, `canTakeOutputName` answers there too.
 *
 * Reading: `e.producer(v)` gives the node (and output index) defining `v`, from an enclosing
 * graph too; `e.consumers(v)` the reads of `v` with their nodes (inputs, captures, outputs).
 */
import { LatheError } from '../error.js';
import { GraphEditor } from './session.js';
import { idAllocator, shareAllocator, type IdAllocator } from '../ids.js';
import type { Graph, Model, ValueId } from '../types.js';
import { mapGraphTree, mapGraphs, pathSteps, rootPaths, type GraphPath, type PathStep } from '../walk.js';

export type { AddOptions, Consumer, Editor, Producer } from './session.js';
import type { Editor, OuterLookup } from './session.js';

/** The model's id allocator, made (a scan of the whole model) only when an edit needs a fresh id. */
function lazyAllocator(model: Model): IdAllocator & { readonly real: IdAllocator | null } {
  let real: IdAllocator | null = null;
  const get = () => (real ??= idAllocator(model));
  return {
    value: () => get().value(),
    node: () => get().node(),
    get real() {
      return real;
    },
  };
}

/** A lookup of values defined in a graph enclosing `path` (and that graph). */
function outerLookup(path: GraphPath): OuterLookup {
  return (v) => {
    for (let p = path.parent; p; p = p.parent) if (Object.hasOwn(p.graph.values, v)) return { value: p.graph.values[v]!, graph: p.graph };
    return undefined;
  };
}

/** Edits the main graph. Returns `model` itself when the recipe changed nothing. */
export function edit(model: Model, recipe: (e: Editor) => void): Model {
  return editGraph(model, [{ kind: 'main' }], recipe);
}

/**
 * Edits the graph at `path` (from `walkGraphs`, or its `pathSteps`): a subgraph or a function body.
 * Ancestors are rebuilt only when the graph changed.
 */
export function editGraph(model: Model, path: GraphPath | readonly PathStep[], recipe: (e: Editor) => void): Model {
  const steps = Array.isArray(path) ? (path as readonly PathStep[]) : pathSteps(path as GraphPath);
  const ids = lazyAllocator(model);
  // Resolve the chain of graphs in `model` (not the walked one, which may be stale).
  const roots = rootPaths(model);
  const first = steps[0];
  let at: GraphPath | undefined = first?.kind === 'main' ? roots[0] : first?.kind === 'function' ? roots[first.index + 1] : undefined;
  for (let i = 1; at && i < steps.length; i++) {
    const s = steps[i];
    if (s.kind !== 'attr') throw new LatheError(`editGraph: step ${i} of the path is not an attribute step`);
    const a = at.graph.nodes[s.node]?.attrs[s.attr];
    const g = a?.kind === 'graph' && s.item < 0 ? a.value : a?.kind === 'graphs' ? a.value[s.item] : undefined;
    at = g ? { parent: at, step: s, graph: g, depth: at.depth + 1 } : undefined;
  }
  if (!at) throw new LatheError('editGraph: the path does not lead to a graph of this model');
  const target = at;
  const editor = new GraphEditor(target.graph, ids, target.step.kind === 'main', outerLookup(target));
  recipe(editor);
  const edited = editor.finish();
  if (edited === target.graph) return model;
  // Rebuild ancestors along the chain only.
  let root = mapGraphTree(
    steps[0].kind === 'main' ? roots[0] : roots[(steps[0] as { index: number }).index + 1],
    (g, p) => (p.graph === target.graph && p.depth === target.depth ? edited : g),
    (_g, p) => p.depth < target.depth && onChain(p, steps),
  );
  const out = replaceRoot(model, steps[0], root);
  if (ids.real) shareAllocator(out, ids.real);
  return out;
}

function onChain(p: GraphPath, steps: readonly PathStep[]): boolean {
  // p is on the chain iff its own step matches steps[p.depth] (ancestors were matched when descended).
  const s = steps[p.depth];
  const t = p.step;
  if (s.kind !== t.kind) return false;
  return s.kind !== 'attr' || (t.kind === 'attr' && s.node === t.node && s.attr === t.attr && s.item === t.item);
}

function replaceRoot(model: Model, step: PathStep, graph: Graph): Model {
  if (step.kind === 'main') return graph === model.graph ? model : { ...model, graph };
  if (step.kind !== 'function') return model;
  const f = model.functions[step.index];
  if (graph === f.graph) return model;
  const functions = [...model.functions];
  functions[step.index] = { ...f, graph };
  return { ...model, functions };
}

/**
 * Runs `recipe` on every graph (main, subgraphs, function bodies), subgraphs before the graph that
 * holds them. Returns `model` itself when nothing changed.
 */
export function editAll(model: Model, recipe: (e: Editor, path: GraphPath) => void): Model {
  const ids = lazyAllocator(model);
  const out = mapGraphs(model, (g, path) => {
    const editor = new GraphEditor(g, ids, path.step.kind === 'main', outerLookup(path));
    recipe(editor, path);
    return editor.finish();
  });
  if (ids.real) shareAllocator(out, ids.real);
  return out;
}
