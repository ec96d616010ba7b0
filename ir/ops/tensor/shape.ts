/**
 * Shape-changing ops that move no data or move it by a fixed index map: Reshape, Flatten,
 * Squeeze, Unsqueeze, Transpose, Expand, Tile, plus the shape-from-data generators EyeLike and
 * Range. Pure reshapes share the input's storage (runtime values are immutable).
 */
import { DataType as D, dtypeName } from '../../dtype.js';
import type { NumericArray, OpDef, TensorValue } from '../types.js';
import { broadcastShape, sizeOf, strides } from '../util.js';
import { reshapeAllowzero, reshapeOperand, squeezeAxes, unsqueezeAxes } from '../operands.js';
import {
  alloc, axesOf, axisMap, checkDims, fail, input, intsOf, operandInts, optInput, scalarInt, setNum, gatherAxes, withDims,
} from './common.js';

function reshapeDims(op: string, x: TensorValue, shape: readonly number[], allowzero: boolean): number[] {
  const out = new Array<number>(shape.length);
  let infer = -1;
  let known = 1;
  for (let i = 0; i < shape.length; i++) {
    let s = shape[i];
    if (s === 0 && !allowzero) {
      if (i >= x.dims.length) fail(op, `shape[${i}] = 0 copies a dimension the input (rank ${x.dims.length}) lacks`);
      s = x.dims[i];
    }
    if (s === -1) {
      if (infer >= 0) fail(op, `shape [${shape.join(',')}] has more than one -1`);
      infer = i;
      continue;
    }
    if (s < 0) fail(op, `invalid shape value ${s}`);
    out[i] = s;
    known *= s;
  }
  const n = sizeOf(x.dims);
  if (infer >= 0) {
    if (allowzero && shape.includes(0)) fail(op, 'shape with allowzero=1 cannot hold both 0 and -1');
    if (known === 0 || n % known !== 0) fail(op, `cannot reshape [${x.dims.join(',')}] to [${shape.join(',')}]`);
    out[infer] = n / known;
  } else if (known !== n) {
    fail(op, `cannot reshape [${x.dims.join(',')}] (${n} elements) to [${shape.join(',')}]`);
  }
  return out;
}

const Reshape: OpDef = {
  domain: '',
  name: 'Reshape',
  since: [1, 5, 13, 14, 19, 21, 23, 24, 25],
  operands: (ctx) => ({ shape: reshapeOperand(ctx) }),
  kernel(inputs, ctx) {
    const x = input('Reshape', inputs, 0, 'data');
    const shape = operandInts('Reshape', inputs, reshapeOperand(ctx), 'shape')!;
    const allowzero = reshapeAllowzero(ctx);
    return [withDims(x, reshapeDims('Reshape', x, shape, allowzero))];
  },
};

const Flatten: OpDef = {
  domain: '',
  name: 'Flatten',
  since: [1, 9, 11, 13, 21, 23, 24, 25],
  kernel(inputs, ctx) {
    const x = input('Flatten', inputs, 0);
    const r = x.dims.length;
    let axis = ctx.attrs.int('axis', 1);
    if (axis < 0) axis += r;
    if (axis < 0 || axis > r) fail('Flatten', `axis ${ctx.attrs.int('axis', 1)} is out of range for rank ${r}`);
    return [withDims(x, [sizeOf(x.dims.slice(0, axis)), sizeOf(x.dims.slice(axis))])];
  },
};

const Squeeze: OpDef = {
  domain: '',
  name: 'Squeeze',
  since: [1, 11, 13, 21, 23, 24, 25],
  operands: (ctx, present) => ({ axes: squeezeAxes(ctx, present) }),
  kernel(inputs, ctx) {
    const x = input('Squeeze', inputs, 0, 'data');
    const r = x.dims.length;
    const axes = operandInts('Squeeze', inputs, squeezeAxes(ctx, (i) => optInput('Squeeze', inputs, i, 'axes') !== null), 'axes');
    let drop: Set<number>;
    // An empty axes list squeezes every unit axis, as onnxruntime does.
    if (axes === undefined || axes.length === 0) {
      drop = new Set(x.dims.flatMap((d, i) => (d === 1 ? [i] : [])));
    } else {
      drop = new Set(axesOf('Squeeze', axes, r));
      for (const a of drop) if (x.dims[a] !== 1) fail('Squeeze', `cannot squeeze axis ${a} of size ${x.dims[a]}`);
    }
    return [withDims(x, x.dims.filter((_, i) => !drop.has(i)))];
  },
};

