/**
 * Property test of simplify-algebra over generated chains of the ops its rules rewrite
 * (Transpose, Reshape with 0 and -1, Squeeze/Unsqueeze, Cast, Neg, constant Mul/Add, nested
 * Concat, Slice), with shapes and dtypes tracked so every draw is valid: after the pass the
 * verifier is clean, the outputs equal the original's (exactly, or within float32 rounding where
 * a rule reassociates), and a second run changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataType as D } from '../../ir/dtype.js';
import { GraphBuilder, modelOf, tensorType } from '../../ir/edit/build.js';
import { evaluate } from '../../ir/eval/index.js';
import { toTensor } from '../../ir/ops/tensor-value.js';
import type { TensorValue } from '../../ir/ops/types.js';
import type { Model, ValueId } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { simplifyAlgebra } from './simplify-algebra.js';

const KINDS = ['transpose', 'reshape', 'unsqueeze', 'squeeze', 'cast', 'neg', 'mulc', 'addc', 'concat', 'slice'] as const;
const seedStep = fc.record({ kind: fc.constantFrom(...KINDS), a: fc.nat(1000), b: fc.nat(1000), c: fc.nat(1000) });
type Seed = { kind: (typeof KINDS)[number]; a: number; b: number; c: number };

function permutation(n: number, code: number): number[] {
  const pool = Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = n; k > 0; k--) {
    out.push(pool.splice(code % k, 1)[0]);
    code = Math.floor(code / k);
  }
  return out;
}

const ints = (values: number[]): TensorValue => ({ kind: 'tensor', dtype: D.INT64, dims: [values.length], data: BigInt64Array.from(values.map(BigInt)) });

function scalarOf(dtype: number, value: number, dims: number[]): TensorValue {
  const count = dims.reduce((p, d) => p * d, 1);
  const fill = (i: number) => value * (1 + (i % 3));
  if (dtype === D.INT64) return { kind: 'tensor', dtype, dims, data: BigInt64Array.from({ length: count }, (_, i) => BigInt(Math.round(fill(i)))) };
  if (dtype === D.INT32) return { kind: 'tensor', dtype, dims, data: Int32Array.from({ length: count }, (_, i) => Math.round(fill(i))) };
  if (dtype === D.DOUBLE) return { kind: 'tensor', dtype, dims, data: Float64Array.from({ length: count }, (_, i) => fill(i)) };
  return { kind: 'tensor', dtype, dims, data: Float32Array.from({ length: count }, (_, i) => fill(i)) };
}

/** Builds the chain; returns the model (opset 13: axes as inputs). */
function build(seeds: readonly Seed[]): Model {
  const b = new GraphBuilder('chain');
  let v: ValueId = b.input('x', tensorType(D.FLOAT, [2, 3, 2]));
  let shape = [2, 3, 2];
  let dtype: number = D.FLOAT;
  const c = (t: TensorValue) => b.initializer(undefined, toTensor(t));
  // Each seed emits its op once or twice in a row (twice is where the rules fire), the second
  // time with other parameters.
  const steps = seeds.flatMap((s) => (s.c % 2 ? [s, { ...s, a: (s.a * 7 + 3) % 1001, b: (s.b * 5 + 1) % 1001, c: Math.floor(s.c / 2) }] : [s]));
  for (const s of steps) {
    const r = shape.length;
    switch (s.kind) {
      case 'transpose': {
        if (s.b % 3 === 0) {
          v = b.op('Transpose', [v]);
          shape = [...shape].reverse();
        } else {
          const perm = permutation(r, s.a);
          v = b.op('Transpose', [v], { perm: perm.map(BigInt) });
          shape = perm.map((p) => shape[p]);
        }
        break;
      }
      case 'reshape': {
        const total = shape.reduce((p, d) => p * d, 1);
        const options: number[][] = [[total], [shape[0], -1], [...shape, 1], [-1, 1]];
        if (r >= 2) options.push([0, -1], [0, ...shape.slice(1)], [-1, shape[r - 1]], [0, 0, -1], [-1, 0]);
        if (r === 3) options.push([0, 0, 0, 1], [0, -1, 0]);
        const target = options[s.a % options.length];
        v = b.op('Reshape', [v, c(ints(target))]);
        const known = target.map((d, i) => (d === 0 ? shape[i] : d));
        const rest = known.filter((d) => d !== -1).reduce((p, d) => p * d, 1);
        shape = known.map((d) => (d === -1 ? total / rest : d));
        break;
      }
      case 'unsqueeze': {
        const axis = s.a % (r + 1);
        v = b.op('Unsqueeze', [v, c(ints([s.b % 2 ? axis - (r + 1) : axis]))]);
        shape = [...shape.slice(0, axis), 1, ...shape.slice(axis)];
        break;
      }
      case 'squeeze': {
        const ones = shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
        if (ones.length === 0) break;
        const axis = ones[s.a % ones.length];
        v = b.op('Squeeze', [v, c(ints([s.b % 2 ? axis - r : axis]))]);
        shape = shape.filter((_, i) => i !== axis);
        break;
      }
      case 'cast': {
        const to = [D.FLOAT, D.DOUBLE, D.INT32, D.INT64, D.FLOAT16][s.a % 5];
        v = b.op('Cast', [v], { to: BigInt(to) });
        dtype = to;
        break;
      }
      case 'neg':
        v = b.op('Neg', [v]);
        break;
      case 'mulc':
      case 'addc': {
        if (dtype === D.FLOAT16) break;
        const dims = s.b % 2 && r > 0 ? [shape[r - 1]] : [];
        const value = [2, -1, 0.5, 3, -1.5][s.a % 5];
        v = b.op(s.kind === 'mulc' ? 'Mul' : 'Add', [v, c(scalarOf(dtype, dtype === D.INT32 || dtype === D.INT64 ? Math.round(value) || 1 : value, dims))]);
        break;
      }
      case 'concat': {
        if (r === 0 || shape.reduce((p, d) => p * d, 1) > 200) break;
        const axis = s.a % r;
        const written = s.b % 2 ? axis - r : axis;
        const nested = s.c % 2 === 1;
        const inner = nested ? b.op('Concat', [v, v], { axis: BigInt(written) }) : v;
        // The outer Concat on the same axis (written either way) or on another one.
        const other = (axis + 1) % r;
        const outerAxis = s.c % 3 === 0 ? axis : s.c % 3 === 1 ? written : other;
        // Across axes the second operand is another Concat of the same shape (read once, so only the axis differs).
        const across = nested && outerAxis === other && other !== axis;
        v = b.op('Concat', [inner, across ? b.op('Concat', [v, v], { axis: BigInt(axis) }) : v], { axis: BigInt(outerAxis) });
        if (across) shape = shape.map((d, i) => (i === axis ? d * 2 : i === other ? d * 2 : d));
        else if (nested) shape = shape.map((d, i) => (i === axis ? d * 3 : d));
        else shape = shape.map((d, i) => (i === (outerAxis < 0 ? outerAxis + r : outerAxis) ? d * 2 : d));
        break;
      }
      case 'slice': {
        if (r === 0) break;
        const axis = s.a % r;
        const start = s.b % shape[axis];
        const end = start + 1 + (s.c % (shape[axis] - start));
        v = b.op('Slice', [v, c(ints([start])), c(ints([end])), c(ints([s.c % 2 ? axis - r : axis]))]);
        shape = shape.map((d, i) => (i === axis ? end - start : d));
        break;
      }
    }
  }
  // A last node, so the output is never the input itself.
  b.output(b.op('Relu', [v]), 'y');
  return modelOf(b.build(), [{ domain: '', version: 13 }]);
}

