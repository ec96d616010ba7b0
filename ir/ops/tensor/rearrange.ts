/**
 * Fixed rearrangements: DepthToSpace / SpaceToDepth (reshape–transpose–reshape in DCR or CRD
 * order), ReverseSequence, Trilu.
 */
import type { OpDef, TensorValue } from '../types.js';
import { allocate, sizeOf, strides } from '../util.js';
import { axisOf, fail, input, intsOf, optInput, scalarInt, take, withDims } from './common.js';
import { transpose } from './shape.js';

function blockArgs(op: string, x: TensorValue, b: number): [number, number, number, number] {
  if (x.dims.length !== 4) fail(op, `input must be 4-D [N,C,H,W], got rank ${x.dims.length}`);
  if (!Number.isInteger(b) || b < 1) fail(op, `blocksize must be positive, got ${b}`);
  const [n, c, h, w] = x.dims;
  return [n, c, h, w];
}

function modeOf(op: string, mode: string): 'DCR' | 'CRD' {
  if (mode !== 'DCR' && mode !== 'CRD') fail(op, `unknown mode '${mode}'`);
  return mode;
}

const DepthToSpace: OpDef = {
  domain: '',
  name: 'DepthToSpace',
  since: [1, 11, 13],
  kernel(inputs, ctx) {
    const op = 'DepthToSpace';
    const x = input(op, inputs, 0);
    const b = ctx.attrs.int('blocksize');
    const [n, c, h, w] = blockArgs(op, x, b);
    if (c % (b * b) !== 0) fail(op, `channels ${c} are not divisible by blocksize² ${b * b}`);
    const c2 = c / (b * b);
    const mode = ctx.opset >= 11 ? modeOf(op, ctx.attrs.string('mode', 'DCR')) : 'DCR';
    const t = mode === 'DCR'
      ? transpose(op, withDims(x, [n, b, b, c2, h, w]), [0, 3, 4, 1, 5, 2])
      : transpose(op, withDims(x, [n, c2, b, b, h, w]), [0, 1, 4, 2, 5, 3]);
    return [withDims(t, [n, c2, h * b, w * b])];
  },
};

const SpaceToDepth: OpDef = {
  domain: '',
  name: 'SpaceToDepth',
  // 28: `mode` (DCR/CRD) as DepthToSpace has — inferred from the opset-28 node tests.
  since: [1, 13, 28],
  kernel(inputs, ctx) {
    const op = 'SpaceToDepth';
    const x = input(op, inputs, 0);
    const b = ctx.attrs.int('blocksize');
    const [n, c, h, w] = blockArgs(op, x, b);
    if (h % b !== 0 || w % b !== 0) fail(op, `spatial size ${h}x${w} is not divisible by blocksize ${b}`);
    const mode = modeOf(op, ctx.attrs.string('mode', 'DCR'));
    const r = withDims(x, [n, c, h / b, b, w / b, b]);
    const t = mode === 'DCR' ? transpose(op, r, [0, 3, 5, 1, 2, 4]) : transpose(op, r, [0, 1, 3, 5, 2, 4]);
    return [withDims(t, [n, c * b * b, h / b, w / b])];
  },
};

const ReverseSequence: OpDef = {
  domain: '',
  name: 'ReverseSequence',
  since: [10],
  kernel(inputs, ctx) {
    const op = 'ReverseSequence';
    const x = input(op, inputs, 0);
    const r = x.dims.length;
    if (r < 2) fail(op, 'input must have rank >= 2');
    const ba = axisOf(op, ctx.attrs.int('batch_axis', 1), r, 'batch_axis');
    const ta = axisOf(op, ctx.attrs.int('time_axis', 0), r, 'time_axis');
    if (ba === ta || ba > 1 || ta > 1) fail(op, 'batch_axis and time_axis must be 0 and 1 in some order');
    const lens = intsOf(op, inputs[1], 'sequence_lens');
    const B = x.dims[ba];
    const T = x.dims[ta];
    if (lens.length !== B) fail(op, `sequence_lens has ${lens.length} entries for batch ${B}`);
    for (const l of lens) if (l < 0 || l > T) fail(op, `sequence length ${l} is out of range [0, ${T}]`);
    const st = strides(x.dims);
    const n = sizeOf(x.dims);
    const map = new Int32Array(n);
    for (let k = 0; k < n; k++) {
      const t = Math.floor(k / st[ta]) % T;
      const len = lens[Math.floor(k / st[ba]) % B];
      map[k] = t < len ? k + (len - 1 - 2 * t) * st[ta] : k;
    }
    return [take(op, x, map, x.dims)];
  },
};

const Trilu: OpDef = {
  domain: '',
  name: 'Trilu',
  since: [14],
  kernel(inputs, ctx) {
    const x = input('Trilu', inputs, 0);
    const r = x.dims.length;
    if (r < 2) fail('Trilu', 'input must have rank >= 2');
    const k = optInput('Trilu', inputs, 1, 'k') ? scalarInt('Trilu', inputs[1], 'k') : 0;
    const upper = ctx.attrs.int('upper', 1) !== 0;
    const rows = x.dims[r - 2];
    const cols = x.dims[r - 1];
    const n = sizeOf(x.dims);
    const map = new Int32Array(n);
    for (let f = 0; f < n; f++) {
      const j = f % cols;
      const i = Math.floor(f / cols) % rows;
      map[f] = (upper ? j - i >= k : j - i <= k) ? f : -1;
    }
    const zero: TensorValue = { kind: 'tensor', dtype: x.dtype, dims: [], data: allocate(x.dtype, 1) };
    return [take('Trilu', x, map, x.dims, zero)];
  },
};

export const rearrangeOps: OpDef[] = [DepthToSpace, SpaceToDepth, ReverseSequence, Trilu];
