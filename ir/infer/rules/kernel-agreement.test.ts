/**
 * The rules for signal, recent-attention, ml, training, linalg and crop ops agree with the
 * reference kernels: on random valid inputs, every dim a rule states (as a number) equals the
 * kernel's, the rank matches, and a stated dtype is the kernel's. Inputs are given to the rule
 * either as constants or by type only, so both the "known" and "unknown" paths are exercised.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testAttrs as toAttrs, type TestAttrs as AttrsInit } from '../../attrs.test-util.js';
import { DataType as D } from '../../dtype.js';
import { attrReader } from '../../ops/attrs.js';
import { standardOps } from '../../ops/index.js';
import { testContext } from '../../ops/test-util.js';
import type { TensorValue } from '../../ops/types.js';
import type { Dim, Node, NodeId, Type, ValueId } from '../../types.js';
import type { Known } from '../types.js';

interface Case {
  op: string;
  domain?: string;
  opset: number;
  inputs: (TensorValue | null)[];
  /** Inputs the rule sees as constants (the others by type only). */
  consts: number[];
  attrs?: AttrsInit;
  outputs?: number;
}

function rand(dims: number[], seed: number, dtype: number = D.FLOAT): TensorValue {
  const n = dims.reduce((a, b) => a * b, 1);
  let s = seed >>> 0 || 1;
  const data = dtype === D.DOUBLE ? new Float64Array(n) : new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = s / 2 ** 31 - 1;
  }
  return { kind: 'tensor', dtype, dims, data };
}
const i64 = (xs: number[], scalar = false): TensorValue => ({ kind: 'tensor', dtype: D.INT64, dims: scalar ? [] : [xs.length], data: BigInt64Array.from(xs.map(BigInt)) });

/** Runs rule and kernel; returns the inferred types and the kernel's outputs (null when the kernel rejects the input). */
function both(c: Case): { inferred: (Type | undefined)[]; actual: TensorValue[] } | null {
  const domain = c.domain ?? '';
  const node: Node = {
    id: 'n0' as NodeId, op: c.op, domain,
    inputs: c.inputs.map((v, i) => (v ? (`i${i}` as ValueId) : null)),
    outputs: Array.from({ length: c.outputs ?? 1 }, (_, i) => `o${i}` as ValueId),
    attrs: toAttrs(c.attrs ?? {}),
  };
  const def = standardOps.find((o) => o.name === c.op && o.domain === domain);
  const rule = def?.infer;
  if (!def || !rule) throw new Error(`no kernel or rule for ${c.op}`);
  const kctx = testContext(node, c.opset, { random: () => { throw new Error('no randomness'); } });
  let actual;
  try {
    actual = def.kernel(c.inputs, kctx);
  } catch {
    return null;
  }
  const knowns: (Known | null)[] = c.inputs.map((v, i) => {
    if (!v) return null;
    const type: Type = { kind: 'tensor', dtype: v.dtype, shape: [...v.dims] };
    return c.consts.includes(i) ? { type, value: v } : { type };
  });
  const outs = rule(knowns, { node, opset: c.opset, attrs: attrReader(node), inferGraph: () => [], freshDim: (() => { let n = 0; return () => `unk__${n++}`; })() });
  return { inferred: outs.map((k) => k?.type ?? undefined), actual: actual.map((v) => v as TensorValue) };
}

/** Asserts agreement; returns how many outputs were fully inferred. */
function agrees(c: Case): number | null {
  const r = both(c);
  if (!r) return null;
  let full = 0;
  r.actual.forEach((v, i) => {
    const t = r.inferred[i];
    if (!t) return;
    expect(t.kind, `${c.op} output ${i}`).toBe('tensor');
    if (t.kind !== 'tensor') return;
    if (t.dtype !== 0) expect(t.dtype, `${c.op} output ${i} dtype`).toBe(v.dtype);
    if (!t.shape) return;
    expect(t.shape.length, `${c.op} output ${i} rank`).toBe(v.dims.length);
    t.shape.forEach((d: Dim, k) => { if (typeof d === 'number') expect(d, `${c.op} output ${i} dim ${k}`).toBe(v.dims[k]); });
    if (t.dtype !== 0 && t.shape.every((d) => typeof d === 'number')) full++;
  });
  return full;
}

const run = { seed: 42, numRuns: 150 };
const dim = fc.integer({ min: 1, max: 5 });