const Unsqueeze: OpDef = {
  domain: '',
  name: 'Unsqueeze',
  since: [1, 11, 13, 21, 23, 24, 25],
  operands: (ctx) => ({ axes: unsqueezeAxes(ctx) }),
  kernel(inputs, ctx) {
    const x = input('Unsqueeze', inputs, 0, 'data');
    const axes = operandInts('Unsqueeze', inputs, unsqueezeAxes(ctx), 'axes')!;
    const r = x.dims.length + axes.length;
    const ins = new Set(axesOf('Unsqueeze', axes, r));
    const out: number[] = [];
    let j = 0;
    for (let i = 0; i < r; i++) out.push(ins.has(i) ? 1 : x.dims[j++]);
    return [withDims(x, out)];
  },
};

/** Transposes `x` by `perm` (output axis i = input axis perm[i]). */
/** A matrix transposed in bands of rows (weights folded by the optimizer are mostly 2-D). */
function transpose2d(x: TensorValue): TensorValue {
  const [m, n] = x.dims;
  const src = x.data as NumericArray;
  const out = new (src.constructor as { new (n: number): NumericArray })(src.length);
  // One loop per storage class, so each stays monomorphic (a loop over the NumericArray union is
  // several times slower in V8).
  if (src instanceof Float32Array) tiles32(src, out as Float32Array, m, n);
  else if (src instanceof BigInt64Array) tiles64(src, out as BigInt64Array, m, n);
  else tilesAny(src, out, m, n);
  return { kind: 'tensor', dtype: x.dtype, dims: [n, m], data: out };
}

function tiles32(src: Float32Array, out: Float32Array, m: number, n: number): void {
  // Bands of 8 source rows: for each column j the 8 outputs are adjacent (one 32-byte write) and
  // the 8 rows read stay in cache across consecutive j; about twice as fast as square 32×32 tiles.
  for (let i0 = 0; i0 < m; i0 += 8) {
    const i1 = Math.min(i0 + 8, m);
    for (let j = 0; j < n; j++) {
      const o = j * m;
      for (let i = i0, s = i0 * n + j; i < i1; i++, s += n) out[o + i] = src[s];
    }
  }
}

function tiles64(src: BigInt64Array, out: BigInt64Array, m: number, n: number): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[j * m + i] = src[i * n + j];
}

function tilesAny(src: NumericArray, out: NumericArray, m: number, n: number): void {
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) (out as Float64Array)[j * m + i] = (src as Float64Array)[i * n + j];
}

export function transpose(op: string, x: TensorValue, perm: readonly number[]): TensorValue {
  const r = x.dims.length;
  if (perm.length !== r) fail(op, `perm [${perm.join(',')}] does not match rank ${r}`);
  const p = axesOf(op, perm, r, 'perm');
  if (p.every((a, i) => a === i)) return x;
  if (r === 2 && !Array.isArray(x.data) && x.dtype !== D.COMPLEX64 && x.dtype !== D.COMPLEX128) return transpose2d(x);
  const st = strides(x.dims);
  const outDims = p.map((a) => x.dims[a]);
  return gatherAxes(op, x, outDims, p.map((a, i) => axisMap(outDims[i], st[a], (o) => o)));
}

const Transpose: OpDef = {
  domain: '',
  name: 'Transpose',
  since: [1, 13, 21, 23, 24, 25],
  kernel(inputs, ctx) {
    const x = input('Transpose', inputs, 0, 'data');
    const dflt = x.dims.map((_, i) => x.dims.length - 1 - i);
    return [transpose('Transpose', x, ctx.attrs.ints('perm', dflt))];
  },
};

/** Broadcasts `x` to `outDims` (which must be a broadcast of x's shape). */
export function broadcastTo(op: string, x: TensorValue, outDims: readonly number[]): TensorValue {
  const r = outDims.length;
  const st = strides(x.dims);
  const off = r - x.dims.length;
  const maps = outDims.map((d, a) => {
    const ia = a - off;
    if (ia < 0 || x.dims[ia] === 1) return new Int32Array(d);
    return axisMap(d, st[ia], (o) => o);
  });
  return gatherAxes(op, x, outDims, maps);
}

