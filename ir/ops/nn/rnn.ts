/**
 * RNN, GRU, LSTM: forward/reverse/bidirectional, both layouts, sequence_lens (steps past a
 * sequence's length give zero outputs and keep the state), clip, the activation list with its
 * alpha/beta, GRU linear_before_reset, LSTM peepholes and input_forget.
 */
import type { KernelContext, OpDef, TensorValue } from '../types.js';
import { toNumbers } from '../util.js';
import { floatInput, floatTensor, opError, optFloatInput, optInput, type FloatTensor } from './common.js';

type Act = (x: number) => number;

const ALPHA_DEFAULT: Record<string, [number, number]> = {
  affine: [1, 0], leakyrelu: [0.01, 0], thresholdedrelu: [1, 0], scaledtanh: [1, 1], hardsigmoid: [0.2, 0.5], elu: [1, 0],
};

function activation(ctx: KernelContext, name: string, alpha: number | undefined, beta: number | undefined): Act {
  const key = name.toLowerCase();
  const [da, db] = ALPHA_DEFAULT[key] ?? [0, 0];
  const a = alpha ?? da, b = beta ?? db;
  switch (key) {
    case 'relu': return (x) => Math.max(0, x);
    case 'tanh': return Math.tanh;
    case 'sigmoid': return (x) => 1 / (1 + Math.exp(-x));
    case 'affine': return (x) => a * x + b;
    case 'leakyrelu': return (x) => (x >= 0 ? x : a * x);
    case 'thresholdedrelu': return (x) => (x > a ? x : 0);
    case 'scaledtanh': return (x) => a * Math.tanh(b * x);
    case 'hardsigmoid': return (x) => Math.max(0, Math.min(1, a * x + b));
    case 'elu': return (x) => (x >= 0 ? x : a * (Math.exp(x) - 1));
    case 'softsign': return (x) => x / (1 + Math.abs(x));
    case 'softplus': return (x) => Math.log(1 + Math.exp(x));
    default: throw opError(ctx, `unknown activation '${name}'`);
  }
}

type Kind = 'rnn' | 'gru' | 'lstm';
const GATES: Record<Kind, number> = { rnn: 1, gru: 3, lstm: 4 };
const DEFAULT_ACTS: Record<Kind, string[]> = { rnn: ['Tanh'], gru: ['Sigmoid', 'Tanh'], lstm: ['Sigmoid', 'Tanh', 'Tanh'] };

