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

/**
 * fold-affine on `m` as written and on `m` with `weight` stored lazily: the two outputs print the
 * same and compute the same; returns how many initializers of the lazy run are lazily scaled blobs.
 */
function lazyScaledCount(m: Model, weight: string): number {
  const eager = run(m);
  const lazyInput = blobbed(m, weight);
  const out = run(lazyInput);
  expect(printModel(out)).toBe(printModel(eager));
  expectSameOutputs(lazyInput, out, 3);
  return out.graph.initializers.map((v) => out.graph.values[v].tensor!).filter((t) => t.data.kind === 'blob' && scaledOrigin(t.data.blob)).length;
}

describe('fold-affine keeps a stored weight in its file when it only scales it', () => {
  it.each(['attention-divide-into-query', 'attention-scale-into-query'])('%s: the scaled weight is a lazy payload with the eager bytes', (name) => {
    expect(lazyScaledCount(input(name), 'wq')).toBe(1);
  });
});

describe('fold-affine scales only float32 weights lazily', () => {
  // The lazy payload multiplies 4-byte words as float32: a float16 or float64 weight in a file
  // (16 float16 elements are 32 bytes, a whole number of words) must be scaled eagerly, in its dtype.
  // float16 literals are bit patterns: 0.5, 1, 2, -1, 0.25, 3, 4, -0.5, … as below for float64.
  const weights: Record<string, string> = {
    float16: '14336,15360,16384,48128,13312,16896,17408,47104,15360,15360,16384,16384,48128,14336,13312,17408',
    double: '0.5,1,2,-1,0.25,3,4,-0.5,1,1,2,2,-1,0.5,0.25,4',
  };
  it.each([['float16', 10], ['double', 11]] as const)('a %s weight in a file is scaled by the kernel, with the eager bytes', (dtype, to) => {
    const text = `<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3,4] x, float[2,3,4] q) => (y)
  <${dtype}[4,4] wk = {${weights[dtype]}}, ${dtype} scale = {${dtype === 'float16' ? 13312 : 0.25}}> {
  xc = Cast <to = ${to}> (x)
  qc = Cast <to = ${to}> (q)
  p = MatMul (xc, wk)
  kt = Transpose <perm = [0, 2, 1]> (p)
  s = MatMul (qc, kt)
  y = Mul (s, scale)
}`;
    expect(printModel(run(parseModel(text)))).toContain('matmul-scale-into-weights');
    expect(lazyScaledCount(parseModel(text), 'wk')).toBe(0);
  });
});
