/**
 * Test support for the elementwise kernels: a KernelContext over a synthetic node, tensor
 * constructors per dtype, and a runner that looks an op up in the family table.
 */
import { testAttrs as toAttrs, type TestAttrs as AttrsInit } from '../../attrs.test-util.js';
import { DataType as D } from '../../dtype.js';
import { syntheticNode, testContext } from '../test-util.js';
import { ops } from '../elementwise.js';
import type { KernelContext, NumericArray, RtValue, TensorValue } from '../types.js';
import { allocate } from '../util.js';

export function ctxOf(op: string, attrs: AttrsInit = {}, opset = 100, inputs = 2): KernelContext {
  return testContext(syntheticNode(op, toAttrs(attrs), inputs), opset, { random: () => 0.5 });
}

/** Runs op `name` of the family on `inputs`; returns its first output as a tensor. */
export function run(name: string, inputs: (RtValue | null)[], attrs: AttrsInit = {}, opset = 100): TensorValue {
  const def = ops.find((d) => d.name === name);
  if (!def) throw new Error(`no op ${name}`);
  const out = def.kernel(inputs, ctxOf(name, attrs, opset, inputs.length))[0];
  if (!out || out.kind !== 'tensor') throw new Error('expected a tensor output');
  return out;
}

/** A tensor of `dtype` with values converted to its storage (bigint for 64-bit ints). */
export function t(dtype: number, dims: number[], values: (number | bigint | string)[]): TensorValue {
  const data = allocate(dtype, values.length) as { [i: number]: unknown };
  const big = dtype === D.INT64 || dtype === D.UINT64;
  values.forEach((v, i) => { data[i] = big ? BigInt(v) : v; });
  return { kind: 'tensor', dtype, dims, data: data as NumericArray };
}

export const f32 = (dims: number[], v: number[]): TensorValue => t(D.FLOAT, dims, v);

/** Elements as plain numbers/strings (bigints become numbers: tests keep them < 2^53). */
export function vals(v: TensorValue): (number | string)[] {
  return Array.isArray(v.data) ? v.data.slice() : Array.from(v.data as ArrayLike<number | bigint>, (x) => (typeof x === 'bigint' ? Number(x) : x));
}
