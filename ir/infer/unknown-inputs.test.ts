/**
 * An input that is named but not known (made by an op without a rule: a contrib op, a custom
 * domain) reaches the rules as null, as an absent optional input does. Rules must not read it as
 * absent: found on an onnxruntime-optimized model, where Concat of a Split output and a FusedConv
 * output was inferred as the Split output alone ([1, 58, 28, 28] instead of 116 channels).
 */
import { describe, expect, it } from 'vitest';
import { parseModel } from '../text/parse.js';
import type { ValueId } from '../types.js';
import { inferTypes } from './infer.js';

function typeOf(text: string, name: string) {
  const m = parseModel(text);
  const r = inferTypes(m);
  const id = (Object.keys(m.graph.values) as ValueId[]).find((k) => m.graph.values[k].name === name)!;
  return { type: r.types.get(id), value: r.values.get(id) };
}

describe('inputs named but not known', () => {
  it('Concat: the sum along the axis is unknown, the other dims stay', () => {
    const { type } = typeOf(`<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
g (float[1,58,28,28] x) => (y) {
  u = custom.Unknown (x)
  y = Concat <axis = 1> (x, u)
}`, 'y');
    expect(type).toMatchObject({ kind: 'tensor', dtype: 1 });
    const shape = type?.kind === 'tensor' ? type.shape : undefined;
    expect(shape?.[1] ?? null).toBeNull();
    expect(shape === undefined || (shape[0] === 1 && shape[2] === 28 && shape[3] === 28)).toBe(true);
  });

  it('a folded op does not read the unknown input as absent (Clip without its min)', () => {
    const { value } = typeOf(`<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
g (float[1] x) => (y) {
  c = Constant <value = float[2] {-5.0, 5.0}> ()
  lo = custom.Unknown (x)
  y = Clip (c, lo)
}`, 'y');
    expect(value).toBeUndefined();
  });

  it('an absent optional input still folds', () => {
    const { value } = typeOf(`<ir_version: 8, opset_import: ["" : 17]>
g (float[1] x) => (y) {
  c = Constant <value = float[2] {-5.0, 5.0}> ()
  hi = Constant <value = float {1.0}> ()
  y = Clip (c, , hi)
}`, 'y');
    expect(value && Array.from(value.data as Float32Array)).toEqual([-5, 1]);
  });

  it('an optional operand that is named but not known is not its default (Squeeze axes, Slice steps)', () => {
    const squeezed = typeOf(`<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
g (float[1,3,1] x, int64[1] s) => (y) {
  ax = custom.Unknown (s)
  y = Squeeze (x, ax)
}`, 'y').type;
    // Squeezing every 1 would give [3]; axes [0] give [3, 1].
    expect(squeezed?.kind === 'tensor' ? squeezed.shape : undefined).not.toEqual([3]);
    const sliced = typeOf(`<ir_version: 8, opset_import: ["" : 17, "custom" : 1]>
g (float[8] x, int64[1] s) => (y) {
  b = Constant <value = int64[1] {0}> ()
  e = Constant <value = int64[1] {8}> ()
  a = Constant <value = int64[1] {0}> ()
  st = custom.Unknown (s)
  y = Slice (x, b, e, a, st)
}`, 'y').type;
    // Steps of 1 would give [8]; steps of 2 give [4].
    expect(sliced?.kind === 'tensor' ? sliced.shape : undefined).not.toEqual([8]);
  });
});
