/**
 * Inference for Attention, RotaryEmbedding, Resize/Upsample, recurrent nets, NonMaxSuppression
 * and losses.
 */
import { DataType as DT } from '../../../dtype.js';
import type { Dim } from '../../../types.js';
import { dimAdd, dimDiv, dimFloorDiv, dimMul } from '../../dims.js';
import { scaledSize } from '../../../ops/nn/resize.js';
import type { InferContext, InferRule, InferTable, Known } from '../../types.js';
import { constDims, constNumbers, dtypeOf, isNum, normAxis, sameAs, shapeOf, tensor, unknownDims } from './util.js';

/** Operands of dim arithmetic that may be unknown. */
const add = (a: Dim, b: Dim): Dim => (a === null || b === null ? null : dimAdd(a, b));
const mul = (a: Dim, b: Dim): Dim => (a === null || b === null ? null : dimMul(a, b));
const div = (a: Dim, b: Dim): Dim => (a === null || b === null ? null : dimDiv(a, b));

/** Attention (opset 23+): 3-D (B, S, H·D) or 4-D (B, H, S, D) forms, optional past KV. */
function attention(ins: readonly (Known | null)[], ctx: InferContext): (Known | null)[] {
  const q = shapeOf(ins[0]), k = shapeOf(ins[1]), v = shapeOf(ins[2]), pk = shapeOf(ins[4]);
  const tq = dtypeOf(ins[0]), tk = dtypeOf(ins[1]) || dtypeOf(ins[2]);
  const rank = q?.length ?? k?.length ?? v?.length;
  if (rank !== 3 && rank !== 4) return [tensor(tq), tensor(tk), tensor(tk), tensor(tq)];
  const ok = (s: readonly Dim[] | undefined): s is readonly Dim[] => s !== undefined && s.length === rank;
  let B: Dim = null, Hq: Dim = null, Sq: Dim = null, Hkv: Dim = null, Skv: Dim = null, Dk: Dim = null, Dv: Dim = null;
  if (rank === 4) {
    if (ok(q)) [B, Hq, Sq] = q;
    if (ok(k)) { B ??= k[0]; Hkv = k[1]; Skv = k[2]; Dk = k[3]; }
    if (ok(v)) { B ??= v[0]; Hkv ??= v[1]; Skv ??= v[2]; Dv = v[3]; }
  } else {
    const qh = ctx.attrs.int('q_num_heads', 0), kvh = ctx.attrs.int('kv_num_heads', 0);
    Hq = qh > 0 ? qh : null; Hkv = kvh > 0 ? kvh : null;
    if (ok(q)) { B = q[0]; Sq = q[1]; }
    if (ok(k)) { B ??= k[0]; Skv = k[1]; Dk = div(k[2], Hkv); }
    if (ok(v)) { B ??= v[0]; Skv ??= v[1]; Dv = div(v[2], Hkv); }
  }
  const total = pk ? (pk.length === 4 ? add(pk[2], Skv) : null) : Skv;
  const y: Dim[] = rank === 4 ? [B, Hq, Sq, Dv] : [B, Sq, mul(Hq, Dv)];
  return [tensor(tq, y), tensor(tk, [B, Hkv, total, Dk]), tensor(tk, [B, Hkv, total, Dv]), tensor(tq, [B, Hq, Sq, total])];
}

/**
 * floor(d·s) for a symbolic d where it is exact in any float arithmetic a runtime may use (float32
 * included, for d < 2^24): an integer scale gives `s*d`, a scale 2^-e gives `(d)//2^e`
 * (0.5 → `(H)//2`); any other scale's product may round, so null.
 */
function symbolicScaled(d: Dim, s: number): Dim {
  if (d === null || !(s > 0)) return null;
  if (Number.isInteger(s)) return mul(d, s);
  const inv = 1 / s;
  return Number.isInteger(inv) && (inv & (inv - 1)) === 0 && inv <= 2 ** 24 ? dimFloorDiv(d, inv) : null;
}

