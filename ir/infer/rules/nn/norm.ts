/**
 * Inference for normalizations, softmax-likes and Dropout: all keep the input's shape; the extra
 * outputs (statistics, masks) get their own dtypes and shapes.
 */
import { DataType as DT } from '../../../dtype.js';
import type { Dim } from '../../../types.js';
import type { InferRule, InferTable } from '../../types.js';
import { dtypeOf, normAxis, sameAs, shapeOf, tensor } from './util.js';

const sameShape = (name: string): InferRule => ({ domain: '', name, infer: ([x]) => [sameAs(x)] });

const rules: InferRule[] = [
  ...['GroupNormalization', 'InstanceNormalization', 'RMSNormalization', 'LpNormalization', 'LRN',
    'MeanVarianceNormalization', 'Softmax', 'LogSoftmax', 'Hardmax'].map(sameShape),
  {
    domain: '', name: 'BatchNormalization',
    infer: (ins) => {
      const x = ins[0], xs = shapeOf(x);
      const c: Dim = xs && xs.length >= 2 ? xs[1] : (shapeOf(ins[1])?.[0] ?? null);
      // Outputs 1–2 are running mean/var (typed like the mean/var inputs); older opsets add
      // saved mean/var (typed like X). All are [C].
      return [sameAs(x), ...[1, 2, 3, 4].map((i) => tensor((i <= 2 ? dtypeOf(ins[i + 2]) : 0) || dtypeOf(x), [c]))];
    },
  },
  {
    domain: '', name: 'LayerNormalization',
    infer: ([x], ctx) => {
      const xs = shapeOf(x);
      const axis = xs ? normAxis(ctx.attrs.int('axis', -1), xs.length) : undefined;
      const stat: Dim[] | undefined = xs && axis !== undefined ? xs.map((d, i) => (i < axis ? d : 1)) : undefined;
      const stash = ctx.attrs.int('stash_type', DT.FLOAT);
      return [sameAs(x), tensor(stash, stat), tensor(stash, stat)];
    },
  },
  {
    domain: '', name: 'Dropout',
    infer: ([x], ctx) => {
      // Opset 10+ returns a bool mask; older opsets typed the mask like X.
      const maskType = ctx.opset >= 10 ? DT.BOOL : dtypeOf(x);
      return [sameAs(x), tensor(maskType, shapeOf(x))];
    },
  },
];

export const normRules: InferTable = rules;
