/**
 * Indexing ops: Gather, GatherElements, GatherND, Scatter, ScatterElements, ScatterND,
 * TensorScatter, OneHot, NonZero. Indices may be int32 or int64 and negative (counting from the
 * end); an index outside its dimension is a LatheError naming the op, never a silent wrap.
 */
import { DataType as D } from '../../dtype.js';
import { gatherNDBatchDims } from '../operands.js';
import type { NumericArray, OpDef, TensorValue } from '../types.js';
import { sizeOf, strides } from '../util.js';
import {
  alloc, axisMap, axisOf, copyRun, fail, input, int64Tensor, intsOf, mapIndex, normIndex, optInput, take, widthOf,
  type Cells,
} from './common.js';

const Gather: OpDef = {
  domain: '',
  name: 'Gather',
  since: [1, 11, 13],
  kernel(inputs, ctx) {
    const x = input('Gather', inputs, 0, 'data');
    const ind = input('Gather', inputs, 1, 'indices');
    const r = x.dims.length;
    if (r === 0) fail('Gather', 'data must have rank >= 1');
    const axis = axisOf('Gather', ctx.attrs.int('axis', 0), r);
    const dim = x.dims[axis];
    const idx = intsOf('Gather', ind, 'indices').map((i) => normIndex('Gather', i, dim));
    const outer = sizeOf(x.dims.slice(0, axis));
    const inner = sizeOf(x.dims.slice(axis + 1));
    const outDims = [...x.dims.slice(0, axis), ...ind.dims, ...x.dims.slice(axis + 1)];
    const n = sizeOf(outDims);
    if (n > 2 ** 28) fail('Gather', `output of ${n} elements is too large`);
    const map = new Int32Array(n);
    let k = 0;
    for (let o = 0; o < outer; o++) {
      for (const j of idx) {
        const base = (o * dim + j) * inner;
        for (let i = 0; i < inner; i++) map[k++] = base + i;
      }
    }
    return [take('Gather', x, map, outDims)];
  },
};

/** For each element of `ind` (same rank as `x`), the flat offset in `x` with `axis` replaced by the index. */
function elementOffsets(op: string, x: TensorValue, ind: TensorValue, axis: number): Int32Array {
  const r = x.dims.length;
  if (ind.dims.length !== r) fail(op, `indices rank ${ind.dims.length} differs from data rank ${r}`);
  for (let a = 0; a < r; a++) {
    if (a !== axis && ind.dims[a] > x.dims[a]) fail(op, `indices shape [${ind.dims.join(',')}] exceeds data shape [${x.dims.join(',')}]`);
  }
  const st = strides(x.dims);
  const maps = ind.dims.map((d, a) => (a === axis ? new Int32Array(d) : axisMap(d, st[a], (o) => o)));
  const off = mapIndex(ind.dims, maps);
  const idx = intsOf(op, ind, 'indices');
  const dim = x.dims[axis];
  for (let k = 0; k < off.length; k++) off[k] += normIndex(op, idx[k], dim) * st[axis];
  return off;
}

const GatherElements: OpDef = {
  domain: '',
  name: 'GatherElements',
  since: [11, 13],
  kernel(inputs, ctx) {
    const x = input('GatherElements', inputs, 0, 'data');
    const ind = input('GatherElements', inputs, 1, 'indices');
    const axis = axisOf('GatherElements', ctx.attrs.int('axis', 0), x.dims.length);
    return [take('GatherElements', x, elementOffsets('GatherElements', x, ind, axis), ind.dims)];
  },
};

/**
 * For GatherND/ScatterND: the flat data offset of each index tuple (the last axis of `ind`) and the
 * size of the slab each tuple addresses.
 */