/** floor(d·s + add) for a number d, or unknown where float32 and double floor it apart (resize.ts). */
function scaledFloor(d: number, s: number, add = 0): Dim {
  const { size, disputed } = scaledSize(d, s, add);
  return disputed ? null : size;
}

/** Resize (opset 11+: X, roi, scales, sizes) and the legacy scale-only forms. */
function resize(x: Known | null, scalesK: Known | null | undefined, sizesK: Known | null | undefined, ctx: InferContext, axesAttr: boolean): Known {
  const xs = shapeOf(x), dtype = dtypeOf(x);
  if (!xs) return tensor(dtype);
  const r = xs.length;
  let axes = [...Array(r).keys()];
  if (axesAttr && ctx.attrs.has('axes')) {
    const raw = ctx.attrs.ints('axes').map((a) => normAxis(a, r));
    if (raw.some((a) => a === undefined)) return tensor(dtype, unknownDims(r));
    axes = raw as number[];
  }
  const out: Dim[] = [...xs];
  const sizes = sizesK ? constDims(sizesK) : undefined;
  const scales = scalesK ? constNumbers(scalesK) : undefined;
  if (sizes && sizes.length === axes.length) {
    const policy = axesAttr ? ctx.attrs.string('keep_aspect_ratio_policy', 'stretch') : 'stretch';
    if (policy === 'stretch') { axes.forEach((ax, i) => { out[ax] = sizes[i]; }); return tensor(dtype, out); }
    // Aspect-preserving policies need every size and input dim as numbers.
    const ins = axes.map((ax) => xs[ax]);
    if (!ins.every(isNum) || !sizes.every(isNum) || ins.some((d) => d === 0)) { for (const ax of axes) out[ax] = null; return tensor(dtype, out); }
    const ratios = axes.map((_, i) => (sizes[i] as number) / (ins[i] as number));
    const s = policy === 'not_larger' ? Math.min(...ratios) : policy === 'not_smaller' ? Math.max(...ratios) : NaN;
    for (const ax of axes) out[ax] = Number.isNaN(s) ? null : scaledFloor(xs[ax] as number, s, 0.5);
    return tensor(dtype, out);
  }
  if (scales && scales.length === axes.length && scales.length > 0) {
    axes.forEach((ax, i) => {
      const d = xs[ax], s = scales[i];
      if (isNum(d)) out[ax] = s > 0 ? scaledFloor(d, s) : null;
      else out[ax] = symbolicScaled(d, s);
    });
    return tensor(dtype, out);
  }
  // Scales or sizes not known as constants: the rank is still the input's.
  for (const ax of axes) out[ax] = null;
  return tensor(dtype, out);
}

/** RNN/GRU/LSTM: Y and Y_h (and LSTM's Y_c) from X's layout, directions and hidden_size. */
function recurrent(ins: readonly (Known | null)[], ctx: InferContext, outputs: number): Known[] {
  const xs = shapeOf(ins[0]), rs = shapeOf(ins[2]), dtype = dtypeOf(ins[0]);
  const layout = ctx.opset >= 14 ? ctx.attrs.int('layout', 0) : 0;
  const dirs = ctx.attrs.string('direction', 'forward') === 'bidirectional' ? 2 : 1;
  const hAttr = ctx.attrs.int('hidden_size', 0);
  const hidden: Dim = hAttr > 0 ? hAttr : rs && rs.length === 3 ? rs[2] : null;
  const seq: Dim = xs && xs.length === 3 ? xs[layout ? 1 : 0] : null;
  const batch: Dim = xs && xs.length === 3 ? xs[layout ? 0 : 1] : null;
  const y: Dim[] = layout ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden];
  const h: Dim[] = layout ? [batch, dirs, hidden] : [dirs, batch, hidden];
  const res = [tensor(dtype, y), tensor(dtype, h)];
  if (outputs === 3) res.push(tensor(dtype, h));
  return res;
}

