/**
 * Feeding ONNX node-test data to onnxruntime-node, and reading its outputs back as lathe runtime
 * values (for comparing with a case's stored outputs under ONNX's tolerance).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { memorySource } from '../../ir/blob.js';
import { decodeTensor } from '../../ir/onnx/decode.js';
import { liftTensor } from '../../ir/onnx/lift-tensor.js';
import { rawPayload } from '../../ir/onnx/tensor.js';
import { decodeRaw } from '../../ir/ops/tensor-value.js';
import type { TensorValue } from '../../ir/ops/types.js';
import type { Model, Tensor } from '../../ir/types.js';
import type { Feeds } from '../../bench/ort.js';

const ortType: Record<number, ort.Tensor.Type> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 9: 'bool',
  10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};
const lathDtype: Record<string, number> = Object.fromEntries([...Object.entries(ortType).map(([k, v]) => [v, Number(k)]), ['string', 8]]);
const arrays: Record<string, new (b: ArrayBuffer) => ArrayBufferView> = {
  float32: Float32Array, uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array, int32: Int32Array,
  int64: BigInt64Array, bool: Uint8Array, float16: Uint16Array, float64: Float64Array, uint32: Uint32Array, uint64: BigUint64Array,
};

/** An IR tensor as an onnxruntime tensor, or undefined when its binding cannot hold it. */
export function toOrt(t: Tensor): ort.Tensor | undefined {
  const dims = [...t.dims];
  if (t.dtype === 8 && t.data.kind === 'strings') {
    return new ort.Tensor('string', t.data.values.map((b) => new TextDecoder().decode(b)), dims);
  }
  const type = ortType[t.dtype];
  const raw = rawPayload(t, 'input');
  if (!type || raw === undefined) return t.data.kind === 'none' && type ? new ort.Tensor(type, new arrays[type](new ArrayBuffer(0)) as never, dims) : undefined;
  const bytes = raw instanceof Uint8Array ? raw : raw.bytes();
  const copy = new ArrayBuffer(bytes.length); // aligned, and not a Node Buffer pool slice
  new Uint8Array(copy).set(bytes);
  return new ort.Tensor(type, new arrays[type](copy) as never, dims);
}

/** A case's stored inputs of data set `set`, or undefined when one cannot be fed to onnxruntime-node. */
export function storedFeeds(model: Model, dir: string, set = 'test_data_set_0'): Feeds | undefined {
  const sdir = join(dir, set);
  if (!existsSync(sdir)) return undefined;
  const g = model.graph;
  const inits = new Set(g.initializers);
  const inputs = g.inputs.filter((v) => !inits.has(v));
  const feeds: Feeds = {};
  for (let k = 0; k < inputs.length; k++) {
    const v = g.values[inputs[k]];
    const file = join(sdir, `input_${k}.pb`);
    if (!existsSync(file)) continue; // optional input left out by the case
    if (v.type?.kind !== 'tensor') return undefined;
    const t = toOrt(liftTensor(decodeTensor(memorySource(readFileSync(file))), file, undefined));
    if (!t) return undefined;
    feeds[v.name ?? ''] = t;
  }
  return feeds;
}

/** An onnxruntime output tensor as a lathe runtime value (float16 widened as lathe's kernels do). */
export function fromOrt(t: ort.Tensor, what: string): TensorValue {
  const dims = [...t.dims];
  const dtype = lathDtype[t.type];
  if (dtype === undefined) throw new Error(`${what}: onnxruntime type ${t.type} has no lathe dtype`);
  if (t.type === 'string') return { kind: 'tensor', dtype, dims, data: [...(t.data as string[])] };
  const d = t.data as ArrayBufferView;
  const bytes = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  const count = dims.reduce((a, b) => a * b, 1);
  return { kind: 'tensor', dtype, dims, data: decodeRaw(dtype, count, bytes, what) };
}
