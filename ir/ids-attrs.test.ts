import { describe, expect, test } from 'vitest';
import { chainModel } from '../test/arbitraries/model.js';
import { attrEqual, attrFloat, attrInt, attrInts, float, floats, getAttr, makeAttr, toAttrs, withAttr, withoutAttr, type AttrInit } from './attrs.js';
import { LatheError } from './error.js';
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
    expect(makeAttr('a', float(0.5))).toEqual({ name: 'a', kind: 'float', value: 0.5 });
    expect(makeAttr('a', float(1))).toEqual({ name: 'a', kind: 'float', value: 1 });
    expect(makeAttr('a', 2n)).toEqual({ name: 'a', kind: 'int', value: 2n });
    expect(makeAttr('a', 's')).toEqual({ name: 'a', kind: 'string', value: 's' });
    expect(makeAttr('a', [1n, 0n]).kind).toBe('ints');
    expect(makeAttr('a', floats([1.5, 2]))).toEqual({ name: 'a', kind: 'floats', value: [1.5, 2] });
    expect(makeAttr('a', ['x']).kind).toBe('strings');
    expect(makeAttr('a', { kind: 'ints', value: [] })).toEqual({ name: 'a', kind: 'ints', value: [] });
  });

  test('a bare JS number is no AttrInit: a type error, and at run time an error when integral', () => {
    // @ts-expect-error: { axis: 1 } must say INT (1n) or FLOAT (float(1))
    const typed: AttrInit = 1;
    expect(() => makeAttr('axis', typed)).toThrow(LatheError);
    expect(() => makeAttr('axis', typed)).toThrow("attribute 'axis': the bare number 1 is ambiguous; write 1n for an INT or float(1) for a FLOAT");
    const js = (v: unknown) => () => toAttrs({ v: v as AttrInit });
    expect(js(0)).toThrow(/bare number 0/);
    expect(js([1.5, 2])).toThrow("attribute 'v': the bare number 2 is ambiguous; write [2n, …] for an INT or floats([2, …]) for a FLOAT");
    // A fraction can only be a FLOAT: JavaScript callers keep that meaning.
    expect(js(0.5)()).toEqual([{ name: 'v', kind: 'float', value: 0.5 }]);
    expect(js([0.5, 1.5])()).toEqual([{ name: 'v', kind: 'floats', value: [0.5, 1.5] }]);
  });

  test('get/with/without by name; no-op writes return the same array', () => {
    const attrs = toAttrs({ alpha: float(0.2), perm: [1n, 0n], axis: 1n });
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
    expect(attrEqual(makeAttr('a', float(NaN)), makeAttr('a', float(NaN)))).toBe(true);
    expect(attrEqual(makeAttr('a', float(1)), makeAttr('a', float(2)))).toBe(false);
  });

  test('names like __proto__ are plain attributes', () => {
    const attrs = [makeAttr('__proto__', 1n), makeAttr('constructor', 2n)];
    expect(attrInt(attrs, '__proto__')).toBe(1n);
    expect(attrInt(attrs, 'constructor')).toBe(2n);
    expect(attrInt(attrs, 'toString')).toBeUndefined();
  });
});
