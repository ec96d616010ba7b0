/**
 * verify(model): every structural invariant of the IR, checked in one O(n) iterative pass.
 *
 * Codes (one test each in verify.test.ts):
 * - `duplicate-value-id`   a ValueId defined twice in the model (ids are model-wide)
 * - `duplicate-node-id`    a NodeId used twice (in one `order`, or in two graphs)
 * - `duplicate-name`       an ONNX value name defined twice in one graph
 * - `shadowed-name`        (warning) a subgraph redefines a visible outer name; ONNX forbids it,
 *                          but exporters emit it and lathe's ids make it harmless
 * - `duplicate-initializer` two initializers of one graph with the same name
 * - `node-table`           `order` and `nodes` disagree (missing node, node outside order, bad key)
 * - `value-table`          a defined value without a `values` entry, or with a wrong id/def/tensor
 * - `use-before-def`       a read of a value defined later in its graph or an enclosing graph
 * - `cycle`                nodes that depend on each other (reported once per cycle found)
 * - `out-of-scope`         a read of a value of a graph that does not enclose the reader
 * - `undefined-value`      a read of a value defined nowhere
 * - `undefined-output`     a graph output that is not defined (or not visible) there
 * - `null-graph-io`        a null or non-id in a graph's input/output list
 * - `no-outputs`           a node without any output
 * - `unknown-domain`       a node domain with no opset import (model's, or the function's own for
 *                          function bodies) that names no local function either
 * - `bad-dims`             negative/non-integer tensor or type dims, or an element count past 2^53
 * - `tensor-size`          payload length ≠ dtype × dims
 * - `duplicate-function`   two functions with one (domain, name, overload)
 * - `function-cycle`       functions calling each other recursively
 * - `nesting-depth`        subgraphs nested deeper than `maxDepth` (not verified further)
 *
 * Visibility is tracked with one scoped set: entering a graph adds its inputs and initializers, a
 * node's outputs are added after its subgraphs were checked, leaving a graph removes what it added.
 * Ids are unique model-wide, so removal is exact and the whole pass is linear.
 */
import type { Graph, Model, Node, NodeId, OnnxFunction, Tensor, Type, ValueId } from '../types.js';
import { entry, pathLabel, rootPaths, subgraphsOf, hasSubgraphs, walkGraphTree, type GraphPath, type SubgraphRef } from '../walk.js';
import { tensorProblems } from './tensor.js';
import { checkFunctionCycles } from './functions.js';
import { findCycles } from './cycles.js';
import { checkSchema } from './schema.js';

export interface Diagnostic {
  severity: 'error' | 'warning';
  code: string;
  message: string;
  /** Where: `main`, `main/If_0.then_branch`, `function ::Foo` … */
  graph: string;
  /** The node: its ONNX name, else `#<index> <op>`. */
  node?: string;
  /** The value: its ONNX name, else its id. */
  value?: string;
}

export interface VerifyOptions {
  /** Domains accepted on nodes even without an opset import (e.g. a runtime's contrib domain). */
  knownDomains?: readonly string[];
  /** Deepest subgraph nesting accepted (main graph = 0). Default 100. */
  maxDepth?: number;
}

/**
 * Definitions are numbered (`defs` maps a ValueId to its number) and their facts kept in parallel
 * arrays: one number per value instead of one object, for graphs of a million values.
 */
interface Defs {
  readonly index: Map<ValueId, number>;
  /** Index (in `graphs`) of the defining graph. */
  readonly graph: number[];
  /** Position in `order` of the defining node; -1 for inputs and initializers. */
  readonly pos: number[];
  readonly name: (string | undefined)[];
  /** 1 while in scope at the point pass 2 has reached (sized when pass 1 is done). */
  visible: Uint8Array;
}


interface Frame {
  path: GraphPath;
  gi: number;
  domains: ReadonlySet<string>;
  i: number;
  awaiting: Node | null;
  /** Cursor into `outputDefs[gi]`. */
  slot: number;
  children: SubgraphRef[];
  /** Definitions this frame made visible. */
  added: number[];
  /** Names this frame made visible (not kept for a root frame: leaving it clears them all). */
  names: string[];
  lateReads: { reader: NodeId; def: NodeId; diag: Diagnostic }[];
}

