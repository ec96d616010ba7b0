/**
 * Test support shared by the kernel families' tests: a synthetic node and a KernelContext that
 * runs one kernel without the evaluator.
 */
import type { Attr, Graph, Node, NodeId, ValueId } from '../types.js';
import { attrReader } from './attrs.js';
import type { KernelContext, RtValue } from './types.js';

/** A node of `op` with `inputs` inputs `vi<k>` and `outputs` outputs `vo<k>`. */
export function syntheticNode(op: string, attrs: readonly Attr[], inputs = 0, outputs = 1, domain = ''): Node {
  return {
    id: 'n0' as NodeId,
    op,
    domain,
    inputs: Array.from({ length: inputs }, (_, i) => `vi${i}` as ValueId),
    outputs: Array.from({ length: outputs }, (_, i) => `vo${i}` as ValueId),
    attrs,
  };
}

export interface TestContextOptions {
  outputDtypes?: (number | undefined)[];
  /** Default: throws (a kernel test has no subgraphs to run). */
  runGraph?: (g: Graph, inputs: readonly (RtValue | null)[]) => RtValue[];
  /** Default: a linear congruential sequence from `seed`, so random kernels are repeatable. */
  random?: () => number;
  seed?: number;
}

/** A KernelContext for `node` at `opset`, with attributes read from the node. */
export function testContext(node: Node, opset: number, o: TestContextOptions = {}): KernelContext {
  let seed = o.seed ?? 12345;
  return {
    node,
    opset,
    attrs: attrReader(node),
    outputDtypes: o.outputDtypes ?? [],
    runGraph: o.runGraph ?? (() => { throw new Error('no subgraphs in this test'); }),
    random: o.random ?? (() => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    }),
  };
}
