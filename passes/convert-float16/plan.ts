/**
 * Which nodes of the main graph convert-float16 runs in half precision: the decision, made before
 * anything is rewritten, from the op schemas (the half type must be allowed at every slot that
 * changes, at the model's opset), the inferred dtypes, and the block lists below.
 */
import { DataType as D, dtypeName } from '../../ir/dtype.js';
import { opSchema, type OpSchema, type ParamSchema } from '../../ir/ops/schema/index.js';
import type { Graph, Node, NodeId, Type, ValueId } from '../../ir/types.js';
import { hasSubgraphs } from '../../ir/walk.js';
import type { HalfDtype } from './half-tensor.js';
import type { Range } from './ranges.js';

/**
 * Ops that stay in float32 whatever their schema allows:
 * - index and shape arithmetic done in float (Range), detection post-processing that compares
 *   boxes and scores (NonMaxSuppression, RoiAlign, TopK), running sums (CumSum);
 * - ops whose output dtype comes from an attribute other than the two this pass rewrites (Cast's
 *   `to`, ConstantOfShape's `value`): random ops, EyeLike, quantization ops;
 * - the numerically delicate ones, chosen by measuring the corpus (BENCHMARKS.md "Half precision
 *   and int4"): sums of squares and exponentials overflow float16's 65504 long before float32's
 *   range, and a mean over a long axis loses the low bits of every term.
 */
export const BLOCKED_OPS: ReadonlySet<string> = new Set([
  'Range', 'NonMaxSuppression', 'RoiAlign', 'TopK', 'CumSum',
  'RandomNormal', 'RandomUniform', 'RandomNormalLike', 'RandomUniformLike', 'Multinomial', 'Bernoulli', 'EyeLike',
  'QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'QLinearConv', 'QLinearMatMul', 'MatMulInteger', 'ConvInteger',
]);

/** Numerically delicate ops kept in float32 (see BLOCKED_OPS). */
export const NUMERIC_OPS: ReadonlySet<string> = new Set([
  'Pow', 'ReduceMean', 'ReduceSumSquare', 'ReduceL2', 'ReduceLogSumExp', 'ReduceSum', 'Exp', 'Softmax', 'LogSoftmax',
  'LayerNormalization', 'RMSNormalization', 'Sqrt', 'Reciprocal', 'Erf',
]);

/** Attributes that set an op's output dtype (with a default when absent). */
const DTYPE_ATTRS: readonly string[] = ['dtype', 'output_dtype', 'output_datatype'];

/** Input slots kept in float32 even when their node runs in half (coordinates, not data). */
const KEEP_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Resize: [1, 2],
  Upsample: [1],
};

/** True when input `index` of `op` stays float32 in a half node. */
export function keptInput(op: string, index: number): boolean {
  return KEEP_INPUTS[op]?.includes(index) ?? false;
}

/** Float values at most this many elements feeding index or shape computations stay float32. */
const SHAPE_LIKE_ELEMENTS = 64;

/** Non-float results (integer, bool): a float value cast to one of these is shape-like. */
const FLOATS = new Set<number>([D.FLOAT, D.FLOAT16, D.BFLOAT16, D.DOUBLE]);

export interface PlanInput {
  readonly graph: Graph;
  readonly types: ReadonlyMap<ValueId, Type>;
  readonly opset: number;
  readonly target: HalfDtype;
  /** Ops kept float32 (BLOCKED_OPS ∪ NUMERIC_OPS by default). */
  readonly blocked: ReadonlySet<string>;
  /** Measured magnitudes (ranges.ts): a node touching a value outside half's safe range stays float32. */
  readonly ranges?: ReadonlyMap<ValueId, Range>;
}

/**
 * Half's safe range for a computed value: peaks below 2^13 leave headroom for the sums that
 * follow before 65504, and a root mean square of at least 2^-10 keeps typical elements about
 * 16 times above the smallest normal float16 (6.1e-5), where they still carry all their bits.
 * Both bounds are for float16; bfloat16 has float32's exponent range and needs no such check.
 */
export const HALF_SAFE = { max: 2 ** 13, rms: 2 ** -10 } as const;

/** True when `r` lies where float16 computes it without overflow or lost precision. */
export function inHalfRange(r: Range | undefined): boolean {
  return r === undefined || (r.max <= HALF_SAFE.max && (r.rms === 0 || r.rms >= HALF_SAFE.rms));
}

/** The tensor dtype of `v` (initializer tensor, else inferred or declared type), or undefined. */
export function dtypeOf(g: Graph, types: ReadonlyMap<ValueId, Type>, v: ValueId): number | undefined {
  const val = g.values[v];
  if (val?.tensor) return val.tensor.dtype;
  const t = types.get(v) ?? val?.type;
  return t?.kind === 'tensor' && t.dtype !== 0 ? t.dtype : undefined;
}

function elementsOf(g: Graph, types: ReadonlyMap<ValueId, Type>, v: ValueId): number | undefined {
  const val = g.values[v];
  const dims = val?.tensor?.dims ?? (() => {
    const t = types.get(v) ?? val?.type;
    return t?.kind === 'tensor' ? t.shape : undefined;
  })();
  if (!dims || dims.some((d) => typeof d !== 'number')) return undefined;
  return (dims as number[]).reduce((a, b) => a * b, 1);
}

