/**
 * Shape contradictions a model carries in its own static dims: inputs that cannot broadcast,
 * MatMul/Gemm/Conv operands whose inner or channel dims disagree, Concat inputs that differ off
 * the axis, a Squeeze of a dim that is not 1, a Reshape to another element count, an Expand to a
 * shape its input does not broadcast with, a TopK whose K
 * is not a one-element 1-D tensor, a Conv/ConvTranspose bias that is not one element per output
 * channel. Every runtime refuses such a model (onnxruntime at load, with ONNX's shape inference,
 * or at every run: the bias), while the structural verifier passes it: `lathe check` reports
 * these as errors (`shape-mismatch`).
 *
 * Only what the dims prove: each check compares numbers that inference knows (declared or
 * inferred), and anything symbolic or unknown passes. Function bodies are not checked (their
 * shapes depend on each call).
 */
import { attrInt, attrInts } from '../attrs.js';
import { inferTypes, type InferResult } from '../infer/infer.js';
import type { TensorValue } from '../ops/types.js';
import type { Dim, Model, Node, ValueId } from '../types.js';
import { nodeLabel, pathLabel, walkGraphTree, rootPaths } from '../walk.js';
import type { Diagnostic } from './diagnostic.js';

/** Ops whose inputs broadcast multidirectionally (numpy rules), from the opset where they do. */
const BROADCAST: Readonly<Record<string, number>> = {
  Add: 7, Sub: 7, Mul: 7, Div: 7, Pow: 7, Mod: 10, Equal: 7, Less: 7, LessOrEqual: 12, Greater: 7, GreaterOrEqual: 12,
  And: 7, Or: 7, Xor: 7, BitShift: 11, BitwiseAnd: 18, BitwiseOr: 18, BitwiseXor: 18, Where: 9, Max: 8, Min: 8, Sum: 8, Mean: 8,
};

type Shape = readonly Dim[];

const show = (s: Shape) => `[${s.map((d) => (d === null ? '?' : String(d))).join(', ')}]`;

/** Two dims that are numbers, differ, and neither is 1: they cannot broadcast. */
const clash = (a: Dim, b: Dim) => typeof a === 'number' && typeof b === 'number' && a !== b && a !== 1 && b !== 1;

/** The first right-aligned position where the shapes cannot broadcast, or undefined. */
function broadcastClash(a: Shape, b: Shape): number | undefined {
  for (let i = 1; i <= Math.min(a.length, b.length); i++) if (clash(a[a.length - i], b[b.length - i])) return i;
  return undefined;
}

const num = (d: Dim | undefined): d is number => typeof d === 'number';

function ints(v: TensorValue | undefined): number[] | undefined {
  if (!v || Array.isArray(v.data)) return undefined;
  return Array.from(v.data as ArrayLike<number | bigint>, Number);
}

/** What a node's inputs are known to be. */
interface Facts {
  shape(i: number): Shape | undefined;
  value(i: number): TensorValue | undefined;
}

/** The contradiction of one node, in words, or undefined. */
function nodeProblem(node: Node, opset: number, f: Facts): string | undefined {
  const op = node.op;
  const since = BROADCAST[op];
  if (since !== undefined && opset >= since) {
    const shapes = node.inputs.map((_, i) => f.shape(i));
    for (let i = 0; i < shapes.length; i++) {
      for (let j = i + 1; j < shapes.length; j++) {
        const a = shapes[i];
        const b = shapes[j];
        if (a && b && broadcastClash(a, b) !== undefined) return `inputs of shapes ${show(a)} and ${show(b)} do not broadcast`;
      }
    }
    return undefined;
  }
  switch (op) {
    case 'MatMul': return matmul(f.shape(0), f.shape(1));
    case 'Gemm': return gemm(node, f.shape(0), f.shape(1));
    case 'Conv': return conv(node, f.shape(0), f.shape(1), node.inputs[2] ? f.shape(2) : undefined);
    case 'ConvTranspose': return convTranspose(node, f.shape(0), f.shape(1), node.inputs[2] ? f.shape(2) : undefined);
    case 'Concat': return concat(node, node.inputs.map((_, i) => f.shape(i)));
    case 'Squeeze': return squeeze(f.shape(0), opset >= 13 ? ints(f.value(1)) : attrInts(node.attrs, 'axes')?.map(Number));
    case 'Reshape': return opset >= 5 ? reshape(node, f.shape(0), ints(f.value(1))) : undefined;
    case 'Expand': {
      // Expand broadcasts both ways, as Add does, between the input and the shape it is given.
      const [x, to] = [f.shape(0), ints(f.value(1))];
      return opset >= 8 && x && to && broadcastClash(x, to) !== undefined ? `input of shape ${show(x)} cannot expand to ${show(to)}` : undefined;
    }
    case 'TopK': {
      const k = f.shape(1);
      return opset >= 10 && k && (k.length !== 1 || (num(k[0]) && k[0] !== 1)) ? `K has shape ${show(k)}: it must be a 1-D tensor of one element` : undefined;
    }
    default: return undefined;
  }
}

