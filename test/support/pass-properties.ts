/**
 * The property every pass must have, over generated models (test/arbitraries/model.ts):
 * the verifier is clean after the pass, the evaluator gives the same outputs before and after on
 * seeded random inputs (|a − b| ≤ 1e-5 + 1e-4·|b|, NaN in the same places), and a second run
 * returns the very same object (nothing left to change).
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { evaluate } from '../../ir/eval/index.js';
import type { RtValue, TensorValue } from '../../ir/ops/types.js';
import { streamKey, uniformAt } from '../../ir/random.js';
import { printModel } from '../../ir/text/print.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext, type Pass } from '../../src/pass.js';
import { arbModel, type ArbModelOptions } from '../arbitraries/model.js';

/** Seeded inputs for every graph input of `model` (float tensors in [-2, 2), bools). */
export function seededInputs(model: Model, seed: number): Record<string, RtValue> {
  const key = streamKey(seed, 'pass-properties');
  let k = 0;
  const out: Record<string, RtValue> = {};
  for (const id of model.graph.inputs) {
    if (model.graph.initializers.includes(id)) continue;
    const v = model.graph.values[id];
    const t = v.type;
    if (t?.kind !== 'tensor') throw new Error(`seededInputs: input ${v.name} is not a tensor`);
    const dims = (t.shape ?? []).map((d) => (typeof d === 'number' ? d : 2));
    const n = dims.reduce((a, b) => a * b, 1);
    if (t.dtype === 9) out[v.name ?? id] = { kind: 'tensor', dtype: 9, dims, data: Uint8Array.from({ length: n }, () => (uniformAt(key, k++) < 0.5 ? 1 : 0)) };
    else if (t.dtype === 1) out[v.name ?? id] = { kind: 'tensor', dtype: 1, dims, data: Float32Array.from({ length: n }, () => uniformAt(key, k++) * 4 - 2) };
    else throw new Error(`seededInputs: input ${v.name} has dtype ${t.dtype}`);
  }
  return out;
}

function close(a: TensorValue, b: TensorValue, exact: boolean): string | null {
  if (a.dtype !== b.dtype || a.dims.join() !== b.dims.join()) return `type ${a.dtype}[${a.dims}] vs ${b.dtype}[${b.dims}]`;
  for (let i = 0; i < a.data.length; i++) {
    const x = Number(a.data[i]);
    const y = Number(b.data[i]);
    if (exact) {
      if (!Object.is(x, y)) return `element ${i}: ${x} vs ${y} (must be bit-exact)`;
    } else if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return `element ${i}: ${x} vs ${y}`;
    } else if (!(Math.abs(x - y) <= 1e-5 + 1e-4 * Math.abs(y)) && x !== y) return `element ${i}: ${x} vs ${y}`;
  }
  return null;
}

/**
 * Same output names and values: within |a − b| ≤ 1e-5 + 1e-4·|b|, or bit-exact (the sign of zero
 * included) when `exact` (passes that only move or remove nodes).
 */
export function expectSameOutputs(before: Model, after: Model, seed: number, exact = false): void {
  const inputs = seededInputs(before, seed);
  const a = evaluate(before, inputs);
  const b = evaluate(after, inputs);
  expect([...b.keys()]).toEqual([...a.keys()]);
  for (const [name, va] of a) {
    const vb = b.get(name)!;
    if (va.kind !== 'tensor' || vb.kind !== 'tensor') {
      expect(vb).toEqual(va);
      continue;
    }
    const diff = close(vb, va, exact);
    if (diff) throw new Error(`output ${name}: ${diff}\nbefore:\n${printModel(before)}\nafter:\n${printModel(after)}`);
  }
}

/** Asserts the pass properties on `numRuns` generated models (fixed seed: reproducible). */
export function checkPassProperties(make: () => Pass, options: ArbModelOptions & { numRuns?: number; seed?: number; exact?: boolean } = {}): void {
  const { numRuns = 150, seed = 7, exact = false, ...arb } = options;
  fc.assert(
    fc.property(arbModel(arb), fc.nat(1000), (model, inputSeed) => {
      const pass = make();
      const out = pass.run(model, createPassContext());
      const errors = verify(out).filter((d) => d.severity === 'error');
      if (errors.length > 0) throw new Error(`verifier after ${pass.name}: ${errors.map((d) => d.message).join('; ')}\n${printModel(out)}`);
      expectSameOutputs(model, out, inputSeed, exact);
      const again = pass.run(out, createPassContext());
      if (again !== out) throw new Error(`${pass.name} is not idempotent:\nfirst:\n${printModel(out)}\nsecond:\n${printModel(again)}`);
    }),
    { numRuns, seed },
  );
}
