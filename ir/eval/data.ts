/**
 * Runtime values ⇄ the files of ONNX test cases (`input_0.pb`, `output_0.pb`): a TensorProto for
 * a tensor, a SequenceProto / OptionalProto / MapProto (onnx-data.proto) otherwise.
 *
 * Which message a file holds is not written in it: `readValue` takes it from the declared type
 * (a tensor when there is none). Nesting is bounded (MAX_DATA_DEPTH) and every message goes
 * through the checked decoder, so a crafted file gives a LatheError, not a crash.
 */
import { memorySource } from '../blob.js';
import { LatheError } from '../error.js';
import { DataType as D } from '../dtype.js';
import { dataMessageInfo, ElemKind } from '../onnx/data-schema.js';
import { decodeMessage } from '../onnx/decode.js';
import { encodeMessageToBytes } from '../onnx/encode.js';
import { liftTensor } from '../onnx/lift-tensor.js';
import type { TensorProto } from '../onnx/proto.js';
import { encodeRaw, tensorValue } from '../ops/tensor-value.js';
import type { MapValue, OptionalValue, RtValue, SequenceValue, TensorValue } from '../ops/types.js';
import type { Type } from '../types.js';

export const MAX_DATA_DEPTH = 64;

interface SequenceProto {
  name?: string;
  elemType?: number;
  tensorValues: TensorProto[];
  sparseTensorValues: unknown[];
  sequenceValues: SequenceProto[];
  mapValues: MapProto[];
  optionalValues: OptionalProto[];
}

interface MapProto {
  name?: string;
  keyType?: number;
  keys: bigint[];
  stringKeys: Uint8Array[];
  values?: SequenceProto;
}

interface OptionalProto {
  name?: string;
  elemType?: number;
  tensorValue?: TensorProto;
  sparseTensorValue?: unknown;
  sequenceValue?: SequenceProto;
  mapValue?: MapProto;
  optionalValue?: OptionalProto;
}

const utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** Decodes a test-data file into a runtime value; `declared` selects the message (default tensor). */
export function readValue(bytes: Uint8Array, declared?: Type, what = 'value'): RtValue {
  const src = memorySource(bytes, what);
  const kind = declared?.kind;
  if (kind === 'sequence') return fromSequence(decodeMessage(src, dataMessageInfo('SequenceProto')) as SequenceProto, declared, what, 0);
  if (kind === 'optional') return fromOptional(decodeMessage(src, dataMessageInfo('OptionalProto')) as OptionalProto, declared, what, 0);
  if (kind === 'map') return fromMap(decodeMessage(src, dataMessageInfo('MapProto')) as MapProto, declared, what, 0);
  return fromTensor(decodeMessage(src, dataMessageInfo('TensorProto')) as TensorProto, what);
}

function fromTensor(t: TensorProto, what: string): TensorValue {
  return tensorValue(liftTensor(t, what, undefined), what);
}

function deeper(depth: number, what: string): number {
  if (depth >= MAX_DATA_DEPTH) throw new LatheError(`${what}: values nest deeper than ${MAX_DATA_DEPTH} levels`);
  return depth + 1;
}

function elemOf(t: Type | undefined): Type | undefined {
  return t && (t.kind === 'sequence' || t.kind === 'optional') ? t.elem : undefined;
}

function dtypeOfType(t: Type | undefined): number | undefined {
  return t?.kind === 'tensor' && t.dtype !== 0 ? t.dtype : undefined;
}

function fromSequence(s: SequenceProto, declared: Type | undefined, what: string, depth: number): SequenceValue {
  const d = deeper(depth, what);
  const elem = elemOf(declared);
  let items: RtValue[];
  switch (s.elemType ?? ElemKind.UNDEFINED) {
    case ElemKind.TENSOR: items = s.tensorValues.map((t, i) => fromTensor(t, `${what}[${i}]`)); break;
    case ElemKind.SEQUENCE: items = s.sequenceValues.map((x, i) => fromSequence(x, elem, `${what}[${i}]`, d)); break;
    case ElemKind.MAP: items = s.mapValues.map((x, i) => fromMap(x, elem, `${what}[${i}]`, d)); break;
    case ElemKind.OPTIONAL: items = s.optionalValues.map((x, i) => fromOptional(x, elem, `${what}[${i}]`, d)); break;
    case ElemKind.UNDEFINED:
      if (s.tensorValues.length + s.sequenceValues.length + s.mapValues.length + s.optionalValues.length > 0) {
        throw new LatheError(`${what}: SequenceProto has values but no elem_type`);
      }
      items = [];
      break;
    default: throw new LatheError(`${what}: SequenceProto elem_type ${s.elemType} is not supported`);
  }
  const first = items[0];
  const elemDtype = first?.kind === 'tensor' ? first.dtype : dtypeOfType(elem);
  return elemDtype === undefined ? { kind: 'sequence', items } : { kind: 'sequence', elemDtype, items };
}

function fromOptional(o: OptionalProto, declared: Type | undefined, what: string, depth: number): OptionalValue {
  const d = deeper(depth, what);
  const elem = elemOf(declared);
  let value: RtValue | null;
  switch (o.elemType ?? ElemKind.UNDEFINED) {
    case ElemKind.TENSOR: value = o.tensorValue ? fromTensor(o.tensorValue, what) : null; break;
    case ElemKind.SEQUENCE: value = o.sequenceValue ? fromSequence(o.sequenceValue, elem, what, d) : null; break;
    case ElemKind.MAP: value = o.mapValue ? fromMap(o.mapValue, elem, what, d) : null; break;
    case ElemKind.OPTIONAL: value = o.optionalValue ? fromOptional(o.optionalValue, elem, what, d) : null; break;
    case ElemKind.UNDEFINED: value = null; break;
    default: throw new LatheError(`${what}: OptionalProto elem_type ${o.elemType} is not supported`);
  }
  const elemDtype = value?.kind === 'tensor' ? value.dtype : value?.kind === 'sequence' ? value.elemDtype : dtypeOfType(elem) ?? dtypeOfType(elemOf(elem));
  return elemDtype === undefined ? { kind: 'optional', value } : { kind: 'optional', elemDtype, value };
}

