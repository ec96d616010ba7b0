/**
 * Inference for windowed ops: Conv, ConvInteger, QLinearConv, ConvTranspose, MaxPool,
 * AveragePool, LpPool and the global pools. Spatial sizes follow the kernels' geometry
 * (ir/ops/nn/common.ts windowGeometry). A symbolic input dim yields the same arithmetic as an
 * expression with floor division (ir/infer/dims.ts): a 3×3 stride-2 pad-1 Conv of `H` gives
 * `(H+1)//2`. It assumes the model is valid (the window fits the padded input, as the kernel
 * requires); where the exact result depends on the value (a ceil_mode correction that may fire),
 * the dim is null.
 */
import { DataType as DT } from '../../../dtype.js';
import type { Dim } from '../../../types.js';
import type { InferContext, InferRule, InferTable, Known } from '../../types.js';
import { dimAdd, dimCeilDiv, dimFloorDiv, dimMul } from '../../dims.js';
import { addConst, constDims, dtypeOf, isNum, shapeOf, tensor, unknownDims } from './util.js';

interface WindowAttrs {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  readonly pads: readonly number[];
  readonly autoPad: string;
}

/** Reads the window attributes; undefined when they are inconsistent with the spatial rank. */
function windowAttrs(ctx: InferContext, nsp: number, kernel: readonly Dim[] | undefined): WindowAttrs | undefined {
  const a = ctx.attrs;
  const k = a.has('kernel_shape') ? a.ints('kernel_shape') : kernel;
  if (!k || k.length !== nsp || !k.every(isNum)) return undefined;
  const strides = a.ints('strides', new Array(nsp).fill(1));
  const dilations = a.ints('dilations', new Array(nsp).fill(1));
  const pads = a.ints('pads', new Array(2 * nsp).fill(0));
  if (strides.length !== nsp || dilations.length !== nsp || pads.length !== 2 * nsp) return undefined;
  if (!strides.every((s) => s >= 1) || !dilations.every((d) => d >= 1) || !k.every((x) => x >= 1)) return undefined;
  return { kernel: k as number[], strides, dilations, pads, autoPad: a.string('auto_pad', 'NOTSET') };
}

/** Output size of one spatial axis of Conv/pooling (`ceil` = pooling ceil_mode). */
export function windowOut(inDim: Dim, w: WindowAttrs, i: number, ceil: boolean): Dim {
  const nsp = w.kernel.length;
  const s = w.strides[i], ek = (w.kernel[i] - 1) * w.dilations[i] + 1;
  if (inDim === null) return null;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
    if (isNum(inDim)) return Math.ceil(inDim / s);
    return dimCeilDiv(inDim, s);
  }
  if (w.autoPad !== 'NOTSET' && w.autoPad !== 'VALID') return null;
  const pb = w.autoPad === 'VALID' ? 0 : w.pads[i], pe = w.autoPad === 'VALID' ? 0 : w.pads[i + nsp];
  if (isNum(inDim)) {
    const span = inDim + pb + pe - ek;
    if (span < 0) return null;
    let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
    // A last window must start inside the input or the left padding.
    if (ceil && (o - 1) * s >= inDim + pb) o--;
    return o;
  }
  // Symbolic: ceil(span/s)·s ≤ span + s − 1 < in + pb whenever pe + s ≤ ek, so then the
  // correction above never fires; otherwise it depends on the value of the dim.
  if (ceil && pe + s > ek) return null;
  const span = addConst(inDim, pb + pe - ek);
  return addConst(ceil ? dimCeilDiv(span, s) : dimFloorDiv(span, s), 1);
}

function convLike(x: Known | null, w: Known | null, ctx: InferContext, dtype: number): Known {
  const xs = shapeOf(x), ws = shapeOf(w);
  const rank = xs?.length ?? ws?.length;
  if (rank === undefined || rank < 3) return tensor(dtype);
  const nsp = rank - 2;
  const out: Dim[] = [xs ? xs[0] : null, ws && ws.length === rank ? ws[0] : null];
  const wa = windowAttrs(ctx, nsp, ws && ws.length === rank ? ws.slice(2) : undefined);
  for (let i = 0; i < nsp; i++) out.push(xs && wa ? windowOut(xs[2 + i], wa, i, false) : null);
  return tensor(dtype, out);
}

function pool(x: Known | null, ctx: InferContext, ceilSince: number): Known {
  const xs = shapeOf(x), dtype = dtypeOf(x);
  if (!xs || xs.length < 3) return tensor(dtype);
  const nsp = xs.length - 2;
  const wa = windowAttrs(ctx, nsp, undefined);
  const ceil = ctx.opset >= ceilSince && ctx.attrs.int('ceil_mode', 0) !== 0;
  const out: Dim[] = [xs[0], xs[1]];
  for (let i = 0; i < nsp; i++) {
    // SAME with a dilated window: the spec says ceil(in/stride) but onnxruntime pads for the
    // undilated kernel and yields fewer windows (a 7-wide, k=3, d=2, SAME_UPPER MaxPool gives 5,
    // not 7), so no size is safe to claim.
    const sameDilated = wa && wa.autoPad.startsWith('SAME') && wa.dilations[i] > 1;
    out.push(wa && !sameDilated ? windowOut(xs[2 + i], wa, i, ceil) : null);
  }
  return tensor(dtype, out);
}

