/**
 * constantReader: what passes (fold-constants, eliminate-no-ops, inline-functions) take for a
 * constant. A Constant node whose value cannot be computed must read as "no value" (null), never
 * throw out of the pass or give a value; an id of no graph is no constant.
 */
import { describe, expect, test } from 'vitest';
import { editAll } from '../ir/edit/edit.js';
import { parseModel } from '../ir/text/parse.js';
import type { Model, ValueId } from '../ir/types.js';
import { constantReader, opsetsFor, type ConstantReader } from './constants.js';

function readerOf(m: Model, opsets?: Map<string, number>): { r: ConstantReader; id: (n: string) => ValueId } {
  let r: ConstantReader | undefined;
  editAll(m, (e, path) => {
    if (!path.parent && path.step.kind === 'main') r = constantReader(e, path, opsets ?? opsetsFor(m, path));
  });
  const id = (n: string) => Object.values(m.graph.values).find((v) => v.name === n)!.id as ValueId;
  return { r: r!, id };
}

describe('constantReader', () => {
  const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] p, float[2] o) => (y) <float[2] w = {1, 2}, float[2] o = {0, 0}> {
  c = Constant <value_ints = [3, -4]> ()
  bad = Constant ()
  a = Add (p, w)
  y = Add (a, o)
}`);
  test('a Constant node is computed by its kernel: value_ints is int64 [n]', () => {
    const { r, id } = readerOf(m);
    const v = r.value(id('c'));
    expect(v).toMatchObject({ kind: 'tensor', dtype: 7, dims: [2] });
    expect(Array.from((v as { data: BigInt64Array }).data)).toEqual([3n, -4n]);
  });
  test('a Constant whose kernel refuses it (no value attribute) is a constant without a value: null, not an exception', () => {
    const { r, id } = readerOf(m);
    expect(r.isConstant(id('bad'))).toBe(true);
    expect(r.value(id('bad'))).toBeNull();
  });
  test('without an ONNX opset in effect a Constant node has no value (no kernel can be chosen)', () => {
    const { r, id } = readerOf(m, new Map());
    expect(r.value(id('c'))).toBeNull();
  });
  test('initializers are, overridable ones and computed values are not, and an id of no graph is not', () => {
    const { r, id } = readerOf(m);
    expect(r.isConstant(id('w'))).toBe(true);
    expect(Array.from((r.value(id('w')) as { data: Float32Array }).data)).toEqual([1, 2]);
    expect(r.isConstant(id('o'))).toBe(false);
    expect(r.value(id('o'))).toBeNull();
    expect(r.isConstant(id('a'))).toBe(false);
    expect(r.isConstant('v_nowhere' as ValueId)).toBe(false);
    expect(r.value('v_nowhere' as ValueId)).toBeNull();
  });
});
