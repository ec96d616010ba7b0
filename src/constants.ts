/**
 * Constant values as passes see them, in the graph an Editor edits: an initializer that is not
 * also a graph input (an input can be fed), a `Constant` node, or either of these in an enclosing
 * graph (read by a subgraph as a capture). `isConstant` is structural (no payload is read);
 * `value` decodes, once per reader: payloads are not cached on the Tensor, so a decoded copy of a
 * large weight does not outlive the pass.
 */
import type { Editor } from '../ir/edit/edit.js';
import { tensorValue } from '../ir/ops/tensor-value.js';
import type { RtValue } from '../ir/ops/types.js';
import type { Graph, Model, Node, Tensor, ValueId } from '../ir/types.js';
import type { GraphPath } from '../ir/walk.js';
import { foldableDef, runKernel } from './kernel-call.js';
import { normalizeDomain } from '../ir/domain.js';

export interface ConstantReader {
  /** True when `v` is a constant (see the module comment); reads no payload. */
  isConstant(v: ValueId): boolean;
  /** The value of a constant, or null (not a constant, or its payload cannot be read). */
  value(v: ValueId): RtValue | null;
  /** Records the value of a constant made during the edit (e.g. a folded result). */
  remember(v: ValueId, value: RtValue): void;
}

/** A `Constant` node of the ONNX domain with a literal value (no attribute reference). */
export function isConstantNode(n: Node | undefined): n is Node {
  return n !== undefined && n.op === 'Constant' && n.domain === '' && !n.attrs.some((a) => a.kind === 'ref');
}

/** The opset of each domain in effect in the graph at `path` (a function's own over the model's). */
export function opsetsFor(model: Model, path: GraphPath): Map<string, number> {
  let root = path;
  while (root.parent) root = root.parent;
  const m = new Map<string, number>();
  const add = (list: Model['opsets']) => {
    for (const o of list) m.set(normalizeDomain(o.domain), o.version);
  };
  add(model.opsets);
  if (root.step.kind === 'function') add(model.functions[root.step.index].opsets);
  return m;
}

function decode(t: Tensor): RtValue | null {
  if (t.data.kind === 'none' && t.dims.some((d) => d !== 0)) return null;
  try {
    return tensorValue(t, 'initializer');
  } catch {
    return null;
  }
}

/** A reader for the graph `e` edits, at `path`, with the opsets in effect there. */
export function constantReader(e: Editor, path: GraphPath, opsets: ReadonlyMap<string, number>): ConstantReader {
  const memo = new Map<ValueId, RtValue | null>();
  const constantNodeValue = (node: Node): RtValue | null => {
    const opset = opsets.get('');
    const def = foldableDef(node, opset);
    if (!def) return null;
    try {
      return runKernel(def, node, opset!, [], [undefined])[0] ?? null;
    } catch {
      return null;
    }
  };
  const outer = (v: ValueId): Graph | undefined => {
    for (let p = path.parent; p; p = p.parent) if (Object.hasOwn(p.graph.values, v)) return p.graph;
    return undefined;
  };
  const isConstant = (v: ValueId): boolean => {
    const val = e.value(v);
    if (val) {
      if (e.isGraphInput(v)) return false;
      if (val.tensor) return e.isInitializer(v);
      return val.def !== undefined && isConstantNode(e.node(val.def.node));
    }
    const g = outer(v);
    if (!g || g.inputs.includes(v)) return false;
    const w = g.values[v];
    if (w.tensor) return g.initializers.includes(v);
    return w.def !== undefined && isConstantNode(g.nodes[w.def.node]);
  };
  const value = (v: ValueId): RtValue | null => {
    const known = memo.get(v);
    if (known !== undefined) return known;
    let out: RtValue | null = null;
    if (isConstant(v)) {
      const g = e.value(v) ? undefined : outer(v);
      const val = g ? g.values[v] : e.value(v)!;
      if (val.tensor) out = decode(val.tensor);
      else if (val.def) out = constantNodeValue(g ? g.nodes[val.def.node] : e.node(val.def.node)!);
    }
    memo.set(v, out);
    return out;
  };
  return { isConstant, value, remember: (v, x) => void memo.set(v, x) };
}
