/**
 * Attention (opsets 23–25): MHA/GQA/MQA, 3-D or 4-D inputs, boolean or additive masks (a short
 * last dimension is padded with −∞), offset-aware causal masking, sliding windows, internal
 * (past/present) or external (nonpad_kv_seqlen) KV caches, softcap, the four qk_matmul_output
 * modes and the fully-masked-row guard (such rows give zeros, never NaN).
 */
import { DataType as D } from '../../dtype.js';
import { roundToDtype } from '../float-formats.js';
import type { KernelContext, OpDef, TensorValue } from '../types.js';
import { floatInput, floatTensor, opError, optFloatInput, optInput, type FloatTensor } from './common.js';

/** Copies a 3-D (B, S, H·D) or 4-D (B, H, S, D) tensor into 4-D layout. */
function to4d(ctx: KernelContext, t: FloatTensor, heads: number | undefined, what: string): { data: Float64Array; B: number; H: number; S: number; D: number } {
  if (t.dims.length === 4) {
    const [B, H, S, Dd] = t.dims;
    return { data: Float64Array.from(t.data), B, H, S, D: Dd };
  }
  if (t.dims.length !== 3) throw opError(ctx, `${what} must be 3-D or 4-D, got [${t.dims}]`);
  if (!heads || heads < 1 || t.dims[2] % heads !== 0) throw opError(ctx, `${what} [${t.dims}] needs num_heads dividing its hidden size`);
  const [B, S, hid] = t.dims;
  const H = heads, Dd = hid / H;
  const out = new Float64Array(t.data.length);
  for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) for (let h = 0; h < H; h++) {
    const src = (b * S + s) * hid + h * Dd, dst = ((b * H + h) * S + s) * Dd;
    for (let d = 0; d < Dd; d++) out[dst + d] = t.data[src + d];
  }
  return { data: out, B, H, S, D: Dd };
}

/** Concatenates past (B, H, P, D) and new (B, H, S, D) along the sequence axis. */
function concatSeq(past: Float64Array, P: number, cur: Float64Array, S: number, B: number, H: number, Dd: number): Float64Array {
  const T = P + S;
  const out = new Float64Array(B * H * T * Dd);
  for (let bh = 0; bh < B * H; bh++) {
    out.set(past.subarray(bh * P * Dd, (bh + 1) * P * Dd), bh * T * Dd);
    out.set(cur.subarray(bh * S * Dd, (bh + 1) * S * Dd), bh * T * Dd + P * Dd);
  }
  return out;
}

