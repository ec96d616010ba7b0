/**
 * Inference rules for elementwise, logic, activation and constant ops (the ops of
 * `ir/ops/elementwise/`), with data propagation of shape vectors through Shape, Size, Cast,
 * Identity and integer Add/Sub/Mul/Div.
 */
import { DataType as D } from '../../dtype.js';
import { ops as elementwiseOps } from '../../ops/elementwise.js';
import { castTarget, castTensor } from '../../ops/elementwise/cast.js';
import { checkSameShapes, legacyBroadcastB, preluSlopeDims } from '../../ops/legacy-broadcast.js';
import { WIDENED_FLOATS } from '../../ops/util.js';
import type { Dim } from '../../types.js';
import { dimAdd, dimDiv, dimEq, dimFloorDiv, dimMul, dimNonNegative, dimSub, isSymbol } from '../dims.js';
import type { InferContext, InferFn, InferRule, InferTable, Known } from '../types.js';
import {
  broadcastShapes, dimProduct, dimsOf, dimsOut, dtypeOf, freshen, type In, isIntType, lengthOf, MAX_VALUE_ELEMENTS, shapeOf, tensorOut,
} from './common.js';
import { foldContext } from './fold.js';

const rule = (name: string, infer: InferFn): InferRule => ({ domain: '', name, infer });

/** Output = input 0's type (same dtype and shape). */
const sameAsInput: InferFn = (ins) => [tensorOut(dtypeOf(ins[0]), shapeOf(ins[0]))];
/** Output: bool with input 0's shape. */
const boolUnary: InferFn = (ins) => [tensorOut(D.BOOL, shapeOf(ins[0]))];

/**
 * The output shape of a binary op. Before opset 7 B broadcasts (if at all) onto A, so the output
 * has A's shape, its unknown dims filled from B where B's placement (`legacyBroadcastB`, the
 * kernel's decoding) says B's dim is A's; a placement that cannot fit is an error.
 */
function binaryShape(ins: readonly In[], ctx: InferContext): Dim[] | undefined {
  const a = shapeOf(ins[0]);
  const b = shapeOf(ins[1]);
  if (ctx.opset >= 7) return broadcastShapes(ins.map(shapeOf));
  if (!a) return ctx.attrs.int('broadcast', 0) === 0 && b ? [...b] : undefined;
  const placed = b ? legacyBroadcastB(ctx.attrs, ctx.opset, a, b) : undefined;
  // A dim of 1 in B broadcasts; any other known dim of B is A's.
  return a.map((d, i) => (d === null && placed && placed[i] !== 1 ? placed[i] : d));
}

/** Sum, Mean, Max, Min: the broadcast of all inputs (before opset 8 they must have one shape). */
const variadic: InferFn = (ins, ctx) => {
  const shapes = ins.map(shapeOf);
  checkSameShapes(ctx.opset, shapes);
  return [tensorOut(dtypeOf(ins.find((k) => dtypeOf(k) !== undefined)), broadcastShapes(shapes))];
};

/** PRelu: X's type; before opset 7 the slope must be one value or one per channel. */
const prelu: InferFn = (ins, ctx) => {
  const x = shapeOf(ins[0]);
  const slope = shapeOf(ins[1]);
  if (x && slope) preluSlopeDims(ctx.opset, x, slope);
  return [tensorOut(dtypeOf(ins[0]), x)];
};

const SAME_UNARY = [
  'Relu', 'LeakyRelu', 'Elu', 'Selu', 'Celu', 'ThresholdedRelu', 'HardSigmoid', 'HardSwish', 'Sigmoid', 'Tanh',
  'Softplus', 'Softsign', 'Mish', 'Gelu', 'Swish', 'Shrink', 'Clip', 'Neg', 'Abs', 'Sign', 'Erf',
  'Reciprocal', 'Sqrt', 'Exp', 'Log', 'Ceil', 'Floor', 'Round', 'Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan',
  'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'BitwiseNot',
];
const BOOL_UNARY = ['IsNaN', 'IsInf', 'Not'];
const SAME_BINARY = ['Mod', 'Pow', 'BitShift', 'BitwiseAnd', 'BitwiseOr', 'BitwiseXor'];
const VARIADIC = ['Sum', 'Mean', 'Max', 'Min'];
const COMPARE = ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual', 'And', 'Or', 'Xor'];

type DimOp = (a: Dim, b: Dim) => Dim;

/**
 * ONNX integer Div truncates toward zero; symbolic division when exact, or by a positive constant
 * of a dividend provably ≥ 0, where truncation is floor division (`(H)//2`).
 */
const divDim: DimOp = (a, b) => {
  if (typeof a === 'number' && typeof b === 'number') return b === 0 ? null : Math.trunc(a / b) + 0;
  const exact = dimDiv(a, b);
  if (exact !== null) return exact;
  return typeof b === 'number' && b > 0 && dimNonNegative(a) ? dimFloorDiv(a, b) : null;
};

