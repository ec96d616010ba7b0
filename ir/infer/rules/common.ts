/**
 * Helpers shared by the elementwise and tensor inference rules: reading what is known about an
 * input (dtype, shape, constant ints, propagated dims), symbolic broadcasting, and building
 * results. Every helper answers "unknown" (undefined/null) rather than guess.
 */
import type { IntsOperand } from '../../ops/operands.js';
import { DataType as D } from '../../dtype.js';
import type { TensorValue } from '../../ops/types.js';
import type { Dim } from '../../types.js';
import { dimEq, dimMul } from '../dims.js';
import type { Known } from '../types.js';

export type In = Known | null | undefined;

/** Largest constant `value` a rule attaches to its output (shape tensors are tiny). */
export const MAX_VALUE_ELEMENTS = 1024;
/** Largest rank a rule builds from a declared (not computed) length. */
export const MAX_RANK = 1024;

const INT_TYPES: ReadonlySet<number> = new Set([
  D.INT8, D.UINT8, D.INT16, D.UINT16, D.INT32, D.UINT32, D.INT64, D.UINT64,
]);

export function isIntType(dtype: number | undefined): boolean {
  return dtype !== undefined && INT_TYPES.has(dtype);
}

/** The tensor dtype of an input, when known (0 counts as unknown). */
export function dtypeOf(k: In): number | undefined {
  if (k?.value) return k.value.dtype;
  const t = k?.type;
  if (!t || (t.kind !== 'tensor' && t.kind !== 'sparse')) return undefined;
  return t.dtype === 0 ? undefined : t.dtype;
}

/** The shape of an input; undefined = unknown rank. */
export function shapeOf(k: In): readonly Dim[] | undefined {
  if (k?.value) return k.value.dims;
  const t = k?.type;
  if (!t || (t.kind !== 'tensor' && t.kind !== 'sparse')) return undefined;
  return t.shape;
}

export function rankOf(k: In): number | undefined {
  return shapeOf(k)?.length;
}

/** Integer contents of a constant (integer or integral-float) input, else undefined. */
export function intsOf(k: In): number[] | undefined {
  const v = k?.value;
  if (v && !Array.isArray(v.data) && v.data.length <= MAX_VALUE_ELEMENTS) {
    const out: number[] = [];
    for (let i = 0; i < v.data.length; i++) {
      const x = Number(v.data[i]);
      if (!Number.isSafeInteger(x)) return undefined;
      out.push(x);
    }
    return out;
  }
  const d = k?.dims;
  if (d && d.every((x): x is number => typeof x === 'number')) return [...d];
  return undefined;
}

/**
 * An operand decoded by `ir/ops/operands.ts`, as far as known: its attribute values, its input's
 * integers (read with `read`), null for an input whose contents are unknown, undefined when absent.
 */
export function operandInts(ins: readonly In[], operand: IntsOperand, read: (k: In) => number[] | undefined = intsOf): number[] | null | undefined {
  if (operand.from === 'attr') return [...operand.value];
  if (operand.from === 'input') return read(ins[operand.index]) ?? null;
  return undefined;
}

/**
 * Like `intsOf` but clamps integers beyond ±2^53 (Slice ends of INT64_MAX, Pad limits) to
 * ±MAX_SAFE_INTEGER, which behaves identically wherever a value is clamped to a dim.
 */
export function indexIntsOf(k: In): number[] | undefined {
  const v = k?.value;
  if (v && !Array.isArray(v.data) && v.data.length <= MAX_VALUE_ELEMENTS) {
    const out: number[] = [];
    for (let i = 0; i < v.data.length; i++) {
      const x = Number(v.data[i]);
      if (!Number.isInteger(x)) return undefined;
      out.push(Math.min(Math.max(x, -Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER));
    }
    return out;
  }
  return intsOf(k);
}

/**
 * The length of a 1-D input whose contents are unknown (an axes or shape input): lets a rule
 * know the output rank even when the values are data-dependent.
 */
export function lengthOf(k: In): number | undefined {
  const s = shapeOf(k);
  const n = s?.length === 1 ? s[0] : undefined;
  // A declared length is untrusted: no rank beyond MAX_RANK is believed (or allocated).
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_RANK ? n : undefined;
}

/** One integer from a constant scalar/one-element input. */
export function intOf(k: In): number | undefined {
  const xs = intsOf(k);
  return xs && xs.length === 1 ? xs[0] : undefined;
}

/**
 * The elements of a 0-D/1-D integer input as dims: its propagated `dims`, else its constant
 * value. undefined when neither is known.
 */
export function dimsOf(k: In): readonly Dim[] | undefined {
  if (k?.dims) return k.dims;
  const v = k?.value;
  if (v && v.dims.length <= 1 && isIntType(v.dtype)) return intsOf(k);
  return undefined;
}

/**
 * `min(E,D)`: the length of `x[0:E]` on a dim of number size D ≥ 1, E a plain symbol (a size, so
 * ≥ 0) — BERT's position ids `[1,512]` sliced to `seq`. Opaque to dims.ts (equal only as text).
 */
export function minDim(e: string, d: number): string {
  return `min(${e},${d})`;
}

/** The symbol E of a `minDim(E, D)` text with D ≥ 1, else undefined. */
function minOf(d: Dim): string | undefined {
  if (typeof d !== 'string') return undefined;
  const m = /^min\((.+),([0-9]+)\)$/.exec(d);
  return m && Number(m[2]) >= 1 ? m[1] : undefined;
}

/**
 * Broadcast of two dims (numpy rules, symbolically); null when it cannot be decided.
 * `E` with `min(E,D)` (D ≥ 1) is E in every valid run: they are equal, or min(E,D) = 1 (then E
 * wins), or E = 1 (then min(1,D) = 1 = E).
 */
export function broadcastDim(a: Dim, b: Dim): Dim {
  if (a !== null && a === minOf(b)) return a;
  if (b !== null && b === minOf(a)) return b;
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === null || b === null) {
    const o = a === null ? b : a;
    // A known size other than 1 wins whatever the unknown one is (or the model is invalid).
    return typeof o === 'number' ? o : null;
  }
  if (dimEq(a, b) === true) return a;
  if (typeof a === 'number' && typeof b !== 'number') return a;
  if (typeof b === 'number' && typeof a !== 'number') return b;
  return null;
}

