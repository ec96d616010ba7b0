/**
 * IR `Tensor` (any payload form) ⇄ runtime `TensorValue` (the storage rules of ./types.ts).
 *
 * Decoding reads raw little-endian bytes (raw views, lazy blobs, typed fields via `rawPayload`),
 * copies them into fresh aligned typed arrays (kernels may keep and share them; the model's bytes
 * are never aliased), widens the narrow floats exactly to float32 and unpacks the sub-byte integer
 * types low bits first. Encoding writes raw little-endian bytes (`kind: 'raw'`), packing sub-byte
 * types and narrowing widened floats with round-to-nearest-even. Assumes a little-endian host
 * (every browser and Node platform lathe targets).
 */
import { Blob } from '../blob.js';
import { LatheError } from '../error.js';
import { DataType as D, dtypeName, rawByteLength } from '../dtype.js';
import { checkedElementCount, rawPayload } from '../onnx/tensor.js';
import type { Tensor } from '../types.js';
import { decodeNarrow, encodeNarrow, storageSaturates } from './float-formats.js';
import type { NumericArray, TensorValue } from './types.js';
import { allocate, checkMaterialize, WIDENED_FLOATS } from './util.js';

// Strict, and keeping a leading U+FEFF: a string element is computed on as text, then encoded
// again, so bytes that are not UTF-8 (or a BOM the default decoder strips) would come back
// changed. Such a tensor is refused instead; fold-constants then leaves its readers alone.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

const byteTables = new Map<number, Float32Array>();
let halfTable: Float32Array | undefined;

/** Value of every bit pattern of an 8-bit (or 4-bit) narrow float. */
function byteTable(dtype: number): Float32Array {
  let t = byteTables.get(dtype);
  if (!t) {
    const n = dtype === D.FLOAT4E2M1 ? 16 : 256;
    t = new Float32Array(n);
    for (let b = 0; b < n; b++) t[b] = decodeNarrow(dtype, b);
    byteTables.set(dtype, t);
  }
  return t;
}

function halfValues(): Float32Array {
  if (!halfTable) {
    halfTable = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) halfTable[h] = decodeNarrow(D.FLOAT16, h);
  }
  return halfTable;
}

/**
 * A fresh, aligned copy of `bytes` (typed-array views need alignment). Not `bytes.slice()`: on a
 * Node Buffer, `slice` is a VIEW of the shared pool, whose `.buffer` starts elsewhere.
 */
function alignedCopy(bytes: Uint8Array): ArrayBuffer {
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return copy.buffer;
}

/**
 * Decodes raw little-endian bytes of `count` elements of `dtype` into runtime storage.
 * `what` names the tensor in errors.
 */
export function decodeRaw(dtype: number, count: number, bytes: Uint8Array, what: string, owned = false): NumericArray {
  const need = rawByteLength(dtype, count);
  if (need === undefined) throw new LatheError(`${what}: cannot decode ${dtypeName(dtype)} from raw bytes`);
  if (bytes.length !== need) throw new LatheError(`${what}: payload is ${bytes.length} bytes, ${dtypeName(dtype)} × ${count} needs ${need}`);
  // Bytes read for this call alone (a file read) need no copy when they are aligned for the type.
  const aligned = (b: Uint8Array): ArrayBuffer | SharedArrayBuffer => (owned && b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b.buffer : alignedCopy(b));
  switch (dtype) {
    case D.FLOAT: return new Float32Array(aligned(bytes), 0, count);
    case D.DOUBLE: return new Float64Array(aligned(bytes), 0, count);
    case D.INT8: return new Int8Array(aligned(bytes), 0, count);
    case D.UINT8: return new Uint8Array(aligned(bytes), 0, count);
    case D.INT16: return new Int16Array(aligned(bytes), 0, count);
    case D.UINT16: return new Uint16Array(aligned(bytes), 0, count);
    case D.INT32: return new Int32Array(aligned(bytes), 0, count);
    case D.UINT32: return new Uint32Array(aligned(bytes), 0, count);
    case D.INT64: return new BigInt64Array(aligned(bytes), 0, count);
    case D.UINT64: return new BigUint64Array(aligned(bytes), 0, count);
    case D.COMPLEX64: return new Float32Array(aligned(bytes), 0, 2 * count);
    case D.COMPLEX128: return new Float64Array(aligned(bytes), 0, 2 * count);
    case D.BOOL: {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = bytes[i] !== 0 ? 1 : 0;
      return out;
    }
    case D.FLOAT16: {
      const t = halfValues();
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = t[bytes[2 * i] | (bytes[2 * i + 1] << 8)];
      return out;
    }
    case D.BFLOAT16: {
      const bits = new Uint32Array(count);
      for (let i = 0; i < count; i++) bits[i] = ((bytes[2 * i] << 16) | (bytes[2 * i + 1] << 24)) >>> 0;
      return new Float32Array(bits.buffer);
    }
    case D.INT4: case D.UINT4: case D.INT2: case D.UINT2: case D.FLOAT4E2M1:
      return unpackSubByte(dtype, count, bytes);
    default: {
      if (!WIDENED_FLOATS.has(dtype)) throw new LatheError(`${what}: cannot decode ${dtypeName(dtype)}`);
      const t = byteTable(dtype);
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = t[bytes[i]];
      return out;
    }
  }
}

