/**
 * The shape/type inference driver: walks a model's graphs in `graph.order` (iteratively), feeds
 * each node's input knowledge to its op's rule (`OpDef.infer` of the op table the evaluator also
 * reads; the rules are written in `ir/infer/rules/`), and merges what the rule returns with what
 * the model declares. Scopes, opsets, local functions and `ref` attributes are the interpreter
 * skeleton of `ir/interp/`, shared with the evaluator.
 *
 * - Starts from graph input types, initializers (type, plus the value when small) and sparse
 *   initializers (type). Constant nodes go through the rules like every other op.
 * - A node without a rule (or in a domain the graph does not import, or at an opset before the
 *   op's first version) leaves its outputs at their
 *   declared types. A local function of the model runs through its body (actual input knowledge
 *   bound to the formal inputs, `ref` attributes bound to the caller's).
 * - Subgraphs (If/Loop/Scan bodies) are inferred when a rule asks (`ctx.inferGraph`); outer-scope
 *   values are visible through a scope chain.
 * - Never a silent overwrite: a declared type that contradicts the inference (other dtype, other
 *   rank, another number for a number dim) is a warning naming node and value, and the declared
 *   type stays. Otherwise the result is the declared type with its unknown parts filled in (a
 *   declared symbol stays a symbol).
 * - A rule that throws gives a diagnostic and unknown outputs: inference is an analysis, it never
 *   makes a model unusable.
 */
import { LatheError } from '../error.js';
import { DataType as D, dtypeName } from '../dtype.js';
import { checkDepth, findFunction, functionFrame, modelFrame, nodeAttrs, resolveOp, subgraphFrame, type Frame as BaseFrame } from '../interp/frame.js';
import { Scope } from '../interp/scope.js';
import { standardOps } from '../ops/index.js';
import { registryFor, type Registry } from '../ops/registry.js';
import { tensorValue } from '../ops/tensor-value.js';
import type { OpTable, TensorValue } from '../ops/types.js';
import type { Dim, Graph, Model, Node, NodeId, OnnxFunction, Type, ValueId } from '../types.js';
import { nodeLabel } from '../walk.js';
import { nodesInOrder } from '../table-keys.js';
import { ruleOf } from './rules/fold.js';
import type { InferContext, Known } from './types.js';

/** What a rule receives for a named input nothing is known about (not null: that is an absent input). */
const NOTHING_KNOWN: Known = Object.freeze({});

/** Deepest nesting of subgraphs and function calls (a crafted model cannot recurse past it). */
export const MAX_INFER_DEPTH = 100;
/** Largest constant tensor kept as a `Known.value` (shape tensors and small constants). */
export const MAX_KNOWN_ELEMENTS = 1024;
/** Largest 0-D/1-D integer constant also exposed as `Known.dims`. */
const MAX_DIMS_ELEMENTS = 64;

export interface InferOptions {
  /** The op table whose `infer` rules run (default: `standardOps`, the evaluator's table too). */
  readonly ops?: OpTable;
}

export interface InferDiagnostic {
  /** 'warning': a declared type contradicts the inference; 'error': a rule failed on this node. */
  readonly severity: 'warning' | 'error';
  readonly message: string;
  readonly node?: NodeId;
  readonly value?: ValueId;
}

export interface InferResult {
  /**
   * The best known type of every value of the main graph and of the subgraphs inferred through
   * it (function bodies are per call site, so their values are not listed).
   */
  readonly types: Map<ValueId, Type>;
  /** Known constant values (small tensors), by value id — for passes that fold. */
  readonly values: Map<ValueId, TensorValue>;
  /**
   * For 0-D/1-D integer values that hold dims (Shape outputs and arithmetic on them): the elements
   * as dims, possibly symbolic (`['batch', 'seq', 12, 64]`) — for passes that replace computed
   * Reshape/Expand targets by constant ones.
   */
  readonly dims: Map<ValueId, readonly Dim[]>;
  readonly diagnostics: InferDiagnostic[];
}

