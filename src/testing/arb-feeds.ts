/**
 * `arbFeeds(model)`: fast-check arbitrary of inputs for a model's graph inputs (initializers that
 * are also inputs are left to their defaults). Each symbolic dim is bound once per draw and used
 * consistently by every input that names it (0 among the choices: empty tensors); unknown dims
 * take small sizes. Values mix small integers and fractions with edge values: zeros, negatives,
 * -0, NaN and ±infinity for float types; integers are mostly small and non-negative (they often
 * index or size something), sometimes negative, rarely their type's extremes; every dtype gets
 * values it holds (64-bit ones as bigints, strings as short strings).
 */
import fc from 'fast-check';
import { DataType as D } from '../../ir/dtype.js';
import type { RtValue, TensorValue } from '../../ir/ops/types.js';
import type { Model } from '../../ir/types.js';
import { allocate, WIDENED_FLOATS } from '../../ir/ops/util.js';
import { roundArrayInPlace } from '../../ir/ops/float-formats.js';
import { storedIn } from '../../ir/uses.js';

export interface ArbFeedsOptions {
  /** Sizes a symbolic dim may be bound to (default [2, 1, 3, 0]: shrinking goes to 2). */
  readonly symbolSizes?: readonly number[];
  /** Allow NaN and infinities in float inputs (default true). */
  readonly specialFloats?: boolean;
  /**
   * Smallest nonzero magnitude of a float input (default 0: any); smaller values become 0. For
   * passes that lower precision: float16 holds nothing below 2^-24.
   */
  readonly minMagnitude?: number;
  /**
   * Largest magnitude of a float input (default 4). For passes that measure value ranges on
   * inputs of their own (convert-float16: [-1, 1)), so that the check stays inside them.
   */
  readonly maxMagnitude?: number;
}

/** Feeds keyed by input name, as `evaluate` takes them. */
export type Feeds = Record<string, RtValue>;

function floatElement(special: boolean, minMagnitude = 0, maxMagnitude = 4): fc.Arbitrary<number> {
  const whole = Math.min(3, Math.floor(maxMagnitude));
  const plain = fc.oneof(
    fc.integer({ min: -whole, max: whole }),
    fc.double({ min: -maxMagnitude, max: maxMagnitude, noNaN: true, noDefaultInfinity: true }).map((x) => (Math.abs(x) < minMagnitude ? 0 : Math.fround(x))),
  );
  if (!special) return plain;
  return fc.oneof({ arbitrary: plain, weight: 30 }, { arbitrary: fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity), weight: 1 });
}

/** Integers of a signed type: mostly small and non-negative (they often index or size something), some negative, rarely the type's extremes. */
function signedElement(min: number, max: number): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: 0, max: Math.min(4, max) }), weight: 12 },
    { arbitrary: fc.integer({ min: Math.max(-4, min), max: -1 }), weight: 4 },
    { arbitrary: fc.constantFrom(min, max), weight: 1 },
  );
}

/** Integers of an unsigned type: mostly small, rarely the type's largest. */
function unsignedElement(max: number): fc.Arbitrary<number> {
  return fc.oneof({ arbitrary: fc.integer({ min: 0, max: Math.min(4, max) }), weight: 16 }, { arbitrary: fc.constant(max), weight: 1 });
}

const SIGNED: ReadonlyMap<number, readonly [number, number]> = new Map([
  [D.INT8, [-128, 127]], [D.INT16, [-32768, 32767]], [D.INT32, [-(2 ** 31), 2 ** 31 - 1]], [D.INT4, [-8, 7]], [D.INT2, [-2, 1]],
]);
const UNSIGNED: ReadonlyMap<number, number> = new Map([[D.UINT8, 255], [D.UINT16, 65535], [D.UINT32, 2 ** 32 - 1], [D.UINT4, 15], [D.UINT2, 3]]);

function element(dtype: number, special: boolean, minMagnitude?: number, maxMagnitude?: number): fc.Arbitrary<number | bigint | boolean | string> {
  if (dtype === D.INT64) return fc.integer({ min: -4, max: 4 }).map(BigInt);
  if (dtype === D.UINT64) return fc.integer({ min: 0, max: 4 }).map(BigInt);
  if (dtype === D.BOOL) return fc.boolean();
  if (dtype === D.STRING) return fc.constantFrom('', 'a', 'b', 'ab', 'é');
  const signed = SIGNED.get(dtype);
  if (signed) return signedElement(signed[0], signed[1]);
  const unsigned = UNSIGNED.get(dtype);
  if (unsigned !== undefined) return unsignedElement(unsigned);
  return floatElement(special, minMagnitude, maxMagnitude);
}

function tensorOf(dtype: number, dims: number[], xs: readonly (number | bigint | boolean | string)[]): TensorValue {
  const data = allocate(dtype, xs.length);
  xs.forEach((x, i) => {
    (data as unknown as (number | bigint | string)[])[i] = typeof x === 'boolean' ? (x ? 1 : 0) : x;
  });
  // float16 (and other narrow floats) live in a Float32Array: values must be ones the dtype holds.
  if (WIDENED_FLOATS.has(dtype)) roundArrayInPlace(dtype, data as Float32Array);
  return { kind: 'tensor', dtype, dims, data } as TensorValue;
}

/** Arbitrary feeds for `model` (see the module comment). */
export function arbFeeds(model: Model, options: ArbFeedsOptions = {}): fc.Arbitrary<Feeds> {
  const sizes = options.symbolSizes ?? [2, 1, 3, 0];
  const special = options.specialFloats ?? true;
  const g = model.graph;
  const inits = storedIn(g);
  const inputs = g.inputs.filter((id) => !inits.has(id)).map((id) => g.values[id]);
  const symbols = [...new Set(inputs.flatMap((v) => (v?.type?.kind === 'tensor' ? (v.type.shape ?? []) : []).filter((d): d is string => typeof d === 'string')))];
  return fc.array(fc.constantFrom(...sizes), { minLength: symbols.length, maxLength: symbols.length }).chain((bound) => {
    const size = new Map(symbols.map((s, i) => [s, bound[i]]));
    const parts = inputs.map((v) => {
      const t = v?.type;
      const dtype = t?.kind === 'tensor' ? t.dtype : D.FLOAT;
      const dims = (t?.kind === 'tensor' ? (t.shape ?? []) : []).map((d) => (typeof d === 'number' ? d : typeof d === 'string' ? size.get(d)! : 2));
      const n = dims.reduce((a, b) => a * b, 1);
      return fc.array(element(dtype, special, options.minMagnitude, options.maxMagnitude), { minLength: n, maxLength: n }).map((xs) => [v?.name ?? v!.id, tensorOf(dtype, dims, xs)] as const);
    });
    return fc.tuple(...parts).map((kv) => Object.fromEntries(kv) as Feeds);
  });
}
