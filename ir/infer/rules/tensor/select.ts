/**
 * Inference for ops that pick, scatter, reduce or index: Gather*, Scatter*, OneHot, NonZero,
 * Unique, TopK, ArgMax/ArgMin, Reduce*, Einsum. Gather on a dims vector with constant indices
 * propagates the picked dims.
 */
import { DataType as D } from '../../../dtype.js';
import { gatherNDBatchDims, reduceAxes, topkK } from '../../../ops/operands.js';
import type { Dim } from '../../../types.js';
import type { InferContext, InferFn, InferRule, Known } from '../../types.js';
import {
  broadcastDim, dimProduct, dimsOf, dimsOut, dtypeOf, freshen, intsOf, isIntType, lengthOf, normAxes, normAxis, operandInts,
  shapeOf, tensorOut,
} from '../common.js';

const rule = (name: string, infer: InferFn): InferRule => ({ domain: '', name, infer });

const gather: InferFn = (ins, ctx) => {
  const x = shapeOf(ins[0]);
  const idx = shapeOf(ins[1]);
  const dtype = dtypeOf(ins[0]);
  if (!x || !idx) return [tensorOut(dtype, undefined)];
  const axis = normAxis(ctx.attrs.int('axis', 0), x.length);
  if (axis === undefined) return [tensorOut(dtype, undefined)];
  const d = x.length === 1 && isIntType(dtype) ? dimsOf(ins[0]) : undefined;
  const at = d ? intsOf(ins[1]) : undefined;
  if (d && at && idx.length <= 1) {
    const picked = at.map((i) => (i < 0 ? i + d.length : i));
    if (picked.every((i) => i >= 0 && i < d.length)) return [dimsOut(dtype!, picked.map((i) => d[i]), idx.length === 0)];
  }
  return [tensorOut(dtype, [...x.slice(0, axis), ...idx, ...x.slice(axis + 1)])];
};

const gatherND: InferFn = (ins, ctx) => {
  const x = shapeOf(ins[0]);
  const idx = shapeOf(ins[1]);
  const dtype = dtypeOf(ins[0]);
  const m = idx?.[idx.length - 1];
  if (!x || !idx || typeof m !== 'number') return [tensorOut(dtype, undefined)];
  const b = gatherNDBatchDims(ctx);
  if (b + m > x.length) return [tensorOut(dtype, undefined)];
  return [tensorOut(dtype, [...idx.slice(0, -1), ...x.slice(b + m)])];
};

const likeData: InferFn = (ins) => [tensorOut(dtypeOf(ins[0]), shapeOf(ins[0]))];

const oneHot: InferFn = (ins, ctx) => {
  const idx = shapeOf(ins[0]);
  const dtype = dtypeOf(ins[2]);
  if (!idx) return [tensorOut(dtype, undefined)];
  const a = normAxis(ctx.attrs.int('axis', -1), idx.length + 1);
  if (a === undefined) return [tensorOut(dtype, undefined)];
  const depth = dimsOf(ins[1]);
  const dd = depth?.length === 1 ? depth[0] : null;
  const out: Dim[] = [...idx];
  out.splice(a, 0, dd);
  return [tensorOut(dtype, out)];
};

/** The count of nonzero elements depends on the data: a fresh symbol. */
const nonZero: InferFn = (ins, ctx) => [tensorOut(D.INT64, freshen([shapeOf(ins[0])?.length ?? null, null], ctx))];

const unique: InferFn = (ins, ctx) => {
  const x = shapeOf(ins[0]);
  const dtype = dtypeOf(ins[0]);
  const n = ctx.node.outputs.length;
  let y: Known | null;
  let inverse: Known | null;
  // Y, indices and counts all have one entry per unique value: one fresh symbol for that count.
  let count: Dim = null;
  if (!ctx.attrs.has('axis')) {
    count = ctx.freshDim();
    y = tensorOut(dtype, [count]);
    inverse = tensorOut(D.INT64, [x ? dimProduct(x) : null]);
  } else {
    const a = x ? normAxis(ctx.attrs.int('axis'), x.length) : undefined;
    count = ctx.freshDim();
    const c = count;
    y = tensorOut(dtype, x && a !== undefined ? x.map((d, i) => (i === a ? c : d)) : undefined);
    inverse = tensorOut(D.INT64, [x && a !== undefined ? x[a] : null]);
  }
  return [y, tensorOut(D.INT64, [count]), inverse, tensorOut(D.INT64, [count])].slice(0, Math.max(n, 1));
};

const topK: InferFn = (ins, ctx) => {
  const x = shapeOf(ins[0]);
  const dtype = dtypeOf(ins[0]);
  if (!x) return [tensorOut(dtype, undefined), tensorOut(D.INT64, undefined)];
  const a = normAxis(ctx.attrs.int('axis', -1), x.length);
  let k: Dim = null;
  const kOp = topkK(ctx);
  if (kOp.from === 'attr') k = kOp.value[0];
  else {
    const kd = dimsOf(ins[1]);
    if (kd?.length === 1) k = kd[0];
  }
  // K computed from data (min(k, dim) idioms in detection heads): one fresh symbol for both outputs.
  if (k === null && a !== undefined) k = ctx.freshDim();
  const out = x.map((d, i) => (i === a ? k : a === undefined ? null : d));
  return [tensorOut(dtype, out), tensorOut(D.INT64, out)];
};

/**
 * Reduced shape; `axes` undefined = all axes; null = axes present but unknown (then a dim of 1
 * stays 1 with keepdims, and `count` axes known in number give the rank without keepdims).
 */
