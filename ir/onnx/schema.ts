/**
 * The ONNX schema (onnx.proto, IR version 14) as a protobufjs reflection definition, and the field
 * tables the wire codec (`decode.ts`, `encode.ts`) derives from it.
 *
 * The reflection root is the single source of field numbers and types: the codec never hard-codes
 * a field number, and tests use the same root through protobufjs as an independent oracle.
 */
import protobuf from 'protobufjs/light.js';

type F = { type: string; id: number; rule?: 'repeated'; options?: { packed: boolean } };
const opt = (type: string, id: number): F => ({ type, id });
const rep = (type: string, id: number): F => ({ type, id, rule: 'repeated' });
const packed = (type: string, id: number): F => ({ type, id, rule: 'repeated', options: { packed: true } });
const enumOf = (values: Record<string, number>) => ({ values });

/** protobufjs JSON of onnx.proto (proto2: repeated scalars are unpacked unless marked packed). */
export const onnxSchemaJson = {
  nested: {
    onnx: {
      nested: {
        Version: enumOf({
          _START_VERSION: 0, IR_VERSION_2017_10_10: 1, IR_VERSION_2017_10_30: 2, IR_VERSION_2017_11_3: 3,
          IR_VERSION_2019_1_22: 4, IR_VERSION_2019_3_18: 5, IR_VERSION_2019_9_19: 6, IR_VERSION_2020_5_8: 7,
          IR_VERSION_2021_7_30: 8, IR_VERSION_2023_5_5: 9, IR_VERSION_2024_3_25: 10, IR_VERSION_2025_05_12: 11,
          IR_VERSION_2025_08_26: 12, IR_VERSION_2025_11_06: 13, IR_VERSION: 14,
        }),
        AttributeProto: {
          fields: {
            name: opt('string', 1), ref_attr_name: opt('string', 21), doc_string: opt('string', 13),
            type: opt('AttributeType', 20), f: opt('float', 2), i: opt('int64', 3), s: opt('bytes', 4),
            t: opt('TensorProto', 5), g: opt('GraphProto', 6), sparse_tensor: opt('SparseTensorProto', 22),
            tp: opt('TypeProto', 14), floats: rep('float', 7), ints: rep('int64', 8), strings: rep('bytes', 9),
            tensors: rep('TensorProto', 10), graphs: rep('GraphProto', 11),
            sparse_tensors: rep('SparseTensorProto', 23), type_protos: rep('TypeProto', 15),
          },
          nested: {
            AttributeType: enumOf({
              UNDEFINED: 0, FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, GRAPH: 5, SPARSE_TENSOR: 11, TYPE_PROTO: 13,
              FLOATS: 6, INTS: 7, STRINGS: 8, TENSORS: 9, GRAPHS: 10, SPARSE_TENSORS: 12, TYPE_PROTOS: 14,
            }),
          },
        },
        ValueInfoProto: {
          fields: {
            name: opt('string', 1), type: opt('TypeProto', 2), doc_string: opt('string', 3),
            metadata_props: rep('StringStringEntryProto', 4),
          },
        },
        NodeProto: {
          fields: {
            input: rep('string', 1), output: rep('string', 2), name: opt('string', 3), op_type: opt('string', 4),
            domain: opt('string', 7), overload: opt('string', 8), attribute: rep('AttributeProto', 5),
            doc_string: opt('string', 6), metadata_props: rep('StringStringEntryProto', 9),
            device_configurations: rep('NodeDeviceConfigurationProto', 10),
          },
        },
        IntIntListEntryProto: { fields: { key: opt('int64', 1), value: rep('int64', 2) } },
        NodeDeviceConfigurationProto: {
          fields: {
            configuration_id: opt('string', 1), sharding_spec: rep('ShardingSpecProto', 2),
            pipeline_stage: opt('int32', 3),
          },
        },
        ShardingSpecProto: {
          fields: {
            tensor_name: opt('string', 1), device: rep('int64', 2),
            index_to_device_group_map: rep('IntIntListEntryProto', 3), sharded_dim: rep('ShardedDimProto', 4),
          },
        },
        ShardedDimProto: { fields: { axis: opt('int64', 1), simple_sharding: rep('SimpleShardedDimProto', 2) } },
        SimpleShardedDimProto: {
          oneofs: { dim: { oneof: ['dim_value', 'dim_param'] } },
          fields: { dim_value: opt('int64', 1), dim_param: opt('string', 2), num_shards: opt('int64', 3) },
        },
        TrainingInfoProto: {
          fields: {
            initialization: opt('GraphProto', 1), algorithm: opt('GraphProto', 2),
            initialization_binding: rep('StringStringEntryProto', 3), update_binding: rep('StringStringEntryProto', 4),
          },
        },
        ModelProto: {
          fields: {
            ir_version: opt('int64', 1), opset_import: rep('OperatorSetIdProto', 8), producer_name: opt('string', 2),
            producer_version: opt('string', 3), domain: opt('string', 4), model_version: opt('int64', 5),
            doc_string: opt('string', 6), graph: opt('GraphProto', 7), metadata_props: rep('StringStringEntryProto', 14),
            training_info: rep('TrainingInfoProto', 20), functions: rep('FunctionProto', 25),
            configuration: rep('DeviceConfigurationProto', 26),
          },
        },
        DeviceConfigurationProto: {
          fields: { name: opt('string', 1), num_devices: opt('int32', 2), device: rep('string', 3) },
        },
        StringStringEntryProto: { fields: { key: opt('string', 1), value: opt('string', 2) } },
        TensorAnnotation: {
          fields: { tensor_name: opt('string', 1), quant_parameter_tensor_names: rep('StringStringEntryProto', 2) },
        },
        GraphProto: {
          fields: {
            node: rep('NodeProto', 1), name: opt('string', 2), initializer: rep('TensorProto', 5),
            sparse_initializer: rep('SparseTensorProto', 15), doc_string: opt('string', 10),
            input: rep('ValueInfoProto', 11), output: rep('ValueInfoProto', 12), value_info: rep('ValueInfoProto', 13),
            quantization_annotation: rep('TensorAnnotation', 14), metadata_props: rep('StringStringEntryProto', 16),
          },
        },
        TensorProto: {
          fields: {
            dims: rep('int64', 1), data_type: opt('int32', 2), segment: opt('Segment', 3),
            float_data: packed('float', 4), int32_data: packed('int32', 5), string_data: rep('bytes', 6),
            int64_data: packed('int64', 7), name: opt('string', 8), doc_string: opt('string', 12),
            raw_data: opt('bytes', 9), external_data: rep('StringStringEntryProto', 13),
            data_location: opt('DataLocation', 14), double_data: packed('double', 10),
            uint64_data: packed('uint64', 11), metadata_props: rep('StringStringEntryProto', 16),
          },
          nested: {
            DataType: enumOf({
              UNDEFINED: 0, FLOAT: 1, UINT8: 2, INT8: 3, UINT16: 4, INT16: 5, INT32: 6, INT64: 7, STRING: 8,
              BOOL: 9, FLOAT16: 10, DOUBLE: 11, UINT32: 12, UINT64: 13, COMPLEX64: 14, COMPLEX128: 15,
              BFLOAT16: 16, FLOAT8E4M3FN: 17, FLOAT8E4M3FNUZ: 18, FLOAT8E5M2: 19, FLOAT8E5M2FNUZ: 20, UINT4: 21,
              INT4: 22, FLOAT4E2M1: 23, FLOAT8E8M0: 24, UINT2: 25, INT2: 26,
            }),
            Segment: { fields: { begin: opt('int64', 1), end: opt('int64', 2) } },
            DataLocation: enumOf({ DEFAULT: 0, EXTERNAL: 1 }),
          },
        },
        SparseTensorProto: {
          fields: { values: opt('TensorProto', 1), indices: opt('TensorProto', 2), dims: rep('int64', 3) },
        },
        TensorShapeProto: {
          fields: { dim: rep('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
              fields: { dim_value: opt('int64', 1), dim_param: opt('string', 2), denotation: opt('string', 3) },
            },
          },
        },
        TypeProto: {
          oneofs: {
            value: {
              oneof: ['tensor_type', 'sequence_type', 'map_type', 'optional_type', 'sparse_tensor_type', 'opaque_type'],
            },
          },
          fields: {
            tensor_type: opt('Tensor', 1), sequence_type: opt('Sequence', 4), map_type: opt('Map', 5),
            optional_type: opt('Optional', 9), sparse_tensor_type: opt('SparseTensor', 8),
            opaque_type: opt('Opaque', 7), denotation: opt('string', 6),
          },
          nested: {
            Tensor: { fields: { elem_type: opt('int32', 1), shape: opt('TensorShapeProto', 2) } },
            Sequence: { fields: { elem_type: opt('TypeProto', 1) } },
            Map: { fields: { key_type: opt('int32', 1), value_type: opt('TypeProto', 2) } },
            Optional: { fields: { elem_type: opt('TypeProto', 1) } },
            SparseTensor: { fields: { elem_type: opt('int32', 1), shape: opt('TensorShapeProto', 2) } },
            Opaque: { fields: { domain: opt('string', 1), name: opt('string', 2) } },
          },
        },
        OperatorSetIdProto: { fields: { domain: opt('string', 1), version: opt('int64', 2) } },
        OperatorStatus: enumOf({ EXPERIMENTAL: 0, STABLE: 1 }),
        FunctionProto: {
          fields: {
            name: opt('string', 1), input: rep('string', 4), output: rep('string', 5), attribute: rep('string', 6),
            attribute_proto: rep('AttributeProto', 11), node: rep('NodeProto', 7), doc_string: opt('string', 8),
            opset_import: rep('OperatorSetIdProto', 9), domain: opt('string', 10), overload: opt('string', 13),
            value_info: rep('ValueInfoProto', 12), metadata_props: rep('StringStringEntryProto', 14),
          },
        },
      },
    },
  },
};

