/** GraphBuilder corners no test had run (coverage): omitted outputs, unknown-rank types, misuse. */
import { describe, expect, test } from 'vitest';
import { GraphBuilder, tensorType } from './build.js';

describe('GraphBuilder', () => {
  test('tensorType without a shape is unknown rank (no shape key); with one it copies the dims', () => {
    expect(tensorType(1)).toEqual({ kind: 'tensor', dtype: 1 });
    expect('shape' in tensorType(1)).toBe(false);
    const dims: (number | string)[] = [2, 'N'];
    const t = tensorType(7, dims);
    dims.push(3);
    expect(t).toEqual({ kind: 'tensor', dtype: 7, shape: [2, 'N'] });
    expect(tensorType(1, [])).toEqual({ kind: 'tensor', dtype: 1, shape: [] });
  });
  test('a null output name is an omitted output: no value is made for it, later outputs keep their index', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', tensorType(1, [4]));
    const outs = b.ops('Dropout', [x], {}, { outputs: ['y', null] });
    expect(outs[1]).toBeNull();
    const [first, second] = b.ops('Split', [x], {}, { outputs: [null, 'b'] });
    expect(first).toBeNull();
    const g = b.build();
    expect(g.values[second!]).toMatchObject({ name: 'b', def: { index: 1 } });
    const split = Object.values(g.nodes).find((n) => n.op === 'Split')!;
    expect(split.outputs).toEqual([null, second]);
  });
  test('op() on a node whose first output is omitted, and setType of an unknown value, are refused', () => {
    const b = new GraphBuilder('g');
    const x = b.input('x', tensorType(1, [4]));
    expect(() => b.op('Split', [x], {}, { outputs: [null, 'b'] })).toThrow(/GraphBuilder.op: Split has no first output/);
    expect(() => b.setType('v999' as never, tensorType(1))).toThrow(/GraphBuilder.setType: v999 is not defined in graph g/);
    b.setType(x, tensorType(1, [5]));
    expect(b.build().values[x].type).toEqual(tensorType(1, [5]));
  });
});
