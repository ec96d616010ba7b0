/**
 * Shared machinery of the elementwise family: input access with errors naming the node, dtype
 * dispatch tables and the unary / binary / n-ary loops with numpy broadcasting.
 *
 * Kernels pass one function per storage class (float, number-backed integers, bigint-backed
 * integers, strings); the loops pick by input dtype, so a kernel never sees a dtype it did not
 * declare (it gets a LatheError instead). Loops have fast paths for equal shapes and scalars; the
 * general case uses `broadcastIndex` (one Int32Array per broadcast input, no per-element objects).
 */
import { LatheError } from '../../error.js';
import { DataType as D, dtypeName } from '../../dtype.js';
import type { KernelContext, NumericArray, RtValue, TensorValue } from '../types.js';
import { allocate, MAX_TENSOR_ELEMENTS, broadcastIndex, broadcastShape, isBigInt, isFloat, sizeOf } from '../util.js';
import { checkSameShapes, legacyBroadcastB } from '../legacy-broadcast.js';

/** A LatheError whose message names the op and, when known, the node. */
export function opError(ctx: KernelContext, msg: string): LatheError {
  const n = ctx.node;
  return new LatheError(`${n.op}${n.name ? ` '${n.name}'` : ''}: ${msg}`);
}

/** Input `i` as a tensor (LatheError naming the op when absent or not a tensor). */
export function input(ins: readonly (RtValue | null)[], i: number, ctx: KernelContext): TensorValue {
  const v = ins[i];
  if (!v || v.kind !== 'tensor') throw opError(ctx, `input ${i} must be a tensor`);
  return v;
}

/** Optional input `i`: null when omitted (or an empty-name input). */
export function optInput(ins: readonly (RtValue | null)[], i: number, ctx: KernelContext): TensorValue | null {
  const v = ins[i];
  if (v === null || v === undefined) return null;
  if (v.kind !== 'tensor') throw opError(ctx, `input ${i} must be a tensor`);
  return v;
}

/** Largest element count an elementwise kernel allocates from shapes the model supplies. */
export const MAX_ELEMENTS = MAX_TENSOR_ELEMENTS; // one limit for every materialization (util.ts)

/** Allocates `dims` of `dtype`, refusing sizes a model could use to exhaust memory. */
export function alloc(ctx: KernelContext, dtype: number, dims: readonly number[]): NumericArray | string[] {
  const n = sizeOf(dims);
  if (!(n <= MAX_ELEMENTS)) throw opError(ctx, `output of ${n} elements exceeds the evaluator's limit of ${MAX_ELEMENTS}`);
  return allocate(dtype, n);
}

/**
 * Integer dtypes stored as JS numbers in typed arrays that wrap on store. The sub-byte types are
 * not here: their storage (Int8Array/Uint8Array) would not wrap them, and only Cast-like ops take
 * them (see SUB_BYTE_INTS).
 */
export const INT_NUMBER: ReadonlySet<number> = new Set([D.INT8, D.UINT8, D.INT16, D.UINT16, D.INT32, D.UINT32]);

/** int4/uint4/int2/uint2: one element per storage entry, wrapped explicitly where produced. */
export const SUB_BYTE_INTS: ReadonlySet<number> = new Set([D.INT4, D.UINT4, D.INT2, D.UINT2]);

/** Bit width and signedness of each integer dtype (BitShift, wrapping of sub-byte types). */
export const INT_BITS: ReadonlyMap<number, { bits: number; signed: boolean }> = new Map([
  [D.INT8, { bits: 8, signed: true }], [D.UINT8, { bits: 8, signed: false }],
  [D.INT16, { bits: 16, signed: true }], [D.UINT16, { bits: 16, signed: false }],
  [D.INT32, { bits: 32, signed: true }], [D.UINT32, { bits: 32, signed: false }],
  [D.INT64, { bits: 64, signed: true }], [D.UINT64, { bits: 64, signed: false }],
  [D.INT4, { bits: 4, signed: true }], [D.UINT4, { bits: 4, signed: false }],
  [D.INT2, { bits: 2, signed: true }], [D.UINT2, { bits: 2, signed: false }],
]);

/**
 * Per-storage-class element functions. `float` serves float, double and the widened narrow
 * floats (computed in double, stored into the output array which rounds); `int` serves the
 * number-backed integer dtypes; `big` int64/uint64; `bool` bool (0/1 numbers);
 * `str` strings. Results are stored into the output typed array, which wraps integers.
 */
export interface Fns<N, B, S> {
  float?: N;
  int?: N;
  bool?: N;
  big?: B;
  str?: S;
}

type AnyFn = (...xs: any[]) => any;

