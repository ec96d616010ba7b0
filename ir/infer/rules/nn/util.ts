/**
 * Small helpers shared by the nn and control inference rules: reading a Known as a tensor type,
 * building tensor Knowns, and conservative dim merging. Every helper errs toward "unknown"
 * (null dim / undefined shape) — a rule must never state a wrong shape.
 */
import type { Dim, Type } from '../../../types.js';
import { dimAdd } from '../../dims.js';
import type { InferContext, Known } from '../../types.js';

export interface TensorInfo {
  readonly dtype: number;
  readonly shape?: readonly Dim[];
}

/** The tensor type of a Known, or undefined when it is not (known to be) a tensor. */
export function tensorOf(k: Known | null | undefined): TensorInfo | undefined {
  const t = k?.type;
  if (!t || t.kind !== 'tensor') return undefined;
  return { dtype: t.dtype, shape: t.shape };
}

/** dtype of a tensor Known, 0 when unknown. */
export function dtypeOf(k: Known | null | undefined): number {
  return tensorOf(k)?.dtype ?? 0;
}

/** Shape of a tensor Known (undefined = unknown rank). */
export function shapeOf(k: Known | null | undefined): readonly Dim[] | undefined {
  return tensorOf(k)?.shape;
}

/** A tensor Known; dtype 0 means the dtype is unknown. */
export function tensor(dtype: number, shape?: readonly Dim[]): Known {
  const type: Type = shape === undefined ? { kind: 'tensor', dtype } : { kind: 'tensor', dtype, shape: [...shape] };
  return { type };
}

/** Same type as the input (dtype and shape), or nothing when the input is unknown. */
export function sameAs(k: Known | null | undefined): Known | null {
  const t = tensorOf(k);
  return t ? tensor(t.dtype, t.shape) : null;
}

/** True when the dim is a known non-negative integer. */
export function isNum(d: Dim | undefined): d is number {
  return typeof d === 'number' && Number.isInteger(d) && d >= 0;
}

/**
 * Multidirectional broadcast of one dim pair. A symbol broadcast against 1 is itself; against a
 * number > 1 it must equal that number (else the model is invalid); two different symbols give
 * null because either could be 1.
 */
export function broadcastDim(a: Dim, b: Dim): Dim {
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === b) return a;
  if (isNum(a) && !isNum(b) && a !== 0) return a;
  if (isNum(b) && !isNum(a) && b !== 0) return b;
  return null;
}

/** Broadcasts two shapes (right-aligned); undefined when either rank is unknown. */
export function broadcastShapes(a: readonly Dim[] | undefined, b: readonly Dim[] | undefined): Dim[] | undefined {
  if (!a || !b) return undefined;
  const n = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : a[i - (n - a.length)];
    const db = i < n - b.length ? 1 : b[i - (n - b.length)];
    out.push(broadcastDim(da, db));
  }
  return out;
}

/** Merge for alternative paths (If branches): equal dims kept, differing → null. */
export function mergeDim(a: Dim, b: Dim): Dim {
  return a === b ? a : null;
}

/** Merges two types seen on alternative paths; undefined when they disagree in kind. */
export function mergeType(a: Type | undefined, b: Type | undefined): Type | undefined {
  if (!a || !b) return undefined;
  if (a.kind === 'tensor' && b.kind === 'tensor') {
    const dtype = a.dtype === b.dtype ? a.dtype : 0;
    if (!a.shape || !b.shape || a.shape.length !== b.shape.length) return { kind: 'tensor', dtype };
    return { kind: 'tensor', dtype, shape: a.shape.map((d, i) => mergeDim(d, b.shape![i])) };
  }
  if ((a.kind === 'sequence' && b.kind === 'sequence') || (a.kind === 'optional' && b.kind === 'optional')) {
    return { kind: a.kind, elem: mergeType(a.elem, b.elem) };
  }
  if (a.kind === b.kind && a.kind !== 'map' && a.kind !== 'opaque' && a.kind !== 'sparse') return a;
  return undefined;
}

/** Normalizes a possibly negative axis against a known rank; undefined when out of range. */
export function normAxis(axis: number, rank: number): number | undefined {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : undefined;
}

/** A constant input's values as plain numbers (int64 included), when known. */
export function constNumbers(k: Known | null | undefined): number[] | undefined {
  const v = k?.value;
  if (!v || Array.isArray(v.data)) return undefined;
  const out: number[] = [];
  const data = v.data as ArrayLike<number | bigint>;
  for (let i = 0; i < data.length; i++) out.push(Number(data[i]));
  return out;
}

/** A 0-D/1-D dims input (data propagation or constant), as Dim values. */
export function constDims(k: Known | null | undefined): readonly Dim[] | undefined {
  if (k?.dims) return k.dims;
  const n = constNumbers(k);
  return n?.map((x) => (Number.isInteger(x) && x >= 0 ? x : null));
}

/** Whether an optional node output is present (so a rule may skip computing it). */
export function hasOutput(ctx: InferContext, i: number): boolean {
  return ctx.node.outputs[i] != null;
}

/** n unknown dims. */
export function unknownDims(n: number): Dim[] {
  return new Array<Dim>(n).fill(null);
}

/** d + c for a constant c, as a canonical expression when d is symbolic (null when unknown). */
export function addConst(d: Dim, c: number): Dim {
  if (d === null) return null;
  if (c === 0) return d;
  if (isNum(d)) return d + c >= 0 ? d + c : null;
  return dimAdd(d, c);
}