// protobufjs reads JSON messages as proto3 (repeated scalars packed) unless told otherwise.
for (const def of Object.values(onnxSchemaJson.nested.onnx.nested) as Array<{ fields?: unknown; edition?: string }>) {
  if (def.fields) def.edition = 'proto2';
}

/** The reflection root of onnx.proto (package `onnx`, proto2), fully resolved. */
export const onnxRoot: protobuf.Root = protobuf.Root.fromJSON(onnxSchemaJson);
onnxRoot.resolveAll();

// Field kinds of the codec (numbers, so the hot loops switch on small integers).
export const K_INT64 = 0;
export const K_UINT64 = 1;
export const K_INT32 = 2; // also enums: int32 on the wire, unknown values kept as numbers
export const K_FLOAT = 3;
export const K_DOUBLE = 4;
export const K_STRING = 5;
export const K_BYTES = 6;
export const K_MESSAGE = 7;
/** A sub-message lathe carries encoded (`Uint8Array`), never interpreting it. */
export const K_CARRIED = 8;

/** One field of a message, as the codec needs it. */
export interface FieldInfo {
  readonly number: number;
  /** camelCase property name in `proto.ts` objects. */
  readonly name: string;
  /** The name in onnx.proto (error messages). */
  readonly protoName: string;
  readonly kind: number;
  /** Wire type of one element: 0 varint, 1 fixed64, 2 length-delimited, 5 fixed32. */
  readonly wireType: number;
  readonly repeated: boolean;
  /** Declared packed (proto2 `[packed = true]`): written packed; held as a typed array or Blob. */
  readonly packed: boolean;
  /** May hold a lazy Blob when large and the source is a file (raw_data, the packed fields). */
  readonly lazy: boolean;
  readonly message: MessageInfo | undefined;
  /** Other members of this field's oneof (cleared when this one is decoded: last one wins). */
  readonly oneofSiblings: readonly string[];
  /** The encoded tag (field number and wire type of the written form). */
  readonly tag: Uint8Array;
}