/** The function for `dtype`, or a LatheError saying the op does not take that dtype. */
export function pick<F extends AnyFn>(fns: Fns<F, F, F>, dtype: number, ctx: KernelContext): F {
  let f: F | undefined;
  if (isFloat(dtype)) f = fns.float;
  else if (dtype === D.BOOL) f = fns.bool;
  else if (INT_NUMBER.has(dtype)) f = fns.int;
  else if (isBigInt(dtype)) f = fns.big;
  else if (dtype === D.STRING) f = fns.str;
  if (!f) throw opError(ctx, `does not support ${dtypeName(dtype)} inputs`);
  return f;
}

type Store = { [i: number]: any; length: number };

/** Maps `f` over `x` into a fresh tensor of `outDtype` (same shape). */
export function mapTensor(x: TensorValue, outDtype: number, f: (v: any) => any): TensorValue {
  const src = x.data as Store;
  const out = allocate(outDtype, src.length) as Store;
  if (src instanceof Float32Array && out instanceof Float32Array) mapF32(src, out, f);
  else mapAny(src, out, f);
  return { kind: 'tensor', dtype: outDtype, dims: x.dims.slice(), data: out as NumericArray };
}

// Separate loops per storage keep the element accesses monomorphic (float32 is the hot case).
function mapF32(src: Float32Array, out: Float32Array, f: (v: number) => number): void {
  const n = src.length;
  for (let i = 0; i < n; i++) out[i] = f(src[i]);
}

function mapAny(src: Store, out: Store, f: (v: any) => any): void {
  const n = src.length;
  for (let i = 0; i < n; i++) out[i] = f(src[i]);
}

/** Unary op: picks the function by x's dtype; output dtype = `outDtype` or x's. */
export function unary(
  ctx: KernelContext,
  x: TensorValue,
  fns: Fns<(v: number) => number, (v: bigint) => bigint | number, (v: string) => any>,
  outDtype = x.dtype,
): TensorValue {
  return mapTensor(x, outDtype, pick(fns as Fns<AnyFn, AnyFn, AnyFn>, x.dtype, ctx));
}

/**
 * `out[i] = f(a[ia], b[ib])` over the broadcast shape of a and b, into a fresh tensor of
 * `outDtype`. `f` sees the raw storage elements (number, bigint or string).
 */
export function zip(ctx: KernelContext, a: TensorValue, b: TensorValue, outDtype: number, f: (x: any, y: any) => any): TensorValue {
  const dims = a.dims.length === b.dims.length && a.dims.every((d, i) => d === b.dims[i])
    ? a.dims.slice()
    : broadcastShape([a.dims, b.dims], opErrorPrefix(ctx));
  const out = alloc(ctx, outDtype, dims) as Store;
  const ad = a.data as Store;
  const bd = b.data as Store;
  if (ad instanceof Float32Array && bd instanceof Float32Array && out instanceof Float32Array) zipF32(a, b, dims, ad, bd, out, f);
  else if (ad instanceof Float64Array && bd instanceof Float64Array && out instanceof Float64Array) zipF64(a, b, dims, ad, bd, out, f);
  else zipAny(a, b, dims, ad, bd, out, f);
  return { kind: 'tensor', dtype: outDtype, dims, data: out as NumericArray };
}

// Copies of one loop nest: float32 storage (monomorphic, the hot case), float64 (the optimizer's
// float64 arithmetic on weights) and any storage.
function zipF32(a: TensorValue, b: TensorValue, dims: number[], ad: Float32Array, bd: Float32Array, out: Float32Array, f: (x: number, y: number) => number): void {
  const n = out.length;
  if (ad.length === n && bd.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(ad[i], bd[i]);
  } else if (bd.length === 1 && ad.length === n) {
    const y = bd[0];
    for (let i = 0; i < n; i++) out[i] = f(ad[i], y);
  } else if (ad.length === 1 && bd.length === n) {
    const x = ad[0];
    for (let i = 0; i < n; i++) out[i] = f(x, bd[i]);
  } else if (n > 0) {
    const ia = ad.length === n ? null : broadcastIndex(a.dims, dims);
    const ib = bd.length === n ? null : broadcastIndex(b.dims, dims);
    for (let i = 0; i < n; i++) out[i] = f(ad[ia ? ia[i] : i], bd[ib ? ib[i] : i]);
  }
}

function zipF64(a: TensorValue, b: TensorValue, dims: number[], ad: Float64Array, bd: Float64Array, out: Float64Array, f: (x: number, y: number) => number): void {
  const n = out.length;
  if (ad.length === n && bd.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(ad[i], bd[i]);
  } else if (bd.length === 1 && ad.length === n) {
    const y = bd[0];
    for (let i = 0; i < n; i++) out[i] = f(ad[i], y);
  } else if (ad.length === 1 && bd.length === n) {
    const x = ad[0];
    for (let i = 0; i < n; i++) out[i] = f(x, bd[i]);
  } else if (n > 0) {
    const ia = ad.length === n ? null : broadcastIndex(a.dims, dims);
    const ib = bd.length === n ? null : broadcastIndex(b.dims, dims);
    for (let i = 0; i < n; i++) out[i] = f(ad[ia ? ia[i] : i], bd[ib ? ib[i] : i]);
  }
}

