/**
 * Signal ops: DFT (opset 17: axis attribute, default 1; opset 20: axis input, default −2),
 * with RFFT/IRFFT one-sided forms and dft_length; STFT; Hann/Hamming/Blackman windows;
 * MelWeightMatrix. Transforms are direct O(n²) sums in doubles with exact twiddle indices.
 */
import { DataType as D } from '../../dtype.js';
import { dftAxis } from '../operands.js';
import type { KernelContext, NumericArray, OpDef, TensorValue } from '../types.js';
import { isFloat, normAxis, sizeOf } from '../util.js';
import { checkSize, floatInput, floatTensor, input, newTensor, opError, optInput, scalarOf } from './common.js';
import { intRange, saturateRound } from './matmul.js';

/**
 * One complex DFT of length n over `len` input samples (re/im at stride), writing `outLen` bins.
 * `sign` −1 forward, +1 inverse (scaled by 1/n).
 */
function dft1(
  re: Float64Array, im: Float64Array, n: number, outLen: number, inverse: boolean,
  oRe: Float64Array, oIm: Float64Array, cos: Float64Array, sin: Float64Array,
): void {
  const sign = inverse ? 1 : -1;
  for (let k = 0; k < outLen; k++) {
    let sr = 0, si = 0;
    for (let t = 0; t < n; t++) {
      const idx = (k * t) % n;
      const c = cos[idx], s = sign * sin[idx];
      sr += re[t] * c - im[t] * s;
      si += re[t] * s + im[t] * c;
    }
    oRe[k] = inverse ? sr / n : sr;
    oIm[k] = inverse ? si / n : si;
  }
}

function twiddles(n: number): [Float64Array, Float64Array] {
  const c = new Float64Array(n), s = new Float64Array(n);
  for (let i = 0; i < n; i++) { c[i] = Math.cos((2 * Math.PI * i) / n); s[i] = Math.sin((2 * Math.PI * i) / n); }
  return [c, s];
}

const dft: OpDef = {
  domain: '', name: 'DFT', since: [17, 20],
  operands: (ctx, present) => ({ axis: dftAxis(ctx, present) }),
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'input');
    const r = X.dims.length;
    if (r < 2 || (X.dims[r - 1] !== 1 && X.dims[r - 1] !== 2)) throw opError(ctx, `input [${X.dims}] must end in a dimension of 1 (real) or 2 (complex)`);
    const inverse = ctx.attrs.int('inverse', 0) !== 0, onesided = ctx.attrs.int('onesided', 0) !== 0;
    const axisOp = dftAxis(ctx, (i) => optInput(ins, i, ctx) !== null);
    let axis: number;
    if (axisOp.from === 'input') {
      const at = input(ins, axisOp.index, ctx, 'axis');
      axis = at.data.length ? Number(at.data[0]) : -2;
    } else axis = axisOp.from === 'attr' ? axisOp.value[0] : -2;
    axis = normAxis(axis, r, 'DFT axis');
    if (axis === r - 1) throw opError(ctx, 'the complex dimension is not a valid DFT axis');
    const complexIn = X.dims[r - 1] === 2;
    const L = X.dims[axis];
    const lenT = optInput(ins, 1, ctx, 'dft_length');
    const irfft = onesided && inverse;
    let n = lenT && lenT.data.length ? Number(lenT.data[0]) : irfft ? 2 * (L - 1) : L;
    if (!(n >= 1)) throw opError(ctx, `dft_length must be positive, got ${n}`);
    n = Math.floor(n);
    const outLen = onesided && !inverse ? Math.floor(n / 2) + 1 : n;
    const outDims = [...X.dims];
    outDims[axis] = outLen;
    outDims[r - 1] = irfft ? 1 : 2;
    checkSize(ctx, outDims);
    checkSize(ctx, [n, n], 'DFT work');
    const Y = floatTensor(X.dtype, outDims);
    const outer = sizeOf(X.dims.slice(0, axis)), inner = sizeOf(X.dims.slice(axis + 1, r - 1));
    const cin = X.dims[r - 1], cout = outDims[r - 1];
    const re = new Float64Array(n), im = new Float64Array(n), oRe = new Float64Array(n), oIm = new Float64Array(n);
    const [cos, sin] = twiddles(n);
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      re.fill(0);
      im.fill(0);
      if (irfft) {
        // Hermitian completion of the one-sided spectrum
        for (let k = 0; k <= Math.floor(n / 2); k++) {
          if (k >= L) break;
          const at = ((o * L + k) * inner + i) * cin;
          re[k] = X.data[at];
          im[k] = complexIn ? X.data[at + 1] : 0;
          if (k > 0 && n - k !== k && n - k < n) { re[n - k] = re[k]; im[n - k] = -im[k]; }
        }
      } else {
        for (let t = 0; t < Math.min(n, L); t++) {
          const at = ((o * L + t) * inner + i) * cin;
          re[t] = X.data[at];
          im[t] = complexIn ? X.data[at + 1] : 0;
        }
      }
      dft1(re, im, n, outLen, inverse, oRe, oIm, cos, sin);
      for (let k = 0; k < outLen; k++) {
        const at = ((o * outLen + k) * inner + i) * cout;
        Y.data[at] = oRe[k];
        if (cout === 2) Y.data[at + 1] = oIm[k];
      }
    }
    return [Y];
  },
};

