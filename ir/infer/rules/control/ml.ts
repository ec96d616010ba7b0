/**
 * Inference for the ai.onnx.ml ops lathe runs (LabelEncoder, TreeEnsemble,
 * ArrayFeatureExtractor, Binarizer), the ai.onnx.preview.training optimizers (Adagrad, Adam,
 * Momentum) and ImageDecoder (whose height and width depend on the encoded bytes).
 */
import { DataType as DT } from '../../../dtype.js';
import type { AttrReader } from '../../../ops/types.js';
import type { Dim } from '../../../types.js';
import type { InferRule, InferTable, Known } from '../../types.js';
import { dimProduct } from '../common.js';
import { dtypeOf, sameAs, shapeOf, tensor } from '../nn/util.js';

const ML = 'ai.onnx.ml';
const TRAINING = 'ai.onnx.preview.training';

/** The dtype of LabelEncoder's values_* attribute (opset 2+); undefined unless exactly one is set. */
function valuesDtype(a: AttrReader): number | undefined {
  const found: number[] = [];
  if (a.has('values_strings')) found.push(DT.STRING);
  if (a.has('values_int64s')) found.push(DT.INT64);
  if (a.has('values_floats')) found.push(DT.FLOAT);
  const t = a.has('values_tensor') ? a.tensor('values_tensor') : undefined;
  if (t) found.push(t.dtype);
  return found.length === 1 ? found[0] : undefined;
}

/**
 * An optimizer with `groups` input groups (X, G, … each of n tensors after R and T) whose
 * outputs are `outGroups` groups of n tensors, each typed like the matching X.
 */
function optimizer(name: string, groups: number, outGroups: number): InferRule {
  return {
    domain: TRAINING, name,
    infer: (ins) => {
      const rest = ins.length - 2;
      if (rest <= 0 || rest % groups !== 0) return [];
      const n = rest / groups;
      const out: (Known | null)[] = [];
      for (let g = 0; g < outGroups; g++) for (let i = 0; i < n; i++) out.push(sameAs(ins[2 + i]));
      return out;
    },
  };
}

const rules: InferRule[] = [
  {
    domain: ML, name: 'LabelEncoder',
    infer: ([x], ctx) => {
      const s = shapeOf(x);
      if (ctx.opset < 2) {
        // v1: strings → int64, integers → strings.
        const dx = dtypeOf(x);
        return [tensor(dx === 0 ? 0 : dx === DT.STRING ? DT.INT64 : DT.STRING, s)];
      }
      return [tensor(valuesDtype(ctx.attrs) ?? 0, s)];
    },
  },
  {
    domain: ML, name: 'TreeEnsemble',
    infer: ([x], ctx) => {
      const s = shapeOf(x);
      const t = ctx.attrs.has('n_targets') ? ctx.attrs.int('n_targets') : -1;
      return [tensor(dtypeOf(x), [s && s.length === 2 ? s[0] : null, t >= 0 ? t : null])];
    },
  },
  {
    domain: ML, name: 'ArrayFeatureExtractor',
    infer: ([x, y]) => {
      const s = shapeOf(x), ys = shapeOf(y);
      const n: Dim = ys ? dimProduct(ys) : null;
      if (!s || s.length === 0) return [tensor(dtypeOf(x))];
      return [tensor(dtypeOf(x), s.length === 1 ? [1, n] : [...s.slice(0, -1), n])];
    },
  },
  { domain: ML, name: 'Binarizer', infer: ([x]) => [sameAs(x)] },
  optimizer('Adagrad', 3, 2),
  optimizer('Adam', 4, 3),
  optimizer('Momentum', 3, 2),
  {
    domain: '', name: 'ImageDecoder',
    infer: (_ins, ctx) => {
      const f = ctx.attrs.string('pixel_format', 'RGB');
      return [tensor(DT.UINT8, [null, null, f === 'Grayscale' ? 1 : f === 'RGB' || f === 'BGR' ? 3 : null])];
    },
  },
];

export const mlRules: InferTable = rules;