describe('rules agree with kernels', () => {
  it('DFT (opset 17 attribute axis, opset 20 input axis known or not)', () => {
    let checked = 0;
    fc.assert(fc.property(
      fc.array(dim, { minLength: 2, maxLength: 3 }), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: -3, max: 2 }),
      fc.option(fc.integer({ min: 1, max: 8 })), fc.boolean(), fc.boolean(),
      (lead, complex, inverse, onesided, axis, len, opset20, constAxis) => {
        const x = rand([...lead, complex ? 2 : 1], 7);
        const lenT = len === null ? null : i64([len], true);
        const c: Case = opset20
          ? { op: 'DFT', opset: 20, inputs: [x, lenT, i64([axis], true)], consts: constAxis ? [1, 2] : [1], attrs: { inverse: BigInt(inverse), onesided: BigInt(onesided) } }
          : { op: 'DFT', opset: 17, inputs: [x, lenT], consts: [1], attrs: { inverse: BigInt(inverse), onesided: BigInt(onesided), axis: BigInt(axis) } };
        if (agrees(c) !== null) checked++;
      }), run);
    expect(checked).toBeGreaterThan(50);
  });
  it('DFT with known axis and length is fully inferred', () => {
    const x = rand([1, 10, 10, 1], 3);
    expect(agrees({ op: 'DFT', opset: 20, inputs: [x, null, i64([1], true)], consts: [2], attrs: { onesided: 1n } })).toBe(1);
    // Unknown axis: a plain complex DFT keeps every dim.
    expect(agrees({ op: 'DFT', opset: 20, inputs: [x, null, i64([1], true)], consts: [] })).toBe(1);
  });
  it('STFT, windows and MelWeightMatrix', () => {
    let compared = 0;
    fc.assert(fc.property(fc.integer({ min: 4, max: 30 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 8 }), fc.boolean(), fc.boolean(), (L, step, fl, onesided, useWindow) => {
      const x = rand([2, L, 1], 5);
      const inputs = useWindow ? [x, i64([step], true), rand([fl], 9), null] : [x, i64([step], true), null, i64([fl], true)];
      const full = agrees({ op: 'STFT', opset: 17, inputs, consts: [1, 3], attrs: { onesided: BigInt(onesided) } });
      if (full === null) return; // the kernel refused the input
      expect(full).toBe(1);
      compared++;
    }), run);
    // The kernel refuses a few inputs (a frame longer than the signal): most cases must still be
    // compared, or a kernel that always throws would pass.
    expect(compared).toBeGreaterThanOrEqual(120); // 141 of 150 with this seed
    for (const op of ['HannWindow', 'HammingWindow', 'BlackmanWindow']) {
      expect(agrees({ op, opset: 17, inputs: [i64([10], true)], consts: [0], attrs: { output_datatype: BigInt(D.DOUBLE) } })).toBe(1);
      expect(agrees({ op, opset: 17, inputs: [i64([10], true)], consts: [] })).toBe(0);
    }
    const mel = [i64([8], true), i64([16], true), i64([8192], true), { kind: 'tensor', dtype: D.FLOAT, dims: [], data: Float32Array.of(0) } as TensorValue, { kind: 'tensor', dtype: D.FLOAT, dims: [], data: Float32Array.of(4096) } as TensorValue];
    expect(agrees({ op: 'MelWeightMatrix', opset: 17, inputs: mel, consts: [0, 1, 2, 3, 4] })).toBe(1);
  });
  it('AffineGrid', () => {
    for (const size of [[2, 3, 5, 6], [2, 1, 4, 5, 6]]) {
      const nsp = size.length - 2;
      const theta = rand([2, nsp, nsp + 1], 11);
      expect(agrees({ op: 'AffineGrid', opset: 20, inputs: [theta, i64(size)], consts: [1] })).toBe(1);
      expect(agrees({ op: 'AffineGrid', opset: 20, inputs: [theta, i64(size)], consts: [] })).toBe(0);
    }
  });
  it('SwiGLU, CausalConvWithState, LinearAttention, FlexAttention', () => {
    fc.assert(fc.property(dim, dim, dim, fc.integer({ min: 1, max: 4 }), fc.boolean(), (B, C, L, K, past) => {
      const ins = [rand([B, C, L], 1), rand([C, 1, K], 2), null, past ? rand([B, C, K - 1], 3) : null];
      expect(agrees({ op: 'CausalConvWithState', opset: 27, inputs: ins, consts: [], outputs: 2 })).toBe(2);
    }), run);
    fc.assert(fc.property(dim, dim, fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 }), dim, dim, fc.boolean(), (B, T, Hk, group, dk, dv, past) => {
      const Hq = Hk * group;
      const ins = [rand([B, T, Hq * dk], 1), rand([B, T, Hk * dk], 2), rand([B, T, Hk * dv], 3), past ? rand([B, Hk, dk, dv], 4) : null];
      expect(agrees({ op: 'LinearAttention', opset: 27, inputs: ins, consts: [], outputs: 2, attrs: { q_num_heads: BigInt(Hq), kv_num_heads: BigInt(Hk), update_rule: 'linear' } })).toBe(2);
    }), run);
    expect(agrees({ op: 'SwiGLU', opset: 28, inputs: [rand([2, 4], 1), rand([2, 4], 2)], consts: [] })).toBe(1);
    expect(agrees({ op: 'FlexAttention', domain: 'ai.onnx.preview', opset: 1, inputs: [rand([2, 4, 3, 5], 1), rand([2, 2, 6, 5], 2), rand([2, 2, 6, 7], 3)], consts: [] })).toBe(1);
  });
  it('Det, Col2Im, CenterCropPad', () => {
    expect(agrees({ op: 'Det', opset: 22, inputs: [rand([3, 4, 4], 1)], consts: [] })).toBe(1);
    expect(agrees({ op: 'Det', opset: 22, inputs: [rand([4, 4], 1)], consts: [] })).toBe(1);
    expect(agrees({ op: 'Col2Im', opset: 18, inputs: [rand([1, 10, 12], 1), i64([3, 4, 5]), i64([1, 1, 5])], consts: [1, 2] })).toBe(1);
    expect(agrees({ op: 'Col2Im', opset: 18, inputs: [rand([1, 10, 12], 1), i64([3, 4, 5]), i64([1, 1, 5])], consts: [] })).toBe(0);
    let full = 0;
    fc.assert(fc.property(fc.array(dim, { minLength: 1, maxLength: 3 }), fc.array(fc.integer({ min: 0, max: 7 }), { minLength: 3, maxLength: 3 }), fc.boolean(), (xd, target, useAxes) => {
      const x = rand(xd, 3);
      const axes = useAxes ? [xd.length - 1] : undefined;
      const shape = i64(axes ? [target[0]] : target.slice(0, xd.length));
      full += agrees({ op: 'CenterCropPad', opset: 18, inputs: [x, shape], consts: [1], attrs: axes ? { axes: axes.map(BigInt) } : {} }) ?? 0;
      agrees({ op: 'CenterCropPad', opset: 18, inputs: [x, shape], consts: [], attrs: axes ? { axes: axes.map(BigInt) } : {} });
    }), run);
    expect(full).toBeGreaterThan(50);
  });
  it('StringNormalizer keeps the length only without stop words', () => {
    for (const dims of [[3], [1, 4], [0]]) {
      const n = dims.reduce((a, b) => a * b, 1);
      const x: TensorValue = { kind: 'tensor', dtype: D.STRING, dims, data: Array.from({ length: n }, (_, i) => `w${i % 2}`) };
      expect(agrees({ op: 'StringNormalizer', opset: 10, inputs: [x], consts: [], attrs: { case_change_action: 'UPPER' } })).toBe(1);
      expect(agrees({ op: 'StringNormalizer', opset: 10, inputs: [x], consts: [], attrs: { stopwords: ['w0'] } })).toBe(0);
    }
  });
  it('ai.onnx.ml and training ops', () => {
    const x = rand([3, 4], 1, D.DOUBLE);
    expect(agrees({ op: 'Binarizer', domain: 'ai.onnx.ml', opset: 1, inputs: [x], consts: [] })).toBe(1);
    expect(agrees({ op: 'ArrayFeatureExtractor', domain: 'ai.onnx.ml', opset: 1, inputs: [x, i64([0, 2])], consts: [] })).toBe(1);
    // A 1-D X gives a [1, n] result, as the kernel does, not [n].
    expect(agrees({ op: 'ArrayFeatureExtractor', domain: 'ai.onnx.ml', opset: 1, inputs: [rand([5], 3, D.DOUBLE), i64([0, 2, 4])], consts: [] })).toBe(1);
    const strs: TensorValue = { kind: 'tensor', dtype: D.STRING, dims: [3], data: ['a', 'b', 'z'] };
    expect(agrees({ op: 'LabelEncoder', domain: 'ai.onnx.ml', opset: 2, inputs: [strs], consts: [], attrs: { keys_strings: ['a', 'b'], values_int64s: [1n, 2n] } })).toBe(1);
    expect(agrees({ op: 'LabelEncoder', domain: 'ai.onnx.ml', opset: 1, inputs: [strs], consts: [], attrs: { classes_strings: ['a', 'b'] } })).toBe(1);
    const R = { kind: 'tensor', dtype: D.FLOAT, dims: [], data: Float32Array.of(0.1) } as TensorValue;
    const T = i64([1], true);
    const [x1, x2] = [rand([2], 1), rand([3, 1], 2)];
    expect(agrees({ op: 'Adagrad', domain: 'ai.onnx.preview.training', opset: 1, inputs: [R, T, x1, x2, x1, x2, x1, x2], consts: [], outputs: 4 })).toBe(4);
    expect(agrees({ op: 'Adam', domain: 'ai.onnx.preview.training', opset: 1, inputs: [R, T, x1, x1, x1, x1], consts: [], outputs: 3 })).toBe(3);
    expect(agrees({ op: 'Momentum', domain: 'ai.onnx.preview.training', opset: 1, inputs: [R, T, x2, x2, x2], consts: [], outputs: 2, attrs: { alpha: 0.9, beta: 0.1, norm_coefficient: 0, mode: 'nesterov' } })).toBe(2);
  });
});
