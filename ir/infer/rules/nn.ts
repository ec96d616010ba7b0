/** Inference rules placeholder: being written. */
import type { InferTable } from '../types.js';

export const rules: InferTable = [];
