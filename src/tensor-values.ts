/**
 * Float tensor values in chunks: decoding any stored form (raw bytes, lazy blob, typed field) to
 * float64 without holding the tensor, and a `ByteSource` that *generates* the bytes of a
 * normal(mean, std)-clipped tensor on demand. Both work in bounded memory (one shared scratch
 * buffer; JavaScript runs one read at a time), so a 3 GB model never sits in memory whole.
 */
import { type ByteSource } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import { DataType, dtypeName, elementCount } from '../ir/dtype.js';
import { decodeNarrow, encodeNarrow } from '../ir/ops/float-formats.js';
import { rawPayload } from '../ir/onnx/tensor.js';
import { fillClippedNormal, type StreamKey } from '../ir/random.js';
import type { Tensor } from '../ir/types.js';

/** Elements per chunk (a multiple of every element size, so byte chunks stay element-aligned). */
export const CHUNK_ELEMENTS = 1 << 16;

/** Bytes per element of the strippable float dtypes (float32, float16, double, bfloat16). */
export function floatElementSize(dtype: number): number | undefined {
  return dtype === 1 ? 4 : dtype === 11 ? 8 : dtype === 10 || dtype === 16 ? 2 : undefined;
}

// -- float16 / bfloat16 ---------------------------------------------------------------------------

let halfTable: Float32Array | undefined;
let bf16Table: Float32Array | undefined;

/** float16 bits → value (exact). One conversion table for all of lathe: ir/ops/float-formats.ts. */
export const halfToFloat = (h: number): number => decodeNarrow(DataType.FLOAT16, h);
/** bfloat16 bits → value (exact). */
export const bf16ToFloat = (b: number): number => decodeNarrow(DataType.BFLOAT16, b);
/** Value → float16 bits, round-to-nearest-even from the exact value. */
export const floatToHalf = (v: number): number => encodeNarrow(DataType.FLOAT16, v);
/** Value → bfloat16 bits, round-to-nearest-even from the exact value. */
export const floatToBf16 = (v: number): number => encodeNarrow(DataType.BFLOAT16, v);

function tableFor(dtype: 10 | 16): Float32Array {
  if (dtype === 10) {
    if (!halfTable) {
      halfTable = new Float32Array(65536);
      for (let i = 0; i < 65536; i++) halfTable[i] = halfToFloat(i);
    }
    return halfTable;
  }
  if (!bf16Table) {
    bf16Table = new Float32Array(65536);
    for (let i = 0; i < 65536; i++) bf16Table[i] = bf16ToFloat(i);
  }
  return bf16Table;
}

// -- decoding -------------------------------------------------------------------------------------

const scratch = new Float64Array(CHUNK_ELEMENTS);

/** Decodes element-aligned little-endian bytes of `dtype` into `out`; returns the element count. */
function decodeBytes(dtype: number, bytes: Uint8Array, out: Float64Array): number {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (dtype === 1) {
    const n = bytes.length >>> 2;
    for (let i = 0; i < n; i++) out[i] = dv.getFloat32(i * 4, true);
    return n;
  }
  if (dtype === 11) {
    const n = bytes.length >>> 3;
    for (let i = 0; i < n; i++) out[i] = dv.getFloat64(i * 8, true);
    return n;
  }
  const table = tableFor(dtype as 10 | 16);
  const n = bytes.length >>> 1;
  for (let i = 0; i < n; i++) out[i] = table[dv.getUint16(i * 2, true)];
  return n;
}

/**
 * Visits the values of float tensor `t` (float32/float16/double/bfloat16) as float64 chunks of at
 * most CHUNK_ELEMENTS (`values` is a reused buffer: read it before returning). `onBytes` counts
 * stored bytes read. Returns false (visiting nothing) for other dtypes and for stripped or string
 * data; throws `LatheError` on a size mismatch or a field that cannot hold the dtype.
 */
