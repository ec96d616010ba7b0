/**
 * Property test of simplify-shapes over generated shape computations on x: float[N,3,4] with N
 * symbolic: Reshape targets built from Gather(Shape(x), i), products of dims, literals and -1,
 * and a ConstantOfShape of x's shape. After the pass the verifier is clean, the outputs equal the
 * original's for N = 1 and N = 3 (a frozen N would break one of them), and a second run changes nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { GraphBuilder, modelOf, tensorType } from '../../ir/edit/build.js';
import { evaluate } from '../../ir/eval/index.js';
import { toTensor } from '../../ir/ops/tensor-value.js';
import type { Model, ValueId } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { simplifyShapes } from './simplify-shapes.js';

const dims = ['N', 3, 4] as const;
const groupings = [[[0], [1], [2]], [[0, 1], [2]], [[0], [1, 2]], [[0, 1, 2]], [[1, 2], [0]]];
const i64 = (v: number[]) => toTensor({ kind: 'tensor', dtype: 7, dims: [v.length], data: BigInt64Array.from(v.map(BigInt)) });

const spec = fc.record({
  grouping: fc.nat(groupings.length - 1),
  // How each group's size is written: 0 gathered dims multiplied, 1 a literal when static, 2 -1 (at most once).
  how: fc.array(fc.nat(2), { minLength: 3, maxLength: 3 }),
  constantOfShape: fc.boolean(),
  viaSlice: fc.boolean(),
});

function build(s: { grouping: number; how: number[]; constantOfShape: boolean; viaSlice: boolean }): Model {
  const b = new GraphBuilder('g');
  const x = b.input('x', tensorType(1, [...dims]));
  const shape = b.op('Shape', [x]);
  const ax0 = b.initializer(undefined, i64([0]));
  const groups = groupings[s.grouping];
  // The last grouping lists dims 1, 2 before 0: the Reshape then reads x transposed to [3, 4, N].
  const parts: ValueId[] = [];
  let minusOne = false;
  groups.forEach((g, k) => {
    const sym = g.includes(0);
    const how = s.how[k];
    if (how === 2 && !minusOne) {
      minusOne = true;
      parts.push(b.initializer(undefined, i64([-1])));
      return;
    }
    if (how === 1 && !sym) {
      parts.push(b.initializer(undefined, i64([g.reduce((p, i) => p * (dims[i] as number), 1)])));
      return;
    }
    let acc: ValueId | undefined;
    for (const i of g) {
      const d = s.viaSlice
        ? b.op('Slice', [shape, b.initializer(undefined, i64([i])), b.initializer(undefined, i64([i + 1]))])
        : b.op('Unsqueeze', [b.op('Gather', [shape, b.initializer(undefined, toTensor({ kind: 'tensor', dtype: 7, dims: [], data: BigInt64Array.of(BigInt(i)) }))]), ax0]);
      acc = acc === undefined ? d : b.op('Mul', [acc, d]);
    }
    parts.push(acc!);
  });
  const target = b.op('Concat', parts, { axis: 0n });
  const src = groupings[s.grouping][0][0] === 0 ? x : b.op('Transpose', [x], { perm: [1n, 2n, 0n] });
  b.output(b.op('Reshape', [src, target]), 'y');
  if (s.constantOfShape) b.output(b.op('ConstantOfShape', [shape]), 'z');
  return modelOf(b.build());
}

const feed = (n: number) => ({ x: { kind: 'tensor', dtype: 1, dims: [n, 3, 4], data: Float32Array.from({ length: n * 12 }, (_, i) => i) } }) as const;

describe('simplify-shapes on generated shape computations', () => {
  it('keeps N dynamic, computes the same and is idempotent', () => {
    let fired = 0;
    fc.assert(
      fc.property(spec, (s) => {
        const model = build(s);
        expect(verify(model).filter((d) => d.severity === 'error')).toEqual([]);
        const pass = simplifyShapes();
        const out = pass.run(model, createPassContext());
        if (out !== model) fired++;
        expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
        for (const n of [1, 3]) expect(evaluate(out, feed(n))).toEqual(evaluate(model, feed(n)));
        expect(pass.run(out, createPassContext())).toBe(out);
      }),
      { seed: 3, numRuns: 150 },
    );
    expect(fired).toBeGreaterThan(40);
  });
});
