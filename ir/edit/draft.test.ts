import { describe, expect, it } from 'vitest';
import { DraftList, DraftTable, mapEntries } from './draft.js';

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

describe('DraftList', () => {
  it('current() mid-edit is a plain copy with the edits; the base is never written', () => {
    const base = ['a', 'b'] as const;
    const l = new DraftList<string>(base);
    expect(l.current()).toBe(base);
    l.set(1, 'c');
    l.push('d');
    const now = l.current();
    expect(now).toEqual(['a', 'c', 'd']);
    expect(base).toEqual(['a', 'b']);
    l.push('e');
    expect(now).toEqual(['a', 'c', 'd']); // a snapshot, not a live view
    expect(l.finish()).toEqual(['a', 'c', 'd', 'e']);
  });
  it('finish is stable, is the base when nothing was written, and a write after it throws', () => {
    const base = ['x'];
    const idle = new DraftList<string>(base);
    expect(idle.finish()).toBe(base);
    const l = new DraftList<string>(base);
    l.set(0, 'y');
    const first = l.finish();
    expect(l.finish()).toBe(first);
    expect(l.current()).toBe(first);
    expect(l.items).toBe(first);
    expect(() => l.push('z')).toThrow(/DraftList: written after finish/);
    expect(() => l.set(0, 'q')).toThrow(/DraftList: written after finish/);
    expect(first).toEqual(['y']);
    // Setting an item to the value it has is no write (and no error).
    expect(() => l.set(0, 'y')).not.toThrow();
  });
});

describe('DraftTable after finish', () => {
  it('untouched() is true for an edit that wrote nothing, false after a write; finish twice is the same table', () => {
    const base = { a: { n: 1 } } as Record<string, { n: number }>;
    const t = new DraftTable(base);
    expect(t.untouched()).toBe(true);
    expect(t.finish()).toBe(base);
    expect(t.untouched()).toBe(true);
    const w = new DraftTable(base);
    w.set('b', { n: 2 });
    expect(w.untouched()).toBe(false);
    const out = w.finish();
    expect(w.finish()).toBe(out);
    expect(w.untouched()).toBe(false);
    expect(() => w.set('c', { n: 3 })).toThrow(/DraftTable: written after finish/);
    expect(Object.keys(base)).toEqual(['a']);
  });
});