const attention: OpDef = {
  domain: '', name: 'Attention', since: [23, 24, 25],
  kernel(ins, ctx) {
    const a = ctx.attrs;
    const Qt = floatInput(ins, 0, ctx, 'Q'), Kt = floatInput(ins, 1, ctx, 'K'), Vt = floatInput(ins, 2, ctx, 'V');
    const maskT = optInput(ins, 3, ctx, 'attn_mask');
    const pastK = optFloatInput(ins, 4, ctx, 'past_key'), pastV = optFloatInput(ins, 5, ctx, 'past_value');
    const nonpadT = optInput(ins, 6, ctx, 'nonpad_kv_seqlen');
    if ((pastK === null) !== (pastV === null)) throw opError(ctx, 'past_key and past_value must be given together');
    const rank3 = Qt.dims.length === 3;
    if (Kt.dims.length !== Qt.dims.length || Vt.dims.length !== Qt.dims.length) throw opError(ctx, 'Q, K and V must have the same rank');
    const qHeads = rank3 ? a.int('q_num_heads') : undefined, kvHeads = rank3 ? a.int('kv_num_heads') : undefined;
    const q = to4d(ctx, Qt, qHeads, 'Q'), k0 = to4d(ctx, Kt, kvHeads, 'K'), v0 = to4d(ctx, Vt, kvHeads, 'V');
    const { B, H: Hq, S: Sq, D: Dh } = q;
    const Hkv = k0.H, Dv = v0.D;
    if (k0.B !== B || v0.B !== B || v0.H !== Hkv || k0.D !== Dh || v0.S !== k0.S) throw opError(ctx, `incompatible Q [${Qt.dims}], K [${Kt.dims}], V [${Vt.dims}]`);
    if (Hkv === 0 ? Hq !== 0 : Hq % Hkv !== 0) throw opError(ctx, `q heads ${Hq} must be a multiple of kv heads ${Hkv}`); // no heads at all: an empty output
    let P = 0, kd = k0.data, vd = v0.data;
    if (pastK && pastV) {
      if (pastK.dims.length !== 4 || pastK.dims[0] !== B || pastK.dims[1] !== Hkv || pastK.dims[3] !== Dh) throw opError(ctx, `past_key [${pastK.dims}] does not match K`);
      if (pastV.dims.length !== 4 || pastV.dims[2] !== pastK.dims[2] || pastV.dims[3] !== Dv) throw opError(ctx, `past_value [${pastV.dims}] does not match V`);
      P = pastK.dims[2];
      kd = concatSeq(Float64Array.from(pastK.data), P, kd, k0.S, B, Hkv, Dh);
      vd = concatSeq(Float64Array.from(pastV.data), P, vd, k0.S, B, Hkv, Dv);
    }
    const T = P + k0.S;
    const scale = a.has('scale') ? a.float('scale') : 1 / Math.sqrt(Dh);
    const sq = Math.sqrt(scale);
    const softcap = a.float('softcap', 0);
    const causal = a.int('is_causal', 0) !== 0;
    const left = a.int('left_window_size', -1), right = a.int('right_window_size', -1);
    const mode = a.int('qk_matmul_output_mode', 0);
    const smPrec = a.has('softmax_precision') ? a.int('softmax_precision') : undefined;
    const narrowSm = smPrec !== undefined && smPrec !== D.FLOAT && smPrec !== D.DOUBLE ? smPrec : undefined;
    let nonpad: number[] | null = null;
    if (nonpadT) {
      if (pastK) throw opError(ctx, 'nonpad_kv_seqlen cannot be combined with past_key/past_value');
      nonpad = Array.from(nonpadT.data as ArrayLike<number | bigint>, Number);
      if (nonpad.length !== B) throw opError(ctx, `nonpad_kv_seqlen must have ${B} elements`);
    }
    // mask, right-aligned onto (B, Hq, Sq, Tm)
    let mStr = [0, 0, 0, 0], Tm = 0, maskBool = false;
    let md: ArrayLike<number> | null = null;
    if (maskT) {
      if (maskT.dims.length < 1 || maskT.dims.length > 4) throw opError(ctx, `attn_mask must have rank 1..4, got [${maskT.dims}]`);
      const full = [1, 1, 1, 1];
      maskT.dims.forEach((d, i) => { full[4 - maskT.dims.length + i] = d; });
      const want = [B, Hq, Sq];
      for (let i = 0; i < 3; i++) if (full[i] !== 1 && full[i] !== want[i]) throw opError(ctx, `attn_mask [${maskT.dims}] does not broadcast to [${B}, ${Hq}, ${Sq}, ${T}]`);
      Tm = full[3];
      if (Tm > T) throw opError(ctx, `attn_mask [${maskT.dims}] is longer than the ${T} keys`);
      const st = [full[1] * full[2] * full[3], full[2] * full[3], full[3], 1];
      mStr = st.map((s, i) => (full[i] === 1 ? 0 : s));
      maskBool = maskT.dtype === D.BOOL;
      md = maskT.data as ArrayLike<number>;
    }
    const Y = floatTensor(Qt.dtype, rank3 ? [B, Sq, Hq * Dv] : [B, Hq, Sq, Dv]);
    const wantQk = ctx.node.outputs.length > 3 && ctx.node.outputs[3] !== null;
    const QK = wantQk ? floatTensor(Qt.dtype, [B, Hq, Sq, T]) : null;
    const scores = new Float64Array(T), bias = new Float64Array(T), probs = new Float64Array(T);
    const group = Hq / Hkv;
    for (let b = 0; b < B; b++) {
      const off = pastK ? P : nonpad ? nonpad[b] - Sq : 0;
      for (let h = 0; h < Hq; h++) {
        const hk = Math.floor(h / group);
        for (let i = 0; i < Sq; i++) {
          const qo = ((b * Hq + h) * Sq + i) * Dh;
          let anyOpen = false;
          for (let j = 0; j < T; j++) {
            let bj = 0;
            if (md) {
              if (j >= Tm) bj = -Infinity;
              else {
                const mv = md[b * mStr[0] + h * mStr[1] + i * mStr[2] + j];
                bj = maskBool ? (mv ? 0 : -Infinity) : mv;
              }
            }
            if (causal && j > i + off) bj = -Infinity;
            const diff = i + off - j;
            if (left >= 0 && diff > left) bj = -Infinity;
            if (right >= 0 && -diff > right) bj = -Infinity;
            if (nonpad && j >= nonpad[b]) bj = -Infinity;
            bias[j] = bj;
            if (bj !== -Infinity) anyOpen = true;
            const ko = ((b * Hkv + hk) * T + j) * Dh;
            let s = 0;
            for (let d = 0; d < Dh; d++) s += (q.data[qo + d] * sq) * (kd[ko + d] * sq);
            scores[j] = s;
          }
          const qkRow = QK ? ((b * Hq + h) * Sq + i) * T : 0;
          if (QK && mode === 0) for (let j = 0; j < T; j++) QK.data[qkRow + j] = scores[j];
          if (softcap > 0) for (let j = 0; j < T; j++) scores[j] = softcap * Math.tanh(scores[j] / softcap);
          if (QK && mode === 1) for (let j = 0; j < T; j++) QK.data[qkRow + j] = scores[j];
          for (let j = 0; j < T; j++) scores[j] += bias[j];
          if (QK && mode === 2) for (let j = 0; j < T; j++) QK.data[qkRow + j] = scores[j];
          if (narrowSm !== undefined) for (let j = 0; j < T; j++) scores[j] = roundToDtype(narrowSm, scores[j]);
          if (!anyOpen) probs.fill(0);
          else {
            let mx = -Infinity;
            for (let j = 0; j < T; j++) if (scores[j] > mx) mx = scores[j];
            if (mx === -Infinity) mx = 0;
            let tot = 0;
            for (let j = 0; j < T; j++) { const e = Math.exp(scores[j] - mx); probs[j] = e; tot += e; }
            if (tot === 0) tot = 1;
            for (let j = 0; j < T; j++) probs[j] /= tot;
            if (narrowSm !== undefined) for (let j = 0; j < T; j++) probs[j] = roundToDtype(narrowSm, probs[j]);
          }
          if (QK && mode === 3) for (let j = 0; j < T; j++) QK.data[qkRow + j] = probs[j];
          const yo = rank3 ? (b * Sq + i) * Hq * Dv + h * Dv : ((b * Hq + h) * Sq + i) * Dv;
          for (let d = 0; d < Dv; d++) {
            let acc = 0;
            for (let j = 0; j < T; j++) acc += probs[j] * vd[((b * Hkv + hk) * T + j) * Dv + d];
            Y.data[yo + d] = acc;
          }
        }
      }
    }
    const outs: (TensorValue | null)[] = [Y];
    if (ctx.node.outputs.length > 1) {
      const pk = floatTensor(Kt.dtype, [B, Hkv, T, Dh]), pv = floatTensor(Vt.dtype, [B, Hkv, T, Dv]);
      pk.data.set(kd);
      pv.data.set(vd);
      outs.push(ctx.node.outputs[1] !== null ? pk : null, ctx.node.outputs[2] !== null ? pv : null);
    }
    if (ctx.node.outputs.length > 3) outs.push(QK);
    return outs;
  },
};

