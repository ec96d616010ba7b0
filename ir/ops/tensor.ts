/** Family placeholder: being written. */
import type { OpTable } from './types.js';

export const ops: OpTable = [];
