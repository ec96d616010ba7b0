/**
 * quantize-int8-static with calibration ranges given by the caller (library use): a range that is
 * not finite (a tensor whose calibration saw no finite value reports min = +Infinity, max =
 * -Infinity) gives no usable scale, so that activation stays float while the weight is still
 * quantized.
 */
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import type { Range } from '../../src/quantize/stats.js';
import { quantizeInt8Static } from './quantize-int8-static.js';

const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,8] x) => (float[2,8] y) <float[8,8] w = {${Array.from({ length: 64 }, (_, i) => ((i * 5) % 11) / 8 - 0.6).join(', ')}}> {
  y = MatMul (x, w)
}`);

// run directly, as lathe quantize does: `ranges` has no pipeline-text form
const quantized = (ranges: Map<string, Range>) => {
  const out = quantizeInt8Static({ ranges }).run(model, createPassContext());
  expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
  return out;
};

const opsOf = (m: ReturnType<typeof parseModel>) => m.graph.order.map((id) => m.graph.nodes[id]!.op);

describe('quantize-int8-static with given ranges', () => {
  it('a finite range puts a QuantizeLinear/DequantizeLinear pair on the activation', () => {
    const out = quantized(new Map([['x', { min: -1, max: 3 }]]));
    expect(opsOf(out).filter((op) => op === 'QuantizeLinear')).toHaveLength(1);
  });

  for (const [label, range] of [
    ['no finite value seen (min +Infinity, max -Infinity)', { min: Infinity, max: -Infinity }],
    ['an infinite bound', { min: -Infinity, max: 3 }],
    ['a NaN bound', { min: -1, max: NaN }],
  ] as const) {
    it(`leaves the activation float for ${label}, still quantizing the weight`, () => {
      const out = quantized(new Map([['x', range]]));
      const ops = opsOf(out);
      expect(ops).not.toContain('QuantizeLinear');
      expect(ops.filter((op) => op === 'DequantizeLinear')).toHaveLength(1);
      const mm = out.graph.order.map((id) => out.graph.nodes[id]!).find((n) => n.op === 'MatMul')!;
      expect(out.graph.values[mm.inputs[0]!]?.name).toBe('x');
    });
  }

  it('an unknown calibration method leaves the model as it is, with a warning (not another method silently)', () => {
    const ctx = createPassContext();
    expect(quantizeInt8Static({ method: 'kl' as 'minmax' }).run(model, ctx)).toBe(model);
    expect(ctx.warnings.join()).toMatch(/unknown method 'kl'/);
  });

  it('exclude lists a tensor the node writes: that node stays float', () => {
    const out = quantizeInt8Static({ ranges: new Map([['x', { min: -1, max: 3 }]]), exclude: 'y' }).run(model, createPassContext());
    expect(opsOf(out)).toEqual(['MatMul']);
  });

  it('below opset 13 per-tensor weights, warned only when per-channel was asked', () => {
    const m12 = { ...model, opsets: model.opsets.map((o) => (o.domain === '' ? { ...o, version: 12 } : o)) };
    const ranges = new Map([['x', { min: -1, max: 3 }]]);
    const quiet = createPassContext();
    const a = quantizeInt8Static({ ranges, perChannel: false }).run(m12, quiet);
    expect(quiet.warnings).toEqual([]);
    const warned = createPassContext();
    const b = quantizeInt8Static({ ranges }).run(m12, warned);
    expect(warned.warnings.join()).toMatch(/opset 12 has no per-axis DequantizeLinear/);
    // both per tensor: DequantizeLinear of the weight without an axis, one scale
    for (const out of [a, b]) {
      const dq = out.graph.order.map((id) => out.graph.nodes[id]!).filter((n) => n.op === 'DequantizeLinear' && out.graph.values[n.inputs[0]!]?.tensor);
      expect(dq).toHaveLength(1);
      expect(dq[0]!.attrs.find((x) => x.name === 'axis')).toBeUndefined();
    }
  });
});


describe('quantize-int8-static calibrating itself (no ranges given)', () => {
  /** The scale of the activation's QuantizeLinear. */
  const activationScale = (options: Parameters<typeof quantizeInt8Static>[0]) => {
    const out = quantizeInt8Static(options).run(model, createPassContext());
    const q = out.graph.order.map((id) => out.graph.nodes[id]!).find((n) => n.op === 'QuantizeLinear')!;
    const t = out.graph.values[q.inputs[1]!]!.tensor!;
    return new Float32Array((t.data as { bytes: Uint8Array }).bytes.slice().buffer)[0]!;
  };

  it('uses the method asked for: the median of |x| (percentile 50) gives a range about half of minmax\'s (not minmax silently)', () => {
    // inputs uniform in [-1, 1): minmax about [-1, 1], the 50th percentile of |x| about 0.5
    const minmax = activationScale({ method: 'minmax' });
    const median = activationScale({ method: 'percentile', percentile: 50 });
    expect(minmax).toBeGreaterThan(1.8 / 255);
    expect(median / minmax).toBeGreaterThan(0.3);
    expect(median / minmax).toBeLessThan(0.7);
  });
});
