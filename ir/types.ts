/**
 * What a model IS in lathe: plain, immutable, serializable data.
 *
 * - Identity is separate from the ONNX name: `ValueId`/`NodeId` are lathe's own ids (`v12`, `n7`,
 *   never integer-like so `Record` key order stays insertion order); `name` is the ONNX name.
 * - Everything keyed by a user-controlled string (attributes, metadata, opsets) is an ARRAY, never
 *   an object keyed by that string: names such as `__proto__` cannot pollute anything, order and
 *   duplicates survive a round trip.
 * - int64 values are `bigint`; dims and versions are `number` (lift refuses values past 2^53).
 * - Tensor payloads are views or lazy blobs; immer never drafts them (typed arrays and class
 *   instances are not draftable), so they are shared by reference and must be treated as immutable.
 * - Anything lathe does not understand is carried in `extra`: encoded protobuf fields, written back
 *   verbatim.
 */
import type { Blob } from './blob.js';

export type ValueId = string & { readonly __brand: 'ValueId' };
export type NodeId = string & { readonly __brand: 'NodeId' };

/** A `StringStringEntryProto` (metadata_props and friends). */
export interface Entry {
  readonly key: string;
  readonly value: string;
}

/** Encoded protobuf fields lathe did not interpret (tag + payload, verbatim). */
export type Extra = readonly Uint8Array[];

export interface OpsetId {
  /** '' is the ONNX domain ('ai.onnx' is normalized to ''). */
  readonly domain: string;
  readonly version: number;
}

// ---------------------------------------------------------------------------------------------
// Types

/** number = dim_value, string = dim_param (symbol), null = unknown. */
export type Dim = number | string | null;

export interface TensorTypeBase {
  /** TensorProto.DataType code (see ir/dtype.ts); 0 = undefined. */
  readonly dtype: number;
  /** undefined = unknown rank; [] = scalar. */
  readonly shape?: readonly Dim[];
  /** Per-dim `denotation`, only present when some dim has one. */
  readonly dimDenotations?: readonly (string | undefined)[];
}

export type Type = (
  | ({ readonly kind: 'tensor' } & TensorTypeBase)
  | ({ readonly kind: 'sparse' } & TensorTypeBase)
  | { readonly kind: 'sequence'; readonly elem?: Type }
  | { readonly kind: 'map'; readonly key: number; readonly value?: Type }
  | { readonly kind: 'optional'; readonly elem?: Type }
  | { readonly kind: 'opaque'; readonly domain: string; readonly name: string }
  /** A TypeProto with none of its oneof set. */
  | { readonly kind: 'none' }
) & { readonly denotation?: string; readonly extra?: Extra };

// ---------------------------------------------------------------------------------------------
// Tensors

/** Which TensorProto field held the values when they were not in raw_data. */
export type TypedField = 'float_data' | 'int32_data' | 'int64_data' | 'double_data' | 'uint64_data';

export type TensorData =
  /** raw_data held in memory: a zero-copy view of the input buffer, little-endian. */
  | { readonly kind: 'raw'; readonly bytes: Uint8Array }
  /** Raw little-endian bytes that stay in a file (the model's own raw_data, or external data). */
  | { readonly kind: 'blob'; readonly blob: Blob }
  /** Values in one of TensorProto's typed repeated fields (kept in that field on emit). */
  | { readonly kind: 'field'; readonly field: 'float_data'; readonly values: Float32Array | Blob }
  | { readonly kind: 'field'; readonly field: 'int32_data'; readonly values: Int32Array | Blob }
  | { readonly kind: 'field'; readonly field: 'int64_data'; readonly values: BigInt64Array | Blob }
  | { readonly kind: 'field'; readonly field: 'double_data'; readonly values: Float64Array | Blob }
  | { readonly kind: 'field'; readonly field: 'uint64_data'; readonly values: BigUint64Array | Blob }
  /** string_data (bytes each). */
  | { readonly kind: 'strings'; readonly values: readonly Uint8Array[] }
  /** No payload at all: a stripped skeleton (or an empty tensor). Printed as `<f32[..] stripped>`. */
  | { readonly kind: 'none' };

export interface Tensor {
  readonly dtype: number;
  readonly dims: readonly number[];
  readonly data: TensorData;
  /** The TensorProto's own name (usually equal to the value's name; kept when it differs). */
  readonly name?: string;
  readonly doc?: string;
  readonly segment?: { readonly begin: bigint; readonly end: bigint };
  readonly meta?: readonly Entry[];
  /** Where the data came from when it was external: kept for `inspect`, ignored by emit. */
  readonly externalOrigin?: {
    readonly location: string;
    readonly offset: number;
    readonly length: number;
    /** Other external_data entries (checksum, unknown keys), in file order; written again when the tensor goes external. */
    readonly keys?: readonly Entry[];
  };
  readonly extra?: Extra;
}

export interface SparseTensor {
  readonly values: Tensor;
  readonly indices: Tensor;
  readonly dims: readonly number[];
  readonly extra?: Extra;
}

// ---------------------------------------------------------------------------------------------
// Attributes

interface AttrCommon {
  readonly name: string;
  readonly doc?: string;
  readonly extra?: Extra;
}

