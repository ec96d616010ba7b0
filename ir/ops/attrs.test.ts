import { describe, expect, test } from 'vitest';
import { LatheError } from '../error.js';
import type { Attr, Node, NodeId } from '../types.js';
import { attrReader } from './attrs.js';

const node = (attrs: Attr[], name?: string): Node => ({ id: 'n0' as NodeId, op: 'Foo', domain: '', inputs: [], outputs: [], attrs, name });

describe('attrReader', () => {
  const n = node([
    { name: 'axis', kind: 'int', value: -1n },
    { name: 'big', kind: 'int', value: 2n ** 62n },
    { name: 'alpha', kind: 'float', value: 0.5 },
    { name: 'beta', kind: 'int', value: 2n },
    { name: 'mode', kind: 'string', value: 'linear' },
    { name: 'perm', kind: 'ints', value: [1n, 0n] },
    { name: 'scales', kind: 'floats', value: [1.5] },
    { name: 'names', kind: 'strings', value: ['a'] },
    { name: 't', kind: 'tensor', value: { dtype: 7, dims: [1], data: { kind: 'field', field: 'int64_data', values: BigInt64Array.of(9n) } } },
    { name: 'axis', kind: 'int', value: 5n },
  ], 'my');
  const r = attrReader(n);
  test('typed reads and defaults', () => {
    expect(r.int('axis')).toBe(-1); // first of a name wins
    expect(r.bigint('big')).toBe(2n ** 62n);
    expect(r.float('alpha')).toBe(0.5);
    expect(r.float('beta')).toBe(2); // INT read as FLOAT
    expect(r.string('mode')).toBe('linear');
    expect(r.ints('perm')).toEqual([1, 0]);
    expect(r.floats('scales')).toEqual([1.5]);
    expect(r.strings('names')).toEqual(['a']);
    expect(Array.from(r.tensor('t')!.data as BigInt64Array)).toEqual([9n]);
    expect(r.int('missing', 3)).toBe(3);
    expect(r.ints('missing', [])).toEqual([]);
    expect(r.has('missing')).toBe(false);
    expect(r.tensor('missing')).toBeUndefined();
    expect(r.graph('missing')).toBeUndefined();
  });
  test('wrong kind and missing required attributes name the node', () => {
    expect(() => r.int('mode')).toThrow(/node my: attribute 'mode' is string, expected int/);
    expect(() => r.string('nope')).toThrow(/attribute 'nope' is required/);
    expect(() => r.graph('axis')).toThrow(LatheError);
  });
  test('ref attributes resolve through the caller; unresolved refs are absent', () => {
    const f = node([{ name: 'value_float', kind: 'ref', ref: 'alpha', type: 'float' }, { name: 'k', kind: 'ref', ref: 'nothing', type: 'int' }]);
    const rr = attrReader(f, (ref) => (ref === 'alpha' ? { name: 'alpha', kind: 'float', value: 2.5 } : undefined));
    expect(rr.float('value_float')).toBe(2.5);
    expect(rr.get('value_float')?.name).toBe('value_float');
    expect(rr.has('k')).toBe(false);
    expect(rr.int('k', 7)).toBe(7);
  });
  test('names like __proto__ are plain names', () => {
    const p = attrReader(node([{ name: '__proto__', kind: 'int', value: 1n }]));
    expect(p.int('__proto__')).toBe(1);
    expect(p.has('constructor')).toBe(false);
  });
});