interface Run {
  readonly registry: Registry;
  readonly functions: readonly OnnxFunction[];
  readonly types: Map<ValueId, Type>;
  readonly values: Map<ValueId, TensorValue>;
  readonly dims: Map<ValueId, readonly Dim[]>;
  readonly diagnostics: InferDiagnostic[];
  /** Messages already reported (a subgraph inferred twice reports once). */
  readonly seen: Set<string>;
  /** IR version < 4: initializers listed as inputs are constants, not overridable defaults. */
  readonly inputInitializersConstant: boolean;
  /** Hands out the fresh symbols of `InferContext.freshDim`. */
  readonly freshDim: () => string;
}

function report(run: Run, d: InferDiagnostic): void {
  if (run.seen.has(d.message)) return;
  run.seen.add(d.message);
  run.diagnostics.push(d);
}

interface Frame extends BaseFrame {
  /** False inside function bodies: their values are not the model's. */
  readonly record: boolean;
}


/** Infers the type of every value it can; see the file comment for the rules it follows. */
export function inferTypes(model: Model, options: InferOptions = {}): InferResult {
  const run: Run = {
    registry: registryFor(options.ops ?? standardOps),
    functions: model.functions,
    types: new Map(),
    values: new Map(),
    dims: new Map(),
    diagnostics: [],
    seen: new Set(),
    inputInitializersConstant: model.irVersion < 4,
    freshDim: freshDims(model),
  };
  const frame: Frame = { ...modelFrame(model), record: true };
  inferGraph(run, model.graph, undefined, frame, [], true);
  return { types: run.types, values: run.values, dims: run.dims, diagnostics: run.diagnostics };
}

/** Prefix of fresh symbols (onnxruntime's spelling). */
const FRESH_PREFIX = 'unk__';

/**
 * The fresh-symbol source of one run: `unk__<n>` with n counting up, skipping every `unk__<n>`
 * that occurs in a dim of the model (any graph, subgraph or function), so a fresh symbol never
 * equals — or appears inside an expression equal to — one of the model's own. The model is scanned
 * on the first request only (most models never ask).
 */
function freshDims(model: Model): () => string {
  let taken: Set<string> | undefined;
  let next = 0;
  return () => {
    taken ??= modelSymbolsLike(model, FRESH_PREFIX);
    let name = `${FRESH_PREFIX}${next++}`;
    while (taken.has(name)) name = `${FRESH_PREFIX}${next++}`;
    return name;
  };
}

/** Every `<prefix><digits>` token inside the dims of the model's value types (iterative walk). */
function modelSymbolsLike(model: Model, prefix: string): Set<string> {
  const found = new Set<string>();
  const pattern = new RegExp(`${prefix}[0-9]+`, 'g');
  const graphs: Graph[] = [model.graph, ...model.functions.map((f) => f.graph)];
  const types: Type[] = [];
  while (graphs.length > 0) {
    const g = graphs.pop()!;
    for (const v of Object.values(g.values)) if (v.type) types.push(v.type);
    for (const n of Object.values(g.nodes)) {
      for (const a of n.attrs) {
        if (a.kind === 'graph') graphs.push(a.value);
        else if (a.kind === 'graphs') graphs.push(...a.value);
        else if (a.kind === 'type') types.push(a.value);
        else if (a.kind === 'types') types.push(...a.value);
      }
    }
  }
  while (types.length > 0) {
    const t = types.pop()!;
    if (t.kind === 'tensor' || t.kind === 'sparse') {
      for (const d of t.shape ?? []) if (typeof d === 'string') for (const m of d.matchAll(pattern)) found.add(m[0]);
    } else if (t.kind === 'sequence' || t.kind === 'optional') {
      if (t.elem) types.push(t.elem);
    } else if (t.kind === 'map' && t.value) types.push(t.value);
  }
  return found;
}