function matmul(a: Shape | undefined, b: Shape | undefined): string | undefined {
  if (!a || !b) return undefined;
  if (a.length === 0 || b.length === 0) return 'MatMul of a scalar';
  const ka = a[a.length - 1];
  const kb = b.length === 1 ? b[0] : b[b.length - 2];
  if (num(ka) && num(kb) && ka !== kb) return `inner dims differ: ${show(a)} × ${show(b)}`;
  if (a.length > 2 && b.length > 2 && broadcastClash(a.slice(0, -2), b.slice(0, -2)) !== undefined) return `batch dims do not broadcast: ${show(a)} × ${show(b)}`;
  return undefined;
}

function gemm(node: Node, a: Shape | undefined, b: Shape | undefined): string | undefined {
  if (!a || !b || a.length !== 2 || b.length !== 2) return undefined;
  const ka = attrInt(node.attrs, 'transA', 0n) ? a[0] : a[1];
  const kb = attrInt(node.attrs, 'transB', 0n) ? b[1] : b[0];
  return num(ka) && num(kb) && ka !== kb ? `inner dims differ: A ${show(a)}, B ${show(b)} (transA ${attrInt(node.attrs, 'transA', 0n)}, transB ${attrInt(node.attrs, 'transB', 0n)})` : undefined;
}

function conv(node: Node, x: Shape | undefined, w: Shape | undefined, b: Shape | undefined): string | undefined {
  const group = Number(attrInt(node.attrs, 'group', 1n));
  // A bias with another length than the output channels (onnxruntime loads it and fails at every run).
  const bias = b && w ? biasProblem(b, w[0], show(w)) : undefined;
  if (bias) return bias;
  if (!x || !w) return undefined;
  if (x.length !== w.length) return `input ${show(x)} and weight ${show(w)} differ in rank`;
  const c = x[1];
  const wc = w[1];
  if (num(c) && num(wc) && c !== wc * group) return `input has ${c} channels, the weight ${show(w)} reads ${wc * group} (group ${group})`;
  return undefined;
}

/** ConvTranspose: the weight is [C, M/group, k…], so the input's channels are its first dim. */
function convTranspose(node: Node, x: Shape | undefined, w: Shape | undefined, b: Shape | undefined): string | undefined {
  const group = Number(attrInt(node.attrs, 'group', 1n));
  const m = w && num(w[1]) ? w[1] * group : undefined;
  const bias = b && w ? biasProblem(b, m ?? null, `${show(w)} (group ${group})`) : undefined;
  if (bias) return bias;
  if (!x || !w) return undefined;
  if (x.length !== w.length) return `input ${show(x)} and weight ${show(w)} differ in rank`;
  if (num(x[1]) && num(w[0]) && x[1] !== w[0]) return `input has ${x[1]} channels, the weight ${show(w)} reads ${w[0]}`;
  return undefined;
}

/** A Conv bias must be 1-D with one element per output channel (`m`, when known). */
function biasProblem(b: Shape, m: Dim | undefined, weight: string): string | undefined {
  if (b.length !== 1) return `bias ${show(b)} is not 1-D`;
  if (num(b[0]) && num(m) && b[0] !== m) return `bias has ${b[0]} elements, the weight ${weight} makes ${m} output channels`;
  return undefined;
}

function concat(node: Node, shapes: readonly (Shape | undefined)[]): string | undefined {
  const known = shapes.filter((s): s is Shape => s !== undefined);
  if (known.length < 2) return undefined;
  const rank = known[0].length;
  if (known.some((s) => s.length !== rank)) return `inputs differ in rank: ${known.map(show).join(', ')}`;
  let axis = Number(attrInt(node.attrs, 'axis', 0n));
  if (axis < 0) axis += rank;
  for (let d = 0; d < rank; d++) {
    if (d === axis) continue;
    const dims = known.map((s) => s[d]).filter(num);
    if (dims.some((x) => x !== dims[0])) return `inputs differ off the axis ${axis}: ${known.map(show).join(', ')}`;
  }
  return undefined;
}

function squeeze(x: Shape | undefined, axes: number[] | undefined): string | undefined {
  if (!x || !axes) return undefined;
  for (const a of axes) {
    const i = a < 0 ? a + x.length : a;
    if (i < 0 || i >= x.length) return `axis ${a} is out of range for shape ${show(x)}`;
    if (num(x[i]) && x[i] !== 1) return `axis ${a} of shape ${show(x)} is ${String(x[i])}, not 1`;
  }
  return undefined;
}