function convTranspose(x: Known | null, w: Known | null, ctx: InferContext): Known {
  const xs = shapeOf(x), ws = shapeOf(w), dtype = dtypeOf(x) || dtypeOf(w);
  const rank = xs?.length ?? ws?.length;
  if (rank === undefined || rank < 3) return tensor(dtype);
  const nsp = rank - 2, a = ctx.attrs;
  const group = a.int('group', 1);
  const wOk = ws && ws.length === rank;
  const out: Dim[] = [xs ? xs[0] : null, wOk && isNum(ws[1]) ? ws[1] * group : null];
  if (a.has('output_shape')) {
    const os = a.ints('output_shape');
    // output_shape may list only the spatial dims or the whole shape.
    const sp = os.length === nsp ? os : os.length === rank ? os.slice(2) : undefined;
    for (let i = 0; i < nsp; i++) out.push(sp && sp[i] >= 0 ? sp[i] : null);
    return tensor(dtype, out);
  }
  const wa = windowAttrs(ctx, nsp, wOk ? ws.slice(2) : undefined);
  const outPad = a.ints('output_padding', new Array(nsp).fill(0));
  for (let i = 0; i < nsp; i++) {
    const d = xs ? xs[2 + i] : null;
    if (!wa || outPad.length !== nsp || d === null) { out.push(null); continue; }
    const s = wa.strides[i], ek = (wa.kernel[i] - 1) * wa.dilations[i] + 1;
    if (wa.autoPad === 'SAME_UPPER' || wa.autoPad === 'SAME_LOWER') {
      // in·stride needs a total padding of output_padding + ek − stride ≥ 0; when it would be
      // negative onnxruntime clamps it to 0 and yields (in−1)·stride + output_padding + ek
      // (a k=2, stride-3 SAME ConvTranspose of 4 gives 11, not 12) while the spec says in·stride.
      out.push(outPad[i] + ek >= s ? dimMul(d, s) : null);
      continue;
    }
    if (wa.autoPad !== 'NOTSET' && wa.autoPad !== 'VALID') { out.push(null); continue; }
    const pads = wa.autoPad === 'VALID' ? 0 : wa.pads[i] + wa.pads[i + nsp];
    const c = outPad[i] + ek - pads;
    if (isNum(d)) { const o = s * (d - 1) + c; out.push(o >= 0 ? o : null); }
    else out.push(dimAdd(dimMul(d, s), c - s));
  }
  return tensor(dtype, out);
}

function globalPool(x: Known | null): Known {
  const xs = shapeOf(x), dtype = dtypeOf(x);
  if (!xs || xs.length < 2) return tensor(dtype);
  return tensor(dtype, [xs[0], xs[1], ...new Array<Dim>(xs.length - 2).fill(1)]);
}

const rules: InferRule[] = [
  { domain: '', name: 'Conv', infer: ([x, w], ctx) => [convLike(x ?? null, w ?? null, ctx, dtypeOf(x) || dtypeOf(w))] },
  { domain: '', name: 'ConvInteger', infer: ([x, w], ctx) => [convLike(x ?? null, w ?? null, ctx, DT.INT32)] },
  { domain: '', name: 'QLinearConv', infer: (ins, ctx) => [convLike(ins[0] ?? null, ins[3] ?? null, ctx, dtypeOf(ins[7]) || dtypeOf(ins[0]))] },
  { domain: '', name: 'ConvTranspose', infer: ([x, w], ctx) => [convTranspose(x ?? null, w ?? null, ctx)] },
  {
    domain: '', name: 'MaxPool',
    infer: ([x], ctx) => {
      const y = pool(x ?? null, ctx, 10);
      const shape = y.type?.kind === 'tensor' ? y.type.shape : undefined;
      return [y, tensor(DT.INT64, shape)];
    },
  },
  { domain: '', name: 'AveragePool', infer: ([x], ctx) => [pool(x ?? null, ctx, 10)] },
  { domain: '', name: 'LpPool', infer: ([x], ctx) => [pool(x ?? null, ctx, 18)] },
  { domain: '', name: 'GlobalAveragePool', infer: ([x]) => [globalPool(x ?? null)] },
  { domain: '', name: 'GlobalMaxPool', infer: ([x]) => [globalPool(x ?? null)] },
  { domain: '', name: 'GlobalLpPool', infer: ([x]) => [globalPool(x ?? null)] },
  {
    domain: '', name: 'MaxUnpool',
    infer: ([x, , outShape], ctx) => {
      const dtype = dtypeOf(x), xs = shapeOf(x);
      const os = constDims(outShape);
      if (os) return [tensor(dtype, os)];
      if (!xs || xs.length < 3) return [tensor(dtype)];
      // A given but unknown output_shape overrides the default size.
      if (ctx.node.inputs[2] != null) return [tensor(dtype, [xs[0], xs[1], ...unknownDims(xs.length - 2)])];
      const nsp = xs.length - 2;
      const wa = windowAttrs(ctx, nsp, undefined);
      const sp: Dim[] = wa && wa.autoPad === 'NOTSET' ? xs.slice(2).map((d, i) => {
        // Inverse of the pooling size: (in − 1)·stride + kernel − pads.
        const c = wa.kernel[i] - wa.pads[i] - wa.pads[i + nsp];
        if (!isNum(d)) return d === null ? null : dimAdd(dimMul(d, wa.strides[i]), c - wa.strides[i]);
        return d >= 1 ? ((d - 1) * wa.strides[i] + c >= 0 ? (d - 1) * wa.strides[i] + c : null) : null;
      }) : unknownDims(nsp);
      return [tensor(dtype, [xs[0], xs[1], ...sp])];
    },
  },
];

export const convRules: InferTable = rules;
