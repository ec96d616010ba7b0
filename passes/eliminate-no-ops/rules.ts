/**
 * When a node is a no-op: its first output equals one of its inputs exactly, element for element,
 * in dtype and shape. Each rule returns that input, or null. Shapes come from the value types
 * (declared or inferred); a rule that needs a shape it does not have answers null.
 *
 * Signed zeros (decision): only bit-exact identities count. x + (+0) maps -0 to +0, so Add of a
 * +0 constant is NOT a no-op for floats (Add of -0 is: x + (-0) = x for every x, -0 included);
 * x − (+0) = x exactly, x − (−0) is not. Mul and Div by 1 are exact (NaN, ±inf and -0 included).
 * Integers have no signed zero: Add/Sub of 0 are exact.
 */
import { DataType as D } from '../../ir/dtype.js';
import { attrInt, attrInts } from '../../ir/attrs.js';
import type { RtValue, TensorValue } from '../../ir/ops/types.js';
import type { Dim, Node, Type, ValueId } from '../../ir/types.js';
import type { ConstantReader } from '../../src/constants.js';

/** What a rule can ask about the graph. */
export interface RuleContext {
  readonly constants: ConstantReader;
  /** The declared or inferred type of a value (this graph or an enclosing one). */
  type(v: ValueId): Type | undefined;
  /** The opset of the ONNX domain in effect. */
  readonly opset: number;
  /** True when nothing reads `v`. */
  unused(v: ValueId): boolean;
}

type Rule = (node: Node, c: RuleContext) => ValueId | null;

const FLOATS = new Set<number>([D.FLOAT, D.DOUBLE, D.FLOAT16, D.BFLOAT16]);

function tensorType(t: Type | undefined): { dtype: number; shape?: readonly Dim[] } | undefined {
  return t?.kind === 'tensor' ? t : undefined;
}

function ints(v: RtValue | null): number[] | undefined {
  if (v?.kind !== 'tensor' || Array.isArray(v.data)) return undefined;
  if (v.dtype !== D.INT64 && v.dtype !== D.INT32) return undefined;
  return Array.from(v.data as ArrayLike<number | bigint>, Number);
}

/** Only the first input and the first output matter; other outputs must be unread. */
function onlyFirstOutput(node: Node, c: RuleContext): boolean {
  return node.outputs.slice(1).every((v) => v === null || c.unused(v));
}

const identity: Rule = (node) => node.inputs[0] ?? null;

const dropout: Rule = (node, c) => {
  const x = node.inputs[0];
  if (!x || !onlyFirstOutput(node, c)) return null;
  if (c.opset < 7) return attrInt(node.attrs, 'is_test', 0n) === 1n ? x : null;
  if (c.opset < 12) return x; // opsets 7–11: inference is the only mode a model describes
  const training = node.inputs[2];
  if (!training) return x;
  const t = c.constants.value(training);
  return t?.kind === 'tensor' && t.data.length === 1 && Number(t.data[0]) === 0 ? x : null;
};

const cast: Rule = (node, c) => {
  const x = node.inputs[0];
  const t = x ? tensorType(c.type(x)) : undefined;
  if (!x || !t || t.dtype === 0) return null;
  let to: number | undefined;
  if (node.op === 'Cast') to = Number(attrInt(node.attrs, 'to', -1n));
  else {
    const like = node.inputs[1] ? tensorType(c.type(node.inputs[1])) : undefined;
    to = like?.dtype;
  }
  return to === t.dtype ? x : null;
};

/** The dims of `x` when its rank is known. */
function shapeOf(c: RuleContext, x: ValueId): readonly Dim[] | undefined {
  return tensorType(c.type(x))?.shape;
}

const reshape: Rule = (node, c) => {
  const [x, s] = node.inputs;
  if (!x || !s) return null;
  const dims = shapeOf(c, x);
  const target = ints(c.constants.value(s));
  if (!dims || !target || target.length !== dims.length) return null;
  const allowzero = attrInt(node.attrs, 'allowzero', 0n) === 1n;
  let minusOne = -1;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    const t = target[i];
    if (t === -1 && minusOne < 0) minusOne = i;
    else if (t === 0 && !allowzero) continue; // copies the input dim
    else if (typeof d !== 'number' || d !== t) return null;
  }
  if (minusOne >= 0) {
    // With every other dim kept, -1 resolves to the remaining one, unless another dim is 0.
    const d = dims[minusOne];
    if (d === null || d === 0) return null;
    for (let i = 0; i < dims.length; i++) if (i !== minusOne && (dims[i] === 0 || (target[i] === 0 && allowzero))) return null;
  }
  return x;
};

/** True when broadcasting a tensor of dims `b` against `a` leaves `a`'s shape unchanged. */
function absorbs(a: readonly Dim[], b: readonly Dim[]): boolean {
  if (b.length > a.length) return false;
  for (let j = 1; j <= b.length; j++) {
    const db = b[b.length - j];
    const da = a[a.length - j];
    if (db === 1) continue;
    if (typeof db !== 'number' || da !== db) return false;
  }
  return true;
}

const expand: Rule = (node, c) => {
  const [x, s] = node.inputs;
  if (!x || !s) return null;
  const dims = shapeOf(c, x);
  const target = ints(c.constants.value(s));
  return dims && target && absorbs(dims, target) ? x : null;
};

const transpose: Rule = (node, c) => {
  const x = node.inputs[0];
  if (!x) return null;
  const perm = attrInts(node.attrs, 'perm');
  if (perm) return perm.every((p, i) => Number(p) === i) ? x : null;
  const dims = shapeOf(c, x);
  return dims && dims.length <= 1 ? x : null; // default perm reverses the axes
};

