/** Sizes for fold-constants' budget. */
import type { Tensor } from '../../ir/types.js';

/** Bytes a tensor's payload takes in the file. */
export function tensorBytes(t: Tensor): number {
  const d = t.data;
  if (d.kind === 'raw') return d.bytes.length;
  if (d.kind === 'strings') return d.values.reduce((n, b) => n + b.length + 2, 0);
  if (d.kind === 'blob') return d.blob.length;
  if (d.kind === 'field') return d.values instanceof Object && 'byteLength' in d.values ? d.values.byteLength : 0;
  return 0;
}
