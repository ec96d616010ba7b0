/**
 * Scale of the wire codec: a 200,000-node graph (2 inputs, 1 output, 1–2 attributes per node)
 * encodes (buffered and streaming, to the same bytes) and decodes back intact, with no recursion
 * and no model-sized intermediate. Times are printed for information only: speed targets are
 * checked by `npm run bench` (BENCHMARKS.md), never by timed assertions on a shared machine.
 */
import { expect, test } from 'vitest';
import { memorySource } from '../blob.js';
import { decodeModel } from './decode.js';
import { encodeModel, encodeModelToBytes } from './encode.js';
import type { AttributeProto, ModelProto, NodeProto } from './proto.js';

const N = 200_000;

function attr(a: Partial<AttributeProto>): AttributeProto {
  return { floats: [], ints: [], strings: [], tensors: [], graphs: [], sparseTensors: [], typeProtos: [], ...a };
}

function bigModel(): ModelProto {
  const node: NodeProto[] = [];
  for (let i = 0; i < N; i++) {
    const attribute = [attr({ name: 'alpha', type: 1, f: 0.5 })];
    if (i % 2 === 0) attribute.push(attr({ name: 'axes', type: 7, ints: [0n, -1n, BigInt(i)] }));
    node.push({
      input: [`v${i}`, `w${i % 100}`], output: [`v${i + 1}`], name: `n${i}`, opType: i % 2 ? 'Add' : 'Gemm',
      attribute, metadataProps: [], deviceConfigurations: [],
    });
  }
  return {
    irVersion: 10n, opsetImport: [{ domain: '', version: 21n }], metadataProps: [], trainingInfo: [], functions: [], configuration: [],
    graph: { node, name: 'g', initializer: [], sparseInitializer: [], input: [], output: [], valueInfo: [], quantizationAnnotation: [], metadataProps: [] },
  };
}

function best(run: () => void): number {
  let ms = Infinity;
  for (let i = 0; i < 2; i++) {
    const t0 = performance.now();
    run();
    ms = Math.min(ms, performance.now() - t0);
  }
  return ms;
}

test(`${N.toLocaleString('en')} nodes: encode and decode intact`, () => {
  const model = bigModel();
  let bytes: Uint8Array = new Uint8Array(0);
  const encodeMs = best(() => {
    bytes = encodeModelToBytes(model);
  });
  let streamed = 0;
  const streamMs = best(() => {
    streamed = 0;
    encodeModel(model, { write: (c) => void (streamed += c.length), position: 0 });
  });
  let decoded: ModelProto | undefined;
  const decodeMs = best(() => {
    decoded = decodeModel(memorySource(bytes));
  });
  console.log(
    `${N} nodes, ${(bytes.length / 2 ** 20).toFixed(1)} MiB: encode ${encodeMs.toFixed(0)} ms (streaming ${streamMs.toFixed(0)} ms), ` +
      `decode ${decodeMs.toFixed(0)} ms`,
  );
  expect(streamed).toBe(bytes.length);
  expect(decoded!.graph!.node).toHaveLength(N);
  expect(decoded!.graph!.node[N - 2].attribute[1].ints).toEqual([0n, -1n, BigInt(N - 2)]);
  expect(decoded!.graph!.node[N - 1].opType).toBe('Add');
  expect(decoded!.graph!.node[N - 1].input).toEqual([`v${N - 1}`, `w${(N - 1) % 100}`]);
});
