import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Blob, memorySource } from '../../ir/blob.js';
import { scaledOrigin } from '../../ir/scaled-blob.js';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import type { Model, ValueId } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { expectSameOutputs } from '../../test/support/pass-properties.js';
import { foldAffine } from './fold-affine.js';

const input = (name: string) => parseModel(readFileSync(new URL(`../../golden/fold-affine/${name}/input.onnx.txt`, import.meta.url), 'utf8'));

/** `m` with initializer `name`'s payload as a blob 12 bytes into a memory source (lazy, as a file's weights are). */
function blobbed(m: Model, name: string): Model {
  const id = m.graph.initializers.find((v) => m.graph.values[v].name === name) as ValueId;
  const t = m.graph.values[id].tensor!;
  const raw = t.data.kind === 'raw' ? t.data.bytes : new Uint8Array(0);
  const bytes = new Uint8Array(12 + raw.length);
  bytes.set(raw, 12);
  const tensor = { ...t, data: { kind: 'blob' as const, blob: new Blob(memorySource(bytes), 12, raw.length) } };
  return { ...m, graph: { ...m.graph, values: { ...m.graph.values, [id]: { ...m.graph.values[id], tensor } } } };
}

function run(m: Model): Model {
  const out = foldAffine().run(m, createPassContext());
  expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
  return out;
}

describe('fold-affine keeps a stored weight in its file when it only scales it', () => {
  it.each(['attention-divide-into-query', 'attention-scale-into-query'])('%s: the scaled weight is a lazy payload with the eager bytes', (name) => {
    const eager = run(input(name));
    const m = blobbed(input(name), 'wq');
    const out = run(m);
    const lazy = out.graph.initializers.map((v) => out.graph.values[v].tensor!).filter((t) => t.data.kind === 'blob' && scaledOrigin(t.data.blob));
    expect(lazy).toHaveLength(1);
    expect(printModel(out)).toBe(printModel(eager));
    expectSameOutputs(m, out, 3);
  });
});
