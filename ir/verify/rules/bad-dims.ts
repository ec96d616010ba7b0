/**
 * `bad-dims`: a negative or non-integer dim in a value's type (at any depth of sequence,
 * optional and map types). Tensor dims are checked with the payload (tensor-payload.ts).
 */
import type { Type } from '../../types.js';
import type { GraphPath } from '../../walk.js';
import type { VerifyContext } from '../context.js';

export function badTypeDims(ctx: VerifyContext, t: Type, p: GraphPath, value: string): void {
  if (t.kind === 'tensor' && t.shape && goodDims(t.shape)) return;
  const stack: Type[] = [t];
  while (stack.length > 0) {
    const x = stack.pop()!;
    if ((x.kind === 'tensor' || x.kind === 'sparse') && x.shape) {
      for (const d of x.shape) {
        if (typeof d === 'number' && (!Number.isSafeInteger(d) || d < 0)) {
          ctx.report('bad-dims', `type of ${value} has dim ${d}`, p, { value });
          break;
        }
      }
    } else if ((x.kind === 'sequence' || x.kind === 'optional') && x.elem) stack.push(x.elem);
    else if (x.kind === 'map' && x.value) stack.push(x.value);
  }
}

/** Every numeric dim a non-negative safe integer (the common case, checked without a closure). */
function goodDims(shape: readonly (number | string | null)[]): boolean {
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d === 'number' && !(d >= 0 && Number.isSafeInteger(d))) return false;
  }
  return true;
}
