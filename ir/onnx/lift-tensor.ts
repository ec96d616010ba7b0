/**
 * Lift of the leaf messages: tensors, sparse tensors, types, metadata entries, ValueInfo.
 *
 * Known loss (no IR slot): `$unknown` fields nested inside StringStringEntryProto,
 * OperatorSetIdProto, TensorAnnotation, TensorProto.Segment, and the sub-messages of TypeProto
 * (tensor_type, shape, dim, sequence_type …) are dropped; the TypeProto's own unknown fields are
 * kept (`Type.extra`), as are those of every other message.
 */
import { Blob } from '../blob.js';
import { LatheError } from '../error.js';
import { defined } from '../object.js';
import { DataType, dtypeName, rawByteLength } from '../dtype.js';
import type { Dim, Entry, Extra, SparseTensor, Tensor, TensorData, Type, TypedField, ValueInfo } from '../types.js';
import { parseExternalData, resolveExternal, type ExternalResolver } from './external.js';
import type { SparseTensorProto, StringStringEntryProto, TensorProto, TypeProto, TypeProtoTensor, ValueInfoProto } from './proto.js';
import { checkRawLength, checkedElementCount, fieldEntryBytes, fieldEntryCount } from './tensor.js';

/** Deepest nesting of TypeProto (sequence of map of optional …) lift follows. */
export const MAX_TYPE_DEPTH = 64;

/** A bigint proto field as a safe non-negative number, or a LatheError naming the field. */
export function toCount(v: bigint, what: string): number {
  if (v < 0n) throw new LatheError(`${what} is negative (${v})`);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new LatheError(`${what} passes 2^53 (${v})`);
  return Number(v);
}

export function liftEntries(list: readonly StringStringEntryProto[]): Entry[] | undefined {
  return list.length === 0 ? undefined : list.map((e) => ({ key: e.key ?? '', value: e.value ?? '' }));
}

export function liftExtra(list: readonly Uint8Array[] | undefined): Extra | undefined {
  return list && list.length > 0 ? list.slice() : undefined;
}


const MAX_COUNT = BigInt(Number.MAX_SAFE_INTEGER);

/** `toCount` without building the message unless it fails (dims are lifted by the million). */
function dimCount(v: bigint, what: string, i: number, open: string, close: string): number {
  return v >= 0n && v <= MAX_COUNT ? Number(v) : toCount(v, `${what}: dim${open}${i}${close}`);
}

type MutableTensorType = { kind: 'tensor' | 'sparse'; dtype: number; shape?: Dim[]; dimDenotations?: (string | undefined)[]; denotation?: string; extra?: Extra };

/** Built field by field in one fixed order (kind, dtype, shape, dimDenotations), no copies. */
function liftTensorType(kind: 'tensor' | 'sparse', t: TypeProtoTensor, what: string): MutableTensorType {
  const dtype = t.elemType ?? 0;
  const dims = t.shape?.dim;
  if (!dims) return { kind, dtype };
  const shape = new Array<Dim>(dims.length);
  let denoted = false;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    // A negative dim_value is the "unknown" of TensorFlow-style shapes, and converters write it
    // (tract's test models declare inputs `-1 x 10`): onnxruntime loads such a file and reads the
    // dim as unknown, so lathe does too instead of refusing the model.
    shape[i] = d.dimValue !== undefined ? (d.dimValue < 0n ? null : dimCount(d.dimValue, what, i, ' ', '')) : d.dimParam !== undefined ? d.dimParam : null;
    if (d.denotation !== undefined) denoted = true;
  }
  const out: MutableTensorType = { kind, dtype, shape };
  if (denoted) out.dimDenotations = dims.map((d) => d.denotation);
  return out;
}

/** TypeProto → Type. Nesting past MAX_TYPE_DEPTH is a LatheError (no unbounded recursion). */
export function liftType(t: TypeProto, what: string, depth = 0): Type {
  if (depth > MAX_TYPE_DEPTH) throw new LatheError(`${what}: type nesting passes ${MAX_TYPE_DEPTH}`);
  if (t.tensorType || t.sparseTensorType) {
    const out = t.tensorType ? liftTensorType('tensor', t.tensorType, what) : liftTensorType('sparse', t.sparseTensorType!, what);
    if (t.denotation !== undefined) out.denotation = t.denotation;
    if (t.$unknown?.length) out.extra = t.$unknown.slice();
    return out;
  }
  const sub = (e: TypeProto | undefined) => (e ? liftType(e, what, depth + 1) : undefined);
  let base: Type;
  if (t.sequenceType) base = defined({ kind: 'sequence', elem: sub(t.sequenceType.elemType) });
  else if (t.mapType) base = defined({ kind: 'map', key: t.mapType.keyType ?? 0, value: sub(t.mapType.valueType) });
  else if (t.optionalType) base = defined({ kind: 'optional', elem: sub(t.optionalType.elemType) });
  else if (t.opaqueType) base = { kind: 'opaque', domain: t.opaqueType.domain ?? '', name: t.opaqueType.name ?? '' };
  else base = { kind: 'none' };
  return defined({ ...base, denotation: t.denotation, extra: liftExtra(t.$unknown) });
}

