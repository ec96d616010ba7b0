/**
 * Broadcasting before opset 7, decoded once for the kernels and the inference rules.
 *
 * Binary ops (Add, Sub, Mul, Div, Pow, And, Or, Xor, Equal, Greater, Less) at opsets 1–6: without
 * `broadcast=1` A and B must have the same shape; with it, B broadcasts onto A only: B has one
 * element, or B's shape is a contiguous run of A's dims starting at `axis` (default: A's
 * suffix). A dim of 1 in B is accepted too, as numpy would (exporters wrote [1,C,1,1]-style
 * shapes). The output has A's shape.
 *
 * PRelu at opsets 1–6: a slope of one element is shared; a 1-D slope of length C on an input of
 * rank ≥ 2 is per channel (axis 1), as Caffe2 and the exporters of the time meant; any other
 * slope broadcasts onto X unidirectionally, as from opset 7.
 *
 * Sum, Mean, Max, Min at opsets 1–7: all inputs have one shape. Gemm at opsets 1–6: C is [M, N]
 * unless `broadcast=1`.
 *
 * The functions work on `Dim`s (numbers, symbols or null) so that a kernel passes its numeric
 * dims and a rule its partly known ones; a definite mismatch throws an Error with the reason.
 */
import type { Dim } from '../types.js';
import type { AttrReader } from './types.js';

/** Whether every dim is the number 1 (a one-element tensor; also the 0-D case). */
function oneElement(dims: readonly Dim[]): boolean {
  return dims.every((d) => d === 1);
}

function show(dims: readonly Dim[]): string {
  return `[${dims.map((d) => d ?? '?').join(',')}]`;
}

/**
 * B's dims placed for numpy broadcasting onto A under the opset < 7 rules (padded with 1s to A's
 * rank), or `undefined` from opset 7 on (plain numpy broadcasting). Throws when the attributes
 * make the shapes incompatible (unknown dims are given the benefit of the doubt).
 */
export function legacyBroadcastB(attrs: AttrReader, opset: number, a: readonly Dim[], b: readonly Dim[]): Dim[] | undefined {
  if (opset >= 7) return undefined;
  const fits = (x: Dim, y: Dim) => x === null || y === null || x === y;
  if (attrs.int('broadcast', 0) === 0) {
    if (a.length !== b.length || !a.every((d, i) => fits(d, b[i]))) {
      throw new Error(`B ${show(b)} must have A's shape ${show(a)} without broadcast=1 (opset < 7)`);
    }
    return [...b];
  }
  if (oneElement(b)) return new Array<Dim>(a.length).fill(1);
  let axis = attrs.has('axis') ? attrs.int('axis') : a.length - b.length;
  if (axis < 0) axis += a.length;
  if (axis < 0 || axis + b.length > a.length) throw new Error(`axis ${axis} does not place B ${show(b)} inside A ${show(a)}`);
  b.forEach((d, i) => {
    if (d !== 1 && !fits(a[axis + i], d)) throw new Error(`B ${show(b)} does not match A ${show(a)} at axis ${axis}`);
  });
  return [...new Array<Dim>(axis).fill(1), ...b, ...new Array<Dim>(a.length - axis - b.length).fill(1)];
}

/**
 * The slope's dims placed for unidirectional broadcasting onto X: at opset < 7 a one-element
 * slope becomes a scalar and a [C] slope is per channel ([1,C,1,…]); otherwise (and from opset 7)
 * the slope's own dims. Throws when a [C] slope cannot be a channel slope of X at opset < 7.
 */
export function preluSlopeDims(opset: number, x: readonly Dim[], slope: readonly Dim[]): Dim[] {
  if (opset >= 7) return [...slope];
  if (oneElement(slope)) return [];
  if (slope.length === 1 && x.length >= 2) {
    const c = x[1];
    const s = slope[0];
    if (c === null || s === null || c === s) return [1, s, ...new Array<Dim>(x.length - 2).fill(1)];
    if (x[x.length - 1] !== s) throw new Error(`slope ${show(slope)} is neither one value nor one per channel of X ${show(x)}`);
  }
  return [...slope];
}

/**
 * Sum, Mean, Max and Min before opset 8 do not broadcast: every input has the same shape.
 * Throws on a definite mismatch (unknown dims and shapes pass).
 */
export function checkSameShapes(opset: number, shapes: readonly (readonly Dim[] | undefined)[]): void {
  if (opset >= 8) return;
  const known = shapes.filter((s): s is readonly Dim[] => s !== undefined);
  const first = known[0];
  for (const s of known) {
    if (s.length !== first.length || s.some((d, i) => d !== null && first[i] !== null && d !== first[i])) {
      throw new Error(`inputs ${known.map(show).join(', ')} must have one shape before opset 8`);
    }
  }
}

/**
 * Gemm before opset 7: C is [M, N] unless `broadcast=1`, which lets it broadcast onto [M, N]
 * (as every later version does). Throws on a definite mismatch.
 */
export function checkGemmC(attrs: AttrReader, opset: number, m: Dim, n: Dim, c: readonly Dim[]): void {
  if (opset >= 7 || attrs.int('broadcast', 0) !== 0) return;
  const fits = (x: Dim, y: Dim) => x === null || y === null || x === y;
  if (c.length !== 2 || !fits(c[0], m) || !fits(c[1], n)) throw new Error(`C ${show(c)} must be [M, N] = ${show([m, n])} without broadcast=1 (opset < 7)`);
}
