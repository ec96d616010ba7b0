/**
 * What the quantization passes share about the graph they rewrite: constant float32 weights read
 * through the constant reader, float32-typed activations, unique names for the initializers they
 * add, and the name filter of `exclude`.
 */
import { DataType as D } from '../../ir/dtype.js';
import type { Editor } from '../../ir/edit/edit.js';
import type { Model, Node, ValueId } from '../../ir/types.js';
import { editAll } from '../../ir/edit/edit.js';
import { rootPaths, walkGraphs, walkGraphTree, type GraphPath } from '../../ir/walk.js';
import { constantReader, opsetsFor, type ConstantReader } from '../constants.js';

/** A constant float32 tensor. */
export interface FloatWeight {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** The constant reader of the main graph of `model`, as edited by `e`. */
export function mainReader(model: Model, e: Editor): ConstantReader {
  const root = rootPaths(model)[0];
  return constantReader(e, root, opsetsFor(model, root));
}

/** The ONNX opset of the model (0 when it imports none). */
export function onnxOpset(model: Model): number {
  return model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 0;
}

/**
 * Whether the int8 passes can run on `model`, and how: per-axis DequantizeLinear needs opset 13;
 * from `min` (QuantizeLinear/DequantizeLinear 10, DynamicQuantizeLinear 11) to 12 the weights
 * are quantized per tensor, with a warning when per-channel was asked (the opset is never
 * raised: that would change what other ops of the model mean). Below `min` the pass named `pass`
 * warns (through `warn`) and leaves the model as it is (false).
 */
export function int8Opset(model: Model, pass: string, min: number, perChannel: boolean, warn: (message: string) => void): { perChannel: boolean } | false {
  const opset = onnxOpset(model);
  if (opset >= 13) return { perChannel };
  if (opset >= min) {
    if (perChannel) warn(`${pass}: opset ${opset} has no per-axis DequantizeLinear (13): weights quantized per tensor`);
    return { perChannel: false };
  }
  warn(`${pass}: opset ${opset} is below ${min}; left as it is`);
  return false;
}

/** `v` as a constant float32 tensor of at least `minElements` elements, else undefined. */
export function floatWeight(reader: ConstantReader, v: ValueId | null, minElements: number): FloatWeight | undefined {
  if (v === null || !reader.isConstant(v)) return undefined;
  const t = reader.value(v);
  if (!t || t.kind !== 'tensor' || t.dtype !== D.FLOAT || !(t.data instanceof Float32Array)) return undefined;
  if (t.data.length < Math.max(1, minElements)) return undefined;
  return { data: t.data, dims: t.dims };
}

/** True when `v` is declared float32, or its type is unknown (the kernels check at run time). */
export function isFloatValue(e: Editor, v: ValueId | null): v is ValueId {
  if (v === null) return false;
  const t = e.value(v)?.type;
  return t === undefined || (t.kind === 'tensor' && (t.dtype === D.FLOAT || t.dtype === 0));
}

/** The ONNX name of a value (its id when unnamed: the evaluator names it the same way). */
export function valueName(e: Editor, v: ValueId): string {
  return e.value(v)?.name ?? v;
}

/**
 * Fresh initializer names: `base`, `base_1`, … avoiding every name of every graph (a body's name
 * may not shadow one of an enclosing graph: ONNX scoping). `names`: the model's, when the caller
 * has them already (`modelValueNames`).
 */
export function nameAllocator(model: Model, names: ReadonlyMap<ValueId, string> = modelValueNames(model)): (base: string) => string {
  const used = new Set(names.values());
  return (base) => {
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  };
}

/**
 * The name of every named value of every graph of `model` (ids are unique across the model): what
 * a body's editor cannot tell about a value it reads from an enclosing graph.
 */
export function modelValueNames(model: Model): ReadonlyMap<ValueId, string> {
  const names = new Map<ValueId, string>();
  walkGraphs(model, (g) => {
    for (const v of Object.values(g.values)) if (v.name !== undefined) names.set(v.id, v.name);
  });
  return names;
}

/**
 * A comma-separated list of names (`--exclude`) as a predicate on nodes: a node is excluded when
 * its own name or the name of a tensor it reads or writes is listed. Tensor names are those of the
 * optimized model the report prints (a fused node's output may be unnamed, its weight is not).
 * `outerNames` names the values a body reads from an enclosing graph (`modelValueNames`): without
 * it an If branch reading an excluded weight of the main graph was quantized all the same.
 */
export function excludedBy(list: string, outerNames?: ReadonlyMap<ValueId, string>): (node: Node, e: Editor) => boolean {
  const names = new Set(list.split(',').map((s) => s.trim()).filter((s) => s !== ''));
  if (names.size === 0) return () => false;
  return (node, e) => {
    const listed = (v: ValueId | null) => v !== null && names.has(e.value(v)?.name ?? outerNames?.get(v) ?? v);
    return (node.name !== undefined && names.has(node.name)) || node.outputs.some(listed) || node.inputs.some(listed);
  };
}

/** Row-major transpose of a 2-D float32 matrix [r, c] → [c, r]. */
export function transpose2d(data: Float32Array, r: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = data[i * c + j];
  return out;
}

/**
 * Edits the main graph and every If/Loop/Scan body under it, bodies before the graph holding them
 * (`editAll`); function bodies are skipped: they cannot hold initializers.
 */
export function forEachQuantizable(model: Model, recipe: (e: Editor, path: GraphPath) => void): Model {
  return editAll(model, (e, path) => {
    let root = path;
    while (root.parent) root = root.parent;
    if (root.step.kind === 'main') recipe(e, path);
  });
}

/**
 * Warns (through `warn`) when nodes of `ops` sit where the pass leaves them in float: in
 * subgraphs (If/Loop/Scan bodies) or function bodies for a pass that rewrites the main graph only
 * (`where` 'subgraphs'), in function bodies alone for one that also rewrites the bodies under the
 * main graph ('functions'). Without it a model keeping its weights in If branches (Silero VAD v5:
 * 50 branches) came out unchanged with "0 weights quantized" and no reason given.
 */
export function warnOutsideMain(model: Model, pass: string, ops: readonly string[], warn: (message: string) => void, where: 'subgraphs' | 'functions' = 'subgraphs'): void {
  const wanted = new Set(ops);
  let n = 0;
  for (const root of rootPaths(model)) {
    if (where === 'functions' && root.step.kind === 'main') continue;
    walkGraphTree(root, (g, path) => {
      if (path.step.kind === 'main') return;
      for (const id of g.order) {
        const node = g.nodes[id];
        if (node && node.domain === '' && wanted.has(node.op)) n++;
      }
    });
  }
  if (n === 0) return;
  const nodes = `${n} ${ops.join('/')} node${n === 1 ? '' : 's'}`;
  warn(where === 'functions'
    ? `${pass}: ${nodes} inside functions left in float (function bodies are not quantized)`
    : `${pass}: ${nodes} inside subgraphs or functions left in float (only the main graph is quantized)`);
}
