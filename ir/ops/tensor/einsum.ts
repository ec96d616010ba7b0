/**
 * Einsum: parses the equation (letters, `...`, optional `->`; implicit output = ellipsis dims then
 * the letters used once, in character order), then either
 * - one operand without repeated labels: sum the dropped axes, transpose the rest; or
 * - two operands without repeated labels or broadcasting: sum labels private to one side, then a
 *   batched matmul over [batch, M, K] × [batch, K, N]; or
 * - anything else (diagonals, broadcasting, 3+ operands): a generic loop over every label.
 */
import { DataType as D } from '../../dtype.js';
import type { OpDef, TensorValue } from '../types.js';
import { sizeOf, strides } from '../util.js';
import { alloc, checkDims, fail, input, withDims } from './common.js';
import { reduce } from './reduce.js';
import { transpose } from './shape.js';

const OP = 'Einsum';
/** Labels: letters by char code; ellipsis dims as negative numbers -1, -2, … (innermost = -1). */
type Label = number;

interface Parsed {
  terms: Label[][];
  out: Label[];
}

function parseTerm(term: string, rank: number, what: string): Label[] {
  const dots = term.indexOf('...');
  if (dots >= 0 && term.indexOf('...', dots + 1) >= 0) fail(OP, `${what} has more than one ellipsis`);
  const letters = term.replace('...', '');
  for (const ch of letters) if (!/[A-Za-z]/.test(ch)) fail(OP, `invalid character '${ch}' in the equation`);
  const nEll = dots >= 0 ? rank - letters.length : 0;
  if (nEll < 0 || (dots < 0 && letters.length !== rank)) fail(OP, `${what} '${term}' does not match its rank ${rank}`);
  const ell: Label[] = [];
  for (let i = nEll; i >= 1; i--) ell.push(-i);
  const before = dots >= 0 ? term.slice(0, dots) : term;
  const after = dots >= 0 ? term.slice(dots + 3) : '';
  return [...[...before].map((c) => c.charCodeAt(0)), ...ell, ...[...after].map((c) => c.charCodeAt(0))];
}

export function parseEinsum(equation: string, ranks: readonly number[]): Parsed {
  const eq = equation.replace(/\s+/g, '');
  const arrow = eq.indexOf('->');
  const lhs = arrow >= 0 ? eq.slice(0, arrow) : eq;
  const parts = lhs.split(',');
  if (parts.length !== ranks.length) fail(OP, `equation has ${parts.length} operands, node has ${ranks.length} inputs`);
  const terms = parts.map((p, i) => parseTerm(p, ranks[i], `operand ${i}`));
  const maxEll = Math.max(0, ...terms.map((t) => t.filter((l) => l < 0).length));
  const ellOut: Label[] = [];
  for (let i = maxEll; i >= 1; i--) ellOut.push(-i);
  let out: Label[];
  if (arrow >= 0) {
    const rhs = eq.slice(arrow + 2);
    if (rhs.includes('->')) fail(OP, 'equation has more than one ->');
    const dots = rhs.indexOf('...');
    const before = dots >= 0 ? rhs.slice(0, dots) : rhs;
    const after = dots >= 0 ? rhs.slice(dots + 3) : '';
    for (const ch of before + after) if (!/[A-Za-z]/.test(ch)) fail(OP, `invalid character '${ch}' in the output`);
    out = [...[...before].map((c) => c.charCodeAt(0)), ...(dots >= 0 ? ellOut : []), ...[...after].map((c) => c.charCodeAt(0))];
    if (new Set(out).size !== out.length) fail(OP, 'output repeats a label');
    const seen = new Set(terms.flat());
    for (const l of out) if (l > 0 && !seen.has(l)) fail(OP, `output label '${String.fromCharCode(l)}' is in no operand`);
  } else {
    const count = new Map<Label, number>();
    for (const t of terms) for (const l of t) if (l > 0) count.set(l, (count.get(l) ?? 0) + 1);
    out = [...ellOut, ...[...count].filter(([, c]) => c === 1).map(([l]) => l).sort((a, b) => a - b)];
  }
  return { terms, out };
}

/** Size of each label over all operands (1 broadcasts; other mismatches are errors). */
function labelSizes(terms: readonly Label[][], xs: readonly TensorValue[]): Map<Label, number> {
  const size = new Map<Label, number>();
  terms.forEach((t, i) => t.forEach((l, a) => {
    const d = xs[i].dims[a];
    const s = size.get(l);
    if (s === undefined || s === 1) size.set(l, d);
    else if (d !== s && d !== 1) fail(OP, `label ${l > 0 ? `'${String.fromCharCode(l)}'` : '...'} has sizes ${s} and ${d}`);
  }));
  return size;
}