function recurrent(kind: Kind, ins: readonly (import('../types.js').RtValue | null)[], ctx: KernelContext): (TensorValue | null)[] {
  const a = ctx.attrs;
  const G = GATES[kind];
  const X = floatInput(ins, 0, ctx, 'X'), W = floatInput(ins, 1, ctx, 'W'), R = floatInput(ins, 2, ctx, 'R');
  const Bt = optFloatInput(ins, 3, ctx, 'B');
  const lensT = optInput(ins, 4, ctx, 'sequence_lens');
  const h0 = optFloatInput(ins, 5, ctx, 'initial_h');
  const c0 = kind === 'lstm' ? optFloatInput(ins, 6, ctx, 'initial_c') : null;
  const Pt = kind === 'lstm' ? optFloatInput(ins, 7, ctx, 'P') : null;
  const layout = ctx.opset >= 14 ? a.int('layout', 0) : 0;
  const direction = a.string('direction', 'forward');
  const D = direction === 'bidirectional' ? 2 : 1;
  if (!['forward', 'reverse', 'bidirectional'].includes(direction)) throw opError(ctx, `unknown direction '${direction}'`);
  if (X.dims.length !== 3) throw opError(ctx, `X must be 3-D, got [${X.dims}]`);
  const [S, Bn, I] = layout === 0 ? X.dims : [X.dims[1], X.dims[0], X.dims[2]];
  const H = a.int('hidden_size', R.dims[2]);
  if (W.dims.join() !== [D, G * H, I].join()) throw opError(ctx, `W [${W.dims}] must be [${[D, G * H, I]}]`);
  if (R.dims.join() !== [D, G * H, H].join()) throw opError(ctx, `R [${R.dims}] must be [${[D, G * H, H]}]`);
  if (Bt && Bt.dims.join() !== [D, 2 * G * H].join()) throw opError(ctx, `B [${Bt.dims}] must be [${[D, 2 * G * H]}]`);
  if (Pt && Pt.dims.join() !== [D, 3 * H].join()) throw opError(ctx, `P [${Pt.dims}] must be [${[D, 3 * H]}]`);
  const stateDims = layout === 0 ? [D, Bn, H] : [Bn, D, H];
  for (const [t, w] of [[h0, 'initial_h'], [c0, 'initial_c']] as const) {
    if (t && t.dims.join() !== stateDims.join()) throw opError(ctx, `${w} [${t.dims}] must be [${stateDims}]`);
  }
  const lens = lensT ? toNumbers(lensT, `${ctx.node.op} sequence_lens`) : new Array<number>(Bn).fill(S);
  if (lens.length !== Bn || lens.some((l) => !(l >= 0 && l <= S))) throw opError(ctx, `sequence_lens must have ${Bn} values in [0, ${S}]`);
  const clip = a.has('clip') ? a.float('clip') : Infinity;
  const nActs = DEFAULT_ACTS[kind].length;
  const names = a.strings('activations', []);
  const alphas = a.floats('activation_alpha', []), betas = a.floats('activation_beta', []);
  const acts: Act[][] = [];
  let ab = 0;
  for (let d = 0; d < D; d++) {
    const list: Act[] = [];
    for (let k = 0; k < nActs; k++) {
      const nm = names.length ? names[d * nActs + k] : DEFAULT_ACTS[kind][k];
      if (nm === undefined) throw opError(ctx, `activations must list ${nActs * D} functions`);
      const takes = nm.toLowerCase() in ALPHA_DEFAULT;
      list.push(activation(ctx, nm, takes && names.length ? alphas[ab] : undefined, takes && names.length ? betas[ab] : undefined));
      if (takes && names.length) ab++;
    }
    acts.push(list);
  }
  const lbr = a.int('linear_before_reset', 0) !== 0;
  const inputForget = a.int('input_forget', 0) !== 0;
  const yDims = layout === 0 ? [S, D, Bn, H] : [Bn, S, D, H];
  const Y = floatTensor(X.dtype, yDims), Yh = floatTensor(X.dtype, stateDims), Yc = floatTensor(X.dtype, stateDims);
  const xAt = (t: number, b: number): number => (layout === 0 ? (t * Bn + b) * I : (b * S + t) * I);
  const yAt = (t: number, d: number, b: number): number => (layout === 0 ? ((t * D + d) * Bn + b) * H : ((b * S + t) * D + d) * H);
  const sAt = (d: number, b: number): number => (layout === 0 ? (d * Bn + b) * H : (b * D + d) * H);
  const clipv = (v: number): number => (v > clip ? clip : v < -clip ? -clip : v);
  const gx = new Float64Array(G * H), gh = new Float64Array(G * H);
  const zr = new Float64Array(2 * H), hn = new Float64Array(H);
  for (let d = 0; d < D; d++) {
    const reverse = direction === 'reverse' || d === 1;
    const [f, g, hAct] = acts[d];
    const wo = d * G * H * I, ro = d * G * H * H, bo = d * 2 * G * H, po = d * 3 * H;
    for (let b = 0; b < Bn; b++) {
      const h = new Float64Array(H), c = new Float64Array(H);
      if (h0) for (let j = 0; j < H; j++) h[j] = h0.data[sAt(d, b) + j];
      if (c0) for (let j = 0; j < H; j++) c[j] = c0.data[sAt(d, b) + j];
      const L = lens[b];
      for (let step = 0; step < L; step++) {
        const t = reverse ? L - 1 - step : step;
        const xo = xAt(t, b);
        for (let r = 0; r < G * H; r++) {
          let sx = Bt ? Bt.data[bo + r] : 0, sh = Bt ? Bt.data[bo + G * H + r] : 0;
          for (let k = 0; k < I; k++) sx += W.data[wo + r * I + k] * X.data[xo + k];
          for (let k = 0; k < H; k++) sh += R.data[ro + r * H + k] * h[k];
          gx[r] = sx;
          gh[r] = sh;
        }
        if (kind === 'rnn') {
          for (let j = 0; j < H; j++) h[j] = f(clipv(gx[j] + gh[j]));
        } else if (kind === 'gru') {
          for (let j = 0; j < H; j++) {
            zr[j] = f(clipv(gx[j] + gh[j]));
            zr[H + j] = f(clipv(gx[H + j] + gh[H + j]));
          }
          for (let j = 0; j < H; j++) {
            const rr = zr[H + j];
            let pre: number;
            if (lbr) pre = gx[2 * H + j] + rr * gh[2 * H + j];
            else {
              // (r ⊙ h)·Rh + Rbh: the reset gate scales the state before the product
              let s = Bt ? Bt.data[bo + G * H + 2 * H + j] : 0;
              for (let k = 0; k < H; k++) s += R.data[ro + (2 * H + j) * H + k] * zr[H + k] * h[k];
              pre = gx[2 * H + j] + s;
            }
            hn[j] = (1 - zr[j]) * g(clipv(pre)) + zr[j] * h[j];
          }
          h.set(hn);
        } else {
          for (let j = 0; j < H; j++) {
            const pi = Pt ? Pt.data[po + j] : 0, pop = Pt ? Pt.data[po + H + j] : 0, pf = Pt ? Pt.data[po + 2 * H + j] : 0;
            const it = f(clipv(gx[j] + gh[j] + pi * c[j]));
            const ft = inputForget ? 1 - it : f(clipv(gx[2 * H + j] + gh[2 * H + j] + pf * c[j]));
            const ct = g(clipv(gx[3 * H + j] + gh[3 * H + j]));
            const cn = ft * c[j] + it * ct;
            const ot = f(clipv(gx[H + j] + gh[H + j] + pop * cn));
            c[j] = cn;
            h[j] = ot * hAct(cn);
          }
        }
        Y.data.set(h, yAt(t, d, b));
      }
      Yh.data.set(h, sAt(d, b));
      Yc.data.set(c, sAt(d, b));
    }
  }
  const outs: (FloatTensor | null)[] = [Y, Yh];
  if (kind === 'lstm') outs.push(Yc);
  return outs.slice(0, Math.max(1, ctx.node.outputs.length));
}

const rnn: OpDef = { domain: '', name: 'RNN', since: [1, 7, 14, 22], kernel: (ins, ctx) => recurrent('rnn', ins, ctx) };
const gru: OpDef = { domain: '', name: 'GRU', since: [1, 3, 7, 14, 22], kernel: (ins, ctx) => recurrent('gru', ins, ctx) };
const lstm: OpDef = { domain: '', name: 'LSTM', since: [1, 7, 14, 22], kernel: (ins, ctx) => recurrent('lstm', ins, ctx) };

export const ops: readonly OpDef[] = [rnn, gru, lstm];
