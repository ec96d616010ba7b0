/**
 * Shape and type inference: the contract between the inference driver (`ir/infer/infer.ts`) and
 * the per-op rules (`ir/infer/rules/<family>.ts`).
 *
 * Never a wrong shape: a rule that is unsure leaves a dim `null` (unknown) or the whole shape
 * undefined (unknown rank), and returns `undefined` dtype only when the schema does not fix it.
 *
 * Dims are `Dim` of ir/types.ts: a number, a symbol or symbolic expression as a string, or null.
 * Expressions are written in a canonical form produced by `ir/infer/dims.ts` (`seq+1`, `2*batch`,
 * `batch*seq`), so equal expressions compare equal as strings.
 */
import type { AttrReader, TensorValue } from '../ops/types.js';
import type { Dim, Graph, Node, Type } from '../types.js';

/** What is known about one value while inferring. */
export interface Known {
  readonly type?: Type;
  /** The whole value, when it is a constant (initializer, Constant, or folded shape arithmetic). */
  readonly value?: TensorValue;
  /**
   * For 0-D/1-D integer tensors that hold dims (outputs of Shape, and arithmetic on them): the
   * element values as dims, possibly symbolic (`['batch', 128]`). This is "data propagation": it
   * lets Reshape/Expand/ConstantOfShape/Range learn their output shapes from shape-computing
   * subgraphs.
   */
  readonly dims?: readonly Dim[];
}

export interface InferContext {
  readonly node: Node;
  readonly opset: number;
  readonly attrs: AttrReader;
  /** Infers a subgraph attribute given the types of its formal inputs; returns its output types. */
  inferGraph(graph: Graph, inputs: readonly (Known | null)[]): (Known | null)[];
  /**
   * A new symbol naming one data-dependent dim (NonZero's count, TopK with a computed K …), as
   * onnxruntime's symbolic inference does: `unk__0`, `unk__1` … in the order rules ask, never a
   * symbol the model itself uses and never returned twice in one inference run. Sound because only
   * the same symbol asserts equality: two fresh symbols are not known equal or different.
   */
  freshDim(): string;
}

/** Returns one entry per node output (null/undefined = nothing known). */
export type InferFn = (inputs: readonly (Known | null)[], ctx: InferContext) => (Known | null | undefined)[];

export interface InferRule {
  readonly domain: string;
  readonly name: string;
  readonly infer: InferFn;
}

export type InferTable = readonly InferRule[];