const stft: OpDef = {
  domain: '', name: 'STFT', since: [17],
  kernel(ins, ctx) {
    const X = floatInput(ins, 0, ctx, 'signal');
    const step = scalarOf(input(ins, 1, ctx, 'frame_step'), 0);
    const win = optInput(ins, 2, ctx, 'window');
    const flT = optInput(ins, 3, ctx, 'frame_length');
    const onesided = ctx.attrs.int('onesided', 1) !== 0;
    if (X.dims.length !== 3 || (X.dims[2] !== 1 && X.dims[2] !== 2)) throw opError(ctx, `signal [${X.dims}] must be [batch, length, 1|2]`);
    const [B, L, cin] = X.dims;
    const fl = flT ? scalarOf(flT, 0) : win ? win.dims[0] : 0;
    if (!(fl >= 1) || !(step >= 1) || fl > L) throw opError(ctx, `invalid frame_length ${fl} or frame_step ${step} for length ${L}`);
    if (win && win.data.length !== fl) throw opError(ctx, `window has ${win.data.length} elements, expected ${fl}`);
    const frames = Math.floor((L - fl) / step) + 1;
    const bins = onesided ? Math.floor(fl / 2) + 1 : fl;
    checkSize(ctx, [B, frames, bins, 2]);
    const Y = floatTensor(X.dtype, [B, frames, bins, 2]);
    const re = new Float64Array(fl), im = new Float64Array(fl), oRe = new Float64Array(fl), oIm = new Float64Array(fl);
    const [cos, sin] = twiddles(fl);
    const w = win ? (win.data as ArrayLike<number>) : null;
    for (let b = 0; b < B; b++) for (let f = 0; f < frames; f++) {
      for (let t = 0; t < fl; t++) {
        const at = (b * L + f * step + t) * cin, wt = w ? Number(w[t]) : 1;
        re[t] = X.data[at] * wt;
        im[t] = cin === 2 ? X.data[at + 1] * wt : 0;
      }
      dft1(re, im, fl, bins, false, oRe, oIm, cos, sin);
      for (let k = 0; k < bins; k++) {
        const at = ((b * frames + f) * bins + k) * 2;
        Y.data[at] = oRe[k];
        Y.data[at + 1] = oIm[k];
      }
    }
    return [Y];
  },
};