function valueName(graph: Graph, id: ValueId): string {
  return graph.values[id]?.name ?? id;
}

/** Element count of known dims, or undefined when too large or not all numbers. */
function smallCount(dims: readonly Dim[]): number | undefined {
  let n = 1;
  for (const d of dims) {
    if (typeof d !== 'number' || d < 0) return undefined;
    n *= d;
    if (n > MAX_KNOWN_ELEMENTS) return undefined;
  }
  return n;
}

/** `Known.dims` of a small 0-D/1-D integer constant. */
function dimsOfValue(v: TensorValue): Dim[] | undefined {
  if (v.dims.length > 1 || Array.isArray(v.data)) return undefined;
  if (v.dtype !== D.INT64 && v.dtype !== D.INT32) return undefined;
  if (v.data.length > MAX_DIMS_ELEMENTS) return undefined;
  const out: Dim[] = [];
  for (let i = 0; i < v.data.length; i++) {
    const x = Number(v.data[i]);
    if (!Number.isSafeInteger(x)) return undefined;
    out.push(x);
  }
  return out;
}

function tensorType(dtype: number, shape: readonly Dim[] | undefined): Type {
  return shape === undefined ? { kind: 'tensor', dtype } : { kind: 'tensor', dtype, shape };
}

/** The knowledge an initializer gives: its type, plus its value when small and readable. */
function initializerKnown(graph: Graph, id: ValueId, overridable: boolean): Known | null {
  const v = graph.values[id];
  const t = v?.tensor;
  if (t) {
    const type = tensorType(t.dtype, t.dims);
    if (overridable) return { type };
    const n = smallCount(t.dims);
    if (n === undefined) return { type };
    try {
      const value = tensorValue(t, `initializer '${valueName(graph, id)}'`);
      return { type, value, ...withDims(value) };
    } catch {
      return { type }; // a skeleton (no data) or a malformed payload: the type still holds
    }
  }
  const s = v?.sparse;
  if (s) return { type: { kind: 'sparse', dtype: s.values.dtype, shape: s.dims } };
  return null;
}

function withDims(value: TensorValue): { dims?: Dim[] } {
  const dims = dimsOfValue(value);
  return dims ? { dims } : {};
}

function inferGraph(
  run: Run, graph: Graph, parent: Scope<Known> | undefined, frame: Frame, bound: readonly (Known | null | undefined)[],
  isMain = false,
): (Known | null)[] {
  checkDepth(frame, graph, MAX_INFER_DEPTH);
  const scope = new Scope<Known>(parent);
  const known = scope.values;
  const inputSet = new Set(isMain && !run.inputInitializersConstant ? graph.inputs : []);
  // The main graph's inputs and outputs are the model's interface: their declared symbols stay.
  const interfaceOutputs = isMain ? new Set(graph.outputs) : undefined;
  // A body inferred again (a loop state loosened after a first pass typed it from iteration 0
  // alone) replaces what the earlier pass recorded: a value or dims it knew must not survive, or
  // simplify-shapes makes a constant of a state's size that changes from one iteration to the next.
  const record = (id: ValueId, k: Known | null): void => {
    known.set(id, k);
    if (!frame.record) return;
    if (k?.type) run.types.set(id, k.type);
    else run.types.delete(id);
    if (k?.value) run.values.set(id, k.value);
    else run.values.delete(id);
    if (k?.dims) run.dims.set(id, k.dims);
    else run.dims.delete(id);
  };
  for (const id of graph.initializers) {
    // In the main graph an initializer that is also an input is only a default (IR version >= 4):
    // the caller may feed another value, so only its type is known.
    record(id, initializerKnown(graph, id, inputSet.has(id)));
  }
  for (const id of graph.sparseInitializers) record(id, initializerKnown(graph, id, inputSet.has(id)));
  graph.inputs.forEach((id, i) => {
    const declared = graph.values[id]?.type;
    const given = bound[i] ?? known.get(id) ?? null;
    if (!given) {
      record(id, declared ? { type: declared } : null);
      return;
    }
    const merged = mergeKnown(run, graph, id, undefined, declared, given, false, isMain);
    record(id, merged);
  });
  const listed = nodesInOrder(graph);
  for (let i = 0; i < graph.order.length; i++) {
    const node = listed[i];
    if (!node) throw new LatheError(`graph '${graph.name}': order lists unknown node ${graph.order[i]}`);
    const ins = node.inputs;
    const inputs = new Array<Known | null>(ins.length);
    for (let k = 0; k < ins.length; k++) {
      const id = ins[k];
      // null only for an absent input: a named value nothing is known about is an empty Known,
      // or rules would take it for absent and read their defaults (Squeeze without axes).
      inputs[k] = id === null ? null : scope.lookup(id) ?? NOTHING_KNOWN;
    }
    const outs = inferNode(run, scope, frame, node, `node ${nodeLabel(node, i)}`, inputs);
    const outputs = node.outputs;
    for (let k = 0; k < outputs.length; k++) {
      const id = outputs[k];
      if (id === null) continue;
      const declared = graph.values[id]?.type;
      record(id, mergeKnown(run, graph, id, node, declared, outs[k] ?? null, true, interfaceOutputs?.has(id) === true));
    }
  }
  return graph.outputs.map((id) => scope.lookup(id) ?? null);
}

