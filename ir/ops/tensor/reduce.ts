/**
 * Reductions: ReduceSum/Mean/Max/Min/Prod/L1/L2/LogSum/LogSumExp/SumSquare, ArgMax/ArgMin,
 * CumSum/CumProd. Number storage accumulates in float64 (so float16/bfloat16, stored widened,
 * compute at least in float32 as the spec asks); ≤32-bit integer products use Math.imul so they
 * wrap like the fixed-width type; int64/uint64 accumulate exactly in bigint.
 */
import { DataType as D } from '../../dtype.js';
import type { KernelContext, OpDef, RtValue, TensorValue } from '../types.js';
import { sizeOf, strides } from '../util.js';
import { reduceAxes } from '../operands.js';
import { alloc, axesOf, axisMap, axisOf, fail, input, mapIndex, operandInts, optInput, scalarInt, widthOf } from './common.js';

type Kind = 'sum' | 'mean' | 'max' | 'min' | 'prod' | 'l1' | 'l2' | 'logsum' | 'logsumexp' | 'sumsquare';

const INT_RANGE: Record<number, [number, number]> = {
  [D.INT8]: [-128, 127], [D.UINT8]: [0, 255], [D.INT16]: [-32768, 32767], [D.UINT16]: [0, 65535],
  [D.INT32]: [-(2 ** 31), 2 ** 31 - 1], [D.UINT32]: [0, 2 ** 32 - 1], [D.BOOL]: [0, 1], [D.INT4]: [-8, 7], [D.UINT4]: [0, 15],
};

/** Output shape and, for each input element, the flat index of the output it reduces into. */
export function reducePlan(dims: readonly number[], axes: ReadonlySet<number>, keepdims: boolean): { outDims: number[]; map: Int32Array; outCount: number } {
  const kept = dims.map((d, a) => (axes.has(a) ? 1 : d));
  const st = strides(kept);
  const map = mapIndex(dims, dims.map((d, a) => (axes.has(a) ? new Int32Array(d) : axisMap(d, st[a], (o) => o))));
  const outDims = keepdims ? kept : dims.filter((_, a) => !axes.has(a));
  return { outDims, map, outCount: sizeOf(kept) };
}

function reduceNumbers(op: string, kind: Kind, x: TensorValue, outDtype: number, plan: ReturnType<typeof reducePlan>): TensorValue {
  const src = x.data as Float64Array;
  const { map, outCount } = plan;
  const acc = new Float64Array(outCount);
  const isInt = INT_RANGE[x.dtype] !== undefined;
  const range = INT_RANGE[x.dtype];
  const n = src.length;
  switch (kind) {
    case 'sum': case 'mean':
      for (let i = 0; i < n; i++) acc[map[i]] += src[i];
      break;
    case 'l1': case 'l2': case 'sumsquare':
      for (let i = 0; i < n; i++) {
        const v = src[i];
        acc[map[i]] += kind === 'l1' ? Math.abs(v) : isInt ? Math.imul(v, v) : v * v;
      }
      break;
    case 'prod':
      acc.fill(1);
      if (isInt) for (let i = 0; i < n; i++) acc[map[i]] = Math.imul(acc[map[i]], src[i]);
      else for (let i = 0; i < n; i++) acc[map[i]] *= src[i];
      break;
    case 'max':
      acc.fill(isInt ? range[0] : -Infinity);
      for (let i = 0; i < n; i++) {
        const v = src[i];
        const j = map[i];
        if (v > acc[j] || v !== v) acc[j] = v;
      }
      break;
    case 'min':
      acc.fill(isInt ? range[1] : Infinity);
      for (let i = 0; i < n; i++) {
        const v = src[i];
        const j = map[i];
        if (v < acc[j] || v !== v) acc[j] = v;
      }
      break;
    case 'logsum':
      for (let i = 0; i < n; i++) acc[map[i]] += src[i];
      break;
    case 'logsumexp': {
      const mx = new Float64Array(outCount).fill(-Infinity);
      for (let i = 0; i < n; i++) if (src[i] > mx[map[i]]) mx[map[i]] = src[i];
      for (let i = 0; i < n; i++) {
        const m = mx[map[i]];
        acc[map[i]] += Number.isFinite(m) ? Math.exp(src[i] - m) : src[i] !== src[i] ? NaN : 0;
      }
      // An infinite maximum is the result: the sum of exps is then 0 (all -inf: log 0 = -inf) or
      // inf (log inf = inf), not the count of the infinities; empty gives log 0 = -inf too.
      for (let j = 0; j < outCount; j++) acc[j] = Number.isFinite(mx[j]) ? mx[j] + Math.log(acc[j]) : acc[j] !== acc[j] ? NaN : mx[j];
      break;
    }
  }
  if (kind === 'mean') {
    const count = n / Math.max(outCount, 1);
    for (let j = 0; j < outCount; j++) acc[j] /= count;
  } else if (kind === 'l2') {
    for (let j = 0; j < outCount; j++) acc[j] = Math.sqrt(acc[j]);
  } else if (kind === 'logsum') {
    for (let j = 0; j < outCount; j++) acc[j] = Math.log(acc[j]);
  }
  const out = alloc(op, outDtype, plan.outDims);
  (out.data as Float64Array).set(acc);
  return out;
}

