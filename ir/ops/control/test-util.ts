/**
 * Test support for the control-family kernels: a KernelContext over a synthetic node, tensor
 * constructors, and plain-array views of results.
 */
import { DataType as D } from '../../dtype.js';
import { testAttrs as toAttrs, type TestAttrs as AttrsInit } from '../../attrs.test-util.js';
import type { Graph } from '../../types.js';
import { syntheticNode, testContext } from '../test-util.js';
import type { KernelContext, OpDef, OpTable, RtValue, TensorValue } from '../types.js';

export interface CtxOptions {
  opset?: number;
  inputs?: number;
  outputs?: number;
  outputDtypes?: (number | undefined)[];
  runGraph?: (g: Graph, inputs: readonly (RtValue | null)[]) => RtValue[];
  random?: () => number;
}

export function ctxOf(op: string, attrs: AttrsInit = {}, o: CtxOptions = {}): KernelContext {
  return testContext(syntheticNode(op, toAttrs(attrs), o.inputs ?? 1, o.outputs ?? 1), o.opset ?? 100, o);
}

/** A named empty graph (bodies are simulated by `runGraph`, which can tell them apart by name). */
export function fakeGraph(name: string): Graph {
  return { name, inputs: [], outputs: [], initializers: [], sparseInitializers: [], order: [], nodes: {}, values: {} };
}

export function find(table: OpTable, name: string, domain = ''): OpDef {
  const d = table.find((x) => x.name === name && x.domain === domain);
  if (!d) throw new Error(`no op ${domain}:${name}`);
  return d;
}

export const f32 = (dims: number[], v: number[]): TensorValue => ({ kind: 'tensor', dtype: D.FLOAT, dims, data: Float32Array.from(v) });
export const f64 = (dims: number[], v: number[]): TensorValue => ({ kind: 'tensor', dtype: D.DOUBLE, dims, data: Float64Array.from(v) });
export const i32 = (dims: number[], v: number[]): TensorValue => ({ kind: 'tensor', dtype: D.INT32, dims, data: Int32Array.from(v) });
export const i64 = (dims: number[], v: number[]): TensorValue => ({ kind: 'tensor', dtype: D.INT64, dims, data: BigInt64Array.from(v.map(BigInt)) });
export const str = (dims: number[], v: string[]): TensorValue => ({ kind: 'tensor', dtype: D.STRING, dims, data: v });
export const bool = (v: boolean): TensorValue => ({ kind: 'tensor', dtype: D.BOOL, dims: [], data: Uint8Array.of(v ? 1 : 0) });

/** A tensor result as a plain object (numbers for every numeric storage). */
export function plain(v: RtValue | null | undefined): { dtype: number; dims: number[]; data: (number | string)[] } {
  if (!v || v.kind !== 'tensor') throw new Error(`expected a tensor, got ${v?.kind ?? 'null'}`);
  const data: (number | string)[] = Array.isArray(v.data) ? v.data.slice() : Array.from(v.data as ArrayLike<number | bigint>, (x) => Number(x));
  return { dtype: v.dtype, dims: v.dims.slice(), data };
}
