/**
 * One op on constant inputs, through the evaluator (so folding and the rewriter never carry a
 * second copy of op semantics): a one-node model is built around the op and evaluated, which
 * applies everything `evaluate` does (opset-selected kernel, rounding of narrow floats, storage
 * and dtype checks).
 */
import type { AttrsInit } from '../attrs.js';
import { GraphBuilder, modelOf, tensorType } from '../edit/build.js';
import { LatheError } from '../error.js';
import type { RtValue, TensorValue } from '../ops/types.js';
import type { ValueId } from '../types.js';
import { evaluate } from './run.js';

export interface EvalOpOptions {
  /** Version of the op's domain (default: ONNX opset 17). */
  readonly opset?: number;
  readonly domain?: string;
  /** Number of outputs (default 1). */
  readonly outputs?: number;
}

/** Runs `op` on `inputs` (null = omitted optional input) and returns its outputs. */
export function evalOp(op: string, inputs: readonly (TensorValue | null)[], attrs: AttrsInit = {}, options: EvalOpOptions = {}): RtValue[] {
  const domain = options.domain ?? '';
  const b = new GraphBuilder('op');
  const feeds = new Map<string, RtValue>();
  const ins: (ValueId | null)[] = inputs.map((t, i) => {
    if (t === null) return null;
    const name = `in${i}`;
    feeds.set(name, t);
    return b.input(name, tensorType(t.dtype, t.dims));
  });
  const count = options.outputs ?? 1;
  const outs = b.ops(op, ins, attrs, { domain, outputs: Array.from({ length: count }, (_, i) => `out${i}`) });
  for (const v of outs) if (v !== null) b.output(v);
  const opsets = domain === '' ? [{ domain: '', version: options.opset ?? 17 }] : [{ domain: '', version: 17 }, { domain, version: options.opset ?? 1 }];
  const result = evaluate(modelOf(b.build(), opsets), feeds);
  return Array.from({ length: count }, (_, i) => {
    const v = result.get(`out${i}`);
    if (!v) throw new LatheError(`${op}: output ${i} was not produced`);
    return v;
  });
}

/** `evalOp` for an op with one tensor output. */
export function evalOpTensor(op: string, inputs: readonly (TensorValue | null)[], attrs: AttrsInit = {}, options: EvalOpOptions = {}): TensorValue {
  const [v] = evalOp(op, inputs, attrs, options);
  if (v.kind !== 'tensor') throw new LatheError(`${op}: the result is a ${v.kind}, not a tensor`);
  return v;
}
