/**
 * The tensor family: shape, slicing, indexing, reduction, ordering and rearrangement ops. Each
 * group lives in `ir/ops/tensor/<group>.ts`; this file only concatenates their tables.
 */
import { einsumOps } from './tensor/einsum.js';
import { gatherOps } from './tensor/gather.js';
import { linalgOps } from './tensor/linalg.js';
import { rearrangeOps } from './tensor/rearrange.js';
import { reduceOps } from './tensor/reduce.js';
import { shapeOps } from './tensor/shape.js';
import { sliceOps } from './tensor/slice.js';
import { sortOps } from './tensor/sort.js';
import type { OpTable } from './types.js';

export const ops: OpTable = [
  ...shapeOps, ...sliceOps, ...gatherOps, ...reduceOps, ...sortOps, ...rearrangeOps, ...linalgOps, ...einsumOps,
];