function fromMap(m: MapProto, declared: Type | undefined, what: string, depth: number): MapValue {
  const d = deeper(depth, what);
  const keyDtype = m.keyType ?? (declared?.kind === 'map' ? declared.key : 0);
  const keys: (bigint | string)[] = keyDtype === D.STRING ? m.stringKeys.map((b) => utf8.decode(b)) : [...m.keys];
  const valueType = declared?.kind === 'map' && declared.value ? ({ kind: 'sequence', elem: declared.value } as Type) : undefined;
  const values = m.values ? fromSequence(m.values, valueType, `${what} (values)`, d) : { kind: 'sequence' as const, items: [] };
  if (values.items.length !== keys.length) throw new LatheError(`${what}: MapProto has ${keys.length} keys and ${values.items.length} values`);
  return { kind: 'map', keyDtype, keys, values };
}

// -- writing ---------------------------------------------------------------------------------

function toTensorProto(v: TensorValue, name?: string): TensorProto {
  const base: TensorProto = {
    dims: v.dims.map((x) => BigInt(x)), dataType: v.dtype, stringData: [], externalData: [], metadataProps: [],
  };
  if (name !== undefined) base.name = name;
  if (v.dtype === D.STRING) {
    if (!Array.isArray(v.data)) throw new LatheError(`${name ?? 'value'}: string tensor holds numbers`);
    base.stringData = v.data.map((s) => utf8Encoder.encode(s));
  } else base.rawData = encodeRaw(v);
  return base;
}

function kindCode(v: RtValue): number {
  return v.kind === 'tensor' ? ElemKind.TENSOR : v.kind === 'sequence' ? ElemKind.SEQUENCE : v.kind === 'map' ? ElemKind.MAP : ElemKind.OPTIONAL;
}

function toSequenceProto(v: SequenceValue, name: string | undefined, depth: number): SequenceProto {
  const d = deeper(depth, name ?? 'sequence');
  const s: SequenceProto = { elemType: ElemKind.TENSOR, tensorValues: [], sparseTensorValues: [], sequenceValues: [], mapValues: [], optionalValues: [] };
  if (name !== undefined) s.name = name;
  if (v.items.length > 0) s.elemType = kindCode(v.items[0]);
  for (const item of v.items) {
    if (kindCode(item) !== s.elemType) throw new LatheError(`${name ?? 'sequence'}: items of different kinds cannot be written`);
    if (item.kind === 'tensor') s.tensorValues.push(toTensorProto(item));
    else if (item.kind === 'sequence') s.sequenceValues.push(toSequenceProto(item, undefined, d));
    else if (item.kind === 'map') s.mapValues.push(toMapProto(item, undefined, d));
    else s.optionalValues.push(toOptionalProto(item, undefined, d));
  }
  return s;
}

function toOptionalProto(v: OptionalValue, name: string | undefined, depth: number): OptionalProto {
  const d = deeper(depth, name ?? 'optional');
  const o: OptionalProto = { elemType: ElemKind.UNDEFINED };
  if (name !== undefined) o.name = name;
  const x = v.value;
  if (x === null) return o;
  o.elemType = kindCode(x);
  if (x.kind === 'tensor') o.tensorValue = toTensorProto(x);
  else if (x.kind === 'sequence') o.sequenceValue = toSequenceProto(x, undefined, d);
  else if (x.kind === 'map') o.mapValue = toMapProto(x, undefined, d);
  else o.optionalValue = toOptionalProto(x, undefined, d);
  return o;
}

function toMapProto(v: MapValue, name: string | undefined, depth: number): MapProto {
  const d = deeper(depth, name ?? 'map');
  const m: MapProto = { keyType: v.keyDtype, keys: [], stringKeys: [] };
  if (name !== undefined) m.name = name;
  for (const k of v.keys) {
    if (typeof k === 'string') m.stringKeys.push(utf8Encoder.encode(k));
    else m.keys.push(k);
  }
  const values = v.values;
  // MapProto pairs keys[i] with values[i]: a count that differs would be a file no reader
  // (lathe's included) accepts. A lone non-sequence value is the value of a single key.
  const count = values.kind === 'sequence' ? values.items.length : 1;
  if (count !== v.keys.length) throw new LatheError(`${name ?? 'map'}: ${v.keys.length} keys and ${count} values cannot be written (a MapProto pairs them one to one)`);
  m.values = values.kind === 'sequence' ? toSequenceProto(values, undefined, d) : toSequenceProto({ kind: 'sequence', items: [values] }, undefined, d);
  return m;
}

/** Encodes a runtime value as a test-data file (TensorProto, SequenceProto, OptionalProto or MapProto). */
export function writeValue(v: RtValue, name?: string): Uint8Array {
  switch (v.kind) {
    case 'tensor': return encodeMessageToBytes(toTensorProto(v, name), dataMessageInfo('TensorProto'));
    case 'sequence': return encodeMessageToBytes(toSequenceProto(v, name, 0), dataMessageInfo('SequenceProto'));
    case 'optional': return encodeMessageToBytes(toOptionalProto(v, name, 0), dataMessageInfo('OptionalProto'));
    case 'map': return encodeMessageToBytes(toMapProto(v, name, 0), dataMessageInfo('MapProto'));
  }
}
