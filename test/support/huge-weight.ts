/** Models with weights too large to hold, for tests of size limits: the payload is computed on read. */
import { Blob, type ByteSource } from '../../ir/blob.js';
import { parseModel } from '../../ir/text/parse.js';
import type { Model, ValueId } from '../../ir/types.js';

/** A source of `size` bytes that all read as the float32 1.2345678 (no memory behind it). */
export function patterned(size: number): ByteSource {
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
export function withWeight(n: number): Model {
  const m = parseModel('<ir_version: 8, opset_import: ["" : 17]> g (float[1] x) => (y) <float[1] w = {1}> { y = Add (x, w) }');
  const id = m.graph.initializers[0] as ValueId;
  const tensor = { dtype: 1, dims: [n], data: { kind: 'blob' as const, blob: new Blob(patterned(4 * n), 0, 4 * n) } };
  return { ...m, graph: { ...m.graph, values: { ...m.graph.values, [id]: { ...m.graph.values[id], tensor } } } };
}

