/**
 * Whether a node is a call of a standard op (an op of lathe's table in effect at the imported
 * opset) rather than a call of a model-local function of the same name. The rewriting passes
 * (the pattern matcher, CSE, eliminate-no-ops) act only on the former: a node named like an ONNX
 * op before that op's first opset (Gelu at opset 17), or one with an overload (only function calls
 * have one), runs the function's body, which may compute anything, random included.
 *
 * The evaluator and inference resolve the table first and ignore the overload, as onnxruntime
 * does (measured: `Relu:neg` at opset 17 with a local `Relu:neg` that negates runs as ONNX Relu);
 * the passes are stricter so that an overloaded node is never rewritten as the op it names.
 */
import { standardOps } from './index.js';
import { registryFor } from './registry.js';
import type { OpDef } from './types.js';
import type { Node } from '../types.js';

/** The standard op definition `node` calls at `opset` of its domain, or undefined (a function call, or no such op). */
export function standardOpCall(node: Node, opset: number | undefined): OpDef | undefined {
  if (opset === undefined || node.overload !== undefined) return undefined;
  return registryFor(standardOps).resolve(node.domain, node.op, opset)?.def;
}
