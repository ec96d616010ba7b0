/**
 * The interpreter skeleton both readers of the op table share (the evaluator `ir/eval/run.ts` and
 * shape inference `ir/infer/infer.ts`): the opsets in effect per model or function, which
 * definition a node names (table op, else a local function by domain/name/overload), the frame
 * of a function call with its `ref` attributes bound, and the nesting bound. What each does with
 * a node (run a kernel, apply a rule) stays with it.
 */
import { getAttr } from '../attrs.js';
import { normalizeDomain } from '../domain.js';
import { LatheError } from '../error.js';
import { attrReader, type RefResolver } from '../ops/attrs.js';
import type { Registry } from '../ops/registry.js';
import type { AttrReader, OpDef } from '../ops/types.js';
import type { Graph, Model, Node, OnnxFunction } from '../types.js';

/** Per graph run: the opsets in effect, the attribute binding of a function body, the depth. */
export interface Frame {
  readonly opsets: ReadonlyMap<string, number>;
  /** Inside a function body: resolves `ref` attributes against the call. */
  readonly resolve?: RefResolver;
  readonly depth: number;
}

/** The opsets `list` imports, over those of `base` (a function sees the model's imports too). */
export function opsetMap(list: readonly { domain: string; version: number }[], base?: ReadonlyMap<string, number>): Map<string, number> {
  const m = new Map(base);
  for (const o of list) m.set(normalizeDomain(o.domain), o.version);
  return m;
}

/** The frame of the main graph. */
export function modelFrame(model: Model): Frame {
  return { opsets: opsetMap(model.opsets), depth: 0 };
}

/** The frame of a subgraph attribute run from a node of `frame`. */
export function subgraphFrame<F extends Frame>(frame: F): F {
  return { ...frame, depth: frame.depth + 1 };
}

/** Refuses a graph nested deeper than `max` subgraphs and function calls. */
export function checkDepth(frame: Frame, graph: Graph, max: number): void {
  if (frame.depth > max) throw new LatheError(`graph '${graph.name}': subgraphs and functions nest deeper than ${max} levels`);
}

/** The opset of `node`'s domain in `frame`; undefined when the domain is not imported. */
export function opsetOf(frame: Frame, node: Node): number | undefined {
  return frame.opsets.get(normalizeDomain(node.domain));
}

/** The table's definition in effect for `node` (by the opset its domain imports), if any. */
export function resolveOp(registry: Registry, frame: Frame, node: Node): { def: OpDef; opset: number } | undefined {
  const opset = opsetOf(frame, node);
  const found = opset === undefined ? undefined : registry.resolve(node.domain, node.op, opset);
  return found && { def: found.def, opset: opset! };
}

/** The model's local function `node` calls: same domain, name and overload. */
export function findFunction(functions: readonly OnnxFunction[], node: Node): OnnxFunction | undefined {
  return functions.find((f) => f.name === node.op && f.domain === node.domain && (f.overload ?? '') === (node.overload ?? ''));
}

/**
 * The frame of `fn`'s body called by `node`: the function's opsets over the caller's, and its
 * `ref` attributes bound to the calling node's attributes (themselves resolved when the caller is
 * in a function body), else the function's defaults.
 */
export function functionFrame(frame: Frame, fn: OnnxFunction, node: Node): Frame {
  const resolve: RefResolver = (ref) => {
    const a = getAttr(node.attrs, ref);
    if (a) return a.kind === 'ref' ? frame.resolve?.(a.ref) : a;
    return getAttr(fn.paramDefaults, ref);
  };
  return { opsets: opsetMap(fn.opsets, frame.opsets), resolve, depth: frame.depth + 1 };
}

/** The attributes of `node` as its op reads them (references resolved in `frame`). */
export function nodeAttrs(frame: Frame, node: Node, label: string): AttrReader {
  return attrReader(node, frame.resolve, label);
}
