/**
 * Det (batched, LU with partial pivoting in float64) and Col2Im (n-D, the adjoint of im2col:
 * overlapping patches accumulate).
 */
import type { OpDef } from '../types.js';
import { sizeOf } from '../util.js';
import { alloc, fail, input, intsOf, widthOf } from './common.js';

const Det: OpDef = {
  domain: '',
  name: 'Det',
  since: [11, 22],
  kernel(inputs) {
    const x = input('Det', inputs, 0, 'X');
    const r = x.dims.length;
    if (r < 2 || x.dims[r - 1] !== x.dims[r - 2]) fail('Det', `input must be [*, M, M], got [${x.dims.join(',')}]`);
    if (!(x.data instanceof Float32Array || x.data instanceof Float64Array)) fail('Det', 'input must be a float tensor');
    const m = x.dims[r - 1];
    const outDims = x.dims.slice(0, -2);
    const out = alloc('Det', x.dtype, outDims);
    const src = x.data;
    const a = new Float64Array(m * m);
    for (let b = 0; b < sizeOf(outDims); b++) {
      for (let i = 0; i < m * m; i++) a[i] = src[b * m * m + i];
      let det = 1;
      for (let c = 0; c < m && det !== 0; c++) {
        let p = c;
        for (let i = c + 1; i < m; i++) if (Math.abs(a[i * m + c]) > Math.abs(a[p * m + c])) p = i;
        if (a[p * m + c] === 0) {
          det = 0;
          break;
        }
        if (p !== c) {
          for (let j = 0; j < m; j++) {
            const t = a[c * m + j];
            a[c * m + j] = a[p * m + j];
            a[p * m + j] = t;
          }
          det = -det;
        }
        const piv = a[c * m + c];
        det *= piv;
        for (let i = c + 1; i < m; i++) {
          const f = a[i * m + c] / piv;
          if (f === 0) continue;
          for (let j = c + 1; j < m; j++) a[i * m + j] -= f * a[c * m + j];
        }
      }
      (out.data as Float64Array)[b] = det;
    }
    return [out];
  },
};

const Col2Im: OpDef = {
  domain: '',
  name: 'Col2Im',
  since: [18],
  kernel(inputs, ctx) {
    const op = 'Col2Im';
    const x = input(op, inputs, 0, 'input');
    const img = intsOf(op, inputs[1], 'image_shape');
    const blk = intsOf(op, inputs[2], 'block_shape');
    const s = img.length;
    if (s === 0 || blk.length !== s) fail(op, 'image_shape and block_shape must have the same non-zero length');
    if (x.dims.length !== 3) fail(op, `input must be [N, C*prod(block_shape), L], got [${x.dims.join(',')}]`);
    if (Array.isArray(x.data) || widthOf(x.dtype) === 2) fail(op, 'input must be a real numeric tensor');
    const dil = ctx.attrs.ints('dilations', new Array<number>(s).fill(1));
    const pads = ctx.attrs.ints('pads', new Array<number>(2 * s).fill(0));
    const str = ctx.attrs.ints('strides', new Array<number>(s).fill(1));
    if (dil.length !== s || str.length !== s || pads.length !== 2 * s) fail(op, 'dilations, strides or pads have the wrong length');
    const kSize = sizeOf(blk);
    const [N, CK, L] = x.dims;
    if (kSize <= 0 || CK % kSize !== 0) fail(op, `input channels ${CK} are not divisible by the block size ${kSize}`);
    const C = CK / kSize;
    const nb = img.map((d, i) => Math.floor((d + pads[i] + pads[i + s] - (dil[i] * (blk[i] - 1) + 1)) / str[i]) + 1);
    if (nb.some((v) => v < 1) || sizeOf(nb) !== L) fail(op, `L = ${L} does not match the ${nb.join('x')} sliding blocks`);
    const out = alloc(op, x.dtype, [N, C, ...img]);
    // one storage kind in and out: `+=` adds numbers or bigints alike
    const dst = out.data as unknown as number[];
    const src = x.data as unknown as number[];
    const imgSize = sizeOf(img);
    const kc = new Array<number>(s);
    const bc = new Array<number>(s);
    for (let n = 0; n < N; n++) {
      for (let cc = 0; cc < CK; cc++) {
        const c = Math.floor(cc / kSize);
        let rem = cc % kSize;
        for (let i = s - 1; i >= 0; i--) {
          kc[i] = rem % blk[i];
          rem = Math.floor(rem / blk[i]);
        }
        for (let l = 0; l < L; l++) {
          let lr = l;
          for (let i = s - 1; i >= 0; i--) {
            bc[i] = lr % nb[i];
            lr = Math.floor(lr / nb[i]);
          }
          let off = 0;
          let inside = true;
          for (let i = 0; i < s; i++) {
            const p = bc[i] * str[i] - pads[i] + kc[i] * dil[i];
            if (p < 0 || p >= img[i]) {
              inside = false;
              break;
            }
            off = off * img[i] + p;
          }
          if (inside) dst[(n * C + c) * imgSize + off] += src[(n * CK + cc) * L + l];
        }
      }
    }
    return [out];
  },
};

export const linalgOps: OpDef[] = [Det, Col2Im];
