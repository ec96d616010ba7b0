/**
 * The reference evaluator: runs a Model on runtime values with the kernels of an op table.
 * Browser-safe (no `node:` imports).
 *
 * - Nodes run in `graph.order`, iteratively; values live in a scope per graph run, chained to the
 *   enclosing graph's scope by ValueId (subgraphs read outer values without copies).
 * - Initializers are decoded once per Tensor object; a graph input that is also an initializer
 *   takes the initializer unless it is fed.
 * - A node's op is looked up in the table for the opset its domain imports (the model's, or the
 *   function's own inside a function body); failing that, a local function of the model with the
 *   same (domain, name, overload) runs through its body, with `ref` attributes bound to the
 *   calling node's attributes or the function's defaults.
 * - After each kernel, widened float outputs are rounded to their dtype, storage is checked and a
 *   dtype, rank or static dim that contradicts the declared value type is a LatheError naming
 *   node and value.
 * - Values are dropped after their last use (memory stays near the live set).
 * - Subgraph and function nesting is bounded (MAX_EVAL_DEPTH).
 */
import { LatheError } from '../error.js';
import { dtypeName } from '../dtype.js';
import { checkDepth, findFunction, functionFrame, modelFrame, nodeAttrs, opsetOf, resolveOp, subgraphFrame, type Frame } from '../interp/frame.js';
import { Scope } from '../interp/scope.js';
import { standardOps } from '../ops/index.js';
import { registryFor, type Registry } from '../ops/registry.js';
import type { KernelContext, OpTable, RtValue } from '../ops/types.js';
import { streamKey, uniformAt, type StreamKey } from '../random.js';
import type { Graph, Model, Node, OnnxFunction, ValueId } from '../types.js';
import { capturesOf, storedIn } from '../uses.js';
import { nodeLabel } from '../walk.js';
import { checkFeed } from './feed.js';
import { checkStorage, denseValue, describeValue, initializerValue, storedResult } from './values.js';

/** Deepest nesting of subgraph runs and function calls. */
export const MAX_EVAL_DEPTH = 100;

export interface EvaluateOptions {
  /** The op table (default: lathe's standard ops). */
  readonly ops?: OpTable;
  /** Seed of the random source of Random* ops (default 0). */
  readonly seed?: number;
  /**
   * Sees every value the main graph's nodes compute, by value name, before it may be dropped
   * (calibration collects statistics this way without keeping the tensors).
   */
  readonly observe?: (name: string, value: RtValue) => void;
  /**
   * A computed value whose rank or static dims contradict its declared type: an error (default
   * true), or let through (false: `lathe run` and `lathe compare`, as onnxruntime lets a model's
   * stale value_info through with a warning).
   */
  readonly checkDeclaredShapes?: boolean;
}

export type Inputs = ReadonlyMap<string, RtValue> | Readonly<Record<string, RtValue>>;

/** What one evaluate call shares across graphs. */
interface Run {
  readonly registry: Registry;
  readonly observe?: (name: string, value: RtValue) => void;
  readonly checkShapes: boolean;
  readonly functions: readonly OnnxFunction[];
  readonly key: StreamKey;
  counter: number;
}

/**
 * Runs `model` on `inputs` (by graph input name) and returns the graph outputs by name. Inputs
 * must match the declared dtype and rank/static dims; initializer inputs may be omitted.
 */
export function evaluate(model: Model, inputs: Inputs, options: EvaluateOptions = {}): Map<string, RtValue> {
  const run: Run = {
    registry: registryFor(options.ops ?? standardOps),
    functions: model.functions,
    checkShapes: options.checkDeclaredShapes !== false,
    key: streamKey(options.seed ?? 0, 'lathe-eval'),
    counter: 0,
    ...(options.observe && { observe: options.observe }),
  };
  const graph = model.graph;
  const feed = new Map<string, RtValue>(inputs instanceof Map ? inputs : Object.entries(inputs));
  const initializers = storedIn(graph);
  const bound: (RtValue | null | undefined)[] = [];
  const known = new Set<string>();
  for (const id of graph.inputs) {
    const value = graph.values[id];
    const name = value?.name ?? id;
    known.add(name);
    const v = feed.get(name);
    if (v === undefined) {
      if (!initializers.has(id)) throw new LatheError(`missing input '${name}'`);
      bound.push(undefined);
      continue;
    }
    checkFeed(v, value?.type, `input '${name}'`);
    bound.push(v);
  }
  for (const name of feed.keys()) if (!known.has(name)) throw new LatheError(`'${name}' is not an input of the model`);
  const outs = runGraph(run, graph, undefined, modelFrame(model), bound, true);
  const result = new Map<string, RtValue>();
  graph.outputs.forEach((id, i) => {
    const v = outs[i];
    const name = graph.values[id]?.name ?? id;
    if (v === null) throw new LatheError(`output '${name}' was not produced`);
    result.set(name, v);
  });
  return result;
}