function inferNode(
  run: Run, scope: Scope<Known>, frame: Frame, node: Node, label: string, inputs: (Known | null)[],
): (Known | null | undefined)[] {
  const found = resolveOp(run.registry, frame, node);
  const rule = found && ruleOf(found.def);
  if (found && rule) {
    const ctx: InferContext = {
      node,
      opset: found.opset,
      attrs: nodeAttrs(frame, node, label),
      inferGraph: (g, ins) => inferGraph(run, g, scope, subgraphFrame(frame), ins),
      freshDim: run.freshDim,
    };
    try {
      const outs = rule(inputs, ctx);
      return Array.isArray(outs) ? outs : [];
    } catch (e) {
      if (e instanceof LatheError && /nest deeper than/.test(e.message)) throw e;
      const msg = e instanceof Error ? e.message : String(e);
      report(run, { severity: 'error', node: node.id, message: `${label}: inference failed: ${msg}` });
      return [];
    }
  }
  const fn = findFunction(run.functions, node);
  if (!fn) return [];
  const inner: Frame = { ...functionFrame(frame, fn, node), record: false };
  return inferGraph(run, fn.graph, undefined, inner, fn.graph.inputs.map((_, i) => inputs[i] ?? null));
}

// ---------------------------------------------------------------------------------------------
// Merging declared and inferred types

/** Why `inferred` contradicts `declared`, or undefined when they are compatible. */
export function typeConflict(declared: Type, inferred: Type): string | undefined {
  if (declared.kind === 'none' || inferred.kind === 'none') return undefined;
  if (declared.kind !== inferred.kind) {
    if (declared.kind === 'sparse' || inferred.kind === 'sparse') return undefined;
    return `is a ${inferred.kind} but declared a ${declared.kind}`;
  }
  if ((declared.kind === 'tensor' || declared.kind === 'sparse') && (inferred.kind === 'tensor' || inferred.kind === 'sparse')) {
    if (declared.dtype !== 0 && inferred.dtype !== 0 && declared.dtype !== inferred.dtype) {
      return `has dtype ${dtypeName(inferred.dtype)} but is declared ${dtypeName(declared.dtype)}`;
    }
    const ds = declared.shape;
    const is = inferred.shape;
    if (ds && is) {
      if (ds.length !== is.length) return `has rank ${is.length} but is declared rank ${ds.length}`;
      for (let i = 0; i < ds.length; i++) {
        const a = ds[i];
        const b = is[i];
        if (typeof a === 'number' && typeof b === 'number' && a !== b) return `has dim ${i} = ${b} but is declared ${a}`;
      }
    }
    return undefined;
  }
  if ((declared.kind === 'sequence' || declared.kind === 'optional') && declared.kind === inferred.kind) {
    const de = declared.elem;
    const ie = (inferred as typeof declared).elem;
    return de && ie ? typeConflict(de, ie) : undefined;
  }
  return undefined;
}

