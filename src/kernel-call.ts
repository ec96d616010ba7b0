/**
 * The one place fold-constants calls into the op table: a node's kernel run on constant inputs,
 * exactly as the evaluator would run it (same registry lookup by opset, same attribute reader).
 * Nodes that need a subgraph or a random source are refused before they get here; the context
 * throws if a kernel asks for either anyway.
 */
import { LatheError } from '../ir/error.js';
import { attrReader } from '../ir/ops/attrs.js';
import { standardOps } from '../ir/ops/index.js';
import { registryFor, type Registry } from '../ir/ops/registry.js';
import type { KernelContext, OpDef, RtValue } from '../ir/ops/types.js';
import type { Node } from '../ir/types.js';

let standard: Registry | undefined;

/** The deterministic op definition in effect for `node` at `opset`, or undefined (unknown or random). */
export function foldableDef(node: Node, opset: number | undefined): OpDef | undefined {
  if (opset === undefined) return undefined;
  const found = (standard ??= registryFor(standardOps)).resolve(node.domain, node.op, opset);
  if (!found || found.def.random) return undefined;
  return found.def;
}

/** Runs `def`'s kernel for `node` on `inputs`; outputs are as the kernel returns them (not rounded). */
export function runKernel(
  def: OpDef, node: Node, opset: number, inputs: readonly (RtValue | null)[], outputDtypes: readonly (number | undefined)[],
): (RtValue | null)[] {
  const ctx: KernelContext = {
    node,
    opset,
    attrs: attrReader(node),
    outputDtypes,
    runGraph: () => {
      throw new LatheError(`${node.op}: a subgraph cannot be folded`);
    },
    random: () => {
      throw new LatheError(`${node.op}: a random op cannot be folded`);
    },
    strict: true,
  };
  return def.kernel(inputs, ctx);
}