export interface MessageInfo {
  /** Name as in error messages: `GraphProto`, `TensorShapeProto.Dimension`. */
  readonly name: string;
  /** Fields in field-number order (the encoder's output order, as protoc's serializers). */
  readonly fields: readonly FieldInfo[];
  /** Field by number; holes are undefined. */
  readonly byNumber: readonly (FieldInfo | undefined)[];
  /** camelCase names of repeated non-packed fields, which always exist as arrays. */
  readonly arrayFields: readonly string[];
  /** camelCase names of packed fields (typed arrays), which need finishing after decoding. */
  readonly packedFields: readonly string[];
}

/** Sub-messages carried encoded: decoded as `Uint8Array` and written back verbatim. */
const CARRIED = new Set(['ModelProto.training_info', 'ModelProto.configuration', 'NodeProto.device_configurations']);
/** Non-packed fields that may hold a lazy Blob. */
const LAZY_BYTES = new Set(['TensorProto.raw_data']);

const SCALAR: Record<string, [kind: number, wireType: number]> = {
  int64: [K_INT64, 0],
  uint64: [K_UINT64, 0],
  int32: [K_INT32, 0],
  float: [K_FLOAT, 5],
  double: [K_DOUBLE, 1],
  string: [K_STRING, 2],
  bytes: [K_BYTES, 2],
};