const Expand: OpDef = {
  domain: '',
  name: 'Expand',
  since: [8, 13],
  kernel(inputs) {
    const x = input('Expand', inputs, 0);
    const shape = intsOf('Expand', inputs[1], 'shape');
    if (shape.some((d) => d < 0)) fail('Expand', `negative dimension in shape [${shape.join(',')}]`);
    const outDims = broadcastShape([x.dims, shape], 'Expand');
    checkDims('Expand', outDims);
    return [broadcastTo('Expand', x, outDims)];
  },
};

function tile(x: TensorValue, reps: readonly number[]): TensorValue {
  if (reps.length !== x.dims.length) fail('Tile', `repeats has ${reps.length} entries for rank ${x.dims.length}`);
  if (reps.some((v) => v < 0)) fail('Tile', `negative repeat in [${reps.join(',')}]`);
  const outDims = x.dims.map((d, i) => d * reps[i]);
  checkDims('Tile', outDims);
  const st = strides(x.dims);
  return gatherAxes('Tile', x, outDims, outDims.map((d, a) => axisMap(d, st[a], (o) => o % x.dims[a])));
}

const Tile: OpDef = {
  domain: '',
  name: 'Tile',
  since: [1, 6, 13],
  kernel(inputs, ctx) {
    const x = input('Tile', inputs, 0);
    if (ctx.opset < 6) {
      // Tile-1: `tiles` copies along one `axis`.
      const tiles = scalarInt('Tile', inputs[1], 'tiles');
      const axis = axesOf('Tile', [scalarInt('Tile', inputs[2], 'axis')], x.dims.length)[0];
      return [tile(x, x.dims.map((_, i) => (i === axis ? tiles : 1)))];
    }
    return [tile(x, intsOf('Tile', inputs[1], 'repeats'))];
  },
};

const EyeLike: OpDef = {
  domain: '',
  name: 'EyeLike',
  since: [9, 22],
  kernel(inputs, ctx) {
    const x = input('EyeLike', inputs, 0);
    if (x.dims.length !== 2) fail('EyeLike', `input must be 2-D, got rank ${x.dims.length}`);
    const dtype = ctx.attrs.int('dtype', x.dtype);
    if (dtype === D.STRING || dtype === D.COMPLEX64 || dtype === D.COMPLEX128) fail('EyeLike', `unsupported dtype ${dtypeName(dtype)}`);
    const k = ctx.attrs.int('k', 0);
    const out = alloc('EyeLike', dtype, x.dims);
    const [rows, cols] = x.dims;
    const data = out.data as Float64Array;
    for (let i = 0; i < rows; i++) {
      const j = i + k;
      if (j >= 0 && j < cols) setNum(data, i * cols + j, 1);
    }
    return [out];
  },
};

const Range: OpDef = {
  domain: '',
  name: 'Range',
  since: [11, 27],
  kernel(inputs) {
    const ts = [0, 1, 2].map((i) => input('Range', inputs, i, ['start', 'limit', 'delta'][i]));
    for (const t of ts) {
      if (sizeOf(t.dims) !== 1 || Array.isArray(t.data)) fail('Range', 'start, limit and delta must be numeric scalars');
    }
    const dtype = ts[0].dtype;
    if (ts[0].data instanceof BigInt64Array) {
      const [s, l, d] = ts.map((t) => BigInt((t.data as BigInt64Array)[0]));
      if (d === 0n) fail('Range', 'delta is zero');
      const diff = l - s;
      // ceil division for either sign of delta
      let n = diff / d;
      if (n * d !== diff && (diff > 0n) === (d > 0n)) n += 1n;
      if (n < 0n) n = 0n;
      const out = alloc('Range', dtype, [Number(n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : n)]);
      const data = out.data as BigInt64Array;
      for (let i = 0; i < data.length; i++) data[i] = BigInt.asIntN(64, s + BigInt(i) * d);
      return [out];
    }
    const [s, l, d] = ts.map((t) => Number((t.data as Float64Array)[0]));
    if (d === 0 || Number.isNaN(d)) fail('Range', 'delta is zero');
    const count = Math.max(Math.ceil((l - s) / d), 0);
    if (!Number.isFinite(count)) fail('Range', 'the range is infinite');
    const out = alloc('Range', dtype, [count]);
    const data = out.data as Float64Array;
    for (let i = 0; i < count; i++) data[i] = s + i * d;
    return [out];
  },
};

export const shapeOps: OpDef[] = [Reshape, Flatten, Squeeze, Unsqueeze, Transpose, Expand, Tile, EyeLike, Range];