/**
 * A data-dependent shape with each unknown dim named by a fresh symbol (`ctx.freshDim`): the dim is
 * one value, unknown until run time, and only the same symbol asserts equality — sound for the dims
 * of one output (or of outputs the op makes equal). Use it only where the dim depends on data.
 */
export function freshen(shape: readonly Dim[], ctx: { freshDim(): string }): Dim[] {
  return shape.map((d) => (d === null ? ctx.freshDim() : d));
}

/** Multidirectional broadcast of shapes; undefined when some rank is unknown. */
export function broadcastShapes(shapes: readonly (readonly Dim[] | undefined)[]): Dim[] | undefined {
  if (shapes.length === 0 || shapes.some((s) => s === undefined)) return undefined;
  const r = Math.max(...shapes.map((s) => s!.length));
  const out: Dim[] = new Array<Dim>(r).fill(1);
  for (const s of shapes) {
    const off = r - s!.length;
    for (let i = 0; i < s!.length; i++) out[off + i] = broadcastDim(out[off + i], s![i]);
  }
  return out;
}

/** Normalizes an axis; undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return Number.isInteger(a) && a >= 0 && a < rank ? a : undefined;
}

/** Normalizes axes; undefined when one is out of range or repeated. */
export function normAxes(axes: readonly number[], rank: number): number[] | undefined {
  const out: number[] = [];
  for (const a of axes) {
    const n = normAxis(a, rank);
    if (n === undefined || out.includes(n)) return undefined;
    out.push(n);
  }
  return out;
}

/** Product of dims (1 for none); null when unknown. */
export function dimProduct(dims: readonly Dim[]): Dim {
  let p: Dim = 1;
  for (const d of dims) {
    p = dimMul(p, d);
    if (p === null) return null;
  }
  return p;
}

/** A small integer tensor of `dtype` holding `xs` (0-D when `scalar`). */
export function intTensor(dtype: number, xs: readonly number[], scalar: boolean): TensorValue | undefined {
  if (xs.length > MAX_VALUE_ELEMENTS || (scalar && xs.length !== 1)) return undefined;
  const dims = scalar ? [] : [xs.length];
  switch (dtype) {
    case D.INT64: return { kind: 'tensor', dtype, dims, data: BigInt64Array.from(xs, (x) => BigInt(x)) };
    case D.INT32: return { kind: 'tensor', dtype, dims, data: Int32Array.from(xs) };
    default: return undefined;
  }
}

/** A tensor result: dtype (0 = unknown) and shape (undefined = unknown rank). */
export function tensorOut(dtype: number | undefined, shape: readonly Dim[] | undefined): Known | null {
  if (dtype === undefined && shape === undefined) return null;
  // A negative or non-integer size (from an invalid shape input) is never a real dim.
  const clean = shape?.map((d) => (typeof d === 'number' && !(Number.isSafeInteger(d) && d >= 0) ? null : d));
  return { type: { kind: 'tensor', dtype: dtype ?? 0, ...(clean ? { shape: clean } : {}) } };
}

/**
 * A result carrying propagated dims (a 1-D vector, or a 0-D scalar when `scalar`), plus the
 * constant value when every dim is a number.
 */
export function dimsOut(dtype: number, dims: readonly Dim[], scalar: boolean): Known | null {
  if (scalar && dims.length !== 1) return tensorOut(dtype, []);
  const shape = scalar ? [] : [dims.length];
  // int32 Add/Sub/Mul/Cast wrap (the kernels and onnxruntime agree: 100000·1000000 is
  // 1215752192), so a number past the range stands for its wrapped value, as the value tensor does.
  if (dtype === D.INT32) dims = dims.map((d) => (typeof d !== 'number' ? d : Number.isSafeInteger(d) ? d | 0 : null));
  const base = { type: { kind: 'tensor' as const, dtype, shape }, dims: [...dims] };
  if (dims.every((d): d is number => typeof d === 'number')) {
    const value = intTensor(dtype, dims as number[], scalar);
    if (value) return { ...base, value };
  }
  return base;
}

/** Merges two dims that the op requires equal: a number beats a symbol, anything beats null. */
export function mergeDim(a: Dim, b: Dim): Dim {
  if (a === null) return b;
  if (b === null || typeof a === 'number') return a;
  return typeof b === 'number' ? b : a;
}
