/**
 * ai.onnx.preview FlexAttention: scaled dot-product attention over [B, H, L, E] tensors with
 * optional `score_mod` / `prob_mod` subgraphs run through `ctx.runGraph`, and grouped-query
 * heads (query head h reads K/V head ⌊h / (Hq / Hkv)⌋).
 */
import { LatheError } from '../../error.js';
import { DataType as D, dtypeName } from '../../dtype.js';
import type { Graph } from '../../types.js';
import type { KernelContext, OpDef, OpTable, TensorValue } from '../types.js';
import { allocate, asTensor, isFloat } from '../util.js';

type F = Float32Array | Float64Array;

function applyMod(ctx: KernelContext, g: Graph | undefined, t: TensorValue, what: string): F {
  if (!g) return t.data as F;
  const out = ctx.runGraph(g, [t]);
  if (out.length !== 1) throw new LatheError(`FlexAttention: ${what} produced ${out.length} outputs, expected 1`);
  const r = asTensor(out[0], `FlexAttention: ${what} output`);
  if (r.dims.length !== t.dims.length || r.dims.some((d, i) => d !== t.dims[i])) {
    throw new LatheError(`FlexAttention: ${what} changed the shape [${t.dims}] to [${r.dims}]`);
  }
  if (Array.isArray(r.data) || !isFloat(r.dtype)) throw new LatheError(`FlexAttention: ${what} must return a float tensor`);
  return r.data as F;
}

const flexAttention: OpDef = {
  domain: 'ai.onnx.preview',
  name: 'FlexAttention',
  since: [1],
  kernel(inputs, ctx) {
    const [q, k, v] = ['Q', 'K', 'V'].map((n, i) => asTensor(inputs[i], `FlexAttention: ${n}`));
    for (const t of [q, k, v]) {
      if (t.dims.length !== 4) throw new LatheError(`FlexAttention: inputs must be rank 4, got [${t.dims}]`);
      if (!isFloat(t.dtype)) throw new LatheError(`FlexAttention: dtype ${dtypeName(t.dtype)} is not a float type`);
    }
    const [b, hq, l, e] = q.dims;
    const [bk, hkv, s, ek] = k.dims;
    const [bv, hv, sv, ev] = v.dims;
    if (bk !== b || bv !== b || hv !== hkv || sv !== s || ek !== e) {
      throw new LatheError(`FlexAttention: shapes Q [${q.dims}], K [${k.dims}], V [${v.dims}] do not fit`);
    }
    if (hkv === 0 || hq % hkv !== 0) throw new LatheError(`FlexAttention: ${hq} query heads are not a multiple of ${hkv} KV heads`);
    const group = hq / hkv;
    const scale = ctx.attrs.float('scale', 1 / Math.sqrt(e));
    const precision = ctx.attrs.int('softmax_precision', q.dtype === D.DOUBLE ? D.DOUBLE : D.FLOAT);
    if (!isFloat(precision)) throw new LatheError(`FlexAttention: softmax_precision ${precision} is not a float type`);
    const Q = q.data as F, K = k.data as F, V = v.data as F;
    const dims = [b, hq, l, s];
    const scores = allocate(precision, b * hq * l * s) as F;
    for (let bi = 0; bi < b; bi++) {
      for (let h = 0; h < hq; h++) {
        const qBase = (bi * hq + h) * l * e;
        const kBase = (bi * hkv + Math.floor(h / group)) * s * e;
        const sBase = (bi * hq + h) * l * s;
        for (let i = 0; i < l; i++) {
          for (let j = 0; j < s; j++) {
            let acc = 0;
            for (let x = 0; x < e; x++) acc += Q[qBase + i * e + x] * K[kBase + j * e + x];
            scores[sBase + i * s + j] = acc * scale;
          }
        }
      }
    }
    const modded = applyMod(ctx, ctx.attrs.graph('score_mod'), { kind: 'tensor', dtype: precision, dims, data: scores }, 'score_mod');
    const probs = allocate(precision, modded.length) as F;
    for (let row = 0; row < b * hq * l; row++) {
      const o = row * s;
      let max = -Infinity;
      for (let j = 0; j < s; j++) max = Math.max(max, modded[o + j]);
      let sum = 0;
      for (let j = 0; j < s; j++) {
        // A fully masked row (all -inf) gives zeros rather than NaN.
        const p = max === -Infinity ? 0 : Math.exp(modded[o + j] - max);
        probs[o + j] = p;
        sum += p;
      }
      for (let j = 0; j < s; j++) probs[o + j] = sum > 0 ? probs[o + j] / sum : 0;
    }
    const P = applyMod(ctx, ctx.attrs.graph('prob_mod'), { kind: 'tensor', dtype: precision, dims, data: probs }, 'prob_mod');
    const y = allocate(q.dtype, b * hq * l * ev) as F;
    for (let bi = 0; bi < b; bi++) {
      for (let h = 0; h < hq; h++) {
        const pBase = (bi * hq + h) * l * s;
        const vBase = (bi * hkv + Math.floor(h / group)) * s * ev;
        const yBase = (bi * hq + h) * l * ev;
        for (let i = 0; i < l; i++) {
          for (let x = 0; x < ev; x++) {
            let acc = 0;
            for (let j = 0; j < s; j++) acc += P[pBase + i * s + j] * V[vBase + j * ev + x];
            y[yBase + i * ev + x] = acc;
          }
        }
      }
    }
    return [{ kind: 'tensor', dtype: q.dtype, dims: [b, hq, l, ev], data: y }];
  },
};

export const flexOps: OpTable = [flexAttention];
