/**
 * Op knowledge: the contract between the op table (`ir/ops/index.ts`), the kernels
 * (`ir/ops/<family>.ts`), the inference rules (`ir/infer/rules/`) and the two interpreters that read
 * the table: the reference evaluator (`ir/eval/`) and shape inference (`ir/infer/`).
 *
 * Runtime tensors are plain typed arrays in row-major order. Storage by dtype:
 * - float → Float32Array; double → Float64Array;
 * - float16, bfloat16, every float8 kind, float8e8m0, float4e2m1 → Float32Array holding the exact
 *   value of each element ("widened"); a kernel computes in float32 and the evaluator rounds every
 *   output to its dtype (round-to-nearest-even, per ONNX's conversion rules) — so float16 rounds
 *   like float16 and bfloat16 stays bfloat16 without each kernel knowing the format;
 * - int8/int16/int32 → Int8Array/Int16Array/Int32Array; uint8/uint16/uint32 → Uint8Array/
 *   Uint16Array/Uint32Array; int64 → BigInt64Array; uint64 → BigUint64Array;
 * - int4, int2 → Int8Array (one element per entry, unpacked); uint4, uint2 → Uint8Array;
 * - bool → Uint8Array of 0/1; string → string[];
 * - complex64 → Float32Array, complex128 → Float64Array, interleaved (re, im), length 2·count.
 */
import type { Attr, Dim, Graph, Node, Type } from '../types.js';

export type NumericArray =
  | Float32Array | Float64Array
  | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array;

export interface TensorValue {
  readonly kind: 'tensor';
  readonly dtype: number;
  readonly dims: readonly number[];
  readonly data: NumericArray | string[];
}

export interface SequenceValue {
  readonly kind: 'sequence';
  /** Element dtype when known (an empty sequence still has one). */
  readonly elemDtype?: number;
  readonly items: readonly RtValue[];
}

export interface OptionalValue {
  readonly kind: 'optional';
  /** Element type code when known (for an empty optional). */
  readonly elemDtype?: number;
  readonly value: RtValue | null;
}

export interface MapValue {
  readonly kind: 'map';
  readonly keyDtype: number;
  readonly keys: readonly (bigint | string)[];
  readonly values: RtValue;
}

export type RtValue = TensorValue | SequenceValue | OptionalValue | MapValue;

/** Typed access to a node's attributes, with defaults. Throws LatheError naming the node when an
 *  attribute has the wrong kind or a required one is missing (default undefined). */
export interface AttrReader {
  has(name: string): boolean;
  get(name: string): Attr | undefined;
  int(name: string, dflt?: number): number;
  /** int64 attributes that may pass 2^53 (e.g. Clip bounds for int64): exact. */
  bigint(name: string, dflt?: bigint): bigint;
  float(name: string, dflt?: number): number;
  string(name: string, dflt?: string): string;
  ints(name: string, dflt?: readonly number[]): number[];
  floats(name: string, dflt?: readonly number[]): number[];
  strings(name: string, dflt?: readonly string[]): string[];
  tensor(name: string): TensorValue | undefined;
  graph(name: string): Graph | undefined;
}

export interface KernelContext {
  readonly node: Node;
  /** Version of the node's domain imported by the model (or the function) — selects semantics. */
  readonly opset: number;
  readonly attrs: AttrReader;
  /** Dtypes the node's outputs must have when the model declares them (value types), else undefined. */
  readonly outputDtypes: readonly (number | undefined)[];
  /**
   * Runs a subgraph attribute (If/Loop/Scan bodies, SequenceMap …) with the given inputs bound to
   * its formal inputs in order; values of enclosing graphs are visible. Returns its outputs.
   */
  runGraph(graph: Graph, inputs: readonly (RtValue | null)[]): RtValue[];
  /** A seeded random source for Random* ops (deterministic per run). */
  random(): number;
  /**
   * Set when the result is kept in the model (constant folding, values carried by inference): a
   * kernel then throws where ONNX leaves the result to the implementation and runtimes differ (a
   * float cast to an integer it does not fit), so the node stays for the runtime to compute. The
   * evaluator leaves it unset and computes what the ONNX reference does.
   */
  readonly strict?: boolean;
}

/** Where an integer-list operand comes from at the node's opset (`attr`: the attribute's value, or the op's default). */
export type IntsOperand =
  | { readonly from: 'attr'; readonly value: readonly number[] }
  | { readonly from: 'input'; readonly index: number }
  | { readonly from: 'absent' };

/** What the attribute decodings read: the node's attributes and opset. */
export interface DecodeContext {
  readonly opset: number;
  readonly attrs: AttrReader;
}

/** What is known about one value while inferring (see `ir/infer/`). */
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

/**
 * A shape/type inference rule. Returns one entry per node output (null/undefined = nothing known).
 * Never a wrong shape: a rule that is unsure leaves a dim `null` or the shape undefined.
 */
export type InferFn = (inputs: readonly (Known | null)[], ctx: InferContext) => (Known | null | undefined)[];

/**
 * An inference rule as a family file of `ir/infer/rules/` writes it; `defineOpTable` attaches it
 * to the OpDef of the same (domain, name).
 */
export interface InferRule {
  readonly domain: string;
  readonly name: string;
  readonly infer: InferFn;
  /** Also run the kernel when every present input is a known small constant (see `OpDef.foldInInference`). */
  readonly fold?: boolean;
}

/**
 * Everything lathe knows about one op: the one place an op is described. The evaluator runs
 * `kernel`, shape inference runs `infer`; where both must read the same attributes they call one
 * decoding function: the operands older opsets gave as attributes (`operands`, from
 * `ir/ops/operands.ts`), the broadcasting of old opsets (`ir/ops/legacy-broadcast.ts`), Cast's target.
 */
export interface OpDef {
  /** '' = ai.onnx; 'ai.onnx.ml', 'ai.onnx.preview.training', 'com.microsoft' … */
  readonly domain: string;
  readonly name: string;
  /** The opset versions in which the op was (re)defined, ascending, as in the ONNX changelog. */
  readonly since: readonly number[];
  /** Nondeterministic (Random*, Bernoulli, Multinomial …): implemented, never folded. */
  readonly random?: boolean;
  /**
   * Computes the outputs. `inputs[i]` is null for an omitted optional input (and trailing omitted
   * inputs may be absent). Return one value per node output (null for an output the op does not
   * produce). Outputs of widened float dtypes are rounded by the evaluator, not here.
   */
  kernel(inputs: readonly (RtValue | null)[], ctx: KernelContext): (RtValue | null)[];
  /**
   * The operands this op takes as an attribute in some opsets and as an input in others (Slice's
   * starts/ends/axes/steps, Reshape's shape, Squeeze's axes …), decoded for a node: where each
   * comes from at its opset. `present(i)`: whether input i is given. The kernel and the rule read
   * them through the same functions; a pass can ask here.
   */
  readonly operands?: (ctx: DecodeContext, present: (i: number) => boolean) => Readonly<Record<string, IntsOperand>>;
  /** The shape/type inference rule (from `ir/infer/rules/`, attached by `defineOpTable`). */
  readonly infer?: InferFn;
  /**
   * Inference also runs `kernel` on constant inputs (small, exact dtypes) and attaches the
   * values, so shape-computing subgraphs built from constants resolve.
   */
  readonly foldInInference?: boolean;
  /** Reserved for the op's schema facts (arity, attributes, dtypes, opset ranges: `ir/ops/schema/`). */
  readonly schema?: unknown;
}

/** A family file exports `ops: OpDef[]`; `ir/ops/index.ts` composes them into one table. */
export type OpTable = readonly OpDef[];
