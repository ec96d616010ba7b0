/**
 * Inference for recent attention-style ops: SwiGLU (opset 28), CausalConvWithState and
 * LinearAttention (opset 27), and ai.onnx.preview FlexAttention.
 */
import type { Dim } from '../../../types.js';
import { dimDiv, dimMul } from '../../dims.js';
import type { InferContext, InferRule, InferTable, Known } from '../../types.js';
import { mergeDim as same } from '../common.js';
import { dtypeOf, hasOutput, isNum, shapeOf, tensor } from './util.js';

const div = (a: Dim, b: Dim): Dim => (a === null || b === null ? null : dimDiv(a, b));
const mul = (a: Dim, b: Dim): Dim => (a === null || b === null ? null : dimMul(a, b));

/** The shape when it has exactly `rank` dims, else undefined. */
function ofRank(k: Known | null | undefined, rank: number): readonly Dim[] | undefined {
  const s = shapeOf(k);
  return s && s.length === rank ? s : undefined;
}

/** CausalConvWithState: output like input (B, C, L); present_state (B, C, k − 1). */
function causalConv(ins: readonly (Known | null)[]): Known[] {
  const x = ofRank(ins[0], 3), w = ofRank(ins[1], 3), past = ofRank(ins[3], 3);
  const dtype = dtypeOf(ins[0]) || dtypeOf(ins[1]);
  const k = w?.[2];
  const km1: Dim = isNum(k) && k >= 1 ? k - 1 : past ? past[2] : null;
  const B = same(x?.[0] ?? null, past?.[0] ?? null);
  const C = same(same(x?.[1] ?? null, w?.[0] ?? null), past?.[1] ?? null);
  return [tensor(dtype, x ? [B, C, x[2]] : undefined), tensor(dtypeOf(ins[3]) || dtype, [B, C, km1])];
}

/**
 * LinearAttention: output (B, T, Hq·dv), present_state (B, Hkv, dk, dv) with dk = q/Hq and
 * dv = v/Hkv. The state type S follows past_state, else the query (as the kernel does).
 */
function linearAttention(ins: readonly (Known | null)[], ctx: InferContext): Known[] {
  const q = ofRank(ins[0], 3), k = ofRank(ins[1], 3), v = ofRank(ins[2], 3), past = ofRank(ins[3], 4);
  const tq = dtypeOf(ins[0]);
  const hqA = ctx.attrs.int('q_num_heads', 0), hkA = ctx.attrs.int('kv_num_heads', 0);
  const Hq: Dim = hqA > 0 ? hqA : null, Hk: Dim = hkA > 0 ? hkA : null;
  const B = same(same(q?.[0] ?? null, k?.[0] ?? null), same(v?.[0] ?? null, past?.[0] ?? null));
  const T = same(same(q?.[1] ?? null, k?.[1] ?? null), v?.[1] ?? null);
  const dk = same(same(div(q?.[2] ?? null, Hq), div(k?.[2] ?? null, Hk)), past?.[2] ?? null);
  const dv = same(div(v?.[2] ?? null, Hk), past?.[3] ?? null);
  const outs = [tensor(tq, [B, T, mul(Hq, dv)])];
  if (hasOutput(ctx, 1)) outs.push(tensor(dtypeOf(ins[3]) || tq, [B, same(Hk, past?.[1] ?? null), dk, dv]));
  return outs;
}

/** FlexAttention: Q (B, Hq, L, E), K (B, Hkv, S, E), V (B, Hkv, S, Ev) → (B, Hq, L, Ev). */
function flexAttention(ins: readonly (Known | null)[]): Known[] {
  const q = ofRank(ins[0], 4), k = ofRank(ins[1], 4), v = ofRank(ins[2], 4);
  const B = same(same(q?.[0] ?? null, k?.[0] ?? null), v?.[0] ?? null);
  return [tensor(dtypeOf(ins[0]), [B, q?.[1] ?? null, q?.[2] ?? null, v?.[3] ?? null])];
}

const rules: InferRule[] = [
  {
    domain: '', name: 'SwiGLU',
    infer: ([a, b]) => {
      const sa = shapeOf(a), sb = shapeOf(b);
      // A and B must have the same shape.
      const shape = sa && sb && sa.length === sb.length ? sa.map((d, i) => same(d, sb[i])) : sa ?? sb;
      return [tensor(dtypeOf(a) || dtypeOf(b), shape)];
    },
  },
  { domain: '', name: 'CausalConvWithState', infer: (ins) => causalConv(ins) },
  { domain: '', name: 'LinearAttention', infer: (ins, ctx) => linearAttention(ins, ctx) },
  { domain: 'ai.onnx.preview', name: 'FlexAttention', infer: (ins) => flexAttention(ins) },
];

export const recentRules: InferTable = rules;
