import { describe, expect, it } from 'vitest';
import { Blob, type ByteSource } from '../blob.js';
import { LatheError } from '../error.js';
import type { Model, ValueId } from '../types.js';
import { parseModel } from './parse.js';
import { printModel } from './print.js';

/** A source of `size` bytes that all read as the float32 1.2345678 (no memory behind it). */
function patterned(size: number): ByteSource {
  const word = new Uint8Array(new Float32Array([1.2345678]).buffer);
  return {
    size,
    label: '<pattern>',
    read(offset, length, into) {
      const out = into && into.length >= length ? into.subarray(0, length) : new Uint8Array(length);
      for (let i = 0; i < length; i++) out[i] = word[(offset + i) % 4];
      return out;
    },
  };
}

/** A model whose one initializer has `n` float32 elements, lazily (a blob over `patterned`). */
function withWeight(n: number): Model {
  const m = parseModel('<ir_version: 8, opset_import: ["" : 17]> g (float[1] x) => (y) <float[1] w = {1}> { y = Add (x, w) }');
  const id = m.graph.initializers[0] as ValueId;
  const tensor = { dtype: 1, dims: [n], data: { kind: 'blob' as const, blob: new Blob(patterned(4 * n), 0, 4 * n) } };
  return { ...m, graph: { ...m.graph, values: { ...m.graph.values, [id]: { ...m.graph.values[id], tensor } } } };
}

describe('printModel and the longest string', () => {
  it('refuses, before building any text, a model whose weights print past what one string holds', () => {
    // 100 M elements of ~11 characters: about 1 GB of text, estimated from the first elements.
    const m = withWeight(100_000_000);
    expect(() => printModel(m)).toThrow(LatheError);
    expect(() => printModel(m)).toThrow(/longest string JavaScript can hold.*lathe strip/);
    // With the weight stripped from the text it prints.
    expect(printModel(m, { stripAbove: 1000 })).toContain('stripped');
  });

  it('prints a large weight that fits', () => {
    const text = printModel(withWeight(20_000));
    expect(text).toContain('1.2345678');
    expect(text.length).toBeGreaterThan(20_000 * 9);
  });
});
