/**
 * Identity, Constant, Size, Shape and ConstantOfShape: ops whose output comes from attributes
 * or from an input's shape rather than its elements.
 */
import { DataType as D } from '../../dtype.js';
import { tensorValue } from '../tensor-value.js';
import type { KernelContext, OpDef, RtValue, TensorValue } from '../types.js';
import { sizeOf, toNumbers } from '../util.js';
import { alloc, input, opError } from './common.js';

function scalarT(dtype: number, data: TensorValue['data']): TensorValue {
  return { kind: 'tensor', dtype, dims: [], data };
}

/** A sparse constant densified: `indices` are flat ([NNZ]) or coordinates ([NNZ, rank]). */
function densify(ctx: KernelContext): TensorValue {
  const a = ctx.attrs.get('sparse_value');
  if (a?.kind !== 'sparse_tensor') throw opError(ctx, `sparse_value must be a sparse tensor`);
  const sp = a.value;
  const values = tensorValue(sp.values, `${ctx.node.op} sparse_value values`);
  const indices = toNumbers(tensorValue(sp.indices, `${ctx.node.op} sparse_value indices`), `${ctx.node.op} sparse_value indices`);
  const dims = sp.dims.slice();
  const out = alloc(ctx, values.dtype, dims) as { [i: number]: any; length: number };
  const nnz = values.data.length;
  const rank = dims.length;
  const coords = indices.length === nnz * rank && rank > 1;
  if (!coords && indices.length !== nnz) throw opError(ctx, `sparse_value has ${indices.length} indices for ${nnz} values`);
  const total = out.length;
  for (let k = 0; k < nnz; k++) {
    let flat = 0;
    if (coords) {
      for (let r = 0; r < rank; r++) {
        const c = indices[k * rank + r];
        if (!(c >= 0 && c < dims[r])) throw opError(ctx, `sparse_value index ${c} is out of range for dim ${dims[r]}`);
        flat = flat * dims[r] + c;
      }
    } else flat = indices[k];
    if (!(flat >= 0 && flat < total)) throw opError(ctx, `sparse_value index ${flat} is out of range for ${total} elements`);
    out[flat] = (values.data as { [i: number]: any })[k];
  }
  return { kind: 'tensor', dtype: values.dtype, dims, data: out as TensorValue['data'] };
}

function constantKernel(ctx: KernelContext): TensorValue {
  const at = ctx.attrs;
  const t = at.has('value') ? at.tensor('value') : undefined;
  if (t) return t;
  if (at.has('sparse_value')) return densify(ctx);
  if (at.has('value_float')) return scalarT(D.FLOAT, Float32Array.of(at.float('value_float')));
  if (at.has('value_floats')) {
    const v = at.floats('value_floats');
    return { kind: 'tensor', dtype: D.FLOAT, dims: [v.length], data: Float32Array.from(v) };
  }
  if (at.has('value_int')) return scalarT(D.INT64, BigInt64Array.of(at.bigint('value_int')));
  if (at.has('value_ints')) {
    const a = at.get('value_ints');
    if (a?.kind !== 'ints') throw opError(ctx, `value_ints must be ints`);
    return { kind: 'tensor', dtype: D.INT64, dims: [a.value.length], data: BigInt64Array.from(a.value) };
  }
  if (at.has('value_string')) return scalarT(D.STRING, [at.string('value_string')]);
  if (at.has('value_strings')) {
    const v = at.strings('value_strings');
    return { kind: 'tensor', dtype: D.STRING, dims: [v.length], data: v.slice() };
  }
  throw opError(ctx, 'has no value attribute');
}

function shapeKernel(x: TensorValue, ctx: KernelContext): TensorValue {
  const rank = x.dims.length;
  let start = 0;
  let end = rank;
  if (ctx.opset >= 15) {
    const clamp = (v: number): number => Math.min(rank, Math.max(0, v < 0 ? v + rank : v));
    start = clamp(ctx.attrs.int('start', 0));
    end = ctx.attrs.has('end') ? clamp(ctx.attrs.int('end', rank)) : rank;
  }
  const dims = x.dims.slice(start, Math.max(start, end));
  return { kind: 'tensor', dtype: D.INT64, dims: [dims.length], data: BigInt64Array.from(dims, (d) => BigInt(d)) };
}

function constantOfShapeKernel(ins: readonly (RtValue | null)[], ctx: KernelContext): TensorValue {
  const shapeT = input(ins, 0, ctx);
  if (shapeT.dims.length > 1) throw opError(ctx, `shape input must be 1-D, is [${shapeT.dims}]`);
  const dims = toNumbers(shapeT, `${ctx.node.op} shape`);
  for (const d of dims) {
    if (!Number.isSafeInteger(d) || d < 0) throw opError(ctx, `shape [${dims}] has a negative or non-integer dim`);
  }
  const v = ctx.attrs.has('value') ? ctx.attrs.tensor('value') : undefined;
  const dtype = v ? v.dtype : D.FLOAT;
  if (v && v.data.length !== 1) throw opError(ctx, `value must have exactly one element, has ${v.data.length}`);
  const data = alloc(ctx, dtype, dims);
  if (v) (data as { fill(x: unknown): unknown }).fill(v.data[0]);
  return { kind: 'tensor', dtype, dims, data };
}

export const ops: OpDef[] = [
  {
    domain: '', name: 'Identity', since: [1, 13, 14, 16, 19, 21, 23, 24, 25],
    kernel: (ins, ctx) => {
      const v = ins[0];
      if (!v) throw opError(ctx, 'input 0 is missing');
      return [v];
    },
  },
  { domain: '', name: 'Constant', since: [1, 9, 11, 12, 13, 19, 21, 23, 24, 25], kernel: (_ins, ctx) => [constantKernel(ctx)] },
  {
    domain: '', name: 'Size', since: [1, 13, 19, 21, 23, 24, 25],
    kernel: (ins, ctx) => [scalarT(D.INT64, BigInt64Array.of(BigInt(sizeOf(input(ins, 0, ctx).dims))))],
  },
  { domain: '', name: 'Shape', since: [1, 13, 15, 19, 21, 23, 24, 25], kernel: (ins, ctx) => [shapeKernel(input(ins, 0, ctx), ctx)] },
  { domain: '', name: 'ConstantOfShape', since: [9, 20, 21, 23, 24, 25], kernel: (ins, ctx) => [constantOfShapeKernel(ins, ctx)] },
];
