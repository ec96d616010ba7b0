import { describe, expect, it } from 'vitest';
import { LatheError } from '../../error.js';
import type { TensorValue } from '../types.js';
import { flexOps } from './flex.js';
import { ctxOf, f32, fakeGraph, find, plain } from './test-util.js';

const Flex = find(flexOps, 'FlexAttention', 'ai.onnx.preview');

/** Direct attention for one (batch, head) of [1, H, L, E] inputs, KV head index given. */
function reference(q: number[][], k: number[][], v: number[][], scale: number): number[][] {
  return q.map((qi) => {
    const s = k.map((kj) => qi.reduce((a, x, t) => a + x * kj[t], 0) * scale);
    const m = Math.max(...s);
    const p = s.map((x) => Math.exp(x - m));
    const z = p.reduce((a, b) => a + b, 0);
    return v[0].map((_, c) => p.reduce((a, pj, j) => a + (pj / z) * v[j][c], 0));
  });
}

const rows = (t: number[], n: number, w: number, off = 0) => Array.from({ length: n }, (_, i) => t.slice(off + i * w, off + (i + 1) * w));

describe('FlexAttention', () => {
  const qd = Array.from({ length: 2 * 3 * 2 }, (_, i) => Math.sin(i));
  const kd = Array.from({ length: 4 * 2 }, (_, i) => Math.cos(i));
  const vd = Array.from({ length: 4 * 3 }, (_, i) => i / 7);
  const Q = f32([1, 2, 3, 2], qd), K = f32([1, 1, 4, 2], kd), V = f32([1, 1, 4, 3], vd);
  it('matches direct attention, sharing one KV head between two query heads (GQA)', () => {
    const y = plain(Flex.kernel([Q, K, V], ctxOf('FlexAttention', {}, { inputs: 3 }))[0]);
    expect(y.dims).toEqual([1, 2, 3, 3]);
    const want = [0, 1].flatMap((h) => reference(rows(qd, 3, 2, h * 6), rows(kd, 4, 2), rows(vd, 4, 3), 1 / Math.sqrt(2)).flat());
    (y.data as number[]).forEach((x, i) => expect(x).toBeCloseTo(want[i], 5));
  });
  it('runs score_mod (here a causal mask) and prob_mod', () => {
    const causal = (g: { name: string }, ins: readonly unknown[]) => {
      const t = ins[0] as TensorValue;
      const d = Float32Array.from(t.data as Float32Array);
      if (g.name === 'mask') for (let i = 0; i < d.length; i++) if (i % 4 > Math.floor(i / 4) % 3) d[i] = -Infinity;
      if (g.name === 'half') for (let i = 0; i < d.length; i++) d[i] *= 0.5;
      return [{ ...t, data: d }];
    };
    const ctx = ctxOf('FlexAttention', { score_mod: fakeGraph('mask'), prob_mod: fakeGraph('half'), scale: 1 }, { inputs: 3, runGraph: causal });
    const y = plain(Flex.kernel([Q, K, V], ctx)[0]).data as number[];
    // Query 0 sees only key 0: y = 0.5 · V[0].
    expect(y.slice(0, 3).map((x) => +x.toFixed(6))).toEqual(vd.slice(0, 3).map((x) => +(x / 2).toFixed(6)));
  });
  it('rejects bad shapes and head counts', () => {
    expect(() => Flex.kernel([f32([2, 2], [0, 0, 0, 0]), K, V], ctxOf('FlexAttention', {}, { inputs: 3 }))).toThrow(LatheError);
    expect(() => Flex.kernel([f32([1, 3, 3, 2], new Array(18).fill(0)), f32([1, 2, 4, 2], new Array(16).fill(0)), f32([1, 2, 4, 3], new Array(24).fill(0))], ctxOf('FlexAttention', {}, { inputs: 3 }))).toThrow(/multiple/);
  });
});
