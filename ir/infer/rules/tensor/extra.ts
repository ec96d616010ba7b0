/**
 * Inference for Det, Col2Im and CenterCropPad: output sizes that come from constant (or
 * propagated) shape inputs; unknown otherwise.
 */
import type { Dim } from '../../../types.js';
import { dimDiv } from '../../dims.js';
import type { InferFn, InferRule } from '../../types.js';
import { dimProduct, dimsOf, dtypeOf, lengthOf, normAxes, shapeOf, tensorOut } from '../common.js';

const rule = (name: string, infer: InferFn): InferRule => ({ domain: '', name, infer });

/** Det: [*, M, M] → [*]. */
const det: InferFn = ([x]) => {
  const s = shapeOf(x);
  return [tensorOut(dtypeOf(x), s && s.length >= 2 ? s.slice(0, -2) : undefined)];
};

/** Col2Im: input [N, C·∏block, L], image_shape → [N, C, ...image_shape]. */
const col2im: InferFn = ([x, image, block]) => {
  const dtype = dtypeOf(x), s = shapeOf(x);
  const img = dimsOf(image);
  const n = img?.length ?? lengthOf(image) ?? lengthOf(block);
  if (n === undefined) return [tensorOut(dtype, undefined)];
  const blk = dimsOf(block);
  const kSize = blk && blk.length === n ? dimProduct(blk) : null;
  const ck = s && s.length === 3 ? s[1] : null;
  let C: Dim = null;
  if (typeof ck === 'number' && typeof kSize === 'number') C = kSize > 0 && ck % kSize === 0 ? ck / kSize : null;
  else if (ck !== null && kSize !== null) C = dimDiv(ck, kSize);
  const sp: Dim[] = img && img.length === n ? [...img] : new Array<Dim>(n).fill(null);
  return [tensorOut(dtype, [s && s.length === 3 ? s[0] : null, C, ...sp])];
};

/** CenterCropPad: each listed axis becomes the requested size; the others keep theirs. */
const centerCropPad: InferFn = ([x, shape], ctx) => {
  const dtype = dtypeOf(x), s = shapeOf(x);
  if (!s) return [tensorOut(dtype, undefined)];
  const r = s.length;
  const axes = ctx.attrs.has('axes') ? normAxes(ctx.attrs.ints('axes'), r) : [...Array(r).keys()];
  if (!axes) return [tensorOut(dtype, new Array<Dim>(r).fill(null))];
  const out: Dim[] = [...s];
  const target = dimsOf(shape);
  axes.forEach((a, i) => {
    out[a] = target && target.length === axes.length ? target[i] : null;
  });
  return [tensorOut(dtype, out)];
};

export const rules: InferRule[] = [rule('Det', det), rule('Col2Im', col2im), rule('CenterCropPad', centerCropPad)];