const rules: InferRule[] = [
  { domain: '', name: 'Attention', infer: (ins, ctx) => attention(ins, ctx) },
  { domain: '', name: 'RotaryEmbedding', infer: ([x]) => [sameAs(x)] },
  {
    domain: '', name: 'Resize',
    infer: (ins, ctx) => (ctx.opset < 11 ? [resize(ins[0] ?? null, ins[1], undefined, ctx, false)] : [resize(ins[0] ?? null, ins[2], ins[3], ctx, ctx.opset >= 18)]),
  },
  {
    domain: '', name: 'Upsample',
    infer: (ins, ctx) => {
      if (ctx.opset >= 9) return [resize(ins[0] ?? null, ins[1], undefined, ctx, false)];
      const s = ctx.attrs.floats('scales', []);
      const k: Known = { type: { kind: 'tensor', dtype: DT.FLOAT, shape: [s.length] }, value: { kind: 'tensor', dtype: DT.FLOAT, dims: [s.length], data: Float32Array.from(s) } };
      return [resize(ins[0] ?? null, k, undefined, ctx, false)];
    },
  },
  { domain: '', name: 'RNN', infer: (ins, ctx) => recurrent(ins, ctx, 2) },
  { domain: '', name: 'GRU', infer: (ins, ctx) => recurrent(ins, ctx, 2) },
  { domain: '', name: 'LSTM', infer: (ins, ctx) => recurrent(ins, ctx, 3) },
  {
    domain: '', name: 'GridSample',
    infer: ([x, grid]) => {
      const xs = shapeOf(x), gs = shapeOf(grid);
      const rank = xs?.length ?? (gs ? gs.length : undefined);
      if (rank === undefined || rank < 3) return [tensor(dtypeOf(x))];
      const sp: Dim[] = gs && gs.length === rank ? gs.slice(1, -1) : unknownDims(rank - 2);
      return [tensor(dtypeOf(x), [xs?.[0] ?? gs?.[0] ?? null, xs?.[1] ?? null, ...sp])];
    },
  },
  {
    domain: '', name: 'RoiAlign',
    infer: ([x, rois, idx], ctx) => {
      const xs = shapeOf(x), rs = shapeOf(rois), is = shapeOf(idx);
      const n: Dim = rs?.[0] ?? is?.[0] ?? null;
      return [tensor(dtypeOf(x), [n, xs && xs.length === 4 ? xs[1] : null, ctx.attrs.int('output_height', 1), ctx.attrs.int('output_width', 1)])];
    },
  },
  {
    domain: '', name: 'DeformConv',
    // The offset input already has the output's spatial dims.
    infer: ([x, w, offset]) => {
      const xs = shapeOf(x), ws = shapeOf(w), os = shapeOf(offset);
      const rank = xs?.length ?? ws?.length ?? os?.length;
      if (rank === undefined || rank < 3) return [tensor(dtypeOf(x))];
      const sp: Dim[] = os && os.length === rank ? os.slice(2) : unknownDims(rank - 2);
      return [tensor(dtypeOf(x), [xs?.[0] ?? os?.[0] ?? null, ws && ws.length === rank ? ws[0] : null, ...sp])];
    },
  },
  // The number of selected boxes depends on the data.
  { domain: '', name: 'NonMaxSuppression', infer: (_ins, ctx) => [tensor(DT.INT64, [ctx.freshDim(), 3])] },
  {
    domain: '', name: 'NegativeLogLikelihoodLoss',
    infer: ([input, target], ctx) => {
      const none = ctx.attrs.string('reduction', 'mean') === 'none';
      return [tensor(dtypeOf(input), none ? shapeOf(target) : [])];
    },
  },
  {
    domain: '', name: 'SoftmaxCrossEntropyLoss',
    infer: ([scores, labels], ctx) => {
      const none = ctx.attrs.string('reduction', 'mean') === 'none';
      const ss = shapeOf(scores);
      const lossShape = none ? (shapeOf(labels) ?? (ss && ss.length >= 2 ? [ss[0], ...ss.slice(2)] : undefined)) : [];
      return [tensor(dtypeOf(scores), lossShape), sameAs(scores)];
    },
  },
];

export const miscRules: InferTable = rules;