/** The descriptive part of a ValueInfoProto (undefined fields omitted; fixed order type, doc, meta, extra). */
export function liftValueInfo(v: ValueInfoProto, what: string): ValueInfo {
  const out: { type?: Type; doc?: string; meta?: Entry[]; extra?: Extra } = v.type ? { type: liftType(v.type, what) } : {};
  if (v.docString !== undefined) out.doc = v.docString;
  if (v.metadataProps.length) out.meta = liftEntries(v.metadataProps);
  if (v.$unknown?.length) out.extra = v.$unknown.slice();
  return out;
}

type FieldValues = ArrayLike<unknown> | Blob;
const typedFields: readonly [TypedField, keyof TensorProto][] = [
  ['float_data', 'floatData'],
  ['int32_data', 'int32Data'],
  ['int64_data', 'int64Data'],
  ['double_data', 'doubleData'],
  ['uint64_data', 'uint64Data'],
];

/** Which payload fields are set (empty typed fields count as absent: nothing distinguishes them on the wire). */
function presentFields(t: TensorProto): string[] {
  const out: string[] = [];
  if (t.rawData !== undefined) out.push('raw_data');
  for (const [f, k] of typedFields) if ((t[k] as FieldValues | undefined)?.length) out.push(f);
  if (t.stringData.length > 0) out.push('string_data');
  return out;
}

function liftData(t: TensorProto, dtype: number, count: number, what: string, external?: ExternalResolver) {
  const present = presentFields(t);
  if (t.dataLocation !== undefined && t.dataLocation !== 0 && t.dataLocation !== 1) {
    throw new LatheError(`${what}: data_location ${t.dataLocation} is unknown`);
  }
  if (t.dataLocation === 1) {
    if (present.length > 0) throw new LatheError(`${what}: external tensor also has ${present[0]}`);
    if (dtype === DataType.STRING) throw new LatheError(`${what}: string tensor has external data`);
    const ref = parseExternalData(t.externalData, what);
    const blob = resolveExternal(ref, external, what);
    checkRawLength(dtype, count, blob.length, what);
    const origin = { location: ref.written, offset: ref.offset, length: blob.length };
    const data: TensorData = { kind: 'blob', blob };
    return { data, externalOrigin: ref.keys.length ? { ...origin, keys: ref.keys } : origin };
  }
  if (t.externalData.length > 0) throw new LatheError(`${what}: external_data is set but data_location is not EXTERNAL`);
  if (present.length > 1) throw new LatheError(`${what}: both ${present[0]} and ${present[1]} are set`);
  const raw = t.rawData;
  if (raw !== undefined) {
    checkRawLength(dtype, count, raw.length, what);
    const data: TensorData = raw instanceof Blob ? { kind: 'blob', blob: raw } : { kind: 'raw', bytes: raw };
    return { data };
  }
  if (t.stringData.length > 0) {
    if (dtype !== DataType.STRING) throw new LatheError(`${what}: string_data on a ${dtypeName(dtype)} tensor`);
    if (t.stringData.length !== count) {
      throw new LatheError(`${what}: ${t.stringData.length} strings for ${count} elements`);
    }
    return { data: { kind: 'strings', values: t.stringData.slice() } as TensorData };
  }
  for (const [field, key] of typedFields) {
    const values = t[key] as FieldValues | undefined;
    if (!values?.length) continue;
    const per = fieldEntryBytes(field, dtype);
    if (per === undefined) throw new LatheError(`${what}: ${field} cannot hold ${dtypeName(dtype)}`);
    const entries = fieldEntryCount(field, values);
    const expected = (rawByteLength(dtype, count) ?? 0) / per;
    if (entries !== expected) throw new LatheError(`${what}: ${field} has ${entries} entries, ${dtypeName(dtype)} × ${count} needs ${expected}`);
    return { data: { kind: 'field', field, values } as TensorData };
  }
  return { data: { kind: 'none' } as TensorData };
}

/**
 * TensorProto → Tensor. `valueName` is the name the owning value carries (initializers): the
 * tensor keeps its own `name` only when it differs. Checks dims, payload length and external
 * data before touching any payload.
 */
export function liftTensor(t: TensorProto, what: string, external: ExternalResolver | undefined, valueName?: string): Tensor {
  if (t.dims.length > 2 ** 31 - 1) throw new LatheError(`${what}: rank ${t.dims.length} is too large`);
  const dims = t.dims.map((d, i) => dimCount(d, what, i, 's[', ']'));
  const count = checkedElementCount(dims, what);
  const dtype = t.dataType ?? 0;
  const { data, externalOrigin } = liftData(t, dtype, count, what, external);
  return defined({
    dtype,
    dims,
    data,
    name: valueName !== undefined && t.name === valueName ? undefined : t.name,
    doc: t.docString,
    segment: t.segment ? { begin: t.segment.begin ?? 0n, end: t.segment.end ?? 0n } : undefined,
    meta: liftEntries(t.metadataProps),
    externalOrigin,
    extra: liftExtra(t.$unknown),
  });
}

const emptyTensor: Tensor = { dtype: 0, dims: [], data: { kind: 'none' } };

export function liftSparse(s: SparseTensorProto, what: string, external: ExternalResolver | undefined, valueName?: string): SparseTensor {
  return defined({
    values: s.values ? liftTensor(s.values, `${what} (values)`, external, valueName) : emptyTensor,
    indices: s.indices ? liftTensor(s.indices, `${what} (indices)`, external) : emptyTensor,
    dims: s.dims.map((d, i) => dimCount(d, what, i, 's[', ']')),
    extra: liftExtra(s.$unknown),
  });
}
