/**
 * arbModel({ around }) plants a pattern's attribute literals as IR attributes of the kind ONNX
 * defines for them: a float attribute stays a FLOAT even when the literal is a whole number, a
 * string stays a STRING, a list of strings STRINGS, fractional lists FLOATS. A wrong kind would
 * make every planted node invalid, and a rule's near-miss tests would silently test nothing.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import type { Attr, Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { tensorValue } from '../../ir/ops/tensor-value.js';
import { P, op } from '../pattern/pattern.js';
import { arbModel } from './arb-model.js';

const [x] = P.vars('x');

function attrsOf(models: readonly Model[], opName: string, attr: string): Attr[] {
  const out: Attr[] = [];
  for (const m of models) {
    for (const id of m.graph.order) {
      const n = m.graph.nodes[id];
      if (n.op !== opName) continue;
      const a = n.attrs.find((y) => y.name === attr);
      if (a) out.push(a);
    }
  }
  return out;
}

describe('planted attribute literals keep their ONNX kind', () => {
  test('a whole-number float literal (LeakyRelu alpha = 2) is planted as a FLOAT 2', () => {
    const models = fc.sample(arbModel({ around: op.LeakyRelu(x, { alpha: 2 }) }), { seed: 11, numRuns: 30 });
    const alphas = attrsOf(models, 'LeakyRelu', 'alpha');
    expect(alphas.length).toBeGreaterThan(0);
    for (const a of alphas) expect(a.kind).toBe('float');
    expect(alphas.some((a) => a.kind === 'float' && a.value === 2)).toBe(true);
    for (const m of models) expect(verify(m).filter((d) => d.severity === 'error')).toEqual([]);
  });
  test('a string literal (Gelu approximate = "tanh", opset 20) is planted as a STRING', () => {
    const models = fc.sample(arbModel({ around: op.Gelu(x, { approximate: 'tanh' }), opset: 20 }), { seed: 11, numRuns: 30 });
    const got = attrsOf(models, 'Gelu', 'approximate');
    expect(got.length).toBeGreaterThan(0);
    for (const a of got) expect(a.kind).toBe('string');
    expect(got.some((a) => a.kind === 'string' && a.value === 'tanh')).toBe(true);
    // The attribute near miss plants the other value ONNX allows, so a rule is also tried where
    // it must not fire.
    expect(got.some((a) => a.kind === 'string' && a.value === 'none')).toBe(true);
  });
});

describe('planted int64 operands are valid for their op', () => {
  test('Gather indices planted as constants lie in [-d, d-1] on the gathered axis, scalar and 1-D both', () => {
    const models = fc.sample(arbModel({ around: op.Gather(x, P.var('i')) }), { seed: 5, numRuns: 60 });
    const seen = { scalar: 0, list: 0 };
    for (const m of models) {
      const g = m.graph;
      for (const id of g.order) {
        const n = g.nodes[id];
        if (n.op !== 'Gather') continue;
        const idx = g.values[n.inputs[1]!];
        const data = g.values[n.inputs[0]!];
        if (!idx?.tensor || data?.type?.kind !== 'tensor' || !data.type.shape) continue;
        const axisAttr = n.attrs.find((a) => a.name === 'axis');
        const r = data.type.shape.length;
        const axis = axisAttr?.kind === 'int' ? ((Number(axisAttr.value) % r) + r) % r : 0;
        const d = data.type.shape[axis];
        if (typeof d !== 'number') continue;
        const values = Array.from(tensorValue(idx.tensor, 'i').data as BigInt64Array, Number);
        if (idx.tensor.dims.length === 0) seen.scalar++;
        else seen.list++;
        for (const v of values) {
          expect(v).toBeGreaterThanOrEqual(-d);
          expect(v).toBeLessThan(d);
        }
      }
    }
    expect(seen.scalar).toBeGreaterThan(0);
    expect(seen.list).toBeGreaterThan(0);
  });
});