function reduceBigInts(op: string, kind: Kind, x: TensorValue, plan: ReturnType<typeof reducePlan>): TensorValue {
  const src = x.data as BigInt64Array;
  const unsigned = x.dtype === D.UINT64;
  const { map, outCount } = plan;
  const n = src.length;
  const out = alloc(op, x.dtype, plan.outDims);
  const dst = out.data as BigInt64Array;
  if (kind === 'l2' || kind === 'logsum' || kind === 'logsumexp') {
    // Results are real-valued: compute in float64 and truncate like a cast.
    const asNum = { ...x, dtype: D.DOUBLE, data: Float64Array.from(src, (v) => Number(v)) };
    const r = reduceNumbers(op, kind, asNum, D.DOUBLE, plan).data as Float64Array;
    for (let j = 0; j < outCount; j++) dst[j] = Number.isFinite(r[j]) ? BigInt(Math.trunc(r[j])) : 0n;
    return out;
  }
  const init = kind === 'prod' ? 1n
    : kind === 'max' ? (unsigned ? 0n : -(2n ** 63n))
      : kind === 'min' ? (unsigned ? 2n ** 64n - 1n : 2n ** 63n - 1n) : 0n;
  const acc = new Array<bigint>(outCount).fill(init);
  for (let i = 0; i < n; i++) {
    const v = src[i];
    const j = map[i];
    switch (kind) {
      case 'sum': case 'mean': acc[j] += v; break;
      case 'l1': acc[j] += v < 0n ? -v : v; break;
      case 'sumsquare': acc[j] += v * v; break;
      case 'prod': acc[j] = BigInt.asIntN(128, acc[j] * v); break;
      case 'max': if (v > acc[j]) acc[j] = v; break;
      case 'min': if (v < acc[j]) acc[j] = v; break;
    }
  }
  const count = BigInt(n / Math.max(outCount, 1));
  for (let j = 0; j < outCount; j++) {
    let v = acc[j];
    if (kind === 'mean') v = count === 0n ? 0n : v / count;
    dst[j] = unsigned ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v);
  }
  return out;
}

/** Reduces `x` over `axes` (all axes when undefined/empty) — shared with other families. */
export function reduce(op: string, kind: Kind, x: TensorValue, axes: readonly number[] | undefined, keepdims: boolean): TensorValue {
  const r = x.dims.length;
  return reduceOver(op, kind, x, new Set(axes && axes.length > 0 ? axesOf(op, axes, r) : x.dims.map((_, i) => i)), keepdims);
}

/** Reduces `x` over exactly the axes in `set` (none: each element alone). */
function reduceOver(op: string, kind: Kind, x: TensorValue, set: ReadonlySet<number>, keepdims: boolean): TensorValue {
  if (Array.isArray(x.data) || widthOf(x.dtype) === 2) fail(op, 'input must be a real numeric tensor');
  const plan = reducePlan(x.dims, set, keepdims);
  if (x.data instanceof BigInt64Array || x.data instanceof BigUint64Array) return reduceBigInts(op, kind, x, plan);
  return reduceNumbers(op, kind, x, x.dtype, plan);
}

function reduceOp(name: string, kind: Kind, since: number[], axesInputFrom: number): OpDef {
  return {
    domain: '',
    name,
    since,
    operands: (ctx, present) => ({ axes: reduceAxes(ctx, axesInputFrom, present) }),
    kernel(inputs: readonly (RtValue | null)[], ctx: KernelContext) {
      const x = input(name, inputs, 0, 'data');
      const keepdims = ctx.attrs.int('keepdims', 1) !== 0;
      const axes = operandInts(name, inputs, reduceAxes(ctx, axesInputFrom, (i) => optInput(name, inputs, i, 'axes') !== null), 'axes');
      // noop_with_empty_axes came with the axes input. It reduces over no axes: each element
      // alone, so the composite reductions still take their steps (ReduceL1 gives |x|,
      // ReduceSumSquare x², ReduceLogSum log x: the spec's words, and onnxruntime's result).
      const noop = ctx.opset >= axesInputFrom && ctx.attrs.int('noop_with_empty_axes', 0) !== 0;
      if (noop && (!axes || axes.length === 0)) return [kind === 'sum' || kind === 'mean' || kind === 'max' || kind === 'min' || kind === 'prod' ? x : reduceOver(name, kind, x, new Set(), true)];
      return [reduce(name, kind, x, axes, keepdims)];
    },
  };
}

