/**
 * Constant propagation for inference: when every present input of a node is a known small
 * constant, the op's reference kernel computes the outputs' values, so shape-computing subgraphs
 * built from constants (ConstantOfShape → Mul → Equal → Where …) resolve.
 *
 * Only exact results are kept: outputs of widened float dtypes (float16, bfloat16, float8 …) are
 * rounded by the evaluator, not by kernels, so they are not attached; random ops never fold; a
 * kernel error (bad input) just means no value.
 */
import type { KernelContext, OpDef, TensorValue } from '../../ops/types.js';
import { WIDENED_FLOATS } from '../../ops/util.js';
import type { InferContext, InferFn, Known } from '../types.js';
import { MAX_VALUE_ELEMENTS } from './common.js';

/** A kernel context for folding: no subgraphs, no randomness. */
export function foldContext(ctx: InferContext): KernelContext {
  return {
    node: ctx.node, opset: ctx.opset, attrs: ctx.attrs, outputDtypes: [],
    runGraph: () => { throw new Error('no subgraphs while folding'); },
    random: () => { throw new Error('no randomness while folding'); },
    strict: true,
  };
}

function small(v: TensorValue): boolean {
  return v.data.length <= MAX_VALUE_ELEMENTS && !WIDENED_FLOATS.has(v.dtype);
}

/**
 * Wraps `infer` so that, when all present inputs carry values, each output also carries the
 * value the kernel computes (its type then comes from the value where the rule had none). The
 * driver applies it to the rules of ops marked `foldInInference`.
 */
export function folding(def: OpDef, infer: InferFn): InferFn {
  if (def.random) return infer;
  return (ins, ctx) => {
    const out = infer(ins, ctx);
    // Present = named on the node (absent optional inputs are null to the kernel): every one must
    // carry a value, or the kernel would read an unknown one as absent (Clip without its min).
    const present = ins.filter((_, i) => ctx.node.inputs[i] !== null && ctx.node.inputs[i] !== undefined);
    if (present.length === 0 || present.some((k) => !k?.value || !small(k.value))) return out;
    let vals;
    try {
      vals = def.kernel(ins.map((k) => k?.value ?? null), foldContext(ctx));
    } catch {
      return out;
    }
    return out.map((k, i) => {
      const v = vals[i];
      if (!v || v.kind !== 'tensor' || !small(v)) return k;
      const type = k?.type ?? { kind: 'tensor' as const, dtype: v.dtype, shape: [...v.dims] };
      return { ...(k ?? {}), type, value: v } satisfies Known;
    });
  };
}

/** Each op's rule as the driver runs it: wrapped in constant folding when the op asks. */
const ruleCache = new WeakMap<OpDef, InferFn>();

/** The rule the inference driver runs for `def` (`infer`, folding when `foldInInference`). */
export function ruleOf(def: OpDef): InferFn | undefined {
  if (!def.infer) return undefined;
  let r = ruleCache.get(def);
  if (!r) {
    r = def.foldInInference ? folding(def, def.infer) : def.infer;
    ruleCache.set(def, r);
  }
  return r;
}
