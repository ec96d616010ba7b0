import { describe, expect, test } from 'vitest';
import { chainModel } from '../test/arbitraries/model.js';
import { attrEqual, attrFloat, attrInt, attrInts, getAttr, makeAttr, toAttrs, withAttr, withoutAttr } from './attrs.js';
import { GraphBuilder, modelOf } from './edit/build.js';
import { idAllocator } from './ids.js';
import type { ValueId } from './types.js';

describe('idAllocator', () => {
  test('fresh ids past every id in the model, including subgraphs and dangling refs', () => {
    const b = new GraphBuilder();
    const x = b.input('x');
    const t = b.subgraph('t');
    t.output(t.op('Relu', [x]));
    const y = b.op('If', [x], { then_branch: t.build(), else_branch: t.build() });
    b.output(y);
    const g = b.build();
    const dangling = { ...g, outputs: [y, 'v77' as ValueId] };
    const alloc = idAllocator(modelOf(dangling));
    expect(alloc.value()).toBe('v78');
    expect(alloc.node()).toBe('n2');
  });

  test('cached per model: never hands out the same id twice', () => {
    const { model } = chainModel();
    const a = idAllocator(model).value();
    const b = idAllocator(model).value();
    expect(a).not.toBe(b);
  });
});

describe('attrs', () => {
  test('makeAttr infers kinds', () => {
    expect(makeAttr('a', 0.5)).toEqual({ name: 'a', kind: 'float', value: 0.5 });
    expect(makeAttr('a', 2n)).toEqual({ name: 'a', kind: 'int', value: 2n });
    expect(makeAttr('a', 's')).toEqual({ name: 'a', kind: 'string', value: 's' });
    expect(makeAttr('a', [1n, 0n]).kind).toBe('ints');
    expect(makeAttr('a', [1.5]).kind).toBe('floats');
    expect(makeAttr('a', ['x']).kind).toBe('strings');
    expect(makeAttr('a', { kind: 'ints', value: [] })).toEqual({ name: 'a', kind: 'ints', value: [] });
  });

  test('get/with/without by name; no-op writes return the same array', () => {
    const attrs = toAttrs({ alpha: 0.2, perm: [1n, 0n], axis: 1n });
    expect(attrFloat(attrs, 'alpha')).toBe(0.2);
    expect(attrInt(attrs, 'axis')).toBe(1n);
    expect(attrInt(attrs, 'missing', 7n)).toBe(7n);
    expect(attrInt(attrs, 'alpha')).toBeUndefined(); // wrong kind
    expect(attrInts(attrs, 'perm')).toEqual([1n, 0n]);
    expect(withAttr(attrs, makeAttr('perm', [1n, 0n]))).toBe(attrs);
    const changed = withAttr(attrs, makeAttr('perm', [0n, 1n]));
    expect(changed).not.toBe(attrs);
    expect(attrInts(changed, 'perm')).toEqual([0n, 1n]);
    expect(withAttr(attrs, makeAttr('new', 1n)).length).toBe(4);
    expect(withoutAttr(attrs, 'nope')).toBe(attrs);
    expect(getAttr(withoutAttr(attrs, 'alpha'), 'alpha')).toBeUndefined();
    expect(attrEqual(makeAttr('a', NaN), makeAttr('a', NaN))).toBe(true);
    expect(attrEqual(makeAttr('a', 1), makeAttr('a', 2))).toBe(false);
  });

  test('names like __proto__ are plain attributes', () => {
    const attrs = [makeAttr('__proto__', 1n), makeAttr('constructor', 2n)];
    expect(attrInt(attrs, '__proto__')).toBe(1n);
    expect(attrInt(attrs, 'constructor')).toBe(2n);
    expect(attrInt(attrs, 'toString')).toBeUndefined();
  });
});