function tupleOffsets(op: string, x: TensorValue, ind: TensorValue, batchDims: number): { offsets: Float64Array; slab: number; m: number } {
  const q = ind.dims.length;
  const r = x.dims.length;
  if (q < 1) fail(op, 'indices must have rank >= 1');
  const m = ind.dims[q - 1];
  if (batchDims < 0 || batchDims >= Math.min(q, r + 1)) fail(op, `batch_dims ${batchDims} is out of range`);
  if (m > r - batchDims) fail(op, `index tuples of length ${m} exceed data rank ${r} minus batch_dims ${batchDims}`);
  for (let a = 0; a < batchDims; a++) {
    if (ind.dims[a] !== x.dims[a]) fail(op, `batch dimension ${a} differs between data and indices`);
  }
  const idx = intsOf(op, ind, 'indices');
  const st = strides(x.dims);
  const slab = sizeOf(x.dims.slice(batchDims + m));
  const tuples = m === 0 ? sizeOf(ind.dims.slice(0, q - 1)) : idx.length / m;
  const perBatch = tuples / Math.max(1, sizeOf(ind.dims.slice(0, batchDims)));
  const batchSize = sizeOf(x.dims.slice(batchDims));
  const offsets = new Float64Array(tuples);
  for (let t = 0; t < tuples; t++) {
    let off = Math.floor(t / perBatch) * batchSize;
    for (let j = 0; j < m; j++) {
      const a = batchDims + j;
      off += normIndex(op, idx[t * m + j], x.dims[a]) * st[a];
    }
    offsets[t] = off;
  }
  return { offsets, slab, m };
}

const GatherND: OpDef = {
  domain: '',
  name: 'GatherND',
  since: [11, 12, 13],
  kernel(inputs, ctx) {
    const x = input('GatherND', inputs, 0, 'data');
    const ind = input('GatherND', inputs, 1, 'indices');
    const b = gatherNDBatchDims(ctx);
    const { offsets, slab, m } = tupleOffsets('GatherND', x, ind, b);
    const outDims = [...ind.dims.slice(0, -1), ...x.dims.slice(b + m)];
    const out = alloc('GatherND', x.dtype, outDims);
    const w = widthOf(x.dtype);
    for (let t = 0; t < offsets.length; t++) copyRun(x.data, offsets[t], out.data, t * slab, slab, w);
    return [out];
  },
};

type Combine = (a: number, b: number) => number;

/** The update rule of a scatter `reduction` for a dtype. */
function combiner(op: string, reduction: string, dtype: number): Combine | null {
  if (reduction === 'none') return null;
  if (dtype === D.STRING || widthOf(dtype) === 2) fail(op, `reduction '${reduction}' is not defined for this dtype`);
  switch (reduction) {
    case 'add': return (a, b) => a + b;
    case 'mul': return dtype === D.INT32 || dtype === D.UINT32 ? Math.imul : (a, b) => a * b;
    // bigints compare with the same operators, so these also serve int64/uint64 storage
    case 'max': return (a, b) => (b > a || b !== b ? b : a);
    case 'min': return (a, b) => (b < a || b !== b ? b : a);
    default: return fail(op, `unknown reduction '${reduction}'`);
  }
}

/** Writes src[si…si+count) into dst[di…] (element units), combining with `f` when given. */
function scatterRun(dst: NumericArray | string[], di: number, src: NumericArray | string[], si: number, count: number, w: number, f: Combine | null): void {
  if (!f) {
    copyRun(src, si, dst, di, count, w);
    return;
  }
  const d = dst as unknown as number[];
  const s = src as unknown as number[];
  for (let k = 0; k < count; k++) d[di + k] = f(d[di + k], s[si + k]);
}

function copyOf(op: string, x: TensorValue): TensorValue {
  const out = alloc(op, x.dtype, x.dims);
  copyRun(x.data, 0, out.data, 0, sizeOf(x.dims), widthOf(x.dtype));
  return out;
}

