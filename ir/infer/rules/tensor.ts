/** Inference rules for the tensor family (the ops of `ir/ops/tensor/`), composed by file. */
import type { InferTable } from '../types.js';
import { rules as extra } from './tensor/extra.js';
import { rules as reshape } from './tensor/reshape.js';
import { rules as select } from './tensor/select.js';
import { rules as slice } from './tensor/slice.js';

/** Each rule also folds constant inputs through its kernel. */
export const rules: InferTable = [...reshape, ...slice, ...select, ...extra].map((r) => ({ ...r, fold: true }));
