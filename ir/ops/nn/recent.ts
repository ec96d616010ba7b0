/**
 * Recent ops (opsets 27–28): SwiGLU, CausalConvWithState (stateful causal depthwise 1-D conv
 * with optional fused SiLU) and LinearAttention (linear / gated / delta / gated_delta
 * recurrences with GQA, run token by token).
 */
import type { OpDef } from '../types.js';
import { floatInput, floatTensor, opError, optFloatInput } from './common.js';

const swiglu: OpDef = {
  domain: '', name: 'SwiGLU', since: [28],
  kernel(ins, ctx) {
    const A = floatInput(ins, 0, ctx, 'A'), B = floatInput(ins, 1, ctx, 'B');
    if (A.dims.join() !== B.dims.join()) throw opError(ctx, `A [${A.dims}] and B [${B.dims}] must have the same shape`);
    const alpha = ctx.attrs.float('alpha', 1);
    const Y = floatTensor(A.dtype, A.dims);
    for (let i = 0; i < A.data.length; i++) {
      const a = A.data[i];
      Y.data[i] = (a / (1 + Math.exp(-alpha * a))) * B.data[i];
    }
    return [Y];
  },
};

const causalConv: OpDef = {
  domain: '', name: 'CausalConvWithState', since: [27],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'input'), W = floatInput(ins, 1, ctx, 'weight');
    const bias = optFloatInput(ins, 2, ctx, 'bias'), past = optFloatInput(ins, 3, ctx, 'past_state');
    const act = ctx.attrs.string('activation', 'none').toLowerCase();
    if (!['none', 'silu', 'swish'].includes(act)) throw opError(ctx, `unknown activation '${act}'`);
    if (X.dims.length !== 3) throw opError(ctx, `input must be (batch, channels, length), got [${X.dims}]`);
    const [B, C, L] = X.dims;
    if (W.dims.length !== 3 || W.dims[0] !== C || W.dims[1] !== 1) throw opError(ctx, `weight [${W.dims}] must be [${C}, 1, k]`);
    const K = W.dims[2];
    if (!(K >= 1)) throw opError(ctx, 'kernel size must be positive');
    if (bias && bias.data.length !== C) throw opError(ctx, `bias must have ${C} elements`);
    if (past && past.dims.join() !== [B, C, K - 1].join()) throw opError(ctx, `past_state [${past.dims}] must be [${[B, C, K - 1]}]`);
    const Y = floatTensor(X.dtype, X.dims), S = floatTensor(past?.dtype ?? X.dtype, [B, C, K - 1]);
    const padded = new Float64Array(K - 1 + L);
    for (let b = 0; b < B; b++) for (let c = 0; c < C; c++) {
      const bc = b * C + c;
      padded.fill(0);
      if (past) for (let j = 0; j < K - 1; j++) padded[j] = past.data[bc * (K - 1) + j];
      for (let t = 0; t < L; t++) padded[K - 1 + t] = X.data[bc * L + t];
      for (let t = 0; t < L; t++) {
        let s = bias ? bias.data[c] : 0;
        for (let j = 0; j < K; j++) s += W.data[c * K + j] * padded[t + j];
        Y.data[bc * L + t] = act === 'none' ? s : s / (1 + Math.exp(-s));
      }
      for (let j = 0; j < K - 1; j++) S.data[bc * (K - 1) + j] = padded[L + j];
    }
    return [Y, S];
  },
};