const rotaryEmbedding: OpDef = {
  domain: '', name: 'RotaryEmbedding', since: [23],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'X');
    const cos = floatInput(ins, 1, ctx, 'cos_cache'), sin = floatInput(ins, 2, ctx, 'sin_cache');
    const posT = optInput(ins, 3, ctx, 'position_ids');
    const interleaved = ctx.attrs.int('interleaved', 0) !== 0;
    let rotDim = ctx.attrs.int('rotary_embedding_dim', 0);
    const numHeads = ctx.attrs.int('num_heads', 0);
    let B: number, S: number, H: number, Dh: number;
    // index of element (b, s, h, d) in X
    let at: (b: number, s: number, h: number) => number;
    if (X.dims.length === 4) {
      [B, H, S, Dh] = X.dims;
      at = (b, s, h) => ((b * H + h) * S + s) * Dh;
    } else if (X.dims.length === 3) {
      [B, S] = X.dims;
      const hid = X.dims[2];
      if (!(numHeads >= 1) || hid % numHeads !== 0) throw opError(ctx, `num_heads must divide the hidden size ${hid} of 3-D input`);
      H = numHeads;
      Dh = hid / H;
      at = (b, s, h) => (b * S + s) * hid + h * Dh;
    } else throw opError(ctx, `X must be 3-D or 4-D, got [${X.dims}]`);
    if (rotDim === 0) rotDim = Dh;
    if (rotDim > Dh || rotDim % 2 !== 0) throw opError(ctx, `rotary_embedding_dim ${rotDim} must be even and <= head size ${Dh}`);
    const half = rotDim / 2;
    const pos = posT ? Array.from(posT.data as ArrayLike<number | bigint>, Number) : null;
    // caches: (max_pos, half) with position_ids, else (B, S, half)
    const cacheRow = (b: number, s: number): number => {
      if (pos) {
        const p = pos[posT!.dims.length === 2 ? b * S + s : s];
        if (!(p >= 0 && (p + 1) * half <= cos.data.length)) throw opError(ctx, `position id ${p} is outside the caches`);
        return p * (cos.dims[cos.dims.length - 1]);
      }
      return (b * S + s) * cos.dims[cos.dims.length - 1];
    };
    if (cos.dims[cos.dims.length - 1] < half || sin.data.length !== cos.data.length) throw opError(ctx, 'cos_cache and sin_cache must have the same shape with at least rotary_dim/2 columns');
    const Y = floatTensor(X.dtype, X.dims);
    Y.data.set(X.data);
    const x = X.data, y = Y.data;
    for (let b = 0; b < B; b++) for (let s = 0; s < S; s++) {
      const cr = cacheRow(b, s);
      if (!pos && cr + half > cos.data.length) throw opError(ctx, 'caches are smaller than batch × sequence');
      for (let h = 0; h < H; h++) {
        const base = at(b, s, h);
        for (let i = 0; i < half; i++) {
          const c = cos.data[cr + i], sn = sin.data[cr + i];
          const i1 = interleaved ? base + 2 * i : base + i;
          const i2 = interleaved ? base + 2 * i + 1 : base + i + half;
          const x1 = x[i1], x2 = x[i2];
          y[i1] = x1 * c - x2 * sn;
          y[i2] = x2 * c + x1 * sn;
        }
      }
    }
    return [Y];
  },
};

export const ops: readonly OpDef[] = [attention, rotaryEmbedding];
