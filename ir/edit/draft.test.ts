import { describe, expect, it } from 'vitest';
import { DraftTable, mapEntries } from './draft.js';

describe('DraftTable', () => {
  it('never reads what a plain object inherits as a table entry', () => {
    const node = { id: 'n0' };
    const t = new DraftTable<string, object>({ n0: node });
    for (const k of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'n1']) expect(t.get(k)).toBeUndefined();
    expect(t.get('n0')).toBe(node);
  });
  it('sees own entries under inherited names, writes and deletions', () => {
    const a = { id: 'a' };
    const b = { id: 'b' };
    const base = Object.assign(Object.create(null) as Record<string, object>, { toString: a });
    const t = new DraftTable<string, object>(base);
    expect(t.get('toString')).toBe(a);
    t.set('constructor', b);
    expect(t.get('constructor')).toBe(b);
    t.delete('toString');
    expect(t.get('toString')).toBeUndefined();
    const out = t.finish();
    expect(Object.keys(out).sort()).toEqual(['constructor']);
    expect(base.toString).toBe(a);
  });
});

describe('mapEntries', () => {
  it('replaces entries in place, keeps the order and the base, and is the base when nothing changes', () => {
    const base = { b: { id: 'b' }, a: { id: 'a' }, c: { id: 'c' } };
    const a2 = { id: 'a', x: 1 };
    const out = mapEntries<string, object>(base, (v) => ((v as { id: string }).id === 'a' ? a2 : v));
    expect(Object.keys(out)).toEqual(['b', 'a', 'c']);
    expect(out.a).toBe(a2);
    expect(out.b).toBe(base.b);
    expect(base.a).toEqual({ id: 'a' });
    expect(mapEntries<string, object>(base, (v) => v)).toBe(base);
  });
});