function paramAt(params: readonly ParamSchema[], i: number): ParamSchema | undefined {
  if (i < params.length) return params[i];
  const last = params[params.length - 1];
  return last?.variadic ? last : undefined;
}

/** Whether `node` can run with its float32 slots in `target`, by its schema's type constraints. */
function schemaAllows(node: Node, schema: OpSchema, dtypes: (v: ValueId) => number | undefined, target: number): boolean {
  const bound = new Map<string, number>();
  const check = (param: ParamSchema | undefined, dtype: number): boolean => {
    if (!param) return false;
    if (param.heterogeneous) return dtype !== target; // a half value in a heterogeneous slot: not ours to judge
    const allowed = schema.types.get(param.type);
    const name = dtypeName(dtype);
    if (!allowed) return param.type === name;
    if (!allowed.has(name)) return false;
    const was = bound.get(param.type);
    if (was !== undefined && was !== dtype) return false;
    bound.set(param.type, dtype);
    return true;
  };
  for (let i = 0; i < node.inputs.length; i++) {
    const v = node.inputs[i];
    if (v === null) continue;
    const dt = dtypes(v);
    if (dt === undefined) return false;
    if (!check(paramAt(schema.inputs, i), dt === D.FLOAT && !keptInput(node.op, i) ? target : dt)) return false;
  }
  for (let i = 0; i < node.outputs.length; i++) {
    const v = node.outputs[i];
    if (v === null) continue;
    const dt = dtypes(v);
    if (dt === undefined) return false;
    if (!check(paramAt(schema.outputs, i), dt === D.FLOAT ? target : dt)) return false;
  }
  return true;
}

/** The nodes of the main graph that run in half precision. */
export function planHalf(input: PlanInput): Set<NodeId> {
  const { graph: g, types, opset, target, blocked } = input;
  const dtypes = (v: ValueId) => dtypeOf(g, types, v);
  const isFloat = (v: ValueId | null) => v !== null && dtypes(v) === D.FLOAT;
  const half = new Set<NodeId>();
  for (const id of g.order) {
    const n = g.nodes[id];
    if (!n || n.domain !== '' || n.op === 'Constant' || blocked.has(n.op) || hasSubgraphs(n)) continue;
    // Only nodes computing float32 values: Shape, Size, comparisons and casts to integers keep
    // reading the float32 value (their results do not get cheaper, and integers must stay exact).
    if (!n.outputs.some(isFloat)) continue;
    const schema = opSchema('', n.op, opset);
    if (!schema || schema.deprecated !== undefined) continue;
    // An op whose output dtype is an attribute: only Cast (`to`) and ConstantOfShape (`value`) are
    // rewritten. Asked of the schema, not the node: an absent attribute has a default
    // (HannWindow's output_datatype is float32 when not set).
    if (DTYPE_ATTRS.some((a) => schema.attrs.has(a))) continue;
    if (!schemaAllows(n, schema, dtypes, target)) continue;
    if (input.ranges && target === D.FLOAT16) {
      const r = input.ranges;
      const measured = (v: ValueId | null, i = -1) => v === null || dtypes(v) !== D.FLOAT || (i >= 0 && keptInput(n.op, i)) || inHalfRange(r.get(v));
      if (!n.inputs.every((v, i) => measured(v, i)) || !n.outputs.every((v) => measured(v))) continue;
    }
    half.add(id);
  }
  keepShapeComputations(g, types, half, dtypes);
  return half;
}

/**
 * Float arithmetic on sizes and indices (a Shape cast to float, scaled, cast back to int64; the
 * scales of a Resize) stays float32: float16 holds integers exactly only up to 2048. Walks back
 * from the small float values read as integers or as coordinates, through their producers.
 */
function keepShapeComputations(g: Graph, types: ReadonlyMap<ValueId, Type>, half: Set<NodeId>, dtypes: (v: ValueId) => number | undefined): void {
  const work: ValueId[] = [];
  const small = (v: ValueId) => {
    const n = elementsOf(g, types, v);
    return n !== undefined && n <= SHAPE_LIKE_ELEMENTS;
  };
  for (const id of g.order) {
    const n = g.nodes[id];
    if (!n) continue;
    n.inputs.forEach((v, i) => {
      if (v === null || dtypes(v) !== D.FLOAT || !small(v)) return;
      const out = n.outputs[0];
      const intCast = n.op === 'Cast' && out !== null && out !== undefined && !FLOATS.has(dtypes(out) ?? D.FLOAT);
      const asIndex = n.op === 'Range' || keptInput(n.op, i);
      if (intCast || asIndex) work.push(v);
    });
  }
  const seen = new Set<ValueId>();
  while (work.length > 0) {
    const v = work.pop()!;
    if (seen.has(v)) continue;
    seen.add(v);
    const def = g.values[v]?.def;
    if (!def) continue;
    const p = g.nodes[def.node];
    if (!p || !half.delete(p.id)) continue;
    for (const x of p.inputs) if (x !== null && dtypes(x) === D.FLOAT && small(x)) work.push(x);
  }
}
