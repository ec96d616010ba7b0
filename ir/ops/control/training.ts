/**
 * ai.onnx.preview.training optimizers: Adagrad, Adam, Momentum. Each updates several tensors at
 * once: inputs are (R, T, X₁…Xₙ, G₁…Gₙ, [V₁…Vₙ,] [H₁…Hₙ]) and outputs (X₁new…, [V₁new…,] [H₁new…]).
 * Arithmetic in float64, stored in the tensor's own dtype (float or double).
 */
import { LatheError } from '../../error.js';
import type { OpDef, OpTable, RtValue, TensorValue } from '../types.js';
import { allocate, asTensor, isFloat } from '../util.js';

const DOMAIN = 'ai.onnx.preview.training';

type F = Float32Array | Float64Array;

function scalar(v: RtValue | null | undefined, what: string): number {
  const t = asTensor(v, what);
  if (Array.isArray(t.data) || t.data.length !== 1) throw new LatheError(`${what}: expected a numeric scalar`);
  return Number(t.data[0]);
}

/** Splits the variadic tail into `groups` lists of n tensors, all shaped like the X list. */
function groupsOf(inputs: readonly (RtValue | null)[], groups: number, op: string): TensorValue[][] {
  const rest = inputs.slice(2);
  if (rest.length === 0 || rest.length % groups !== 0) throw new LatheError(`${op}: ${rest.length} tensor inputs do not split into ${groups} groups`);
  const n = rest.length / groups;
  const out: TensorValue[][] = [];
  for (let g = 0; g < groups; g++) out.push(rest.slice(g * n, (g + 1) * n).map((v, i) => asTensor(v, `${op}: input ${2 + g * n + i}`)));
  for (let i = 0; i < n; i++) {
    const x = out[0][i];
    if (!isFloat(x.dtype) || Array.isArray(x.data)) throw new LatheError(`${op}: tensors must be float`);
    for (let g = 1; g < groups; g++) {
      const t = out[g][i];
      if (t.data.length !== x.data.length) throw new LatheError(`${op}: tensor ${i} of group ${g} has [${t.dims}], X has [${x.dims}]`);
    }
  }
  return out;
}

function like(x: TensorValue): TensorValue & { data: F } {
  return { kind: 'tensor', dtype: x.dtype, dims: x.dims.slice(), data: allocate(x.dtype, x.data.length) as F };
}

const adagrad: OpDef = {
  domain: DOMAIN,
  name: 'Adagrad',
  since: [1],
  kernel(inputs, ctx) {
    const r0 = scalar(inputs[0], 'Adagrad: R');
    const t = scalar(inputs[1], 'Adagrad: T');
    const decay = ctx.attrs.float('decay_factor', 0);
    const eps = ctx.attrs.float('epsilon', 0);
    const norm = ctx.attrs.float('norm_coefficient', 0);
    const [xs, gs, hs] = groupsOf(inputs, 3, 'Adagrad');
    const r = r0 / (1 + t * decay);
    const xOut: TensorValue[] = [];
    const hOut: TensorValue[] = [];
    xs.forEach((x, i) => {
      const xn = like(x);
      const hn = like(x);
      const X = x.data as F, G = gs[i].data as F, H = hs[i].data as F;
      for (let k = 0; k < X.length; k++) {
        const g = norm * X[k] + G[k];
        const h = H[k] + g * g;
        hn.data[k] = h;
        xn.data[k] = X[k] - (r * g) / (Math.sqrt(h) + eps);
      }
      xOut.push(xn);
      hOut.push(hn);
    });
    return [...xOut, ...hOut];
  },
};

const adam: OpDef = {
  domain: DOMAIN,
  name: 'Adam',
  since: [1],
  kernel(inputs, ctx) {
    const r = scalar(inputs[0], 'Adam: R');
    const t = scalar(inputs[1], 'Adam: T');
    const alpha = ctx.attrs.float('alpha', 0.9);
    const beta = ctx.attrs.float('beta', 0.999);
    const eps = ctx.attrs.float('epsilon', 0);
    const norm = ctx.attrs.float('norm_coefficient', 0);
    const post = ctx.attrs.float('norm_coefficient_post', 0);
    const [xs, gs, vs, hs] = groupsOf(inputs, 4, 'Adam');
    const rAdj = t > 0 ? (r * Math.sqrt(1 - beta ** t)) / (1 - alpha ** t) : r;
    const xOut: TensorValue[] = [], vOut: TensorValue[] = [], hOut: TensorValue[] = [];
    xs.forEach((x, i) => {
      const xn = like(x), vn = like(x), hn = like(x);
      const X = x.data as F, G = gs[i].data as F, V = vs[i].data as F, H = hs[i].data as F;
      for (let k = 0; k < X.length; k++) {
        const g = norm * X[k] + G[k];
        const v = alpha * V[k] + (1 - alpha) * g;
        const h = beta * H[k] + (1 - beta) * g * g;
        vn.data[k] = v;
        hn.data[k] = h;
        xn.data[k] = (1 - post) * (X[k] - (rAdj * v) / (Math.sqrt(h) + eps));
      }
      xOut.push(xn); vOut.push(vn); hOut.push(hn);
    });
    return [...xOut, ...vOut, ...hOut];
  },
};

const momentum: OpDef = {
  domain: DOMAIN,
  name: 'Momentum',
  since: [1],
  kernel(inputs, ctx) {
    const r = scalar(inputs[0], 'Momentum: R');
    const t = scalar(inputs[1], 'Momentum: T');
    const alpha = ctx.attrs.float('alpha');
    const beta = ctx.attrs.float('beta');
    const norm = ctx.attrs.float('norm_coefficient');
    const mode = ctx.attrs.string('mode');
    if (mode !== 'standard' && mode !== 'nesterov') throw new LatheError(`Momentum: mode '${mode}' is not standard or nesterov`);
    const [xs, gs, vs] = groupsOf(inputs, 3, 'Momentum');
    const b = t > 0 ? beta : 1;
    const xOut: TensorValue[] = [], vOut: TensorValue[] = [];
    xs.forEach((x, i) => {
      const xn = like(x), vn = like(x);
      const X = x.data as F, G = gs[i].data as F, V = vs[i].data as F;
      for (let k = 0; k < X.length; k++) {
        const g = norm * X[k] + G[k];
        const v = alpha * V[k] + b * g;
        vn.data[k] = v;
        xn.data[k] = mode === 'standard' ? X[k] - r * v : X[k] - r * (g + alpha * v);
      }
      xOut.push(xn); vOut.push(vn);
    });
    return [...xOut, ...vOut];
  },
};

export const trainingOps: OpTable = [adagrad, adam, momentum];