function argOp(name: 'ArgMax' | 'ArgMin'): OpDef {
  return {
    domain: '',
    name,
    since: [1, 11, 12, 13],
    kernel(inputs, ctx) {
      const x = input(name, inputs, 0, 'data');
      if (Array.isArray(x.data) || widthOf(x.dtype) === 2) fail(name, 'input must be a real numeric tensor');
      const r = x.dims.length;
      const axis = axisOf(name, ctx.attrs.int('axis', 0), Math.max(r, 1));
      const dims = r === 0 ? [1] : x.dims;
      const keepdims = ctx.attrs.int('keepdims', 1) !== 0;
      const last = ctx.opset >= 12 && ctx.attrs.int('select_last_index', 0) !== 0;
      const dim = dims[axis];
      if (dim === 0) fail(name, `cannot take ${name} over the empty axis ${axis}`);
      const outer = sizeOf(dims.slice(0, axis));
      const inner = sizeOf(dims.slice(axis + 1));
      const outDims = keepdims ? dims.map((d, a) => (a === axis ? 1 : d)) : dims.filter((_, a) => a !== axis);
      const out = alloc(name, D.INT64, r === 0 && !keepdims ? [] : outDims);
      const dst = out.data as BigInt64Array;
      const src = x.data as unknown as number[];
      const max = name === 'ArgMax';
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * dim * inner + i;
          let best = src[base];
          let bi = 0;
          for (let j = 1; j < dim; j++) {
            const v = src[base + j * inner];
            if (best !== best) break; // NaN wins (first occurrence), as numpy does
            const better = max ? (last ? v >= best : v > best) : (last ? v <= best : v < best);
            if (better || v !== v) {
              best = v;
              bi = j;
            }
          }
          dst[o * inner + i] = BigInt(bi);
        }
      }
      return [out];
    },
  };
}

function cumOp(name: 'CumSum' | 'CumProd', since: number[]): OpDef {
  const prod = name === 'CumProd';
  return {
    domain: '',
    name,
    since,
    kernel(inputs, ctx) {
      const x = input(name, inputs, 0, 'x');
      if (Array.isArray(x.data) || widthOf(x.dtype) === 2) fail(name, 'input must be a real numeric tensor');
      const r = x.dims.length;
      const axis = axisOf(name, scalarInt(name, inputs[1], 'axis'), r);
      const exclusive = ctx.attrs.int('exclusive', 0) !== 0;
      const reverse = ctx.attrs.int('reverse', 0) !== 0;
      const dim = x.dims[axis];
      const outer = sizeOf(x.dims.slice(0, axis));
      const inner = sizeOf(x.dims.slice(axis + 1));
      const out = alloc(name, x.dtype, x.dims);
      const big = x.data instanceof BigInt64Array || x.data instanceof BigUint64Array;
      const imul = INT_RANGE[x.dtype] !== undefined;
      const src = x.data as unknown as number[];
      const dst = out.data as unknown as number[];
      for (let o = 0; o < outer; o++) {
        for (let i = 0; i < inner; i++) {
          const base = o * dim * inner + i;
          let acc: number | bigint = big ? (prod ? 1n : 0n) : prod ? 1 : 0;
          for (let s = 0; s < dim; s++) {
            const j = base + (reverse ? dim - 1 - s : s) * inner;
            const v = src[j];
            if (exclusive) dst[j] = acc as number;
            if (big) acc = BigInt.asIntN(64, prod ? (acc as bigint) * BigInt(v) : (acc as bigint) + BigInt(v));
            else acc = prod ? (imul ? Math.imul(acc as number, v) : (acc as number) * v) : (acc as number) + v;
            if (!exclusive) dst[j] = acc as number;
          }
        }
      }
      return [out];
    },
  };
}

export const reduceOps: OpDef[] = [
  reduceOp('ReduceSum', 'sum', [1, 11, 13], 13),
  reduceOp('ReduceMean', 'mean', [1, 11, 13, 18], 18),
  reduceOp('ReduceMax', 'max', [1, 11, 12, 13, 18, 20], 18),
  reduceOp('ReduceMin', 'min', [1, 11, 12, 13, 18, 20], 18),
  reduceOp('ReduceProd', 'prod', [1, 11, 13, 18], 18),
  reduceOp('ReduceL1', 'l1', [1, 11, 13, 18], 18),
  reduceOp('ReduceL2', 'l2', [1, 11, 13, 18], 18),
  reduceOp('ReduceLogSum', 'logsum', [1, 11, 13, 18], 18),
  reduceOp('ReduceLogSumExp', 'logsumexp', [1, 11, 13, 18], 18),
  reduceOp('ReduceSumSquare', 'sumsquare', [1, 11, 13, 18], 18),
  argOp('ArgMax'),
  argOp('ArgMin'),
  cumOp('CumSum', [11, 14]),
  cumOp('CumProd', [26]),
];

export type { Kind as ReduceKind };
