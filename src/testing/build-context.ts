/**
 * What model generators share: the value a step can take (`Val`), the context a step builds in
 * (`BuildContext`, also what user op generators and planting functions receive) and the small
 * deterministic helpers that derive constants and permutations from a knob.
 */
import { DataType as D } from '../../ir/dtype.js';
import type { GraphBuilder } from '../../ir/edit/build.js';
import { toTensor } from '../../ir/ops/tensor-value.js';
import type { NumericArray } from '../../ir/ops/types.js';
import type { Tensor, Type, ValueId } from '../../ir/types.js';

/** A dim: static size, a symbol, or null (unknown to the builder). */
export type Dim = number | string | null;

/** A value the builder can hand to later steps. */
export interface Val {
  readonly id: ValueId;
  readonly dtype: number;
  readonly shape: readonly Dim[];
}

export type Feature = 'initializers' | 'constants' | 'if' | 'loop' | 'functions' | 'symbolic' | 'shapes';

/** What a user op generator (and the built-in ones) may do while a model is built. */
export interface BuildContext {
  readonly builder: GraphBuilder;
  /** The `i`-th most recent available value that `accept` takes, or undefined. */
  pick(i: number, accept: (v: Val) => boolean): Val | undefined;
  /** Makes `id` (of dtype and shape) available to later steps. */
  push(id: ValueId, dtype: number, shape: readonly Dim[]): Val;
  /** The declared type of a value of dtype and shape. */
  type(dtype: number, shape: readonly Dim[]): Type;
  /** An initializer (or, by the knob, a Constant node) holding `data`. */
  constant(dtype: number, dims: readonly number[], data: readonly (number | bigint | boolean)[], k?: number): ValueId;
  /** Makes a value a graph output (in the main graph; false inside an If or Loop body). */
  output(v: Val): boolean;
  /** Dtypes the options allow. */
  readonly dtypes: readonly number[];
  /** Features the options allow. */
  readonly features: Readonly<Record<Feature, boolean>>;
  /** The ONNX opset the model imports. */
  readonly opset: number;
}

/** A deterministic small value for element `i` of a constant made from knob `k`. */
export function element(dtype: number, k: number, i: number): number | bigint | boolean {
  const h = ((k + 1) * 2654435761 + i * 40503) >>> 0;
  const n = (h % 9) - 4;
  if (dtype === D.INT64) return BigInt(n);
  if (dtype === D.BOOL) return n % 2 === 0;
  return n / 2;
}

/** An IR tensor of `dtype` holding `data`. */
export function tensorOf(dtype: number, dims: readonly number[], data: readonly (number | bigint | boolean)[]): Tensor {
  let arr: NumericArray;
  if (dtype === D.INT64) arr = BigInt64Array.from(data.map((x) => BigInt(x)));
  else if (dtype === D.BOOL) arr = Uint8Array.from(data.map((x) => (x ? 1 : 0)));
  else arr = Float32Array.from(data.map(Number));
  return toTensor({ kind: 'tensor', dtype, dims: [...dims], data: arr });
}

function factorial(n: number): number {
  return n <= 1 ? 1 : n * factorial(n - 1);
}

/** The `k`-th permutation of 0..r-1 (in lexicographic order, modulo r!). */
export function permutation(r: number, k: number): number[] {
  const rest = Array.from({ length: r }, (_, i) => i);
  const out: number[] = [];
  let x = k % factorial(r);
  for (let n = r; n > 0; n--) {
    const f = factorial(n - 1);
    out.push(rest.splice(Math.floor(x / f), 1)[0]);
    x %= f;
  }
  return out;
}
