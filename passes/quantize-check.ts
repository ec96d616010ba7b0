/**
 * How the int8 and int4 passes are property-checked by checkPass (`npm run fuzz`, the all-passes
 * test): against a bound of their own, on the models that have one, as convert-float16 is.
 *
 * The bound: a weight quantized per channel to 8 bits is within half a step (1/254 of its range)
 * of itself, and a dynamically quantized activation within half of its own step; over the short
 * chains generated (at most five nodes of MatMul, Gemm and Conv with constant weights among Relu,
 * Add, pooling and Softmax, the mix of test/properties/quantize.prop.test.ts) on inputs of
 * magnitude at most 1, a few such roundings compound to within 0.5 absolute plus 0.1 relative.
 * The absolute part covers outputs that cancel to near 0 from intermediate values near 10
 * (weights of 2 and a Gemm alpha of 2 in a row: fuzz seed 123 found an error of 0.1 there, about
 * one percent of them). Left out: ops that amplify an error without limit (Div, Reciprocal, Sqrt
 * near 0, Exp, Pow), comparisons and casts to integers of inexact operands, and NaN or infinite
 * inputs, which DynamicQuantizeLinear turns into NaN (its range becomes infinite).
 */
import { quantizeInt4Weight } from './quantize-int4-weight/quantize-int4-weight.js';
import { quantizeInt8Dynamic } from './quantize-int8-dynamic/quantize-int8-dynamic.js';
import { quantizeInt8Static } from './quantize-int8-static/quantize-int8-static.js';
import type { Pass } from '../src/pass.js';
import type { CheckPassOptions } from '../src/testing.js';

/** The op mix test/properties/quantize.prop.test.ts draws from. */
const QUANTIZE_CHECK_OPS: readonly string[] = ['MatMul', 'Gemm', 'Conv', 'Relu', 'Add', 'GlobalAveragePool', 'Softmax'];

function quantizeCheckOptions(): Pick<CheckPassOptions, 'generate' | 'feedOptions' | 'tolerance'> {
  const tol = { rtol: 0.1, atol: 0.5 };
  return {
    generate: { ops: [...QUANTIZE_CHECK_OPS], dtypes: ['float32'], maxNodes: 5 },
    feedOptions: { specialFloats: false, maxMagnitude: 1 },
    tolerance: { float: tol },
  };
}

/**
 * The passes as checked. With its defaults the dynamic pass leaves most generated weights float
 * (fewer than 64 elements), and the check would pass whatever the quantization did: here every
 * weight is quantized. The static and int4 passes keep their defaults, for the reasons below.
 */
export function quantizeCheckTargets(): Readonly<Record<string, { readonly pass: Pass; readonly options: Pick<CheckPassOptions, 'generate' | 'feedOptions' | 'tolerance'> }>> {
  const options = quantizeCheckOptions();
  return {
    'quantize-int8-dynamic': { pass: quantizeInt8Dynamic({ minElements: 1 }), options },
    // Static quantization clips what falls outside the calibrated ranges, and those come from
    // samples the pass generates, not from the feeds (a symbolic dim is 8 there, 2 in a feed: a
    // Softmax over it then lands outside): no bound holds for arbitrary feeds. Its bound is
    // checked where calibration sees the same data (test/properties/quantize.prop.test.ts);
    // here the defaults, which leave the small generated weights float.
    'quantize-int8-static': { pass: quantizeInt8Static(), options },
    // int4 steps are a fifteenth of a block's range, and a MatMul sums K of them: no bound of
    // this form stays useful. Its standard form needs opset 21 (the generator's is 17), so this
    // checks that the pass leaves such models alone; the blocks are tested against their own
    // bound (blocks.ts) and MatMulNBits against onnxruntime (test/matmul-nbits-ort.test.ts).
    'quantize-int4-weight': { pass: quantizeInt4Weight(), options },
  };
}