function zipAny(a: TensorValue, b: TensorValue, dims: number[], ad: Store, bd: Store, out: Store, f: (x: any, y: any) => any): void {
  const n = out.length;
  if (ad.length === n && bd.length === n) {
    for (let i = 0; i < n; i++) out[i] = f(ad[i], bd[i]);
  } else if (bd.length === 1 && ad.length === n) {
    const y = bd[0];
    for (let i = 0; i < n; i++) out[i] = f(ad[i], y);
  } else if (ad.length === 1 && bd.length === n) {
    const x = ad[0];
    for (let i = 0; i < n; i++) out[i] = f(x, bd[i]);
  } else if (n > 0) {
    const ia = ad.length === n ? null : broadcastIndex(a.dims, dims);
    const ib = bd.length === n ? null : broadcastIndex(b.dims, dims);
    for (let i = 0; i < n; i++) out[i] = f(ad[ia ? ia[i] : i], bd[ib ? ib[i] : i]);
  }
}

function opErrorPrefix(ctx: KernelContext): string {
  const n = ctx.node;
  return `${n.op}${n.name ? ` '${n.name}'` : ''}`;
}

/** Binary op on two inputs of the same dtype (checked); output dtype = `outDtype` or a's. */
export function binary(
  ctx: KernelContext,
  a: TensorValue,
  b: TensorValue,
  fns: Fns<(x: number, y: number) => number, (x: bigint, y: bigint) => bigint | number, (x: string, y: string) => any>,
  outDtype = a.dtype,
): TensorValue {
  if (a.dtype !== b.dtype) throw opError(ctx, `inputs have different dtypes ${dtypeName(a.dtype)} and ${dtypeName(b.dtype)}`);
  return zip(ctx, a, b, outDtype, pick(fns as Fns<AnyFn, AnyFn, AnyFn>, a.dtype, ctx));
}

/**
 * Folds a binary op over 1..n inputs (Sum, Max, Min …), broadcasting pairwise from opset 8 (one
 * shape before: `checkSameShapes`); every step is
 * stored in the output dtype, as a chain of two-input ops would be.
 */
export function fold(
  ctx: KernelContext,
  ins: readonly (RtValue | null)[],
  fns: Fns<(x: number, y: number) => number, (x: bigint, y: bigint) => bigint, never>,
): TensorValue {
  if (ins.length === 0) throw opError(ctx, 'needs at least one input');
  try {
    checkSameShapes(ctx.opset, ins.map((v) => (v?.kind === 'tensor' ? v.dims : undefined)));
  } catch (e) {
    throw opError(ctx, (e as Error).message);
  }
  let acc = input(ins, 0, ctx);
  if (ins.length === 1) pick(fns as Fns<AnyFn, AnyFn, AnyFn>, acc.dtype, ctx);
  for (let i = 1; i < ins.length; i++) acc = binary(ctx, acc, input(ins, i, ctx), fns);
  return acc;
}

/** Reads a one-element tensor as a number (Clip bounds, scalar attributes as inputs). */
export function scalarOf(t: TensorValue, ctx: KernelContext, what: string): number | bigint | string {
  if (t.data.length !== 1) throw opError(ctx, `${what} must have exactly one element, has ${t.data.length}`);
  return t.data[0];
}

/**
 * Before opset 7 the binary ops broadcast only B onto A, and only with `broadcast=1`
 * (`legacyBroadcastB`, shared with the inference rules). Returns B reshaped so numpy broadcasting
 * gives the legacy result.
 */
export function legacyB(ctx: KernelContext, a: TensorValue, b: TensorValue): TensorValue {
  let dims;
  try {
    dims = legacyBroadcastB(ctx.attrs, ctx.opset, a.dims, b.dims);
  } catch (e) {
    throw opError(ctx, (e as Error).message);
  }
  return dims ? { ...b, dims: dims as number[] } : b;
}

/** Two inputs of a binary op, with the legacy broadcast of B applied. */
export function pair(ins: readonly (RtValue | null)[], ctx: KernelContext): [TensorValue, TensorValue] {
  const a = input(ins, 0, ctx);
  return [a, legacyB(ctx, a, input(ins, 1, ctx))];
}

/** INT64_MIN: what a float → int64 conversion of NaN/±inf gives on x86 (numpy); undefined in ONNX. */
export const INT64_INDEFINITE = -(2n ** 63n);

/** Truncates a double toward zero into a bigint (NaN/±inf → INT64_INDEFINITE). */
export function truncToBig(x: number): bigint {
  return Number.isFinite(x) ? BigInt(Math.trunc(x)) : INT64_INDEFINITE;
}