const pad: Rule = (node, c) => {
  const x = node.inputs[0];
  if (!x) return null;
  const pads = c.opset < 11 ? attrInts(node.attrs, 'pads')?.map(Number) : node.inputs[1] ? ints(c.constants.value(node.inputs[1])) : undefined;
  return pads && pads.every((p) => p === 0) ? x : null;
};

/** Slice with every step 1, every start 0 and every end past the dim: the whole input. */
const slice: Rule = (node, c) => {
  const x = node.inputs[0];
  if (!x) return null;
  const dims = shapeOf(c, x);
  if (!dims) return null;
  let starts: number[] | undefined, ends: number[] | undefined, axes: number[] | undefined, steps: number[] | undefined;
  if (c.opset < 10) {
    starts = attrInts(node.attrs, 'starts')?.map(Number);
    ends = attrInts(node.attrs, 'ends')?.map(Number);
    axes = attrInts(node.attrs, 'axes')?.map(Number);
  } else {
    const [, s, e, a, st] = node.inputs;
    starts = s ? ints(c.constants.value(s)) : undefined;
    ends = e ? ints(c.constants.value(e)) : undefined;
    if (a) {
      axes = ints(c.constants.value(a));
      if (!axes) return null;
    }
    if (st) {
      steps = ints(c.constants.value(st));
      if (!steps) return null;
    }
  }
  if (!starts || !ends || starts.length !== ends.length) return null;
  for (let i = 0; i < starts.length; i++) {
    const axis = axes ? axes[i] : i;
    const rank: number = dims.length;
    const k = axis < 0 ? axis + rank : axis;
    if (k < 0 || k >= rank) return null;
    if (steps && steps[i] !== 1) return null;
    const d = dims[k];
    const startOk = starts[i] === 0 || (typeof d === 'number' && starts[i] <= -d);
    // INT32/INT64 max (and anything past the dim) means "to the end".
    const endOk = ends[i] >= 2147483647 || (typeof d === 'number' && ends[i] >= d);
    if (!startOk || !endOk) return null;
  }
  return x;
};

const single: Rule = (node) => (node.inputs.length === 1 ? node.inputs[0] : null);

/**
 * A Concat whose inputs but one are statically empty along its axis (0 there) is that input:
 * the empty ones add no elements, and every input has the output's dims off the axis (a partial
 * rotary embedding at a factor of 1 concatenates an empty pass-through slice). With every input
 * empty, the output is the first (all have its shape).
 */
const concat: Rule = (node, c) => {
  if (node.inputs.length === 1) return node.inputs[0];
  if (node.inputs.some((v) => v === null)) return null;
  const axis = attrInt(node.attrs, 'axis');
  if (axis === undefined) return null;
  const empty = (v: ValueId): boolean => {
    const dims = shapeOf(c, v);
    if (!dims) return false;
    const k = Number(axis) < 0 ? Number(axis) + dims.length : Number(axis);
    return k >= 0 && k < dims.length && dims[k] === 0;
  };
  const live = (node.inputs as ValueId[]).filter((v) => !empty(v));
  return live.length === 0 ? node.inputs[0] : live.length === 1 ? live[0] : null;
};

/** Every element of `t` equal to `want` (with the sign of zero when `sign` is given). */
function allEqual(t: TensorValue, want: number, sign?: 1 | -1): boolean {
  if (Array.isArray(t.data)) return false;
  for (let i = 0; i < t.data.length; i++) {
    const x = Number(t.data[i]);
    if (x !== want) return false;
    if (sign !== undefined && Object.is(x, -0) !== (sign < 0)) return false;
  }
  return true;
}

/** x op c (or c op x when `either`) with c a constant leaving x unchanged. */
function binary(neutral: number, either: boolean, zeroSign?: (dtypeIsFloat: boolean) => 1 | -1 | undefined): Rule {
  return (node, c) => {
    const [a, b] = node.inputs;
    if (!a || !b) return null;
    const order: [ValueId, ValueId][] = either ? [[a, b], [b, a]] : [[a, b]];
    for (const [x, k] of order) {
      // Most operands are not constants: asked first, structurally, before any type or payload.
      if (!c.constants.isConstant(k)) continue;
      const tx = tensorType(c.type(x));
      const kv = c.constants.value(k);
      if (!tx?.shape || kv?.kind !== 'tensor' || kv.dtype !== tx.dtype) continue;
      if (!absorbs(tx.shape, kv.dims)) continue;
      const sign = zeroSign?.(FLOATS.has(tx.dtype) || tx.dtype > 16);
      if (allEqual(kv, neutral, sign)) return x;
    }
    return null;
  };
}

/** The no-op rules, by ONNX-domain op type. */
export const rules: Readonly<Record<string, Rule>> = {
  Identity: identity,
  Dropout: dropout,
  Cast: cast,
  CastLike: cast,
  Reshape: reshape,
  Expand: expand,
  Transpose: transpose,
  Pad: pad,
  Slice: slice,
  Concat: concat,
  Sum: single,
  Max: single,
  Min: single,
  Mean: single,
  // x + (-0) = x exactly; x + (+0) turns -0 into +0 (see the module comment).
  Add: binary(0, true, (float) => (float ? -1 : undefined)),
  // x − (+0) = x exactly.
  Sub: binary(0, false, (float) => (float ? 1 : undefined)),
  Mul: binary(1, true),
  Div: binary(1, false),
};