const ARITH: readonly [string, DimOp][] = [['Add', dimAdd], ['Sub', dimSub], ['Mul', dimMul], ['Div', divDim]];

/**
 * Add/Sub/Mul/Div: broadcast type; for integer 0-D/1-D operands whose elements are known as dims,
 * the elementwise result as dims (so `Shape(x)[0] * 2` stays `2*batch`).
 */
function arith(op: DimOp): InferFn {
  return (ins, ctx) => {
    const dtype = dtypeOf(ins[0]);
    const shape = binaryShape(ins, ctx);
    const base = tensorOut(dtype, shape);
    if (!isIntType(dtype) || !shape || shape.length > 1 || ins.length !== 2) return [base];
    const a = dimsOf(ins[0]);
    const b = dimsOf(ins[1]);
    const n = shape.length === 0 ? 1 : shape[0];
    if (!a || !b || typeof n !== 'number') return [base];
    if ((a.length !== n && a.length !== 1) || (b.length !== n && b.length !== 1)) return [base];
    const out: Dim[] = [];
    for (let i = 0; i < n; i++) out.push(op(a[a.length === 1 ? 0 : i], b[b.length === 1 ? 0 : i]));
    return [dimsOut(dtype!, out, shape.length === 0)];
  };
}

/** Elementwise over 0-D/1-D operands of output `shape`; undefined when some operand's elements are unknown. */
function zipDims<T, R>(shape: readonly Dim[] | undefined, parts: readonly (readonly T[] | undefined)[], f: (xs: T[]) => R | undefined): R[] | undefined {
  if (!shape || shape.length > 1) return undefined;
  const n = shape.length === 0 ? 1 : shape[0];
  if (typeof n !== 'number' || n > MAX_VALUE_ELEMENTS) return undefined;
  if (parts.some((p) => !p || (p.length !== n && p.length !== 1))) return undefined;
  const out: R[] = [];
  for (let i = 0; i < n; i++) {
    const r = f(parts.map((p) => p![p!.length === 1 ? 0 : i]));
    if (r === undefined) return undefined;
    out.push(r);
  }
  return out;
}

/** A dim that is certainly ≥ 0: a number ≥ 0 or a plain symbol (a graph input's dim). */
function nonNegative(d: Dim): boolean {
  return typeof d === 'number' ? d >= 0 : d !== null && isSymbol(d);
}

const CMP: Record<string, (a: number, b: number) => boolean> = {
  Equal: (a, b) => a === b, Less: (a, b) => a < b, LessOrEqual: (a, b) => a <= b,
  Greater: (a, b) => a > b, GreaterOrEqual: (a, b) => a >= b,
};

/** A comparison of two dims when it is decided (Equal also on symbols), else undefined. */
function compareDims(op: string, a: Dim, b: Dim): boolean | undefined {
  if (typeof a === 'number' && typeof b === 'number') return CMP[op](a, b);
  if (op !== 'Equal') return undefined;
  const eq = dimEq(a, b);
  if (eq !== null) return eq;
  if ((typeof b === 'number' && b < 0 && nonNegative(a)) || (typeof a === 'number' && a < 0 && nonNegative(b))) return false;
  return undefined;
}

/** Comparisons: bool broadcast; on dims vectors, the bool value when every element is decided. */
function compare(op: string): InferFn {
  return (ins, ctx) => {
    const shape = binaryShape(ins, ctx);
    const base = tensorOut(D.BOOL, shape);
    if (!(op in CMP) || !isIntType(dtypeOf(ins[0]))) return [base];
    const bits = zipDims(shape, [dimsOf(ins[0]), dimsOf(ins[1])], ([a, b]) => compareDims(op, a, b));
    if (!bits || !base) return [base];
    const value = { kind: 'tensor' as const, dtype: D.BOOL, dims: shape!.length === 0 ? [] : [bits.length], data: Uint8Array.from(bits, Number) };
    return [{ ...base, value }];
  };
}

/** The elements of a small constant bool tensor. */
function boolsOf(k: In): boolean[] | undefined {
  const v = k?.value;
  if (!v || v.dtype !== D.BOOL || Array.isArray(v.data) || v.data.length > MAX_VALUE_ELEMENTS) return undefined;
  return Array.from(v.data as Uint8Array, (x) => x !== 0);
}

/** Where: broadcast of three; on dims vectors with a constant condition, the chosen dims. */
const where: InferFn = (ins) => {
  const dtype = dtypeOf(ins[1]) ?? dtypeOf(ins[2]);
  const shape = broadcastShapes(ins.slice(0, 3).map(shapeOf));
  const base = tensorOut(dtype, shape);
  if (!isIntType(dtype)) return [base];
  const c = boolsOf(ins[0])?.map((b): Dim => (b ? 1 : 0));
  const dims = zipDims<Dim, Dim>(shape, [c, dimsOf(ins[1]), dimsOf(ins[2])], ([k, x, y]) => (k ? x : y));
  return [dims ? dimsOut(dtype!, dims, shape!.length === 0) : base];
};