function generic(xs: readonly TensorValue[], p: Parsed, size: Map<Label, number>, dtype: number): TensorValue {
  const all = [...p.out, ...[...size.keys()].filter((l) => !p.out.includes(l))];
  const dims = all.map((l) => size.get(l) as number);
  const outDims = p.out.map((l) => size.get(l) as number);
  const out = alloc(OP, dtype, outDims);
  const outN = sizeOf(outDims);
  const inner = sizeOf(dims.slice(p.out.length));
  if (outN * inner > 2 ** 28) fail(OP, `the contraction has ${outN * inner} terms, too many to evaluate`);
  // stride of each operand along each label (summed over repeated labels = diagonal; 0 = broadcast)
  const st = xs.map((x, i) => {
    const xs_ = strides(x.dims);
    return all.map((l) => p.terms[i].reduce((acc, tl, a) => (tl === l && x.dims[a] !== 1 ? acc + xs_[a] : acc), 0));
  });
  const r = all.length;
  const big = xs[0].data instanceof BigInt64Array || xs[0].data instanceof BigUint64Array;
  const data = xs.map((x) => x.data as unknown as number[]);
  const dst = out.data as unknown as number[];
  const counter = new Array<number>(r).fill(0);
  const off = new Array<number>(xs.length).fill(0);
  const total = outN * inner;
  let acc: number | bigint = big ? 0n : 0;
  for (let k = 0; k < total; k++) {
    if (big) {
      let prod = 1n;
      for (let i = 0; i < xs.length; i++) prod *= BigInt(data[i][off[i]]);
      acc = (acc as bigint) + prod;
    } else {
      let prod = 1;
      for (let i = 0; i < xs.length; i++) prod *= data[i][off[i]];
      acc = (acc as number) + prod;
    }
    if ((k + 1) % inner === 0) {
      dst[Math.floor(k / inner)] = (big ? BigInt.asIntN(64, acc as bigint) : acc) as number;
      acc = big ? 0n : 0;
    }
    for (let a = r - 1; a >= 0; a--) {
      counter[a]++;
      for (let i = 0; i < xs.length; i++) off[i] += st[i][a];
      if (counter[a] < dims[a]) break;
      for (let i = 0; i < xs.length; i++) off[i] -= st[i][a] * counter[a];
      counter[a] = 0;
    }
  }
  return out;
}

/** Sums `x` (labels `t`) over the labels not in `keep`, returning the reduced tensor and its labels. */
function sumOut(x: TensorValue, t: readonly Label[], keep: (l: Label) => boolean): [TensorValue, Label[]] {
  const drop = t.flatMap((l, a) => (keep(l) ? [] : [a]));
  if (drop.length === 0) return [x, [...t]];
  return [reduce(OP, 'sum', x, drop, false), t.filter((l) => keep(l))];
}

function matmulPath(a0: TensorValue, b0: TensorValue, p: Parsed): TensorValue {
  const [ta0, tb0] = p.terms;
  const inOut = (l: Label): boolean => p.out.includes(l);
  const [a, ta] = sumOut(a0, ta0, (l) => inOut(l) || tb0.includes(l));
  const [b, tb] = sumOut(b0, tb0, (l) => inOut(l) || ta0.includes(l));
  const batch = ta.filter((l) => tb.includes(l) && inOut(l));
  const ks = ta.filter((l) => tb.includes(l) && !inOut(l));
  const ms = ta.filter((l) => !tb.includes(l));
  const ns = tb.filter((l) => !ta.includes(l));
  const dimA = (l: Label): number => a.dims[ta.indexOf(l)];
  const dimB = (l: Label): number => b.dims[tb.indexOf(l)];
  const at = transpose(OP, a, [...batch, ...ms, ...ks].map((l) => ta.indexOf(l)));
  const bt = transpose(OP, b, [...batch, ...ks, ...ns].map((l) => tb.indexOf(l)));
  const B = sizeOf(batch.map(dimA));
  const M = sizeOf(ms.map(dimA));
  const K = sizeOf(ks.map(dimA));
  const N = sizeOf(ns.map(dimB));
  const resLabels = [...batch, ...ms, ...ns];
  const resDims = [...batch.map(dimA), ...ms.map(dimA), ...ns.map(dimB)];
  checkDims(OP, resDims);
  const res = alloc(OP, a.dtype, resDims);
  const A = at.data as Float64Array;
  const Bd = bt.data as Float64Array;
  const C = res.data as Float64Array;
  const row = new Float64Array(N);
  for (let q = 0; q < B; q++) {
    for (let i = 0; i < M; i++) {
      row.fill(0);
      const aBase = (q * M + i) * K;
      for (let k = 0; k < K; k++) {
        const av = A[aBase + k];
        if (av === 0) continue;
        const bBase = (q * K + k) * N;
        for (let j = 0; j < N; j++) row[j] += av * Bd[bBase + j];
      }
      C.set(row, (q * M + i) * N);
    }
  }
  return transpose(OP, res, p.out.map((l) => resLabels.indexOf(l)));
}

const Einsum: OpDef = {
  domain: '',
  name: 'Einsum',
  since: [12],
  kernel(inputs, ctx) {
    const xs = inputs.map((_, i) => input(OP, inputs, i, `input ${i}`));
    if (xs.length === 0) fail(OP, 'no inputs');
    const dtype = xs[0].dtype;
    for (const x of xs) {
      if (x.dtype !== dtype) fail(OP, 'inputs have different dtypes');
      if (Array.isArray(x.data) || dtype === D.COMPLEX64 || dtype === D.COMPLEX128 || dtype === D.BOOL) fail(OP, 'inputs must be real numeric tensors');
    }
    const p = parseEinsum(ctx.attrs.string('equation'), xs.map((x) => x.dims.length));
    const size = labelSizes(p.terms, xs);
    const noRepeats = p.terms.every((t) => new Set(t).size === t.length);
    const noBroadcast = p.terms.every((t, i) => t.every((l, a) => xs[i].dims[a] === size.get(l)));
    const big = xs[0].data instanceof BigInt64Array || xs[0].data instanceof BigUint64Array;
    if (noRepeats && noBroadcast && xs.length === 1) {
      const [s, t] = sumOut(xs[0], p.terms[0], (l) => p.out.includes(l));
      return [withDims(transpose(OP, s, p.out.map((l) => t.indexOf(l))), p.out.map((l) => size.get(l) as number))];
    }
    if (noRepeats && noBroadcast && xs.length === 2 && !big && (dtype === D.FLOAT || dtype === D.DOUBLE || xs[0].data instanceof Float32Array)) {
      return [matmulPath(xs[0], xs[1], p)];
    }
    return [generic(xs, p, size, dtype)];
  },
};

export const einsumOps: OpDef[] = [Einsum];