function close(a: TensorValue, b: TensorValue): boolean {
  if (a.dtype !== b.dtype || a.dims.join() !== b.dims.join() || a.data.length !== b.data.length) return false;
  for (let i = 0; i < a.data.length; i++) {
    const x = Number(a.data[i]);
    const y = Number(b.data[i]);
    if (Number.isNaN(x) && Number.isNaN(y)) continue;
    if (Math.abs(x - y) > 1e-6 + 1e-5 * Math.abs(y)) return false;
  }
  return true;
}

describe('simplify-algebra on generated chains', () => {
  it('verifies, computes the same and is idempotent', () => {
    const feed = { x: { kind: 'tensor', dtype: D.FLOAT, dims: [2, 3, 2], data: Float32Array.from({ length: 12 }, (_, i) => (i * 7.3) % 6 - 2.9) } } as const;
    let fired = 0;
    fc.assert(
      fc.property(fc.array(seedStep, { minLength: 1, maxLength: 8 }), (seeds) => {
        const model = build(seeds);
        expect(verify(model).filter((d) => d.severity === 'error')).toEqual([]);
        const pass = simplifyAlgebra();
        const out = pass.run(model, createPassContext());
        expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
        if (out !== model) fired++;
        const before = evaluate(model, feed).get('y') as TensorValue;
        const after = evaluate(out, feed).get('y') as TensorValue;
        expect(close(after, before), `outputs differ for ${JSON.stringify(seeds)}`).toBe(true);
        expect(pass.run(out, createPassContext())).toBe(out);
      }),
      { seed: 42, numRuns: 300 },
    );
    // The generator must exercise the rules, not only their declines.
    expect(fired).toBeGreaterThan(60);
  });
});
