/**
 * Payload checks for one tensor: data_type, dims, and payload length against dtype × dims. Split
 * from verify.ts to keep files small; used for initializers, tensor attributes and sparse tensors.
 *
 * Codes beyond verify.ts's: `bad-dtype` (data_type 0 or one ONNX does not define) and
 * `sparse-tensor` (a sparse tensor whose values/indices do not fit its dims, or whose indices are
 * out of range, negative, duplicated or not ascending, as onnx.proto requires).
 */
import { dtypeInfo, dtypeName, elementCount, rawByteLength } from '../dtype.js';
import type { SparseTensor, Tensor } from '../types.js';
import { Blob } from '../blob.js';

/** Problems with one tensor as `[code, message]` pairs (empty when fine). */
export function tensorProblems(t: Tensor): [code: string, message: string][] {
  const out: [string, string][] = [];
  if (!Array.isArray(t.dims)) return [['bad-dims', 'tensor dims are not a list']];
  for (const d of t.dims) {
    if (!Number.isSafeInteger(d) || d < 0) {
      out.push(['bad-dims', `tensor dim ${String(d)} is not a non-negative integer`]);
      return out;
    }
  }
  const count = elementCount(t.dims);
  if (count === undefined) return [['bad-dims', `tensor dims [${t.dims.join(',')}] hold more than 2^53 elements`]];
  const info = dtypeInfo(t.dtype);
  if (!info) {
    return [['bad-dtype', t.dtype === 0 ? 'tensor data_type is 0 (UNDEFINED)' : `tensor data_type ${t.dtype} is not an ONNX data type`]];
  }
  const data = t.data;
  const expectBytes = (have: number, where: string) => {
    if (info && info.bits === 0) {
      out.push(['tensor-size', `string tensor has ${where} (${have} bytes); strings belong in string_data`]);
      return;
    }
    const want = rawByteLength(t.dtype, count);
    if (want !== undefined && want !== have) {
      out.push(['tensor-size', `${where} holds ${have} bytes but ${info!.name}[${t.dims.join(',')}] needs ${want}`]);
    }
  };
  switch (data.kind) {
    case 'raw':
      expectBytes(data.bytes.length, 'raw_data');
      break;
    case 'blob':
      expectBytes(data.blob.length, 'raw_data');
      break;
    case 'field': {
      // Sub-byte types pack several elements per int32_data entry: their count is not checked here.
      if (info && info.bits < 8) break;
      const complex = t.dtype === 14 || t.dtype === 15;
      const want = complex ? count * 2 : count;
      const v = data.values;
      let have: number | undefined;
      if (v instanceof Blob) {
        // Only fixed-width fields have a byte length proportional to the count (varints do not).
        if (data.field === 'float_data') have = v.length / 4;
        else if (data.field === 'double_data') have = v.length / 8;
      } else have = v.length;
      if (have !== undefined && have !== want) {
        out.push(['tensor-size', `${data.field} holds ${have} values but ${info?.name ?? 'dtype ' + t.dtype}[${t.dims.join(',')}] needs ${want}`]);
      }
      break;
    }
    case 'strings':
      if (data.values.length !== count) {
        out.push(['tensor-size', `string_data holds ${data.values.length} strings but [${t.dims.join(',')}] needs ${count}`]);
      }
      break;
    case 'none':
      break;
  }
  return out;
}

/** Sparse indices read past this many bytes are not checked (the check reads them into memory). */
const MAX_INDEX_BYTES = 1 << 28;

/** The int64 values of `t`, or undefined when they cannot be read cheaply (not int64, too large). */
function int64Values(t: Tensor): BigInt64Array | undefined {
  if (t.dtype !== 7) return undefined;
  const d = t.data;
  let bytes: Uint8Array | undefined;
  if (d.kind === 'raw') bytes = d.bytes;
  else if (d.kind === 'blob') bytes = d.blob.length <= MAX_INDEX_BYTES ? d.blob.bytes() : undefined;
  else if (d.kind === 'field' && d.field === 'int64_data') {
    if (d.values instanceof BigInt64Array) return d.values;
    bytes = d.values.length <= MAX_INDEX_BYTES ? d.values.bytes() : undefined;
  }
  if (!bytes || bytes.length % 8 !== 0) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new BigInt64Array(bytes.length / 8);
  for (let i = 0; i < out.length; i++) out[i] = view.getBigInt64(i * 8, true);
  return out;
}

/**
 * Problems of a sparse tensor as a whole (its values and indices are checked as tensors apart):
 * values [NNZ]; indices [NNZ] (linear positions in the dense tensor) or [NNZ, rank] (coordinates),
 * int64, each within dims, ascending without duplicates (lexicographic for coordinates).
 */
export function sparseProblems(s: SparseTensor): [code: string, message: string][] {
  const bad = (m: string): [string, string][] => [['sparse-tensor', m]];
  const dims = s.dims;
  if (!Array.isArray(dims) || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) return bad(`dims [${String(dims)}] are not non-negative integers`);
  const total = elementCount(dims);
  if (total === undefined) return bad(`dims [${dims.join(',')}] hold more than 2^53 elements`);
  const vd = s.values.dims;
  if (vd.length !== 1) return bad(`values have shape [${vd.join(',')}]; they must be 1-D [NNZ]`);
  const nnz = vd[0];
  const id = s.indices.dims;
  if (nnz > total) return bad(`${nnz} values for a tensor of ${total} elements`);
  if (nnz === 0 && (id.length === 0 || id[0] === 0)) return [];
  if (s.indices.dtype !== 7) return bad(`indices are ${dtypeName(s.indices.dtype)}; they must be int64`);
  const coords = id.length === 2;
  if (!(id.length === 1 || coords) || id[0] !== nnz || (coords && id[1] !== dims.length)) {
    return bad(`indices have shape [${id.join(',')}] for ${nnz} values of a rank-${dims.length} tensor; they must be [${nnz}] or [${nnz},${dims.length}]`);
  }
  const idx = int64Values(s.indices);
  if (!idx || idx.length !== nnz * (coords ? dims.length : 1)) return []; // unreadable or mis-sized: tensor checks say so
  const rank = coords ? dims.length : 1;
  let prev = -1;
  for (let i = 0; i < nnz; i++) {
    let linear = 0;
    for (let j = 0; j < rank; j++) {
      const v = idx[i * rank + j];
      const limit = coords ? dims[j] : total;
      if (v < 0n || v >= BigInt(limit)) {
        const where = coords ? `index ${i} coordinate ${j}` : `index ${i}`;
        return bad(`${where} is ${v}, outside [0, ${limit})`);
      }
      linear = coords ? linear * dims[j] + Number(v) : Number(v);
    }
    if (linear === prev) return bad(`index ${i} repeats the position of index ${i - 1}`);
    if (linear < prev) return bad(`index ${i} comes before index ${i - 1}; indices must be in ascending order`);
    prev = linear;
  }
  return [];
}