function reshape(node: Node, x: Shape | undefined, target: number[] | undefined): string | undefined {
  if (!x || !target || !x.every(num)) return undefined;
  const allowzero = attrInt(node.attrs, 'allowzero', 0n) === 1n;
  if (target.filter((t) => t === -1).length > 1) return `target ${show(target)} has more than one -1`;
  let known = 1;
  for (let i = 0; i < target.length; i++) {
    const t = target[i];
    if (t === -1) continue;
    if (t < -1) return `target ${show(target)} has a negative entry`;
    if (t === 0 && !allowzero) {
      if (i >= x.length) return `target ${show(target)} copies dim ${i} of an input of rank ${x.length}`;
      known *= x[i] as number;
    } else known *= t;
  }
  const total = (x as readonly number[]).reduce((p, d) => p * d, 1);
  if (!target.includes(-1)) return known === total ? undefined : `cannot reshape ${show(x)} (${total} elements) to ${show(target)} (${known})`;
  return known === 0 ? undefined : total % known === 0 ? undefined : `cannot reshape ${show(x)} (${total} elements) to ${show(target)}: ${known} does not divide it`;
}

/**
 * A shape contradiction, its op and its identity across a pass (`key`): code, op and the problem
 * with every symbolic dim shown as `?`, but no node name, position or graph. Passes rename,
 * reorder and move nodes (a folded If's branch lands in its parent graph), and inference numbers
 * the dims it invents in walk order (`unk__3` becomes `unk__2` once a node before it goes), so
 * none of those may make an old contradiction look new.
 */
export interface ShapeFinding {
  readonly diagnostic: Diagnostic;
  readonly op: string;
  readonly key: string;
}

/** `f` with every symbolic dim unknown: the checks read numbers only, so the verdict is the same. */
function withoutSymbols(f: Facts): Facts {
  return {
    shape: (i) => f.shape(i)?.map((d) => (typeof d === 'number' ? d : null)),
    value: f.value,
  };
}

/**
 * The shape contradictions of `model` (main graph and its subgraphs) with their keys. `inferred`
 * is `inferTypes(model)` when the caller has it already (the runner's memo of analyses).
 */
export function shapeFindings(model: Model, inferred: InferResult = inferTypes(model)): ShapeFinding[] {
  const opset = model.opsets.find((o) => o.domain === '' || o.domain === 'ai.onnx')?.version ?? 1;
  const shapeOf = (v: ValueId | null | undefined): Shape | undefined => {
    const t = v ? inferred.types.get(v) : undefined;
    return t?.kind === 'tensor' ? t.shape : undefined;
  };
  const out: ShapeFinding[] = [];
  walkGraphTree(rootPaths(model)[0], (graph, path) => {
    graph.order.forEach((id, index) => {
      const node = graph.nodes[id];
      if (!node || (node.domain !== '' && node.domain !== 'ai.onnx')) return;
      const facts: Facts = {
        shape: (i) => shapeOf(node.inputs[i]),
        value: (i) => (node.inputs[i] ? inferred.values.get(node.inputs[i]!) : undefined),
      };
      const problem = nodeProblem(node, opset, facts);
      if (!problem) return;
      const diagnostic: Diagnostic = { severity: 'error', code: 'shape-mismatch', message: node.name ? `${node.op}: ${problem}` : problem, graph: pathLabel(model, path), node: nodeLabel(node, index) };
      out.push({ diagnostic, op: node.op, key: `shape-mismatch ${node.op}: ${nodeProblem(node, opset, withoutSymbols(facts)) ?? problem}` });
    });
  });
  return out;
}

/** The shape contradictions of `model` (main graph and its subgraphs), as `shape-mismatch` errors. */
export function checkShapes(model: Model, inferred?: InferResult): Diagnostic[] {
  return shapeFindings(model, inferred).map((f) => f.diagnostic);
}

/**
 * The findings of `after` that `before` does not account for. Each is matched to one of `before`
 * by key, else to a leftover one of the same op: a pass that rewrites an already contradictory
 * node into another of its op (Concat(Concat(a, b), s) into Concat(a, b, s), the scalar s still
 * of the wrong rank) only carries the contradiction along. So a pass is blamed when it makes an
 * op contradict more often than its input did, and the finding named is one no key matched.
 */
export function newShapeFindings(before: readonly ShapeFinding[], after: readonly ShapeFinding[]): ShapeFinding[] {
  const byKey = new Map<string, ShapeFinding[]>();
  for (const f of before) {
    const list = byKey.get(f.key);
    if (list) list.push(f);
    else byKey.set(f.key, [f]);
  }
  const unmatched = after.filter((f) => byKey.get(f.key)?.pop() === undefined);
  const byOp = new Map<string, number>();
  for (const list of byKey.values()) for (const f of list) byOp.set(f.op, (byOp.get(f.op) ?? 0) + 1);
  return unmatched.filter((f) => {
    const n = byOp.get(f.op) ?? 0;
    if (n > 0) byOp.set(f.op, n - 1);
    return n === 0;
  });
}