const linearAttention: OpDef = {
  domain: '', name: 'LinearAttention', since: [27],
  kernel(ins, ctx) {
    const Q = floatInput(ins, 0, ctx, 'query'), Kt = floatInput(ins, 1, ctx, 'key'), V = floatInput(ins, 2, ctx, 'value');
    const past = optFloatInput(ins, 3, ctx, 'past_state'), decay = optFloatInput(ins, 4, ctx, 'decay'), beta = optFloatInput(ins, 5, ctx, 'beta');
    const Hq = ctx.attrs.int('q_num_heads'), Hk = ctx.attrs.int('kv_num_heads');
    const rule = ctx.attrs.string('update_rule', 'gated_delta');
    if (!['linear', 'gated', 'delta', 'gated_delta'].includes(rule)) throw opError(ctx, `unknown update_rule '${rule}'`);
    if (Q.dims.length !== 3 || Kt.dims.length !== 3 || V.dims.length !== 3) throw opError(ctx, 'query, key and value must be 3-D (B, T, H·D)');
    const [B, T] = Q.dims;
    if (!(Hq >= 1) || !(Hk >= 1) || Hq % Hk !== 0 || Q.dims[2] % Hq !== 0 || Kt.dims[2] % Hk !== 0 || V.dims[2] % Hk !== 0) {
      throw opError(ctx, 'head counts must divide the hidden sizes and q_num_heads must be a multiple of kv_num_heads');
    }
    const dk = Q.dims[2] / Hq, dv = V.dims[2] / Hk;
    if (Kt.dims[2] / Hk !== dk || Kt.dims[0] !== B || V.dims[0] !== B || Kt.dims[1] !== T || V.dims[1] !== T) throw opError(ctx, 'query, key and value shapes disagree');
    const gated = rule === 'gated' || rule === 'gated_delta', delta = rule === 'delta' || rule === 'gated_delta';
    if (gated && !decay) throw opError(ctx, `update_rule '${rule}' needs decay`);
    if (delta && !beta) throw opError(ctx, `update_rule '${rule}' needs beta`);
    const perKeyDecay = decay ? decay.dims[2] === Hk * dk : false;
    if (decay && !perKeyDecay && decay.dims[2] !== Hk) throw opError(ctx, `decay [${decay.dims}] must end in ${Hk} or ${Hk * dk}`);
    const betaW = beta ? beta.dims[2] : 0;
    if (beta && betaW !== Hk && betaW !== 1) throw opError(ctx, `beta [${beta.dims}] must end in ${Hk} or 1`);
    let scale = ctx.attrs.float('scale', 0);
    if (scale === 0) scale = 1 / Math.sqrt(dk);
    if (past && past.dims.join() !== [B, Hk, dk, dv].join()) throw opError(ctx, `past_state [${past.dims}] must be [${[B, Hk, dk, dv]}]`);
    const state = new Float64Array(B * Hk * dk * dv);
    if (past) state.set(past.data);
    const Y = floatTensor(Q.dtype, [B, T, Hq * dv]);
    const group = Hq / Hk;
    const kvec = new Float64Array(dk), upd = new Float64Array(dv);
    for (let b = 0; b < B; b++) for (let t = 0; t < T; t++) {
      for (let h = 0; h < Hk; h++) {
        const so = (b * Hk + h) * dk * dv;
        const ko = (b * T + t) * Hk * dk + h * dk, vo = (b * T + t) * Hk * dv + h * dv;
        for (let i = 0; i < dk; i++) kvec[i] = Kt.data[ko + i];
        if (gated) {
          for (let i = 0; i < dk; i++) {
            const g = perKeyDecay ? decay!.data[(b * T + t) * Hk * dk + h * dk + i] : decay!.data[(b * T + t) * Hk + h];
            const e = Math.exp(g);
            for (let j = 0; j < dv; j++) state[so + i * dv + j] *= e;
          }
        }
        if (delta) {
          const bt = beta!.data[(b * T + t) * betaW + (betaW === 1 ? 0 : h)];
          for (let j = 0; j < dv; j++) {
            let sk = 0;
            for (let i = 0; i < dk; i++) sk += state[so + i * dv + j] * kvec[i];
            upd[j] = bt * (V.data[vo + j] - sk);
          }
        } else for (let j = 0; j < dv; j++) upd[j] = V.data[vo + j];
        for (let i = 0; i < dk; i++) for (let j = 0; j < dv; j++) state[so + i * dv + j] += kvec[i] * upd[j];
      }
      for (let hq = 0; hq < Hq; hq++) {
        const h = Math.floor(hq / group), so = (b * Hk + h) * dk * dv;
        const qo = (b * T + t) * Hq * dk + hq * dk, yo = (b * T + t) * Hq * dv + hq * dv;
        for (let j = 0; j < dv; j++) {
          let s = 0;
          for (let i = 0; i < dk; i++) s += Q.data[qo + i] * state[so + i * dv + j];
          Y.data[yo + j] = scale * s;
        }
      }
    }
    const S = floatTensor(past?.dtype ?? ctx.outputDtypes[1] ?? Q.dtype, [B, Hk, dk, dv]);
    S.data.set(state);
    return [Y, S];
  },
};

export const ops: readonly OpDef[] = [swiglu, causalConv, linearAttention];
