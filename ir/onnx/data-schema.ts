/**
 * onnx-data.proto (SequenceProto, MapProto, OptionalProto: the files of ONNX test cases that
 * are not tensors) as a protobufjs reflection definition extending onnx.proto, and its codec
 * tables (the same machinery as schema.ts, so decode.ts/encode.ts read and write them).
 */
import protobuf from 'protobufjs/light.js';
import { buildTables, onnxSchemaJson, type MessageInfo } from './schema.js';

type F = { type: string; id: number; rule?: 'repeated' };
const opt = (type: string, id: number): F => ({ type, id });
const rep = (type: string, id: number): F => ({ type, id, rule: 'repeated' });

/** SequenceProto.DataType / OptionalProto.DataType. */
export const ElemKind = { UNDEFINED: 0, TENSOR: 1, SPARSE_TENSOR: 2, SEQUENCE: 3, MAP: 4, OPTIONAL: 5 } as const;

const dataMessages = {
  SequenceProto: {
    edition: 'proto2',
    fields: {
      name: opt('string', 1), elem_type: opt('int32', 2), tensor_values: rep('TensorProto', 3),
      sparse_tensor_values: rep('SparseTensorProto', 4), sequence_values: rep('SequenceProto', 5),
      map_values: rep('MapProto', 6), optional_values: rep('OptionalProto', 7),
    },
  },
  MapProto: {
    edition: 'proto2',
    fields: {
      name: opt('string', 1), key_type: opt('int32', 2), keys: rep('int64', 3), string_keys: rep('bytes', 4),
      values: opt('SequenceProto', 5),
    },
  },
  OptionalProto: {
    edition: 'proto2',
    fields: {
      name: opt('string', 1), elem_type: opt('int32', 2), tensor_value: opt('TensorProto', 3),
      sparse_tensor_value: opt('SparseTensorProto', 4), sequence_value: opt('SequenceProto', 5),
      map_value: opt('MapProto', 6), optional_value: opt('OptionalProto', 7),
    },
  },
};

const root = protobuf.Root.fromJSON({
  nested: { onnx: { nested: { ...onnxSchemaJson.nested.onnx.nested, ...dataMessages } } },
});
root.resolveAll();
const tables = buildTables(root);

/** Codec table of a message of onnx.proto + onnx-data.proto (`SequenceProto`, `TensorProto` …). */
export function dataMessageInfo(name: string): MessageInfo {
  const info = tables.get(name);
  if (!info) throw new Error(`data schema: no message ${name}`);
  return info;
}
