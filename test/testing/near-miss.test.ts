/**
 * Near misses (src/testing/near-miss.ts): the variants checkPass tries around the steps a pass
 * changed, and what they buy — planted bugs that ignore a condition of their pattern, which the
 * plain draws of a seed missed, are caught at that seed.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { arbModelSpec, buildModel, type ModelSpec } from '../../src/testing/arb-model.js';
import { applyVariant, nearMissesOf, nearMissPick } from '../../src/testing/near-miss.js';
import { CheckPassError, checkPass } from '../../src/testing.js';
import { verify } from '../../ir/verify/verify.js';
import type { NodeId } from '../../ir/types.js';
import { loadMutant } from '../mutants/apply.js';
import { mutants } from '../mutants/mutants.js';

const spec: ModelSpec = {
  inputs: [{ dtype: 1, dims: [2, 3], symbolic: false }],
  steps: [
    { op: 'Relu', a: 0, b: 0, k: 0 },
    { op: 'If', a: 0, b: 0, k: 5, then: [{ op: 'Neg', a: 0, b: 0, k: 1 }], else: [] },
    { op: 'Transpose', a: 0, b: 0, k: 2 },
  ],
  outputs: [],
};

describe('nearMissesOf / applyVariant', () => {
  test('every knob bit of the named steps, then each input dim one up and one down within 1..maxDim', () => {
    const vs = nearMissesOf(spec, [2, 3], 3);
    expect(vs.filter((v) => 'step' in v)).toHaveLength(24);
    expect(vs.filter((v) => 'step' in v && v.step === 3).map((v) => ('step' in v ? v.bit : -1))).toEqual([...Array(12).keys()]);
    // dims [2, 3] with maxDim 3: 2 → 3 and 2 → 1; 3 → 2 only (4 is above maxDim)
    expect(vs.filter((v) => 'input' in v)).toEqual([
      { input: 0, dim: 0, by: 1 },
      { input: 0, dim: 0, by: -1 },
      { input: 0, dim: 1, by: -1 },
    ]);
    expect(nearMissesOf(spec, [4, -1], 3).filter((v) => 'step' in v)).toEqual([]); // out of range: no such step
  });

  test('a step is named by its pre-order index: the If is 1, its body step 2, the Transpose 3', () => {
    expect(applyVariant(spec, { step: 2, bit: 3 }).steps[1].then![0].k).toBe(1 ^ 8);
    expect(applyVariant(spec, { step: 2, bit: 0 }).steps[1].then![0].k).toBe(0); // a flip: a set bit is cleared
    const t = applyVariant(spec, { step: 3, bit: 0 });
    expect(t.steps[2].k).toBe(3);
    expect(t.steps[0]).toBe(spec.steps[0]);
    expect(t.steps[1].then![0].k).toBe(1);
    expect(applyVariant(spec, { input: 0, dim: 1, by: -1 }).inputs[0].dims).toEqual([2, 2]);
  });

  test('picks depend on the spec and the index only', () => {
    expect(nearMissPick(spec, 0)).toBe(nearMissPick(structuredClone(spec), 0));
    expect(nearMissPick(spec, 0)).not.toBe(nearMissPick(spec, 1));
  });

  test('variants of drawn specs build valid models (they stay inside the generator space)', () => {
    fc.assert(
      fc.property(arbModelSpec(), fc.nat(), (s, pick) => {
        const vs = nearMissesOf(s, [...Array(20).keys()], 3);
        if (vs.length === 0) return;
        const m = buildModel(applyVariant(s, vs[pick % vs.length]));
        expect(verify(m).filter((d) => d.severity === 'error')).toEqual([]);
      }),
      { seed: 7, numRuns: 150 },
    );
  });
});

test('buildModel traces each main-graph node to the step that made it', () => {
  const stepOf = new Map<NodeId, number>();
  const m = buildModel(spec, {}, stepOf);
  const ops = (step: number) => [...stepOf].filter(([, s]) => s === step).map(([id]) => m.graph.nodes[id].op);
  expect(ops(0)).toEqual(['Relu']);
  expect(ops(1)).toEqual(['If']);
  expect(ops(3)).toEqual(['Transpose']);
  expect(stepOf.size).toBe(m.graph.order.length); // every node: the last step's value is the output itself
});

// Each escaped checkPass at this seed without near misses (BENCHMARKS.md, 2026-12-06 late): a
// Gemm weight folded along the wrong axis under transB, and Squeeze(Unsqueeze(x)) cancelled on
// other axes. Near misses flip the knob that picks transB or the Squeeze's axes.
test.each([
  ['gemm-channels-ignore-transB', 3],
  ['squeeze-pair-ignores-axes', 5],
])('near misses catch %s at seed %i', { timeout: 300_000 }, async (name, seed) => {
  const m = mutants.find((x) => x.name === name)!;
  const factory = await loadMutant(m);
  expect(() => checkPass(factory, { seed })).toThrow(CheckPassError);
});