export type Attr = AttrCommon &
  (
    | { readonly kind: 'float'; readonly value: number }
    | { readonly kind: 'int'; readonly value: bigint }
    /** `bytes` is set only when the payload is not valid UTF-8 (then `value` is a lossy view). */
    | { readonly kind: 'string'; readonly value: string; readonly bytes?: Uint8Array }
    | { readonly kind: 'tensor'; readonly value: Tensor }
    | { readonly kind: 'graph'; readonly value: Graph }
    | { readonly kind: 'sparse_tensor'; readonly value: SparseTensor }
    | { readonly kind: 'type'; readonly value: Type }
    | { readonly kind: 'floats'; readonly value: readonly number[] }
    | { readonly kind: 'ints'; readonly value: readonly bigint[] }
    | { readonly kind: 'strings'; readonly value: readonly string[]; readonly bytes?: readonly Uint8Array[] }
    | { readonly kind: 'tensors'; readonly value: readonly Tensor[] }
    | { readonly kind: 'graphs'; readonly value: readonly Graph[] }
    | { readonly kind: 'sparse_tensors'; readonly value: readonly SparseTensor[] }
    | { readonly kind: 'types'; readonly value: readonly Type[] }
    /** `ref_attr_name` inside a function body: takes the value of the function's attribute `ref`. */
    | { readonly kind: 'ref'; readonly ref: string; readonly type: AttrKind }
    /** An AttributeProto with no recognizable value (type UNDEFINED and no field set). */
    | { readonly kind: 'undefined' }
  );

export type AttrKind = Exclude<Attr['kind'], 'ref'>;

// ---------------------------------------------------------------------------------------------
// Graph

export interface Node {
  readonly id: NodeId;
  /** op_type, exactly as ONNX spells it. */
  readonly op: string;
  /** '' is the ONNX domain. */
  readonly domain: string;
  readonly overload?: string;
  /** null = omitted optional input (ONNX ""). */
  readonly inputs: readonly (ValueId | null)[];
  /** null = omitted optional output (ONNX ""). */
  readonly outputs: readonly (ValueId | null)[];
  readonly attrs: readonly Attr[];
  readonly name?: string;
  readonly doc?: string;
  readonly meta?: readonly Entry[];
  readonly extra?: Extra;
}

export interface Value {
  readonly id: ValueId;
  /** The ONNX name; identity is `id`, never `name`. Unnamed values get fresh names on emit. */
  readonly name?: string;
  readonly type?: Type;
  /** Defining node; absent for graph inputs, initializers and sparse initializers. */
  readonly def?: { readonly node: NodeId; readonly index: number };
  /** Set for initializers. */
  readonly tensor?: Tensor;
  /** Set for sparse initializers. */
  readonly sparse?: SparseTensor;
  /** ValueInfoProto.doc_string / metadata_props. */
  readonly doc?: string;
  readonly meta?: readonly Entry[];
  readonly extra?: Extra;
}

/** The descriptive part of a ValueInfoProto (its name is the value's). */
export interface ValueInfo {
  readonly type?: Type;
  readonly doc?: string;
  readonly meta?: readonly Entry[];
  readonly extra?: Extra;
}

/** Invariants (checked by verify): every node input is defined earlier in `order`, by a graph
 *  input, an initializer, or an enclosing graph; every ValueId has exactly one definition. */
export interface Graph {
  readonly name: string;
  readonly doc?: string;
  readonly inputs: readonly ValueId[];
  readonly outputs: readonly ValueId[];
  readonly initializers: readonly ValueId[];
  readonly sparseInitializers: readonly ValueId[];
  /** Topological order of the nodes (the file's order on lift; verify checks it). */
  readonly order: readonly NodeId[];
  readonly nodes: Readonly<Record<NodeId, Node>>;
  /** Values DEFINED in this graph (inputs, initializers, node outputs), plus typed references. */
  readonly values: Readonly<Record<ValueId, Value>>;
  /**
   * Output ValueInfo that differs from the referenced value's own type/doc/meta (an output that is
   * an outer-scope value, or a graph input declared with another type), index-aligned with
   * `outputs`; null where the value's own info applies. Absent when no output needs it.
   */
  readonly outputInfo?: readonly (ValueInfo | null)[];
  /** quantization_annotation, carried by name. */
  readonly quantization?: readonly { readonly tensor: string; readonly params: readonly Entry[] }[];
  readonly meta?: readonly Entry[];
  readonly extra?: Extra;
}

export interface OnnxFunction {
  readonly name: string;
  readonly domain: string;
  readonly overload?: string;
  /** Attribute parameter names (FunctionProto.attribute). */
  readonly params: readonly string[];
  /** Attribute parameters with defaults (FunctionProto.attribute_proto). */
  readonly paramDefaults: readonly Attr[];
  readonly opsets: readonly OpsetId[];
  /** The body; `graph.inputs`/`outputs` are the function's formal inputs/outputs. */
  readonly graph: Graph;
  readonly doc?: string;
  readonly meta?: readonly Entry[];
  readonly extra?: Extra;
}

export interface Model {
  readonly irVersion: number;
  readonly opsets: readonly OpsetId[];
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly domain?: string;
  readonly modelVersion?: bigint;
  readonly doc?: string;
  readonly graph: Graph;
  readonly functions: readonly OnnxFunction[];
  readonly meta: readonly Entry[];
  /** TrainingInfoProto messages, carried verbatim (encoded). */
  readonly trainingInfo?: readonly Uint8Array[];
  /** DeviceConfigurationProto messages, carried verbatim (encoded). */
  readonly configuration?: readonly Uint8Array[];
  readonly extra?: Extra;
}