/**
 * The declared type with its unknown parts filled from a compatible inferred type: dtype 0 and
 * unknown rank/dims take the inferred ones, and so does a declared symbol that inference proves
 * to be a number (an exporter's value_info `Clipoutput_dim_2` once the input dims are fixed: kept,
 * the symbol hid the size from every node after it), unless `keepSymbols` (the model's inputs and
 * outputs, its interface: a dim_param there stays what the user declared). A declared number
 * stays, and so does a symbol where inference gives another symbol or an expression.
 */
export function mergeTypes(declared: Type | undefined, inferred: Type | undefined, keepSymbols = false): Type | undefined {
  if (!declared || declared.kind === 'none') return inferred ?? declared;
  if (!inferred || inferred.kind === 'none') return declared;
  if ((declared.kind === 'tensor' || declared.kind === 'sparse') && (inferred.kind === 'tensor' || inferred.kind === 'sparse')) {
    const dtype = declared.dtype !== 0 ? declared.dtype : inferred.dtype;
    let shape = declared.shape;
    if (!shape) shape = inferred.shape;
    else if (inferred.shape && inferred.shape.length === shape.length) {
      const is = inferred.shape;
      const better = (d: Dim, i: number) => (d === null && is[i] !== null) || (!keepSymbols && typeof d === 'string' && typeof is[i] === 'number');
      if (shape.some(better)) shape = shape.map((d, i) => (better(d, i) ? is[i]! : d));
    }
    if (dtype === declared.dtype && shape === declared.shape) return declared;
    return { ...declared, dtype, ...(shape ? { shape } : {}) };
  }
  if (declared.kind === 'sequence' && inferred.kind === 'sequence') {
    const elem = mergeTypes(declared.elem, inferred.elem, keepSymbols);
    return elem === declared.elem ? declared : { ...declared, ...(elem ? { elem } : {}) };
  }
  if (declared.kind === 'optional' && inferred.kind === 'optional') {
    const elem = mergeTypes(declared.elem, inferred.elem, keepSymbols);
    return elem === declared.elem ? declared : { ...declared, ...(elem ? { elem } : {}) };
  }
  return declared;
}

function mergeKnown(
  run: Run, graph: Graph, id: ValueId, node: Node | undefined, declared: Type | undefined,
  inferred: Known | null | undefined, fromRule: boolean, keepSymbols: boolean,
): Known | null {
  if (!inferred) return declared ? { type: declared } : null;
  let type = inferred.type;
  let value = inferred.value;
  if (!type && value) type = tensorType(value.dtype, value.dims);
  if (value && smallCount(value.dims) === undefined) value = undefined;
  let dims = inferred.dims ?? (value ? dimsOfValue(value) : undefined);
  if (declared && type) {
    const why = typeConflict(declared, type);
    if (why) {
      const where = node ? `node ${nodeLabel(node)}: ` : '';
      report(run, {
        severity: 'warning',
        ...(node ? { node: node.id } : {}),
        value: id,
        message: `${where}value '${valueName(graph, id)}' ${why}${fromRule ? ' (inferred)' : ' (bound)'}; keeping the declared type`,
      });
      return { type: declared };
    }
  }
  type = mergeTypes(declared, type, keepSymbols);
  if (!type && !value && !dims) return null;
  if (!value && !dims) return { type }; // the common case, without the spreads below
  return { ...(type ? { type } : {}), ...(value ? { value } : {}), ...(dims ? { dims } : {}) };
}
