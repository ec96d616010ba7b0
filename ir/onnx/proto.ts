/**
 * Proto-level objects: ONNX messages as plain data, one interface per message of onnx.proto
 * (IR version 14), field names in camelCase. This is the contract between the wire codec
 * (`decode.ts`/`encode.ts`: bytes ⇄ these objects) and the IR bridge (`lift.ts`/`emit.ts`:
 * these objects ⇄ `ir/types.ts`).
 *
 * Conventions:
 * - absent optional field = `undefined`; repeated field = array (possibly empty, never undefined);
 * - int64/uint64 = bigint; int32/enum = number; float/double = number; string = string;
 * - `bytes` = Uint8Array (a zero-copy view for memory sources) or a lazy `Blob` when the payload is
 *   large and the source is a file (raw_data, and packed numeric fields as a whole);
 * - `$unknown` holds fields the schema does not know, encoded verbatim (tag + payload), in order;
 * - messages lathe carries without interpreting (TrainingInfoProto, DeviceConfigurationProto,
 *   NodeDeviceConfigurationProto) stay encoded as `Uint8Array`.
 */
import type { Blob } from '../blob.js';

export type Bytes = Uint8Array | Blob;

export interface Unknowns {
  $unknown?: Uint8Array[];
}

export interface StringStringEntryProto extends Unknowns {
  key?: string;
  value?: string;
}

export interface OperatorSetIdProto extends Unknowns {
  domain?: string;
  version?: bigint;
}

export interface TensorShapeDimensionProto extends Unknowns {
  dimValue?: bigint;
  dimParam?: string;
  denotation?: string;
}

export interface TensorShapeProto extends Unknowns {
  dim: TensorShapeDimensionProto[];
}

export interface TypeProtoTensor extends Unknowns {
  elemType?: number;
  shape?: TensorShapeProto;
}

export interface TypeProto extends Unknowns {
  tensorType?: TypeProtoTensor; // 1
  sequenceType?: { elemType?: TypeProto } & Unknowns; // 4
  mapType?: { keyType?: number; valueType?: TypeProto } & Unknowns; // 5
  optionalType?: { elemType?: TypeProto } & Unknowns; // 9
  sparseTensorType?: TypeProtoTensor; // 8
  opaqueType?: { domain?: string; name?: string } & Unknowns; // 7
  denotation?: string; // 6
}

export interface ValueInfoProto extends Unknowns {
  name?: string;
  type?: TypeProto;
  docString?: string;
  metadataProps: StringStringEntryProto[];
}

export interface TensorProto extends Unknowns {
  dims: bigint[]; // 1 (packed or not on the wire)
  dataType?: number; // 2
  segment?: { begin?: bigint; end?: bigint } & Unknowns; // 3
  floatData?: Float32Array | Blob; // 4 packed
  int32Data?: Int32Array | Blob; // 5 packed
  stringData: Uint8Array[]; // 6
  int64Data?: BigInt64Array | Blob; // 7 packed
  name?: string; // 8
  docString?: string; // 12
  rawData?: Bytes; // 9
  externalData: StringStringEntryProto[]; // 13
  dataLocation?: number; // 14
  doubleData?: Float64Array | Blob; // 10 packed
  uint64Data?: BigUint64Array | Blob; // 11 packed
  metadataProps: StringStringEntryProto[]; // 16
}

export interface SparseTensorProto extends Unknowns {
  values?: TensorProto;
  indices?: TensorProto;
  dims: bigint[];
}

export interface AttributeProto extends Unknowns {
  name?: string; // 1
  refAttrName?: string; // 21
  docString?: string; // 13
  type?: number; // 20
  f?: number; // 2
  i?: bigint; // 3
  s?: Uint8Array; // 4
  t?: TensorProto; // 5
  g?: GraphProto; // 6
  sparseTensor?: SparseTensorProto; // 22
  tp?: TypeProto; // 14
  floats: number[]; // 7
  ints: bigint[]; // 8
  strings: Uint8Array[]; // 9
  tensors: TensorProto[]; // 10
  graphs: GraphProto[]; // 11
  sparseTensors: SparseTensorProto[]; // 23
  typeProtos: TypeProto[]; // 15
}

export interface NodeProto extends Unknowns {
  input: string[]; // 1
  output: string[]; // 2
  name?: string; // 3
  opType?: string; // 4
  domain?: string; // 7
  overload?: string; // 8
  attribute: AttributeProto[]; // 5
  docString?: string; // 6
  metadataProps: StringStringEntryProto[]; // 9
  deviceConfigurations: Uint8Array[]; // 10, carried encoded
}

export interface TensorAnnotation extends Unknowns {
  tensorName?: string;
  quantParameterTensorNames: StringStringEntryProto[];
}

export interface GraphProto extends Unknowns {
  node: NodeProto[]; // 1
  name?: string; // 2
  initializer: TensorProto[]; // 5
  sparseInitializer: SparseTensorProto[]; // 15
  docString?: string; // 10
  input: ValueInfoProto[]; // 11
  output: ValueInfoProto[]; // 12
  valueInfo: ValueInfoProto[]; // 13
  quantizationAnnotation: TensorAnnotation[]; // 14
  metadataProps: StringStringEntryProto[]; // 16
}

export interface FunctionProto extends Unknowns {
  name?: string; // 1
  input: string[]; // 4
  output: string[]; // 5
  attribute: string[]; // 6
  attributeProto: AttributeProto[]; // 11
  node: NodeProto[]; // 7
  docString?: string; // 8
  opsetImport: OperatorSetIdProto[]; // 9
  domain?: string; // 10
  overload?: string; // 13
  valueInfo: ValueInfoProto[]; // 12
  metadataProps: StringStringEntryProto[]; // 14
}

export interface ModelProto extends Unknowns {
  irVersion?: bigint; // 1
  opsetImport: OperatorSetIdProto[]; // 8
  producerName?: string; // 2
  producerVersion?: string; // 3
  domain?: string; // 4
  modelVersion?: bigint; // 5
  docString?: string; // 6
  graph?: GraphProto; // 7
  metadataProps: StringStringEntryProto[]; // 14
  trainingInfo: Uint8Array[]; // 20, carried encoded
  functions: FunctionProto[]; // 25
  configuration: Uint8Array[]; // 26, carried encoded
}
