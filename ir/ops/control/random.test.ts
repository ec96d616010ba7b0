import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import { randomOps } from './random.js';
import { ctxOf, f32, f64, find, i32, plain } from './test-util.js';

const op = (name: string) => find(randomOps, name);

describe('random ops', () => {
  it('are all marked random', () => {
    expect(randomOps.every((o) => o.random === true)).toBe(true);
  });
  it('RandomUniform has the shape, dtype and range asked for', () => {
    const r = plain(op('RandomUniform').kernel([], ctxOf('RandomUniform', { shape: [2n, 3n], low: 2, high: 3, dtype: 11n }, { inputs: 0 }))[0]);
    expect(r.dtype).toBe(D.DOUBLE);
    expect(r.dims).toEqual([2, 3]);
    for (const v of r.data as number[]) expect(v >= 2 && v < 3).toBe(true);
    expect(() => op('RandomUniform').kernel([], ctxOf('RandomUniform', { shape: [2n], dtype: 6n }, { inputs: 0 }))).toThrow(/float/);
    expect(() => op('RandomUniform').kernel([], ctxOf('RandomUniform', { shape: [1n << 20n, 1n << 20n] }, { inputs: 0 }))).toThrow(LatheError);
  });
  it('RandomNormal has roughly the requested mean and scale', () => {
    const r = plain(op('RandomNormal').kernel([], ctxOf('RandomNormal', { shape: [4000n], mean: 5, scale: 2 }, { inputs: 0 }))[0]);
    const xs = r.data as number[];
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(mean - 5)).toBeLessThan(0.2);
    expect(Math.abs(sd - 2)).toBeLessThan(0.2);
    expect(xs.every(Number.isFinite)).toBe(true);
  });
  it('*Like ops follow the input shape and dtype unless dtype is given', () => {
    const x = f64([2, 2], [0, 0, 0, 0]);
    expect(plain(op('RandomUniformLike').kernel([x], ctxOf('RandomUniformLike'))[0]).dtype).toBe(D.DOUBLE);
    const r = plain(op('RandomNormalLike').kernel([x], ctxOf('RandomNormalLike', { dtype: 1n }))[0]);
    expect([r.dtype, r.dims]).toEqual([D.FLOAT, [2, 2]]);
    expect(() => op('RandomUniformLike').kernel([i32([1], [0])], ctxOf('RandomUniformLike'))).toThrow(/float/);
  });
  it('Bernoulli draws 0/1 by probability in the requested dtype', () => {
    const p = f32([6], [0, 0, 0, 1, 1, 1]);
    expect(plain(op('Bernoulli').kernel([p], ctxOf('Bernoulli'))[0])).toEqual({ dtype: D.FLOAT, dims: [6], data: [0, 0, 0, 1, 1, 1] });
    expect(plain(op('Bernoulli').kernel([p], ctxOf('Bernoulli', { dtype: 9n }))[0]).dtype).toBe(D.BOOL);
    expect(plain(op('Bernoulli').kernel([p], ctxOf('Bernoulli', { dtype: 7n }))[0]).data).toEqual([0, 0, 0, 1, 1, 1]);
  });
  it('Multinomial samples class indices, never impossible ones', () => {
    const logits = f32([2, 3], [0, -Infinity, -Infinity, -Infinity, -Infinity, 0]);
    const r = plain(op('Multinomial').kernel([logits], ctxOf('Multinomial', { sample_size: 5n, dtype: 7n }))[0]);
    expect(r).toEqual({ dtype: D.INT64, dims: [2, 5], data: [0, 0, 0, 0, 0, 2, 2, 2, 2, 2] });
    const mixed = plain(op('Multinomial').kernel([f32([1, 2], [0, 0])], ctxOf('Multinomial', { sample_size: 200n }))[0]);
    expect(mixed.dtype).toBe(D.INT32);
    const ones = (mixed.data as number[]).filter((v) => v === 1).length;
    expect(ones > 50 && ones < 150).toBe(true);
    expect(() => op('Multinomial').kernel([f32([3], [0, 0, 0])], ctxOf('Multinomial'))).toThrow(/batch/);
  });
});