/** Writes doubles into a tensor of any numeric dtype (integers rounded and saturated). */
function typed(dtype: number, dims: number[], vals: Float64Array): TensorValue {
  const t = newTensor(dtype, dims);
  const d = t.data as NumericArray;
  if (isFloat(dtype)) (d as Float32Array).set(vals);
  else if (dtype === D.INT64 || dtype === D.UINT64) for (let i = 0; i < vals.length; i++) d[i] = BigInt(Math.trunc(vals[i])) as never;
  else {
    const [lo, hi] = intRange(dtype);
    for (let i = 0; i < vals.length; i++) d[i] = saturateRound(Math.trunc(vals[i]), lo, hi);
  }
  return t;
}

function windowOp(name: string, f: (n: number, N: number) => number): OpDef {
  return {
    domain: '', name, since: [17],
    kernel(ins, ctx: KernelContext) {
      const size = scalarOf(input(ins, 0, ctx, 'size'), 0);
      if (!(size >= 0) || !Number.isInteger(size)) throw opError(ctx, `size must be a non-negative integer, got ${size}`);
      checkSize(ctx, [size]);
      const periodic = ctx.attrs.int('periodic', 1) !== 0;
      const N = periodic ? size : size - 1;
      const v = new Float64Array(size);
      for (let i = 0; i < size; i++) v[i] = N === 0 ? 1 : f(i, N);
      return [typed(ctx.attrs.int('output_datatype', D.FLOAT), [size], v)];
    },
  };
}

const hann = windowOp('HannWindow', (n, N) => 0.5 - 0.5 * Math.cos((2 * Math.PI * n) / N));
const hamming = windowOp('HammingWindow', (n, N) => 25 / 46 - (21 / 46) * Math.cos((2 * Math.PI * n) / N));
const blackman = windowOp('BlackmanWindow', (n, N) => 0.42 - 0.5 * Math.cos((2 * Math.PI * n) / N) + 0.08 * Math.cos((4 * Math.PI * n) / N));

const melWeightMatrix: OpDef = {
  domain: '', name: 'MelWeightMatrix', since: [17],
  kernel(ins, ctx) {
    const bins = scalarOf(input(ins, 0, ctx, 'num_mel_bins'), 0);
    const dftLen = scalarOf(input(ins, 1, ctx, 'dft_length'), 0);
    const rate = scalarOf(input(ins, 2, ctx, 'sample_rate'), 0);
    const lo = scalarOf(input(ins, 3, ctx, 'lower_edge_hertz'), 0), hi = scalarOf(input(ins, 4, ctx, 'upper_edge_hertz'), 0);
    if (!(bins >= 1) || !(dftLen >= 1) || !(rate > 0)) throw opError(ctx, 'num_mel_bins, dft_length and sample_rate must be positive');
    const spec = Math.floor(dftLen / 2) + 1;
    checkSize(ctx, [spec, bins]);
    const lowMel = 2595 * Math.log10(1 + lo / 700), highMel = 2595 * Math.log10(1 + hi / 700);
    const step = (highMel - lowMel) / (bins + 2);
    const fb: number[] = [];
    for (let i = 0; i < bins + 2; i++) {
      const hz = 700 * (Math.pow(10, (i * step + lowMel) / 2595) - 1);
      fb.push(Math.floor(((dftLen + 1) * hz) / rate));
    }
    const out = new Float64Array(spec * bins);
    const set = (j: number, i: number, v: number): void => {
      if (!(j >= 0 && j < spec)) throw opError(ctx, 'mel bands fall outside the spectrum (upper_edge_hertz above the Nyquist rate?)');
      out[j * bins + i] = v;
    };
    for (let i = 0; i < bins; i++) {
      const l = fb[i], c = fb[i + 1], h = fb[i + 2];
      if (c - l === 0) set(c, i, 1);
      else for (let j = l; j <= c; j++) set(j, i, (j - l) / (c - l));
      if (h - c > 0) for (let j = c; j < h; j++) set(j, i, (h - j) / (h - c));
    }
    return [typed(ctx.attrs.int('output_datatype', D.FLOAT), [spec, bins], out)];
  },
};

export const ops: readonly OpDef[] = [dft, stft, hann, hamming, blackman, melWeightMatrix];
