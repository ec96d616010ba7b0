/**
 * Test support for the tensor-family kernels: a KernelContext over a synthetic node (integer
 * attributes as ints, not floats), tensor constructors and plain views of results.
 */
import { DataType as D } from '../../dtype.js';
import type { Attr } from '../../types.js';
import { syntheticNode, testContext } from '../test-util.js';
import type { KernelContext, OpDef, RtValue, TensorValue } from '../types.js';
import { ops } from '../tensor.js';

export type TAttr = number | string | readonly number[] | readonly string[] | { float: number };

function toAttr(name: string, v: TAttr): Attr {
  if (typeof v === 'number') return { name, kind: 'int', value: BigInt(v) };
  if (typeof v === 'string') return { name, kind: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { name, kind: 'strings', value: v as string[] };
    return { name, kind: 'ints', value: (v as number[]).map((x) => BigInt(x)) };
  }
  return { name, kind: 'float', value: (v as { float: number }).float };
}

export function ctxOf(op: string, attrs: Record<string, TAttr> = {}, opset = 100, outputs = 1): KernelContext {
  const node = syntheticNode(op, Object.entries(attrs).map(([k, v]) => toAttr(k, v)), 0, outputs);
  return testContext(node, opset, { random: () => 0.5 });
}

/** Runs op `name` of the tensor family. */
export function run(name: string, inputs: readonly (RtValue | null)[], attrs: Record<string, TAttr> = {}, opts: { opset?: number; outputs?: number } = {}): (RtValue | null)[] {
  const def: OpDef | undefined = ops.find((o) => o.name === name);
  if (!def) throw new Error(`no op ${name}`);
  return def.kernel(inputs, ctxOf(name, attrs, opts.opset ?? 100, opts.outputs ?? 1));
}

/** Runs a single-output op and returns its tensor. */
export function run1(name: string, inputs: readonly (RtValue | null)[], attrs: Record<string, TAttr> = {}, opset?: number): TensorValue {
  const r = run(name, inputs, attrs, { opset })[0];
  if (!r || r.kind !== 'tensor') throw new Error('expected a tensor');
  return r;
}

export const f32 = (dims: number[], v: number[]): TensorValue => ({ kind: 'tensor', dtype: D.FLOAT, dims, data: Float32Array.from(v) });
export const f64 = (dims: number[], v: number[]): TensorValue => ({ kind: 'tensor', dtype: D.DOUBLE, dims, data: Float64Array.from(v) });
export const i32 = (dims: number[], v: number[]): TensorValue => ({ kind: 'tensor', dtype: D.INT32, dims, data: Int32Array.from(v) });
export const i64 = (dims: number[], v: (number | bigint)[]): TensorValue => ({ kind: 'tensor', dtype: D.INT64, dims, data: BigInt64Array.from(v.map((x) => BigInt(x))) });
export const u8 = (dims: number[], v: number[]): TensorValue => ({ kind: 'tensor', dtype: D.UINT8, dims, data: Uint8Array.from(v) });
export const bools = (dims: number[], v: (0 | 1 | boolean)[]): TensorValue => ({ kind: 'tensor', dtype: D.BOOL, dims, data: Uint8Array.from(v.map(Number)) });
export const str = (dims: number[], v: string[]): TensorValue => ({ kind: 'tensor', dtype: D.STRING, dims, data: v });
export const c64 = (dims: number[], v: number[]): TensorValue => ({ kind: 'tensor', dtype: D.COMPLEX64, dims, data: Float32Array.from(v) });

/** Sequential values 0..n-1 as float32 of `dims`. */
export const iota = (dims: number[]): TensorValue => f32(dims, Array.from({ length: dims.reduce((a, b) => a * b, 1) }, (_, i) => i));

/** dims and data as plain arrays (numbers for every numeric storage). */
export function plain(v: RtValue | null | undefined): { dims: number[]; data: (number | string)[] } {
  if (!v || v.kind !== 'tensor') throw new Error(`expected a tensor, got ${v?.kind ?? 'null'}`);
  const data: (number | string)[] = Array.isArray(v.data) ? v.data.slice() : Array.from(v.data as ArrayLike<number | bigint>, (x) => Number(x));
  return { dims: [...v.dims], data };
}