function unpackSubByte(dtype: number, count: number, bytes: Uint8Array): NumericArray {
  const bits = dtype === D.INT2 || dtype === D.UINT2 ? 2 : 4;
  const per = 8 / bits;
  const mask = (1 << bits) - 1;
  const signed = dtype === D.INT4 || dtype === D.INT2;
  const out = allocate(dtype, count) as Int8Array | Uint8Array | Float32Array;
  const table = dtype === D.FLOAT4E2M1 ? byteTable(dtype) : undefined;
  for (let i = 0; i < count; i++) {
    let v = (bytes[(i / per) | 0] >>> ((i % per) * bits)) & mask;
    if (table) out[i] = table[v];
    else {
      if (signed && v & (1 << (bits - 1))) v -= 1 << bits;
      out[i] = v;
    }
  }
  return out;
}

/** The elements of an IR tensor as a runtime value. `what` names it in errors (value name). */
export function tensorValue(t: Tensor, what = 'tensor'): TensorValue {
  const count = checkedElementCount(t.dims, what);
  checkMaterialize(count, what);
  const dims = t.dims.slice();
  if (t.dtype === D.STRING) {
    if (t.data.kind === 'none' && count === 0) return { kind: 'tensor', dtype: D.STRING, dims, data: [] };
    if (t.data.kind !== 'strings') throw new LatheError(`${what}: string tensor without string_data`);
    if (t.data.values.length !== count) throw new LatheError(`${what}: ${t.data.values.length} strings for ${count} elements`);
    const data = t.data.values.map((b, i) => {
      try {
        return utf8Decoder.decode(b);
      } catch {
        throw new LatheError(`${what}: string element ${i} is not UTF-8`);
      }
    });
    return { kind: 'tensor', dtype: D.STRING, dims, data };
  }
  if (t.data.kind === 'none') {
    if (count === 0) return { kind: 'tensor', dtype: t.dtype, dims, data: allocate(t.dtype, 0) as NumericArray };
    throw new LatheError(`${what}: tensor has no data (a stripped skeleton? fill it first)`);
  }
  if (t.data.kind === 'strings') throw new LatheError(`${what}: string_data on a ${dtypeName(t.dtype)} tensor`);
  const payload = rawPayload(t, what);
  if (payload === undefined) throw new LatheError(`${what}: tensor has no readable payload`);
  const bytes = payload instanceof Blob ? payload.bytes() : payload;
  return { kind: 'tensor', dtype: t.dtype, dims, data: decodeRaw(t.dtype, count, bytes, what, payload instanceof Blob && payload.source.freshReads === true) };
}

/**
 * Raw little-endian bytes of a runtime tensor (sub-byte types packed, widened floats narrowed).
 * With `share`, a plain numeric tensor's bytes are a view of its storage, not a copy (for a value
 * nothing will write to again, such as a folded constant).
 */
export function encodeRaw(v: TensorValue, share = false): Uint8Array {
  const { dtype, data } = v;
  if (Array.isArray(data)) throw new LatheError(`${dtypeName(dtype)} tensor holds strings`);
  const count = dtype === D.COMPLEX64 || dtype === D.COMPLEX128 ? data.length / 2 : data.length;
  switch (dtype) {
    case D.INT4: case D.UINT4: case D.INT2: case D.UINT2: case D.FLOAT4E2M1: {
      const bits = dtype === D.INT2 || dtype === D.UINT2 ? 2 : 4;
      const per = 8 / bits;
      const mask = (1 << bits) - 1;
      const out = new Uint8Array(Math.ceil(count / per));
      for (let i = 0; i < count; i++) {
        const x = Number(data[i]);
        const b = dtype === D.FLOAT4E2M1 ? encodeNarrow(dtype, x) : x & mask;
        out[(i / per) | 0] |= b << ((i % per) * bits);
      }
      return out;
    }
    case D.BOOL: {
      const out = new Uint8Array(count);
      for (let i = 0; i < count; i++) out[i] = data[i] ? 1 : 0;
      return out;
    }
    case D.FLOAT16: case D.BFLOAT16: {
      const out = new Uint8Array(2 * count);
      for (let i = 0; i < count; i++) {
        const b = encodeNarrow(dtype, Number(data[i]));
        out[2 * i] = b & 0xff;
        out[2 * i + 1] = b >>> 8;
      }
      return out;
    }
    default: {
      if (WIDENED_FLOATS.has(dtype)) {
        const out = new Uint8Array(count);
        const saturate = storageSaturates(dtype);
        for (let i = 0; i < count; i++) out[i] = encodeNarrow(dtype, Number(data[i]), saturate, 'nearest');
        return out;
      }
      const need = rawByteLength(dtype, count);
      if (need === undefined || need !== data.byteLength) {
        throw new LatheError(`${dtypeName(dtype)} tensor has ${data.byteLength} bytes of ${data.constructor.name}, expected ${need}`);
      }
      const view = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
      return share ? view : view.slice();
    }
  }
}

/** A runtime tensor as an IR tensor (raw payload, or string_data for strings); `share`: see encodeRaw. */
export function toTensor(v: TensorValue, name?: string, share = false): Tensor {
  const dims = v.dims.slice();
  const base = name === undefined ? {} : { name };
  if (v.dtype === D.STRING) {
    if (!Array.isArray(v.data)) throw new LatheError('string tensor holds numbers');
    return { ...base, dtype: v.dtype, dims, data: { kind: 'strings', values: v.data.map((s) => utf8Encoder.encode(s)) } };
  }
  return { ...base, dtype: v.dtype, dims, data: { kind: 'raw', bytes: encodeRaw(v, share) } };
}