function fnKey(domain: string, name: string, overload: string | undefined): string {
  return `${domain}\u0000${name}\u0000${overload ?? ''}`;
}

function nodeAt(node: Node, i: number): string {
  return node.name ? node.name : `#${i} ${node.op}`;
}

export function verify(model: Model, options: VerifyOptions = {}): Diagnostic[] {
  const maxDepth = options.maxDepth ?? 100;
  const out: Diagnostic[] = [];
  const labels = new Map<Graph, string>();
  const label = (p: GraphPath) => {
    let l = labels.get(p.graph);
    if (l === undefined) labels.set(p.graph, (l = pathLabel(model, p)));
    return l;
  };
  const report = (code: string, message: string, p: GraphPath, extra: { node?: string; value?: string } = {}, severity: 'error' | 'warning' = 'error') => {
    const d: Diagnostic = { severity, code, message, graph: label(p), ...extra };
    out.push(d);
    return d;
  };

  // ---- functions: keys, duplicates, call cycles
  const functions = new Map<string, number>();
  model.functions.forEach((f, i) => {
    const key = fnKey(f.domain, f.name, f.overload);
    if (functions.has(key)) {
      out.push({ severity: 'error', code: 'duplicate-function', message: `function ${f.domain}::${f.name} is defined twice`, graph: `function ${f.domain}::${f.name}` });
    } else functions.set(key, i);
  });
  const callsLocal = (n: Node) => functions.get(fnKey(n.domain, n.op, n.overload));

  // ---- pass 1: where every value and node is defined
  const roots = rootPaths(model);
  const graphs: GraphPath[] = [];
  const graphIndex = new Map<Graph, number>();
  const D: Defs = { index: new Map(), graph: [], pos: [], name: [], visible: new Uint8Array(0) };
  const defs = D.index;
  const addDef = (id: ValueId, graph: number, pos: number, name: string | undefined): number => {
    const d = D.graph.length;
    defs.set(id, d);
    D.graph.push(graph);
    D.pos.push(pos);
    D.name.push(name);
    return d;
  };
  /** Nodes of each graph by position in `order` (undefined where the table lacks the node). */
  const nodeLists: (Node | undefined)[][] = [];
  /**
   * Per graph, the definition each output of each listed node resolves to (-1 for null), in
   * order: pass 2 walks them with a cursor instead of looking every output up again.
   */
  const outputDefs: number[][] = [];
  const dupInitNames = new Map<Graph, Set<string>>();
  let tooDeep = false;
  for (const root of roots) {
    walkGraphTree(root, (g, p) => {
      if (p.depth > maxDepth) {
        // Once is enough: every deeper graph would say the same.
        if (!tooDeep) report('nesting-depth', `subgraphs nested more than ${maxDepth} levels deep`, p);
        tooDeep = true;
        return false;
      }
      const gi = graphs.length;
      graphs.push(p);
      if (!graphIndex.has(g)) graphIndex.set(g, gi);
      collectDefs(g, p, gi);
      return true;
    });
  }

  function collectDefs(g: Graph, p: GraphPath, gi: number) {
    /** Values defined here (first definition of their id) whose table entry has a def. */
    let defsHere = 0;
    const inputs = new Set<ValueId>();
    const define = (v: unknown, pos: number, what: string) => {
      if (typeof v !== 'string') {
        report('null-graph-io', `graph ${what} list holds ${String(v)}`, p);
        return;
      }
      const id = v as ValueId;
      if (what === 'initializer' && inputs.has(id)) return; // ONNX: an input may have a default
      const value = entry(g.values, id);
      const prior = defs.get(id);
      if (prior !== undefined) report('duplicate-value-id', `value id ${id} is defined more than once`, p, { value: value?.name ?? id });
      else {
        addDef(id, gi, pos, value?.name);
        if (value?.def) defsHere++;
      }
      if (what === 'input') inputs.add(id);
      if (!value) report('value-table', `value ${id} (${what}) has no matching entry in the values table`, p, { value: id });
      else if (what === 'initializer' && value.tensor === undefined) report('value-table', `initializer ${value.name ?? id} has no tensor`, p, { value: value.name ?? id });
      else if (what === 'sparse initializer' && value.sparse === undefined) report('value-table', `sparse initializer ${value.name ?? id} has no sparse tensor`, p, { value: value.name ?? id });
    };
    for (const v of g.inputs) define(v, -1, 'input');
    for (const v of g.initializers) define(v, -1, 'initializer');
    for (const v of g.sparseInitializers) define(v, -1, 'sparse initializer');
    for (const v of g.outputs) if (typeof v !== 'string') report('null-graph-io', `graph output list holds ${String(v)}`, p);
    const list: (Node | undefined)[] = new Array(g.order.length);
    nodeLists[gi] = list;
    const slots: number[] = [];
    outputDefs[gi] = slots;
    let listed = 0;
    const order = g.order;
    const table = g.values;
    for (let pos = 0; pos < order.length; pos++) {
      const id = order[pos];
      const node = entry(g.nodes, id);
      if (!node) {
        report('node-table', `order names node ${id}, which is not in the nodes table (under that id)`, p, { node: id });
        continue;
      }
      const outputs = node.outputs;
      // A node id listed twice shows up as its outputs defined twice by the same node id (a node
      // id reused in another graph is harmless to lathe: nodes are only looked up per graph).
      let firstIndex = -1;
      for (let k = 0; k < outputs.length; k++) {
        if (outputs[k] !== null) {
          firstIndex = k;
          break;
        }
      }
      const prior = firstIndex >= 0 ? defs.get(outputs[firstIndex]!) : undefined;
      if (prior !== undefined && D.pos[prior] >= 0 && graphs[D.graph[prior]].graph.order[D.pos[prior]] === id) {
        report('duplicate-node-id', `node id ${id} appears more than once`, p, { node: nodeAt(node, pos) });
        continue;
      }
      list[pos] = node;
      listed++;
      for (let index = 0; index < outputs.length; index++) {
        const v = outputs[index];
        if (v === null) {
          slots.push(-1);
          continue;
        }
        const value = entry(table, v);
        let d = index === firstIndex ? prior : defs.get(v);
        if (d !== undefined) report('duplicate-value-id', `value id ${v} is defined more than once`, p, { node: nodeAt(node, pos), value: value?.name ?? v });
        else {
          d = addDef(v, gi, pos, value?.name);
          if (value?.def) defsHere++;
        }
        slots.push(typeof v === 'string' ? d : -1); // pass 2 defines only string ids
        if (!value) report('value-table', `output ${v} of node ${nodeAt(node, pos)} has no matching entry in the values table`, p, { node: nodeAt(node, pos), value: v });
        else if (!value.def || value.def.node !== id || value.def.index !== index) {
          report('value-table', `value ${value.name ?? v} does not record node ${nodeAt(node, pos)} output ${index} as its definition`, p, { node: nodeAt(node, pos), value: value.name ?? v });
        }
      }
    }
    const keys = Object.keys(g.nodes) as NodeId[];
    if (keys.length !== listed) {
      const inOrder = new Set(g.order);
      for (const id of keys) {
        if (!inOrder.has(id)) report('node-table', `node ${id} is in the nodes table but not in order`, p, { node: g.nodes[id].name ?? id });
      }
    }
    // Values that nodes do define were matched above; a def elsewhere is stale. The first loop
    // assumes none is (no lookup per value) and only counts the values with a def: when they are
    // exactly the `defsHere` values defined in this graph, none is stale; otherwise its reports
    // are taken back and the loop runs again with the check.
    const ids = Object.keys(table) as ValueId[];
    const reported = out.length;
    if (checkValues(table, ids, p, gi, false) !== defsHere) {
      out.length = reported;
      checkValues(table, ids, p, gi, true);
    }
    checkInitializerNames(g, p);
  }

  /** Per-value checks in table order; returns the number of values with a def. */
  function checkValues(table: Graph['values'], ids: readonly ValueId[], p: GraphPath, gi: number, stale: boolean): number {
    let withDef = 0;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      const value = table[id];
      const def = value.def;
      if (def) {
        withDef++;
        const d = stale ? defs.get(id) : gi;
        if (d === undefined || (stale && D.graph[d] !== gi)) {
          const name = value.name ?? id;
          report('value-table', `value ${name} names a definition (node ${def.node} output ${def.index}) that does not produce it`, p, { value: name });
        }
      }
      if (value.type) checkType(value.type, p, value.name ?? id);
      if (value.tensor) checkTensor(value.tensor, p, value.name ?? id);
      if (value.sparse) {
        checkTensor(value.sparse.values, p, value.name ?? id);
        checkTensor(value.sparse.indices, p, value.name ?? id);
      }
    }
    return withDef;
  }

  function checkInitializerNames(g: Graph, p: GraphPath) {
    const seen = new Set<string>();
    for (const v of g.initializers) {
      const name = Object.hasOwn(g.values, v) ? g.values[v].name : undefined;
      if (name === undefined) continue;
      if (seen.has(name)) {
        report('duplicate-initializer', `initializer name ${name} is used twice`, p, { value: name });
        if (!dupInitNames.has(g)) dupInitNames.set(g, new Set());
        dupInitNames.get(g)!.add(name);
      }
      seen.add(name);
    }
  }

  function checkType(t: Type, p: GraphPath, value: string) {
    if (t.kind === 'tensor' && t.shape && goodDims(t.shape)) return;
    const stack: Type[] = [t];
    while (stack.length > 0) {
      const x = stack.pop()!;
      if ((x.kind === 'tensor' || x.kind === 'sparse') && x.shape) {
        for (const d of x.shape) {
          if (typeof d === 'number' && (!Number.isSafeInteger(d) || d < 0)) {
            report('bad-dims', `type of ${value} has dim ${d}`, p, { value });
            break;
          }
        }
      } else if ((x.kind === 'sequence' || x.kind === 'optional') && x.elem) stack.push(x.elem);
      else if (x.kind === 'map' && x.value) stack.push(x.value);
    }
  }

  /** Reports the problems of `t`, named by `value` or else by `node` (its label built only for a report). */
  function checkTensor(t: Tensor, p: GraphPath, value: string | undefined, node?: Node, pos = 0) {
    const problems = tensorProblems(t);
    if (problems.length === 0) return;
    const where: { node?: string; value?: string } = node ? { node: nodeAt(node, pos) } : { value };
    for (const [code, message] of problems) {
      report(code, `${where.value ? `${where.value}: ` : `${where.node}: `}${message}`, p, where);
    }
  }

  // ---- pass 2: scoped reads, order, domains, node checks
  /** Visible ONNX name → index of the graph defining it. */
  const visibleNames = new Map<string, number>();
  const modelDomains = domainSet(model.opsets.map((o) => o.domain), options.knownDomains);
  const onChain = new Uint8Array(graphs.length);
  D.visible = new Uint8Array(D.graph.length);
  for (const root of roots) {
    if (!graphIndex.has(root.graph)) continue;
    const fn: OnnxFunction | undefined = root.step.kind === 'function' ? model.functions[root.step.index] : undefined;
    const domains = fn ? domainSet(fn.opsets.map((o) => o.domain), options.knownDomains) : modelDomains;
    const stack: Frame[] = [enter(root, graphIndex.get(root.graph)!, domains)];
    while (stack.length > 0) {
      const f = stack[stack.length - 1];
      const g = f.path.graph;
      if (f.children.length > 0) {
        const s = f.children.shift()!;
        const child: GraphPath = { parent: f.path, step: { kind: 'attr', node: f.awaiting!.id, attr: s.attr, item: s.item }, graph: s.graph, depth: f.path.depth + 1 };
        const gi = graphIndex.get(s.graph);
        if (gi !== undefined && child.depth <= maxDepth) stack.push(enter(child, gi, f.domains));
        continue;
      }
      if (f.awaiting) {
        const outputs = f.awaiting.outputs;
        const slots = outputDefs[f.gi];
        for (let k = 0; k < outputs.length; k++) {
          const d = slots[f.slot++];
          if (d >= 0) defineDef(f, d, outputs[k]!);
        }
        f.awaiting = null;
        f.i++;
        continue;
      }
      if (f.i < g.order.length) {
        const node = nodeLists[f.gi][f.i];
        if (!node) {
          f.i++;
          continue;
        }
        checkNode(f, node);
        f.awaiting = node;
        if (hasSubgraphs(node)) f.children = subgraphsOf(node);
        continue;
      }
      leave(f);
      stack.pop();
    }
  }

  function enter(path: GraphPath, gi: number, domains: ReadonlySet<string>): Frame {
    const f: Frame = { path, gi, domains, i: 0, awaiting: null, slot: 0, children: [], added: [], names: [], lateReads: [] };
    onChain[gi] = 1;
    const g = path.graph;
    for (const v of g.inputs) define(f, v);
    for (const v of g.initializers) define(f, v);
    for (const v of g.sparseInitializers) define(f, v);
    return f;
  }

  function define(f: Frame, v: ValueId) {
    if (typeof v !== 'string') return;
    const d = defs.get(v);
    if (d !== undefined) defineDef(f, d, v);
  }

  /** Makes definition `d` (of value `v`) visible in frame `f`, checking its name. */
  function defineDef(f: Frame, d: number, v: ValueId) {
    if (D.visible[d]) return;
    D.visible[d] = 1;
    f.added.push(d);
    const name = D.name[d];
    if (name === undefined) return;
    const g = f.path.graph;
    let owner: number | undefined;
    if (f.path.parent === null) {
      // At root level only the root's own names are visible (nested frames removed theirs when
      // they left), so one `set` tells a first definition (the map grows) from a repeated one.
      const size = visibleNames.size;
      visibleNames.set(name, f.gi);
      if (visibleNames.size !== size) return;
      owner = f.gi;
    } else owner = visibleNames.get(name);
    if (owner === f.gi) {
      // Two initializers sharing a name are reported as duplicate-initializer already.
      if (!(dupInitNames.get(g)?.has(name) && entry(g.values, v)?.tensor !== undefined)) {
        report('duplicate-name', `value name ${name} is defined more than once in scope`, f.path, { value: name });
      }
      return;
    }
    if (owner !== undefined) {
      // ONNX forbids shadowing, but exporters produce it and runtimes resolve it innermost-first.
      report('shadowed-name', `value name ${name} shadows a value of an enclosing graph`, f.path, { value: name }, 'warning');
      return;
    }
    visibleNames.set(name, f.gi);
    if (f.path.parent !== null) f.names.push(name);
  }

  function checkRead(f: Frame, v: ValueId, node: Node | null, what: string) {
    const d = defs.get(v);
    if (d !== undefined && D.visible[d]) return;
    const who = node ? { node: nodeAt(node, f.i) } : {};
    const name = (d === undefined ? undefined : D.name[d]) ?? v;
    if (d === undefined) {
      report(what === 'output' ? 'undefined-output' : 'undefined-value', `${what} ${name} is not defined anywhere`, f.path, { ...who, value: name });
      return;
    }
    const graph = D.graph[d];
    const pos = D.pos[d];
    if (onChain[graph]) {
      const code = what === 'output' ? 'undefined-output' : 'use-before-def';
      const diag = report(code, `${what} ${name} is read before it is defined`, f.path, { ...who, value: name });
      if (node && graph === f.gi && pos >= 0) f.lateReads.push({ reader: node.id, def: graphs[graph].graph.order[pos], diag });
      return;
    }
    report(what === 'output' ? 'undefined-output' : 'out-of-scope', `${what} ${name} belongs to a graph that does not enclose this one`, f.path, { ...who, value: name });
  }

  function checkNode(f: Frame, node: Node) {
    const p = f.path;
    const inputs = node.inputs;
    for (let k = 0; k < inputs.length; k++) if (inputs[k] !== null) checkRead(f, inputs[k]!, node, 'input');
    const outputs = node.outputs;
    let some = false;
    for (let k = 0; k < outputs.length && !some; k++) some = outputs[k] !== null;
    if (!some) report('no-outputs', `node ${nodeAt(node, f.i)} (${node.op}) has no outputs`, p, { node: nodeAt(node, f.i) });
    if (!f.domains.has(node.domain) && callsLocal(node) === undefined) {
      const where = nodeAt(node, f.i);
      report('unknown-domain', `node ${where} uses domain '${node.domain}', which has no opset import`, p, { node: where });
    }
    const attrs = node.attrs;
    for (let k = 0; k < attrs.length; k++) {
      const a = attrs[k];
      if (a.kind === 'tensor') checkTensor(a.value, p, undefined, node, f.i);
      else if (a.kind === 'tensors') for (const t of a.value) checkTensor(t, p, undefined, node, f.i);
      else if (a.kind === 'sparse_tensor') {
        checkTensor(a.value.values, p, undefined, node, f.i);
        checkTensor(a.value.indices, p, undefined, node, f.i);
      }
    }
  }

  function leave(f: Frame) {
    const g = f.path.graph;
    for (const v of g.outputs) if (typeof v === 'string') checkRead(f, v, null, 'output');
    const added = f.added;
    for (let k = 0; k < added.length; k++) D.visible[added[k]] = 0;
    // Nested frames have all left: what is still visible is exactly what the root frame added.
    if (f.path.parent === null) visibleNames.clear();
    else for (const n of f.names) visibleNames.delete(n);
    onChain[f.gi] = 0;
    if (f.lateReads.length > 0) reportCycles(f);
  }

  /** Reports the cycles of the graph `f` just left, and drops the use-before-def reports they explain. */
  function reportCycles(f: Frame) {
    const g = f.path.graph;
    const found = findCycles(nodeLists[f.gi], (v) => {
      const d = defs.get(v);
      return d !== undefined && D.graph[d] === f.gi ? D.pos[d] : -1;
    });
    if (!found) return;
    for (const cycle of found.cycles) {
      const names = cycle.map((i) => nodeAt(g.nodes[g.order[i]], i));
      report('cycle', `nodes form a cycle: ${names.join(' → ')} → ${names[0]}`, f.path, { node: names[0] });
    }
    // Late reads inside the tangle are explained by the cycle; drop their use-before-def reports.
    const local = new Map<NodeId, number>();
    g.order.forEach((id, i) => local.set(id, i));
    const left = found.left;
    const drop = new Set<Diagnostic>();
    for (const r of f.lateReads) if (left.has(local.get(r.reader)!) && left.has(local.get(r.def)!)) drop.add(r.diag);
    if (drop.size > 0) {
      let w = 0;
      for (const d of out) if (!drop.has(d)) out[w++] = d;
      out.length = w;
    }
  }

  // ---- function call cycles
  checkFunctionCycles(model, callsLocal, maxDepth, out);
  checkSchema(model, out, maxDepth); // op schemas and versions: codes in ./schema.ts
  return out;
}

/** Every numeric dim a non-negative safe integer (the common case, checked without a closure). */
function goodDims(shape: readonly (number | string | null)[]): boolean {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d === 'number' && !(d >= 0 && Number.isSafeInteger(d))) return false;
  }
  return true;
}

function domainSet(domains: readonly string[], known: readonly string[] | undefined): Set<string> {
  const s = new Set<string>(domains);
  for (const d of known ?? []) s.add(d);
  if (s.has('ai.onnx')) s.add('');
  if (s.has('')) s.add('ai.onnx');
  return s;
}