function scatterElements(op: string, x: TensorValue, ind: TensorValue, upd: TensorValue, axis: number, reduction: string): TensorValue {
  if (upd.dims.length !== ind.dims.length || upd.dims.some((d, i) => d !== ind.dims[i])) {
    fail(op, 'updates shape differs from indices shape');
  }
  if (upd.dtype !== x.dtype) fail(op, 'updates dtype differs from data');
  const f = combiner(op, reduction, x.dtype);
  const off = elementOffsets(op, x, ind, axis);
  const out = copyOf(op, x);
  const w = widthOf(x.dtype);
  for (let k = 0; k < off.length; k++) scatterRun(out.data, off[k], upd.data, k, 1, w, f);
  return out;
}

const Scatter: OpDef = {
  domain: '',
  name: 'Scatter',
  since: [9, 11],
  kernel(inputs, ctx) {
    const x = input('Scatter', inputs, 0, 'data');
    const axis = axisOf('Scatter', ctx.attrs.int('axis', 0), x.dims.length);
    return [scatterElements('Scatter', x, input('Scatter', inputs, 1, 'indices'), input('Scatter', inputs, 2, 'updates'), axis, 'none')];
  },
};

const ScatterElements: OpDef = {
  domain: '',
  name: 'ScatterElements',
  since: [11, 13, 16, 18],
  kernel(inputs, ctx) {
    const op = 'ScatterElements';
    const x = input(op, inputs, 0, 'data');
    const axis = axisOf(op, ctx.attrs.int('axis', 0), x.dims.length);
    const reduction = ctx.opset >= 16 ? ctx.attrs.string('reduction', 'none') : 'none';
    return [scatterElements(op, x, input(op, inputs, 1, 'indices'), input(op, inputs, 2, 'updates'), axis, reduction)];
  },
};

const ScatterND: OpDef = {
  domain: '',
  name: 'ScatterND',
  since: [11, 13, 16, 18],
  kernel(inputs, ctx) {
    const op = 'ScatterND';
    const x = input(op, inputs, 0, 'data');
    const ind = input(op, inputs, 1, 'indices');
    const upd = input(op, inputs, 2, 'updates');
    if (upd.dtype !== x.dtype) fail(op, 'updates dtype differs from data');
    const reduction = ctx.opset >= 16 ? ctx.attrs.string('reduction', 'none') : 'none';
    const f = combiner(op, reduction, x.dtype);
    const { offsets, slab, m } = tupleOffsets(op, x, ind, 0);
    const want = [...ind.dims.slice(0, -1), ...x.dims.slice(m)];
    if (want.length !== upd.dims.length || want.some((d, i) => d !== upd.dims[i])) {
      fail(op, `updates shape [${upd.dims.join(',')}] should be [${want.join(',')}]`);
    }
    const out = copyOf(op, x);
    const w = widthOf(x.dtype);
    for (let t = 0; t < offsets.length; t++) scatterRun(out.data, offsets[t], upd.data, t * slab, slab, w, f);
    return [out];
  },
};

const TensorScatter: OpDef = {
  domain: '',
  name: 'TensorScatter',
  since: [24],
  kernel(inputs, ctx) {
    const op = 'TensorScatter';
    const past = input(op, inputs, 0, 'past_cache');
    const upd = input(op, inputs, 1, 'update');
    const r = past.dims.length;
    if (r < 2) fail(op, 'past_cache must have rank >= 2');
    const axis = axisOf(op, ctx.attrs.int('axis', -2), r);
    if (axis === 0) fail(op, 'axis cannot be the batch dimension');
    const mode = ctx.attrs.string('mode', 'linear');
    if (mode !== 'linear' && mode !== 'circular') fail(op, `unknown mode '${mode}'`);
    if (upd.dtype !== past.dtype || upd.dims.length !== r || upd.dims.some((d, i) => i !== axis && d !== past.dims[i])) {
      fail(op, `update shape [${upd.dims.join(',')}] does not match past_cache [${past.dims.join(',')}] off axis ${axis}`);
    }
    const maxSeq = past.dims[axis];
    const seq = upd.dims[axis];
    if (seq > maxSeq) fail(op, `update sequence length ${seq} exceeds max_sequence_length ${maxSeq}`);
    const batch = past.dims[0];
    const wiT = optInput(op, inputs, 2, 'write_indices');
    const wi = wiT ? intsOf(op, wiT, 'write_indices') : new Array<number>(batch).fill(0);
    if (wi.length !== batch) fail(op, `write_indices has ${wi.length} entries for batch ${batch}`);
    const out = copyOf(op, past);
    const w = widthOf(past.dtype);
    const outer = sizeOf(past.dims.slice(0, axis));
    const perBatch = outer / Math.max(1, batch);
    const inner = sizeOf(past.dims.slice(axis + 1));
    for (let o = 0; o < outer; o++) {
      const start = wi[Math.floor(o / perBatch)];
      if (start < 0 || (mode === 'linear' && start + seq > maxSeq)) fail(op, `write index ${start} + ${seq} overruns max_sequence_length ${maxSeq}`);
      for (let s = 0; s < seq; s++) {
        const pos = mode === 'circular' ? (start + s) % maxSeq : start + s;
        copyRun(upd.data, (o * seq + s) * inner, out.data, (o * maxSeq + pos) * inner, inner, w);
      }
    }
    return [out];
  },
};