/**
 * Cast between integer types keeps propagated dims (shape values never overflow int32); a
 * constant input is converted (CastLike's second input need not be constant).
 */
function castKnown(x: In, to: number | undefined, ctx: InferContext): Known | null {
  const base = tensorOut(to, shapeOf(x));
  const v = x?.value;
  if (base && v && to !== undefined && v.data.length <= MAX_VALUE_ELEMENTS && !WIDENED_FLOATS.has(to)) {
    try {
      return { ...base, value: castTensor(v, to, foldContext(ctx)) };
    } catch {
      return base;
    }
  }
  const dims = dimsOf(x);
  const shape = shapeOf(x);
  if (!base || !dims || !shape || shape.length > 1 || !isIntType(dtypeOf(x)) || (to !== D.INT64 && to !== D.INT32)) return base;
  return dimsOut(to, dims, shape.length === 0);
}

/**
 * Constant: the value via the kernel; when the payload cannot be read (a stripped skeleton,
 * external data not loaded) the type still comes from the attribute's dtype and dims.
 */
const constant: InferFn = (_ins, ctx) => {
  const def = elementwiseOps.find((o) => o.name === 'Constant' && o.domain === '')!;
  let v;
  try {
    v = def.kernel([], foldContext(ctx))[0];
  } catch {
    const a = ctx.attrs.get('value') ?? ctx.attrs.get('sparse_value');
    if (a?.kind === 'tensor') return [tensorOut(a.value.dtype, a.value.dims)];
    if (a?.kind === 'sparse_tensor') return [tensorOut(a.value.values.dtype, a.value.dims)];
    return [null];
  }
  if (!v || v.kind !== 'tensor') return [null];
  const type = { kind: 'tensor' as const, dtype: v.dtype, shape: [...v.dims] };
  return [v.data.length <= MAX_VALUE_ELEMENTS ? { type, value: v } : { type }];
};

/** Shape: int64 vector of the input's dims (start/end from opset 15). */
const shapeRule: InferFn = (ins, ctx) => {
  const s = shapeOf(ins[0]);
  if (!s) return [tensorOut(D.INT64, [null])];
  const r = s.length;
  let start = 0;
  let end = r;
  if (ctx.opset >= 15) {
    const clamp = (x: number) => Math.min(Math.max(x < 0 ? x + r : x, 0), r);
    start = clamp(ctx.attrs.int('start', 0));
    end = ctx.attrs.has('end') ? clamp(ctx.attrs.int('end', r)) : r;
  }
  return [dimsOut(D.INT64, s.slice(start, Math.max(start, end)), false)];
};

const sizeRule: InferFn = (ins) => {
  const s = shapeOf(ins[0]);
  if (!s) return [tensorOut(D.INT64, [])];
  const p = dimProduct(s);
  return [dimsOut(D.INT64, [p], true)];
};

const constantOfShape: InferFn = (ins, ctx) => {
  const t = ctx.attrs.has('value') ? ctx.attrs.get('value') : undefined;
  const dtype = t?.kind === 'tensor' ? t.value.dtype : D.FLOAT;
  // Shape entries computed from data: each is one unknown value (a fresh symbol).
  const dims = dimsOf(ins[0]);
  if (dims) return [tensorOut(dtype, freshen(dims, ctx))];
  const n = lengthOf(ins[0]);
  return [tensorOut(dtype, n !== undefined ? freshen(new Array<Dim>(n).fill(null), ctx) : undefined)];
};

const identity: InferFn = (ins) => [ins[0] ?? null];

const table: InferRule[] = [
  ...SAME_UNARY.map((n) => rule(n, sameAsInput)),
  ...BOOL_UNARY.map((n) => rule(n, boolUnary)),
  ...SAME_BINARY.map((n) => rule(n, (ins, ctx) => [tensorOut(dtypeOf(ins[0]), binaryShape(ins, ctx))])),
  ...VARIADIC.map((n) => rule(n, variadic)),
  ...COMPARE.map((n) => rule(n, compare(n))),
  ...ARITH.map(([n, f]) => rule(n, arith(f))),
  rule('PRelu', prelu),
  rule('Where', where),
  rule('Cast', (ins, ctx) => [castKnown(ins[0], ['int', 'string'].includes(ctx.attrs.get('to')?.kind ?? '') ? castTarget(ctx.attrs) : undefined, ctx)]),
  rule('CastLike', (ins, ctx) => [castKnown(ins[0], dtypeOf(ins[1]), ctx)]),
  rule('BitCast', (ins, ctx) => [tensorOut(ctx.attrs.has('to') ? ctx.attrs.int('to') : undefined, shapeOf(ins[0]))]),
  rule('Identity', identity),
  rule('Constant', constant),
  rule('Shape', shapeRule),
  rule('Size', sizeRule),
  rule('ConstantOfShape', constantOfShape),
];

/** The rules, each also folding constant inputs through its kernel. */
export const rules: InferTable = table.map((r) => ({ ...r, fold: true }));
