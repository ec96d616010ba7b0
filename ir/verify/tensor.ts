/**
 * Payload checks for one tensor: dims, and payload length against dtype × dims. Split from
 * verify.ts to keep files small; used for initializers, tensor attributes and sparse tensors.
 */
import { dtypeInfo, elementCount, rawByteLength } from '../dtype.js';
import type { Tensor } from '../types.js';
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