export function forEachFloatChunk(
  t: Tensor,
  label: string,
  visit: (values: Float64Array, count: number) => void,
  onBytes?: (n: number) => void,
): boolean {
  const size = floatElementSize(t.dtype);
  const count = elementCount(t.dims);
  if (size === undefined || count === undefined) return false;
  const d = t.data;
  const chunkBytes = CHUNK_ELEMENTS * size;
  const checkLength = (n: number, what: string) => {
    if (n !== count * size) throw new LatheError(`tensor ${label}: ${what} holds ${n} bytes, dims [${t.dims.join(',')}] need ${count * size}`);
  };
  const visitBytes = (bytes: Uint8Array) => {
    visit(scratch, decodeBytes(t.dtype, bytes, scratch));
    onBytes?.(bytes.length);
  };
  if (d.kind === 'raw') {
    checkLength(d.bytes.length, 'raw_data');
    for (let o = 0; o < d.bytes.length; o += chunkBytes) visitBytes(d.bytes.subarray(o, Math.min(o + chunkBytes, d.bytes.length)));
    return true;
  }
  if (d.kind === 'blob') {
    checkLength(d.blob.length, 'raw_data');
    d.blob.forEachChunk(visitBytes, chunkBytes);
    return true;
  }
  if (d.kind !== 'field') return false;
  const values = d.values;
  const fast = (d.field === 'float_data' && t.dtype === 1 && values instanceof Float32Array) ||
    (d.field === 'double_data' && t.dtype === 11 && values instanceof Float64Array) ||
    (d.field === 'int32_data' && (t.dtype === 10 || t.dtype === 16) && values instanceof Int32Array);
  if (fast) {
    const v = values as Float32Array | Float64Array | Int32Array;
    if (v.length !== count) throw new LatheError(`tensor ${label}: ${d.field} holds ${v.length} values, dims [${t.dims.join(',')}] need ${count}`);
    const table = v instanceof Int32Array ? tableFor(t.dtype as 10 | 16) : undefined;
    for (let o = 0; o < v.length; o += CHUNK_ELEMENTS) {
      const n = Math.min(CHUNK_ELEMENTS, v.length - o);
      if (table) for (let i = 0; i < n; i++) scratch[i] = table[v[o + i] & 0xffff];
      else for (let i = 0; i < n; i++) scratch[i] = v[o + i];
      visit(scratch, n);
      onBytes?.(n * v.BYTES_PER_ELEMENT);
    }
    return true;
  }
  // Rare forms (a lazy, varint-packed int32_data of float16 values): the shared converter gives
  // raw little-endian bytes (materialized for varint fields, which only small tensors use).
  const raw = rawPayload(t, `tensor ${label}`);
  if (raw === undefined) return false;
  if (raw instanceof Uint8Array) return forEachFloatChunk({ ...t, data: { kind: 'raw', bytes: raw } }, label, visit, onBytes);
  return forEachFloatChunk({ ...t, data: { kind: 'blob', blob: raw } }, label, visit, onBytes);
}

// -- generating -----------------------------------------------------------------------------------

const genValues = new Float64Array(CHUNK_ELEMENTS);
const genBytes = new Uint8Array(CHUNK_ELEMENTS * 8);
const genView = new DataView(genBytes.buffer);
/** Typed views of the scratch; used directly only on little-endian hosts (all current ones). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const genF32 = new Float32Array(genBytes.buffer);
const genU16 = new Uint16Array(genBytes.buffer);

/** What a generated tensor holds: normal(mean, std) clipped to [min, max], or `mean` when constant. */
export interface GeneratedSpec {
  readonly dtype: number;
  readonly count: number;
  readonly mean: number;
  readonly std: number;
  readonly min: number;
  readonly max: number;
}

/**
 * A `ByteSource` whose bytes are computed on demand: element i of the little-endian tensor is
 * `clip(mean + std * normal(key, i), min, max)` rounded to the dtype (`mean` itself when std is 0
 * or min equals max). Any byte range can be read independently and always gives the same bytes.
 */
export function generatedSource(spec: GeneratedSpec, key: StreamKey, label: string): ByteSource {
  const size = floatElementSize(spec.dtype);
  if (size === undefined) throw new LatheError(`${label}: cannot generate dtype ${dtypeName(spec.dtype)}`);
  const total = spec.count * size;
  const constant = spec.std === 0 || spec.min === spec.max;
  return {
    size: total,
    label,
    read(offset, length, into) {
      if (!(offset >= 0 && length >= 0 && offset + length <= total)) {
        throw new LatheError(`read of ${length} bytes at offset ${offset} passes the end (${total} bytes)`, label);
      }
      const out = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
      let pos = offset;
      const end = offset + length;
      while (pos < end) {
        const first = Math.floor(pos / size);
        const n = Math.min(CHUNK_ELEMENTS, Math.ceil(end / size) - first);
        if (constant) genValues.fill(Math.min(Math.max(spec.mean, spec.min), spec.max), 0, n);
        else fillClippedNormal(key, first, n, genValues, spec.mean, spec.std, spec.min, spec.max);
        encode(spec.dtype, n);
        const a = pos - first * size;
        const b = Math.min(end - first * size, n * size);
        out.set(genBytes.subarray(a, b), pos - offset);
        pos += b - a;
      }
      return out;
    },
  };
}

function encode(dtype: number, n: number): void {
  if (LITTLE_ENDIAN) {
    if (dtype === 1) for (let i = 0; i < n; i++) genF32[i] = genValues[i];
    else if (dtype === 11) genBytes.set(new Uint8Array(genValues.buffer, 0, n * 8));
    else if (dtype === 10) for (let i = 0; i < n; i++) genU16[i] = floatToHalf(genValues[i]);
    else for (let i = 0; i < n; i++) genU16[i] = floatToBf16(genValues[i]);
    return;
  }
  if (dtype === 1) for (let i = 0; i < n; i++) genView.setFloat32(i * 4, genValues[i], true);
  else if (dtype === 11) for (let i = 0; i < n; i++) genView.setFloat64(i * 8, genValues[i], true);
  else if (dtype === 10) for (let i = 0; i < n; i++) genView.setUint16(i * 2, floatToHalf(genValues[i]), true);
  else for (let i = 0; i < n; i++) genView.setUint16(i * 2, floatToBf16(genValues[i]), true);
}