function reduced(x: readonly Dim[] | undefined, axes: number[] | null | undefined, keep: boolean, count?: number): Dim[] | undefined {
  if (!x) return undefined;
  const unknown = (): Dim[] | undefined => {
    if (keep) return x.map((d) => (d === 1 ? 1 : null));
    return count !== undefined && count <= x.length ? new Array<Dim>(x.length - count).fill(null) : undefined;
  };
  if (axes === null) return unknown();
  const at = axes === undefined ? x.map((_, i) => i) : normAxes(axes, x.length);
  if (!at) return unknown();
  return keep ? x.map((d, i) => (at.includes(i) ? 1 : d)) : x.filter((_, i) => !at.includes(i));
}

const argRule: InferFn = (ins, ctx) => {
  const x = shapeOf(ins[0]);
  const keep = ctx.attrs.int('keepdims', 1) !== 0;
  if (!x) return [tensorOut(D.INT64, undefined)];
  const a = normAxis(ctx.attrs.int('axis', 0), Math.max(x.length, 1));
  return [tensorOut(D.INT64, reduced(x, a === undefined ? null : x.length === 0 ? [] : [a], keep))];
};

function reduceRule(axesInputFrom: number): InferFn {
  return (ins, ctx: InferContext) => {
    const x = shapeOf(ins[0]);
    const dtype = dtypeOf(ins[0]);
    const keep = ctx.attrs.int('keepdims', 1) !== 0;
    let axes = operandInts(ins, reduceAxes(ctx, axesInputFrom, (i) => !!ins[i]));
    // An axes input of known length 0 is empty whatever its (absent) contents.
    if (axes === null && lengthOf(ins[1]) === 0) axes = [];
    if (ctx.opset >= axesInputFrom) {
      const noop = ctx.attrs.int('noop_with_empty_axes', 0) !== 0;
      if (noop && (axes === undefined || axes?.length === 0)) return [tensorOut(dtype, x)];
    }
    if (axes?.length === 0) axes = undefined;
    return [tensorOut(dtype, reduced(x, axes, keep, lengthOf(ins[1])))];
  };
}

/** Einsum: labels map to dims, `...` broadcasts; implicit output = ellipsis + labels seen once, sorted. */
const einsum: InferFn = (ins, ctx) => {
  const dtype = dtypeOf(ins[0]);
  const eq = ctx.attrs.string('equation').replace(/\s+/g, '');
  const [lhs, rhs] = eq.split('->') as [string, string | undefined];
  const terms = lhs.split(',');
  if (terms.length !== ins.length || eq.split('->').length > 2) return [tensorOut(dtype, undefined)];
  const label = new Map<string, Dim>();
  const count = new Map<string, number>();
  let ell: Dim[] | undefined = [];
  for (let t = 0; t < terms.length; t++) {
    const s = shapeOf(ins[t]);
    const parts = terms[t].split('...');
    const letters = parts.join('');
    for (const c of letters) count.set(c, (count.get(c) ?? 0) + 1);
    if (!s || parts.length > 2) {
      for (const c of letters) label.set(c, null);
      ell = undefined;
      continue;
    }
    const ne = s.length - letters.length;
    if (ne < 0 || (parts.length === 1 && ne !== 0)) return [tensorOut(dtype, undefined)];
    const here = parts.length === 2 ? s.slice(parts[0].length, parts[0].length + ne) : [];
    const rest = [...s.slice(0, parts[0].length), ...s.slice(parts[0].length + ne)];
    [...letters].forEach((c, i) => { label.set(c, label.has(c) ? broadcastDim(label.get(c)!, rest[i]) : rest[i]); });
    if (ell) {
      const r = Math.max(ell.length, here.length);
      const a: Dim[] = [...new Array<Dim>(r - ell.length).fill(1), ...ell];
      const b: Dim[] = [...new Array<Dim>(r - here.length).fill(1), ...here];
      ell = a.map((d: Dim, i: number) => broadcastDim(d, b[i]));
    }
  }
  let outSpec: string;
  if (rhs === undefined) {
    outSpec = '...' + [...count.keys()].filter((c) => count.get(c) === 1).sort().join('');
  } else outSpec = rhs;
  const op = outSpec.split('...');
  if (op.length > 2 || (op.length === 2 && !ell)) return [tensorOut(dtype, undefined)];
  const dimOf = (c: string): Dim => (label.has(c) ? label.get(c)! : null);
  const out = [...[...op[0]].map(dimOf), ...(op.length === 2 ? [...ell!, ...[...op[1]].map(dimOf)] : [])];
  return [tensorOut(dtype, out)];
};

const REDUCE_18 = ['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceLogSum',
  'ReduceLogSumExp', 'ReduceSumSquare'];

export const rules: InferRule[] = [
  rule('Gather', gather),
  rule('GatherElements', (ins) => [tensorOut(dtypeOf(ins[0]), shapeOf(ins[1]))]),
  rule('GatherND', gatherND),
  rule('Scatter', likeData),
  rule('ScatterElements', likeData),
  rule('ScatterND', likeData),
  rule('TensorScatter', likeData),
  rule('OneHot', oneHot),
  rule('NonZero', nonZero),
  rule('Unique', unique),
  rule('TopK', topK),
  rule('ArgMax', argRule),
  rule('ArgMin', argRule),
  rule('ReduceSum', reduceRule(13)),
  ...REDUCE_18.map((n) => rule(n, reduceRule(18))),
  rule('Einsum', einsum),
];

