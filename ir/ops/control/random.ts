/**
 * Random ops: RandomUniform(Like), RandomNormal(Like), Bernoulli, Multinomial. All draw from
 * `ctx.random()` (seeded per evaluation run); the `seed` attribute is accepted and ignored, as
 * the spec allows implementations to differ. Marked `random: true` so nothing folds them.
 */
import { LatheError } from '../../error.js';
import { DataType as D, dtypeName } from '../../dtype.js';
import type { KernelContext, OpDef, OpTable, TensorValue } from '../types.js';
import { allocate, asTensor, isBigInt, isFloat, sizeOf } from '../util.js';
import { checkAttrSized } from './common.js';

function checkSize(dims: readonly number[], op: string): number {
  for (const d of dims) if (!Number.isInteger(d) || d < 0) throw new LatheError(`${op}: bad dimension ${d} in shape`);
  const n = sizeOf(dims);
  checkAttrSized(n, `${op}: shape [${dims}]`);
  return n;
}

function floatDtype(dtype: number, op: string): number {
  if (!isFloat(dtype)) throw new LatheError(`${op}: dtype ${dtypeName(dtype)} is not a float type`);
  return dtype;
}

/** A tensor of `dtype` filled by `draw()` (numbers; converted for bigint storage). */
function filled(dtype: number, dims: readonly number[], draw: () => number): TensorValue {
  const n = sizeOf(dims);
  const data = allocate(dtype, n);
  if (Array.isArray(data)) throw new LatheError(`random: dtype ${dtypeName(dtype)} is not numeric`);
  if (isBigInt(dtype)) {
    const b = data as BigInt64Array;
    for (let i = 0; i < n; i++) b[i] = BigInt(Math.trunc(draw()));
  } else {
    const f = data as Float64Array;
    for (let i = 0; i < n; i++) f[i] = draw();
  }
  return { kind: 'tensor', dtype, dims: dims.slice(), data };
}

function uniform(ctx: KernelContext): () => number {
  const low = ctx.attrs.float('low', 0);
  const high = ctx.attrs.float('high', 1);
  return () => low + (high - low) * ctx.random();
}

/** Box–Muller; 1 − u keeps the logarithm finite. */
function normal(ctx: KernelContext): () => number {
  const mean = ctx.attrs.float('mean', 0);
  const scale = ctx.attrs.float('scale', 1);
  return () => {
    const u = 1 - ctx.random();
    const v = ctx.random();
    return mean + scale * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  };
}

function fromShape(name: string, dist: (ctx: KernelContext) => () => number): OpDef {
  return {
    domain: '',
    name,
    since: [1, 22],
    random: true,
    kernel(_inputs, ctx) {
      const dims = ctx.attrs.ints('shape');
      checkSize(dims, name);
      return [filled(floatDtype(ctx.attrs.int('dtype', D.FLOAT), name), dims, dist(ctx))];
    },
  };
}

function like(name: string, dist: (ctx: KernelContext) => () => number): OpDef {
  return {
    domain: '',
    name,
    since: [1, 22],
    random: true,
    kernel(inputs, ctx) {
      const x = asTensor(inputs[0], `${name}: input`);
      const dtype = floatDtype(ctx.attrs.has('dtype') ? ctx.attrs.int('dtype') : x.dtype, name);
      return [filled(dtype, x.dims, dist(ctx))];
    },
  };
}

const bernoulli: OpDef = {
  domain: '',
  name: 'Bernoulli',
  since: [15, 22],
  random: true,
  kernel(inputs, ctx) {
    const x = asTensor(inputs[0], 'Bernoulli: input');
    if (!isFloat(x.dtype) || Array.isArray(x.data)) throw new LatheError('Bernoulli: input must be a float tensor');
    const dtype = ctx.attrs.has('dtype') ? ctx.attrs.int('dtype') : x.dtype;
    const p = x.data as Float32Array;
    let i = 0;
    return [filled(dtype, x.dims, () => (ctx.random() < p[i++] ? 1 : 0))];
  },
};

const multinomial: OpDef = {
  domain: '',
  name: 'Multinomial',
  since: [7, 22],
  random: true,
  kernel(inputs, ctx) {
    const x = asTensor(inputs[0], 'Multinomial: input');
    if (!isFloat(x.dtype) || Array.isArray(x.data)) throw new LatheError('Multinomial: input must be a float tensor');
    if (x.dims.length !== 2) throw new LatheError(`Multinomial: input shape [${x.dims}] must be [batch, classes]`);
    const dtype = ctx.attrs.int('dtype', D.INT32);
    if (dtype !== D.INT32 && dtype !== D.INT64) throw new LatheError(`Multinomial: dtype ${dtypeName(dtype)} is not int32 or int64`);
    const samples = ctx.attrs.int('sample_size', 1);
    const [batch, classes] = x.dims;
    checkSize([batch, samples], 'Multinomial');
    const logits = x.data as Float32Array;
    // Cumulative unnormalized probabilities per row (softmax without the division).
    const cdf = new Float64Array(batch * classes);
    for (let b = 0; b < batch; b++) {
      let max = -Infinity;
      for (let c = 0; c < classes; c++) max = Math.max(max, logits[b * classes + c]);
      let acc = 0;
      for (let c = 0; c < classes; c++) {
        acc += Math.exp(logits[b * classes + c] - max);
        cdf[b * classes + c] = acc;
      }
    }
    let k = 0;
    return [filled(dtype, [batch, samples], () => {
      const b = Math.floor(k++ / samples);
      const total = cdf[b * classes + classes - 1];
      const u = ctx.random() * total;
      let c = 0;
      while (c < classes - 1 && cdf[b * classes + c] <= u) c++;
      return c;
    })];
  },
};

export const randomOps: OpTable = [
  fromShape('RandomUniform', uniform),
  fromShape('RandomNormal', normal),
  like('RandomUniformLike', uniform),
  like('RandomNormalLike', normal),
  bernoulli,
  multinomial,
];
