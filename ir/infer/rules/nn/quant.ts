/**
 * Inference for quantization ops: the output dtype comes from the zero point, the output_dtype
 * attribute, or the scale, as the schema says; the shape is the input's.
 */
import { DataType as DT } from '../../../dtype.js';
import type { InferRule, InferTable } from '../../types.js';
import { dtypeOf, shapeOf, tensor } from './util.js';

const rules: InferRule[] = [
  {
    domain: '', name: 'QuantizeLinear',
    infer: ([x, , zp], ctx) => {
      const attr = ctx.opset >= 21 ? ctx.attrs.int('output_dtype', 0) : 0;
      // An omitted zero point with no output_dtype means uint8 (the schema default).
      const dtype = attr || (zp ? dtypeOf(zp) : DT.UINT8);
      return [tensor(dtype, shapeOf(x))];
    },
  },
  {
    domain: '', name: 'DequantizeLinear',
    infer: ([x, scale], ctx) => {
      const attr = ctx.opset >= 23 ? ctx.attrs.int('output_dtype', 0) : 0;
      // Before opset 19 the output is always float; later it follows x_scale.
      const dtype = attr || (ctx.opset >= 19 ? dtypeOf(scale) : DT.FLOAT);
      return [tensor(dtype, shapeOf(x))];
    },
  },
  {
    domain: '', name: 'DynamicQuantizeLinear',
    infer: ([x]) => [tensor(DT.UINT8, shapeOf(x)), tensor(DT.FLOAT, []), tensor(DT.UINT8, [])],
  },
];

export const quantRules: InferTable = rules;
