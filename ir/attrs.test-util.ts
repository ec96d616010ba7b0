/**
 * Kernel and inference tests write attributes tersely (`{ alpha: 0.2, epsilon: 1 }`): here, and
 * only here, a bare number is a FLOAT, as the ONNX attribute it stands for. Library code uses
 * `AttrInit`, where a bare number is refused (see ir/attrs.ts).
 */
import { float, floats, toAttrs, type AttrInit, type AttrsInit } from './attrs.js';
import type { Attr } from './types.js';

export type TestAttrs = Readonly<Record<string, AttrInit | number | readonly number[]>> | readonly Attr[];

/** `toAttrs` with bare numbers (and lists of them) as FLOAT(S). */
export function testAttrs(init: TestAttrs | undefined): Attr[] {
  if (!init || Array.isArray(init)) return toAttrs(init as AttrsInit | undefined);
  const out: Record<string, AttrInit> = {};
  for (const [k, v] of Object.entries(init as Record<string, AttrInit | number | readonly number[]>)) {
    out[k] = typeof v === 'number' ? float(v) : Array.isArray(v) && v.length > 0 && typeof v[0] === 'number' ? floats(v as number[]) : (v as AttrInit);
  }
  return toAttrs(out);
}
