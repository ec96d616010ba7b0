/**
 * Order-based ops: TopK (ties broken by lower index, as the spec requires) and Unique (flattened
 * or by subtensor along an axis, sorted or in order of first occurrence). Values compare with the
 * plain relational operators, which order numbers, bigints and strings alike; NaN sorts last.
 */
import type { OpDef } from '../types.js';
import { sizeOf } from '../util.js';
import { topkK } from '../operands.js';
import { axisOf, fail, input, int64Tensor, scalarInt, take, widthOf, type Cells } from './common.js';

type Scalar = number | bigint | string;

/** Ascending order with NaN after everything (a total order, so sorts are deterministic). */
function cmp(a: Scalar, b: Scalar): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a !== a) return b !== b ? 0 : 1;
  if (b !== b) return -1;
  return 0;
}

const TopK: OpDef = {
  domain: '',
  name: 'TopK',
  since: [1, 10, 11, 24],
  operands: (ctx) => ({ k: topkK(ctx) }),
  kernel(inputs, ctx) {
    const x = input('TopK', inputs, 0, 'X');
    if (Array.isArray(x.data) || widthOf(x.dtype) === 2) fail('TopK', 'input must be a real numeric tensor');
    const r = x.dims.length;
    const axis = axisOf('TopK', ctx.attrs.int('axis', -1), r);
    const kOp = topkK(ctx);
    const k = kOp.from === 'attr' ? kOp.value[0] : scalarInt('TopK', inputs[1], 'K');
    const largest = ctx.opset < 11 || ctx.attrs.int('largest', 1) !== 0;
    const dim = x.dims[axis];
    if (k < 0 || k > dim) fail('TopK', `k = ${k} is out of range for an axis of ${dim}`);
    const outer = sizeOf(x.dims.slice(0, axis));
    const inner = sizeOf(x.dims.slice(axis + 1));
    const outDims = x.dims.map((d, a) => (a === axis ? k : d));
    const n = sizeOf(outDims);
    const map = new Int32Array(n);
    const pos = new Array<number>(n);
    const src = x.data as unknown as Scalar[];
    const order = new Array<number>(dim);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        const base = o * dim * inner + i;
        for (let j = 0; j < dim; j++) order[j] = j;
        order.sort((a, b) => {
          const c = cmp(src[base + a * inner], src[base + b * inner]);
          return (largest ? -c : c) || a - b;
        });
        for (let j = 0; j < k; j++) {
          const t = (o * k + j) * inner + i;
          map[t] = base + order[j] * inner;
          pos[t] = order[j];
        }
      }
    }
    return [take('TopK', x, map, outDims), int64Tensor(outDims, pos)];
  },
};

const Unique: OpDef = {
  domain: '',
  name: 'Unique',
  since: [11],
  kernel(inputs, ctx) {
    const x = input('Unique', inputs, 0, 'X');
    if (widthOf(x.dtype) === 2) fail('Unique', 'complex input is not supported');
    const hasAxis = ctx.attrs.has('axis');
    const sorted = ctx.attrs.int('sorted', 1) !== 0;
    const dims = hasAxis ? x.dims : [sizeOf(x.dims)];
    const axis = hasAxis ? axisOf('Unique', ctx.attrs.int('axis'), dims.length) : 0;
    const dim = dims[axis];
    const outer = sizeOf(dims.slice(0, axis));
    const inner = sizeOf(dims.slice(axis + 1));
    const src = x.data as Cells;
    // The subtensor j along the axis, flattened in row-major order.
    const slab = (j: number): Scalar[] => {
      const out: Scalar[] = [];
      for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) out.push(src[(o * dim + j) * inner + i] as Scalar);
      return out;
    };
    const keyOf = (vals: Scalar[]): string => vals.map((v) => (typeof v === 'string' ? JSON.stringify(v) : String(v))).join(',');
    const first = new Map<string, number>();
    const slabs: Scalar[][] = [];
    const inv = new Array<number>(dim);
    const firstIdx: number[] = [];
    const counts: number[] = [];
    for (let j = 0; j < dim; j++) {
      const vals = slab(j);
      const key = keyOf(vals);
      let u = first.get(key);
      if (u === undefined) {
        u = firstIdx.length;
        first.set(key, u);
        firstIdx.push(j);
        slabs.push(vals);
        counts.push(0);
      }
      counts[u]++;
      inv[j] = u;
    }
    const order = firstIdx.map((_, u) => u);
    if (sorted) {
      order.sort((a, b) => {
        const va = slabs[a];
        const vb = slabs[b];
        for (let t = 0; t < va.length; t++) {
          const c = cmp(va[t], vb[t]);
          if (c !== 0) return c;
        }
        return 0;
      });
    }
    const rank = new Array<number>(order.length);
    order.forEach((u, p) => (rank[u] = p));
    const u = order.length;
    const outDims = [...dims];
    outDims[axis] = u;
    const map = new Int32Array(sizeOf(outDims));
    let k = 0;
    for (let o = 0; o < outer; o++) {
      for (const q of order) {
        const base = (o * dim + firstIdx[q]) * inner;
        for (let i = 0; i < inner; i++) map[k++] = base + i;
      }
    }
    const y = take('Unique', { ...x, dims }, map, outDims);
    return [
      y,
      int64Tensor([u], order.map((q) => firstIdx[q])),
      int64Tensor([dim], inv.map((q) => rank[q])),
      int64Tensor([u], order.map((q) => counts[q])),
    ];
  },
};

export const sortOps: OpDef[] = [TopK, Unique];
