/**
 * Tensor payload helpers shared by lift, emit and the external-data writer.
 *
 * "Raw bytes" always means the layout of TensorProto.raw_data (and of external data files):
 * little-endian, sub-byte types packed low bits first. Typed repeated fields hold one entry per
 * element except for sub-byte types, where (as onnx's helpers write them) each int32 entry holds
 * one packed byte.
 */
import { Blob } from '../blob.js';
import { LatheError } from '../error.js';
import { DataType, dtypeInfo, dtypeName, rawByteLength } from '../dtype.js';
import type { Tensor, TensorData, TypedField } from '../types.js';

/** Largest rank lift accepts: ONNX stores ranks as int32-sized counts. */
export const MAX_RANK = 2 ** 31 - 1;

/**
 * Element count of `dims`, checked before anything is allocated: rank above 2^31 - 1, a negative
 * or non-integer dim, or a product past 2^53 is a LatheError naming `what`.
 */
export function checkedElementCount(dims: readonly number[], what: string): number {
  if (dims.length > MAX_RANK) throw new LatheError(`${what}: rank ${dims.length} is too large`);
  let n = 1;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (!Number.isSafeInteger(d) || d < 0) throw new LatheError(`${what}: dim ${i} is ${d}, not a size`);
    n *= d;
    if (!Number.isSafeInteger(n)) throw new LatheError(`${what}: element count passes 2^53`);
  }
  return n;
}

/** Bytes each entry of `field` contributes to raw_data for `dtype`, or undefined if the field cannot hold it. */
export function fieldEntryBytes(field: TypedField, dtype: number): number | undefined {
  const info = dtypeInfo(dtype);
  if (!info || info.field !== field) return undefined;
  if (dtype === DataType.COMPLEX64) return 4; // two float entries per element
  if (dtype === DataType.COMPLEX128) return 8;
  return Math.max(1, info.bits / 8); // sub-byte types: one packed byte per entry
}

const fieldWidth: Record<TypedField, number> = {
  float_data: 4,
  int32_data: 4,
  int64_data: 8,
  double_data: 8,
  uint64_data: 8,
};

/**
 * Number of entries a typed field holds, from its in-memory form. A Blob over a fixed-width field
 * (float/double) is its little-endian bytes; a Blob over a varint field (int32/int64/uint64) is the
 * packed wire payload, whose entries are counted by their terminating bytes.
 */
export function fieldEntryCount(field: TypedField, values: ArrayLike<unknown> | Blob): number {
  if (!(values instanceof Blob)) return values.length;
  if (field === 'float_data' || field === 'double_data') return Math.floor(values.length / fieldWidth[field]);
  let count = 0;
  values.forEachChunk((chunk) => {
    for (let i = 0; i < chunk.length; i++) if (chunk[i] < 0x80) count++;
  });
  return count;
}

/** Length of the payload as raw bytes (what raw_data or an external file holds); undefined for strings and none. */
export function rawPayloadLength(t: Tensor): number | undefined {
  const d = t.data;
  switch (d.kind) {
    case 'raw':
      return d.bytes.length;
    case 'blob':
      return d.blob.length;
    case 'field': {
      const per = fieldEntryBytes(d.field, t.dtype);
      return per === undefined ? undefined : fieldEntryCount(d.field, d.values) * per;
    }
    default:
      return undefined;
  }
}

/** Cheap upper bound of the bytes a payload takes inside an encoded TensorProto. */
export function inlinePayloadEstimate(t: Tensor): number {
  const d = t.data;
  switch (d.kind) {
    case 'raw':
      return d.bytes.length;
    case 'blob':
      return d.blob.length;
    case 'field':
      return d.values instanceof Blob ? d.values.length : d.values.length * 10;
    case 'strings':
      return d.values.reduce((s, v) => s + v.length + 6, 0);
    default:
      return 0;
  }
}

const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The payload as raw little-endian bytes: raw views and blobs are returned as they are (no copy,
 * no read); typed-field values are converted into a fresh buffer. Undefined for strings and none.
 */
export function rawPayload(t: Tensor, what: string): Uint8Array | Blob | undefined {
  const d: TensorData = t.data;
  if (d.kind === 'raw') return d.bytes;
  if (d.kind === 'blob') return d.blob;
  if (d.kind !== 'field') return undefined;
  const per = fieldEntryBytes(d.field, t.dtype);
  if (per === undefined) throw new LatheError(`${what}: ${d.field} cannot hold ${dtypeName(t.dtype)}`);
  const fixed = d.field === 'float_data' || d.field === 'double_data';
  if (d.values instanceof Blob && fixed) return d.values;
  const entries = d.values instanceof Blob ? decodeVarints(d.values.bytes(), d.field, what) : d.values;
  if (fixed && littleEndian) {
    const a = entries as Float32Array | Float64Array;
    return new Uint8Array(a.buffer, a.byteOffset, a.byteLength).slice();
  }
  const out = new Uint8Array(entries.length * per);
  const view = new DataView(out.buffer);
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (typeof e === 'bigint') {
      if (per === 8) view.setBigUint64(i * 8, BigInt.asUintN(64, e), true);
      else view.setUint32(i * 4, Number(BigInt.asUintN(32, e)), true);
    } else if (d.field === 'float_data') view.setFloat32(i * 4, e, true);
    else if (d.field === 'double_data') view.setFloat64(i * 8, e, true);
    else if (per === 4) view.setInt32(i * 4, e, true);
    else if (per === 2) view.setUint16(i * 2, e & 0xffff, true);
    else out[i] = e & 0xff;
  }
  return out;
}

/** Decodes a packed varint field payload into entries (int32: numbers, int64/uint64: bigints). */
function decodeVarints(bytes: Uint8Array, field: TypedField, what: string): Int32Array | BigInt64Array | BigUint64Array {
  const n = bytes.reduce((c, b) => (b < 0x80 ? c + 1 : c), 0);
  const out = field === 'int32_data' ? new Int32Array(n) : field === 'int64_data' ? new BigInt64Array(n) : new BigUint64Array(n);
  let pos = 0;
  for (let i = 0; i < n; i++) {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= bytes.length || shift > 63n) throw new LatheError(`${what}: malformed packed ${field}`);
      const b = bytes[pos++];
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (b < 0x80) break;
    }
    if (out instanceof Int32Array) out[i] = Number(BigInt.asIntN(32, v));
    else if (out instanceof BigInt64Array) out[i] = BigInt.asIntN(64, v);
    else out[i] = BigInt.asUintN(64, v);
  }
  return out;
}

/**
 * Checks that `length` raw bytes fit `count` elements of `dtype` exactly (sub-byte types round up,
 * so an odd int4 count has an odd-length payload). Unknown dtypes are not checked (carried as is).
 */
export function checkRawLength(dtype: number, count: number, length: number, what: string): void {
  if (dtype === DataType.STRING) throw new LatheError(`${what}: string tensor has raw_data`);
  const expected = rawByteLength(dtype, count);
  if (expected !== undefined && expected !== length) {
    throw new LatheError(`${what}: payload is ${length} bytes, ${dtypeName(dtype)} × ${count} needs ${expected}`);
  }
}