/** Per graph: for each node index, the values whose last read is that node (dropped after it). */
const freePlans = new WeakMap<Graph, (ValueId[] | undefined)[]>();

function freePlan(graph: Graph): (ValueId[] | undefined)[] {
  let plan = freePlans.get(graph);
  if (plan) return plan;
  const last = new Map<ValueId, number>();
  graph.order.forEach((nid, i) => {
    const node = graph.nodes[nid];
    if (!node) return;
    for (const v of node.inputs) if (v !== null) last.set(v, i);
    for (const v of capturesOf(node)) last.set(v, i);
  });
  for (const v of graph.outputs) last.delete(v);
  plan = new Array(graph.order.length);
  for (const [v, i] of last) (plan[i] ??= []).push(v);
  freePlans.set(graph, plan);
  return plan;
}

function valueName(graph: Graph, id: ValueId): string {
  return graph.values[id]?.name ?? id;
}

/**
 * Runs one graph. `bound[i]` is the value of `graph.inputs[i]` (undefined: not given — the
 * initializer if any, else an omitted optional input). Returns one value per graph output;
 * a missing output is an error unless `allowMissing` (function bodies may leave optional
 * outputs unset).
 */
function runGraph(
  run: Run, graph: Graph, parent: Scope<RtValue> | undefined, frame: Frame, bound: readonly (RtValue | null | undefined)[],
  allowMissing = false,
): (RtValue | null)[] {
  checkDepth(frame, graph, MAX_EVAL_DEPTH);
  const scope = new Scope<RtValue>(parent);
  const vals = scope.values;
  for (const id of graph.initializers) {
    const t = graph.values[id]?.tensor;
    if (t) vals.set(id, initializerValue(t, `initializer '${valueName(graph, id)}'`));
  }
  for (const id of graph.sparseInitializers) {
    const s = graph.values[id]?.sparse;
    if (s) vals.set(id, denseValue(s, `sparse initializer '${valueName(graph, id)}'`));
  }
  graph.inputs.forEach((id, i) => {
    const v = bound[i];
    if (v !== undefined) vals.set(id, v);
    else if (!vals.has(id)) vals.set(id, null);
  });
  const plan = freePlan(graph);
  const order = graph.order;
  for (let i = 0; i < order.length; i++) {
    const node = graph.nodes[order[i]];
    if (!node) throw new LatheError(`graph '${graph.name}': order lists unknown node ${order[i]}`);
    const label = `node ${nodeLabel(node, i)}`;
    const inputs = node.inputs.map((id) => {
      if (id === null) return null;
      const v = scope.lookup(id);
      if (v === undefined) throw new LatheError(`${label}: input '${valueName(graph, id)}' has no value (not computed before this node)`);
      return v;
    });
    const outs = runNode(run, graph, scope, frame, node, label, inputs);
    node.outputs.forEach((id, k) => {
      if (id !== null) vals.set(id, outs[k] ?? null);
    });
    if (run.observe && parent === undefined && frame.depth === 0) {
      node.outputs.forEach((id, k) => {
        const v = outs[k];
        if (id !== null && v) run.observe!(valueName(graph, id), v);
      });
    }
    const dead = plan[i];
    if (dead) for (const id of dead) vals.delete(id);
  }
  return graph.outputs.map((id) => {
    const v = scope.lookup(id);
    if (v === undefined || (v === null && !allowMissing)) {
      throw new LatheError(`graph '${graph.name}': output '${valueName(graph, id)}' has no value`);
    }
    return v;
  });
}

