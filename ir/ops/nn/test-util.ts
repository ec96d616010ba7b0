/**
 * Test helpers of the nn family: run one op's kernel on tensors with attributes, without the
 * evaluator. (No node: imports: usable from any test.)
 */
import { testAttrs as toAttrs, type TestAttrs as AttrsInit } from '../../attrs.test-util.js';
import { DataType as D } from '../../dtype.js';
import { syntheticNode, testContext } from '../test-util.js';
import type { KernelContext, RtValue, TensorValue } from '../types.js';
import { ops } from '../nn.js';

export function ctxOf(op: string, attrs: AttrsInit = {}, opset = 22, nOut = 1): KernelContext {
  return testContext(syntheticNode(op, toAttrs(attrs), 0, nOut), opset, { seed: 7 });
}

/** Runs op `name` of the nn table. */
export function run(name: string, inputs: (RtValue | null)[], attrs: AttrsInit = {}, opset = 22, nOut = 1): (RtValue | null)[] {
  const def = ops.find((o) => o.name === name && o.domain === '');
  if (!def) throw new Error(`no op ${name}`);
  return def.kernel(inputs, ctxOf(name, attrs, opset, nOut));
}

export function runT(name: string, inputs: (RtValue | null)[], attrs: AttrsInit = {}, opset = 22): TensorValue {
  const out = run(name, inputs, attrs, opset)[0];
  if (!out || out.kind !== 'tensor') throw new Error('no tensor output');
  return out;
}

export function f32(dims: number[], values?: ArrayLike<number>): TensorValue {
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  if (values) data.set(values);
  return { kind: 'tensor', dtype: D.FLOAT, dims, data };
}

export function i64(dims: number[], values: number[]): TensorValue {
  return { kind: 'tensor', dtype: D.INT64, dims, data: BigInt64Array.from(values.map(BigInt)) };
}

/** Deterministic pseudo-random floats in [-1, 1). */
export function randF32(dims: number[], seed: number): TensorValue {
  let s = seed >>> 0 || 1;
  const n = dims.reduce((a, b) => a * b, 1);
  const data = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return { kind: 'tensor', dtype: D.FLOAT, dims, data };
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}