const OneHot: OpDef = {
  domain: '',
  name: 'OneHot',
  since: [9, 11],
  kernel(inputs, ctx) {
    const op = 'OneHot';
    const ind = input(op, inputs, 0, 'indices');
    const depthT = input(op, inputs, 1, 'depth');
    const values = input(op, inputs, 2, 'values');
    if (sizeOf(values.dims) !== 2) fail(op, 'values must hold exactly [off_value, on_value]');
    if (Array.isArray(ind.data) || Array.isArray(depthT.data) || sizeOf(depthT.dims) !== 1) fail(op, 'indices and depth must be numeric, depth a scalar');
    const depth = Math.trunc(Number(depthT.data[0]));
    if (!(depth >= 1)) fail(op, `depth must be positive, got ${depth}`);
    const r = ind.dims.length;
    const axis = axisOf(op, ctx.attrs.int('axis', -1), r + 1);
    const outDims = [...ind.dims.slice(0, axis), depth, ...ind.dims.slice(axis)];
    const n = sizeOf(outDims);
    if (n > 2 ** 28) fail(op, `output of ${n} elements is too large`);
    const outer = sizeOf(ind.dims.slice(0, axis));
    const inner = sizeOf(ind.dims.slice(axis));
    const map = new Int32Array(n);
    const src = ind.data;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let j = Math.trunc(Number(src[o * inner + i]));
        if (j < 0) j += depth;
        if (j >= 0 && j < depth) map[(o * depth + j) * inner + i] = 1;
      }
    }
    return [take(op, values, map, outDims)];
  },
};

const NonZero: OpDef = {
  domain: '',
  name: 'NonZero',
  since: [9, 13],
  kernel(inputs) {
    const x = input('NonZero', inputs, 0);
    const dims = x.dims.length === 0 ? [1] : x.dims;
    const data = x.data as Cells;
    const w = widthOf(x.dtype);
    const hits: number[] = [];
    // strings count as nonzero when non-empty, complex values when either part is nonzero
    for (let i = 0; i < data.length; i += w) {
      const v = data[i];
      if ((v !== 0 && v !== 0n && v !== '') || (w === 2 && data[i + 1] !== 0)) hits.push(i / w);
    }
    const r = dims.length;
    const st = strides(dims);
    const coords = new Array<number>(r * hits.length);
    hits.forEach((flat, k) => {
      let rem = flat;
      for (let a = 0; a < r; a++) {
        coords[a * hits.length + k] = Math.floor(rem / st[a]);
        rem %= st[a];
      }
    });
    return [int64Tensor([r, hits.length], coords)];
  },
};

export const gatherOps: OpDef[] = [Gather, GatherElements, GatherND, Scatter, ScatterElements, ScatterND, TensorScatter, OneHot, NonZero];