function runNode(
  run: Run, graph: Graph, scope: Scope<RtValue>, frame: Frame, node: Node, label: string, inputs: (RtValue | null)[],
): (RtValue | null)[] {
  const found = resolveOp(run.registry, frame, node);
  let outs: (RtValue | null)[];
  if (found) {
    const ctx: KernelContext = {
      node,
      opset: found.opset,
      attrs: nodeAttrs(frame, node, label),
      outputDtypes: node.outputs.map((id) => {
        const t = id === null ? undefined : graph.values[id]?.type;
        return t?.kind === 'tensor' && t.dtype !== 0 ? t.dtype : undefined;
      }),
      runGraph: (g, ins) => {
        const r = runGraph(run, g, scope, subgraphFrame(frame), ins.map((v) => v));
        return r as RtValue[];
      },
      random: () => uniformAt(run.key, run.counter++),
    };
    try {
      outs = found.def.kernel(inputs, ctx);
    } catch (e) {
      throw withLabel(e, label);
    }
  } else {
    const fn = findFunction(run.functions, node);
    if (!fn) {
      const domain = node.domain || 'ai.onnx';
      const opset = opsetOf(frame, node);
      throw new LatheError(`${label}: no kernel for ${domain}::${node.op}${opset === undefined ? ` (domain ${domain} is not imported)` : ` at opset ${opset}`}`);
    }
    try {
      outs = callFunction(run, fn, frame, node, inputs);
    } catch (e) {
      throw withLabel(e, label);
    }
  }
  return finishOutputs(graph, node, label, inputs, outs, run.checkShapes);
}

function withLabel(e: unknown, label: string): unknown {
  if (e instanceof LatheError) {
    if (e.message.startsWith(label)) return e;
    const out = new LatheError(`${label}: ${e.message}`, e.file);
    out.stack = e.stack;
    return out;
  }
  // A RangeError out of a kernel is an allocation the model asked for and the engine refused
  // (a huge shape): bad input, not a bug.
  if (e instanceof RangeError) {
    const out = new LatheError(`${label}: ${e.message}`);
    out.stack = e.stack;
    return out;
  }
  if (e instanceof Error) {
    const out = new Error(`${label}: ${e.name}: ${e.message}`, { cause: e });
    out.stack = e.stack;
    return out;
  }
  return e;
}

function callFunction(run: Run, fn: OnnxFunction, frame: Frame, node: Node, inputs: readonly (RtValue | null)[]): (RtValue | null)[] {
  const bound = fn.graph.inputs.map((_, i) => inputs[i] ?? null);
  return runGraph(run, fn.graph, undefined, functionFrame(frame, fn, node), bound, true);
}

function finishOutputs(
  graph: Graph, node: Node, label: string, inputs: readonly (RtValue | null)[], outs: (RtValue | null)[], checkShapes: boolean,
): (RtValue | null)[] {
  if (!Array.isArray(outs)) throw new Error(`${label}: kernel returned no output list`);
  const result: (RtValue | null)[] = [];
  node.outputs.forEach((id, k) => {
    let v = outs[k] ?? null;
    if (id === null || v === null) {
      result.push(v);
      return;
    }
    const what = `${label}: output '${valueName(graph, id)}'`;
    if (v.kind === 'tensor') {
      checkStorage(v, what);
      v = storedResult(v, inputs);
    }
    const declared = graph.values[id]?.type;
    if (declared?.kind === 'tensor' && declared.dtype !== 0 && v.kind === 'tensor' && v.dtype !== declared.dtype) {
      throw new LatheError(`${what} is ${dtypeName(v.dtype)} but declared ${dtypeName(declared.dtype)}`);
    }
    if (declared && declared.kind !== 'none' && declared.kind !== v.kind && !(declared.kind === 'sparse' && v.kind === 'tensor')) {
      throw new LatheError(`${what} is a ${describeValue(v)} but declared a ${declared.kind}`);
    }
    // A declared rank or static dim the value contradicts: a model (or a pass that wrote its
    // value_info) that says [3, 4] where [4, 3] is computed is wrong, and runtimes refuse it.
    if (checkShapes && declared?.kind === 'tensor' && declared.shape && v.kind === 'tensor') {
      const s = declared.shape;
      if (s.length !== v.dims.length || s.some((d, i) => typeof d === 'number' && d !== v.dims[i])) {
        throw new LatheError(`${what} has shape [${v.dims.join(', ')}] but is declared [${s.map((d) => d ?? '?').join(', ')}]`);
      }
    }
    result.push(v);
  });
  return result;
}
