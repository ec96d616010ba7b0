/**
 * Inference for the signal ops (DFT, STFT, Hann/Hamming/Blackman windows, MelWeightMatrix) and
 * AffineGrid. Sizes that come from inputs are only known when those inputs are constants (or
 * propagated dims); otherwise the dim stays unknown.
 */
import { DataType as DT } from '../../../dtype.js';
import { dftAxis } from '../../../ops/operands.js';
import type { Dim } from '../../../types.js';
import type { InferContext, InferRule, InferTable, Known } from '../../types.js';
import { constDims, constNumbers, dtypeOf, isNum, normAxis, shapeOf, tensor, unknownDims } from './util.js';

type In = Known | null | undefined;

/** One integer from a constant scalar/one-element input, else undefined. */
function scalarInt(k: In): number | undefined {
  const n = constNumbers(k);
  return n && n.length === 1 && Number.isSafeInteger(n[0]) ? n[0] : undefined;
}

/** DFT: opset 17 has `axis` as an attribute (default 1), opset 20 as input 2 (default −2). */
function dft(ins: readonly (Known | null)[], ctx: InferContext): Known[] {
  const xs = shapeOf(ins[0]), dtype = dtypeOf(ins[0]);
  const inverse = ctx.attrs.int('inverse', 0) !== 0, onesided = ctx.attrs.int('onesided', 0) !== 0;
  const irfft = inverse && onesided;
  if (!xs || xs.length < 2) return [tensor(dtype)];
  const r = xs.length;
  const out: Dim[] = [...xs];
  out[r - 1] = irfft ? 1 : 2;
  const axisOp = dftAxis(ctx, (i) => !!ins[i]);
  const rawAxis = axisOp.from === 'attr' ? axisOp.value[0] : axisOp.from === 'input' ? scalarInt(ins[axisOp.index]) : -2;
  const axis = rawAxis === undefined ? undefined : normAxis(rawAxis, r);
  let n: Dim | undefined;
  if (ins[1]) {
    const v = scalarInt(ins[1]);
    n = v !== undefined && v >= 1 ? v : null;
  }
  /** The output length along the transformed axis when its input length is L. */
  const along = (L: Dim): Dim => {
    const len = n !== undefined ? n : irfft ? (isNum(L) && L >= 1 ? 2 * (L - 1) : null) : L;
    return onesided && !inverse ? (isNum(len) ? Math.floor(len / 2) + 1 : null) : len;
  };
  if (axis === r - 1) return [tensor(dtype, [...unknownDims(r - 1), out[r - 1]])];
  if (axis !== undefined) out[axis] = along(xs[axis]);
  else {
    // Axis unknown (a runtime input): a dim is known when transforming it would not change it.
    for (let i = 0; i < r - 1; i++) {
      const t = along(xs[i]);
      out[i] = t !== null && t === xs[i] ? t : null;
    }
  }
  return [tensor(dtype, out)];
}

/** STFT: [batch, frames, bins, 2] from the signal length, frame_step and frame_length/window. */
function stft(ins: readonly (Known | null)[], ctx: InferContext): Known[] {
  const xs = shapeOf(ins[0]), dtype = dtypeOf(ins[0]);
  const step = scalarInt(ins[1]);
  const ws = shapeOf(ins[2]);
  const fl: Dim = ins[3] ? (scalarInt(ins[3]) ?? null) : ws && ws.length === 1 ? ws[0] : null;
  const onesided = ctx.attrs.int('onesided', 1) !== 0;
  const batch: Dim = xs && xs.length === 3 ? xs[0] : null;
  const L = xs && xs.length === 3 ? xs[1] : null;
  const frames: Dim = isNum(L) && isNum(fl) && fl >= 1 && step !== undefined && step >= 1 && fl <= L ? Math.floor((L - fl) / step) + 1 : null;
  const bins: Dim = isNum(fl) ? (onesided ? Math.floor(fl / 2) + 1 : fl) : null;
  return [tensor(dtype, [batch, frames, bins, 2])];
}

function windowRule(name: string): InferRule {
  return {
    domain: '', name,
    infer: ([size], ctx) => {
      const n = scalarInt(size);
      return [tensor(ctx.attrs.int('output_datatype', DT.FLOAT), [n !== undefined && n >= 0 ? n : null])];
    },
  };
}

const rules: InferRule[] = [
  { domain: '', name: 'DFT', infer: (ins, ctx) => dft(ins, ctx) },
  { domain: '', name: 'STFT', infer: (ins, ctx) => stft(ins, ctx) },
  windowRule('HannWindow'),
  windowRule('HammingWindow'),
  windowRule('BlackmanWindow'),
  {
    domain: '', name: 'MelWeightMatrix',
    // (dft_length / 2 + 1, num_mel_bins)
    infer: ([bins, dftLen], ctx) => {
      const b = scalarInt(bins), d = scalarInt(dftLen);
      return [tensor(ctx.attrs.int('output_datatype', DT.FLOAT), [d !== undefined && d >= 1 ? Math.floor(d / 2) + 1 : null, b !== undefined && b >= 1 ? b : null])];
    },
  },
  {
    domain: '', name: 'AffineGrid',
    // size = (N, C, H, W) or (N, C, D, H, W); grid = (N, H, W, 2) or (N, D, H, W, 3).
    infer: ([theta, size]) => {
      const dtype = dtypeOf(theta), ts = shapeOf(theta);
      const sz = constDims(size);
      if (sz && (sz.length === 4 || sz.length === 5)) return [tensor(dtype, [sz[0], ...sz.slice(2), sz.length - 2])];
      const nsp = ts && ts.length === 3 && (ts[1] === 2 || ts[1] === 3) ? ts[1] : undefined;
      if (nsp === undefined) return [tensor(dtype)];
      return [tensor(dtype, [ts![0], ...unknownDims(nsp), nsp])];
    },
  },
];

export const signalRules: InferTable = rules;