function camel(s: string): string {
  return s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

function encodeTag(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 127) {
    out.push((n & 127) | 128);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Uint8Array.from(out);
}

function displayName(type: protobuf.Type): string {
  return type.fullName.replace(/^\.onnx\./, '');
}

/** Builds the codec tables from a reflection root (this schema, or one extending it such as data-schema.ts); message types are shared across fields. */
export function buildTables(root: protobuf.Root): Map<string, MessageInfo> {
  const infos = new Map<string, MessageInfo>();
  const pending: Array<[protobuf.Type, FieldInfo[], (FieldInfo | undefined)[], string[], string[]]> = [];
  const infoOf = (type: protobuf.Type): MessageInfo => {
    const key = displayName(type);
    let info = infos.get(key);
    if (!info) {
      const fields: FieldInfo[] = [];
      const byNumber: (FieldInfo | undefined)[] = [];
      const arrayFields: string[] = [];
      const packedFields: string[] = [];
      info = { name: key, fields, byNumber, arrayFields, packedFields };
      infos.set(key, info);
      pending.push([type, fields, byNumber, arrayFields, packedFields]);
    }
    return info;
  };
  const visit = (ns: protobuf.NamespaceBase) => {
    for (const nested of ns.nestedArray) {
      if (nested instanceof protobuf.Type) infoOf(nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
    }
  };
  visit(root);
  while (pending.length) {
    const [type, fields, byNumber, arrayFields, packedFields] = pending.pop()!;
    const msgName = displayName(type);
    for (const f of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
      const where = `${msgName}.${f.name}`;
      let kind: number;
      let wireType: number;
      let message: MessageInfo | undefined;
      if (f.resolvedType instanceof protobuf.Type) {
        kind = CARRIED.has(where) ? K_CARRIED : K_MESSAGE;
        wireType = 2;
        message = kind === K_MESSAGE ? infoOf(f.resolvedType) : undefined;
      } else if (f.resolvedType instanceof protobuf.Enum) {
        [kind, wireType] = [K_INT32, 0];
      } else {
        const s = SCALAR[f.type];
        if (!s) throw new Error(`schema: unsupported scalar type ${f.type} of ${where}`);
        [kind, wireType] = s;
      }
      const isPacked = f.repeated && f.packed;
      const oneofSiblings = f.partOf ? f.partOf.oneof.filter((n) => n !== f.name).map(camel) : [];
      const info: FieldInfo = {
        number: f.id,
        name: camel(f.name),
        protoName: f.name,
        kind,
        wireType,
        repeated: f.repeated,
        packed: isPacked,
        lazy: isPacked || LAZY_BYTES.has(where),
        message,
        oneofSiblings,
        tag: encodeTag(f.id * 8 + (isPacked ? 2 : wireType)),
      };
      fields.push(info);
      byNumber[f.id] = info;
      if (isPacked) packedFields.push(info.name);
      else if (f.repeated) arrayFields.push(info.name);
    }
  }
  return infos;
}

const tables = buildTables(onnxRoot);

/** Codec table of a message, by its name without package (`ModelProto`, `TypeProto.Tensor`). */
export function messageInfo(name: string): MessageInfo {
  const info = tables.get(name);
  if (!info) throw new Error(`schema: no message ${name}`);
  return info;
}
