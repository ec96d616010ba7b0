/**
 * Inference for string ops and random ops (dtype from the `dtype` attribute, shape from the
 * `shape` attribute or the "like" input).
 */
import { DataType as DT } from '../../../dtype.js';
import type { Dim } from '../../../types.js';
import type { InferRule, InferTable } from '../../types.js';
import { broadcastShapes, dtypeOf, shapeOf, tensor } from '../nn/util.js';

const rules: InferRule[] = [
  { domain: '', name: 'StringConcat', infer: ([a, b]) => [tensor(DT.STRING, broadcastShapes(shapeOf(a), shapeOf(b)))] },
  {
    domain: '', name: 'StringNormalizer',
    infer: ([x], ctx) => {
      // Stop-word removal changes the last dim's length; without stop words only an empty input
      // changes (to one empty string).
      const s = shapeOf(x);
      if (!s || s.length === 0) return [tensor(DT.STRING)];
      const last = s[s.length - 1];
      const keep = ctx.attrs.strings('stopwords', []).length === 0 && typeof last === 'number';
      return [tensor(DT.STRING, [...s.slice(0, -1), keep ? Math.max(last as number, 1) : null])];
    },
  },
  {
    domain: '', name: 'StringSplit',
    infer: ([x], ctx) => {
      const s = shapeOf(x);
      // The longest split depends on the strings: a fresh symbol.
      return [tensor(DT.STRING, s ? [...s, ctx.freshDim()] : undefined), tensor(DT.INT64, s)];
    },
  },
  { domain: '', name: 'RegexFullMatch', infer: ([x]) => [tensor(DT.BOOL, shapeOf(x))] },
  {
    domain: '', name: 'TfIdfVectorizer',
    infer: ([x], ctx) => {
      const idx = ctx.attrs.ints('ngram_indexes', []);
      const width: Dim = idx.length > 0 ? Math.max(...idx) + 1 : null;
      const s = shapeOf(x);
      const shape = s?.length === 1 ? [width] : s?.length === 2 ? [s[0], width] : undefined;
      return [tensor(DT.FLOAT, shape)];
    },
  },
  ...['RandomNormal', 'RandomUniform'].map((name): InferRule => ({
    domain: '', name,
    infer: (_ins, ctx) => {
      const shape = ctx.attrs.has('shape') ? ctx.attrs.ints('shape') : undefined;
      return [tensor(ctx.attrs.int('dtype', DT.FLOAT), shape && shape.every((d) => d >= 0) ? shape : undefined)];
    },
  })),
  ...['RandomNormalLike', 'RandomUniformLike', 'Bernoulli'].map((name): InferRule => ({
    domain: '', name,
    infer: ([x], ctx) => [tensor(ctx.attrs.int('dtype', 0) || dtypeOf(x), shapeOf(x))],
  })),
  {
    domain: '', name: 'Multinomial',
    infer: ([x], ctx) => {
      const s = shapeOf(x);
      return [tensor(ctx.attrs.int('dtype', DT.INT32), [s?.length === 2 ? s[0] : null, ctx.attrs.int('sample_size', 1)])];
    },
  },
];

export const miscRules: InferTable = rules;
