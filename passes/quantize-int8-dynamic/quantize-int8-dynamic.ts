/**
 * quantize-int8-dynamic: int8 weights, activations quantized at run time (what onnxruntime's
 * `quantize_dynamic` makes, in standard ONNX ops only):
 *
 * - MatMul(A, W) and Gemm(A, B, C) with a constant 2-D float32 weight:
 *   `DynamicQuantizeLinear(A) → MatMulInteger(a_q, W_q, a_zp) → Cast(float) → Mul(a_scale · w_scale)`
 *   (+ Add C for Gemm). W is int8, symmetric (zero point 0, so MatMulInteger needs none), per
 *   output column when `perChannel` (the scale multiply is a [N] vector: per-channel costs nothing
 *   at run time and roughly halves the weight error of a per-tensor scale). A Gemm weight with
 *   transB is stored transposed; Gemm with alpha or beta other than 1 or transA is left alone.
 * - Conv with a constant weight: int8 per output channel through DequantizeLinear(axis 0); the
 *   convolution stays in float (activations are not quantized there).
 * - Gather (axis 0) of a constant float32 table (embeddings): the table in int8 per tensor, the
 *   gathered rows dequantized (DequantizeLinear after Gather reads only the rows it needs).
 *
 * Weights smaller than `minElements`, weights that are also graph inputs, nodes named (or with an
 * output named) in `exclude`, and graphs below opset 11 (DynamicQuantizeLinear) are left alone;
 * from 11 to 12 weights are quantized per tensor (per-axis DequantizeLinear is opset 13). Only the main graph is rewritten. The float weights become unused: run
 * eliminate-dead-code after (the quantize command does).
 */
import { DataType as D } from '../../ir/dtype.js';
import { attrInt, attrFloat } from '../../ir/attrs.js';
import { edit } from '../../ir/edit/edit.js';
import type { Model, ValueId } from '../../ir/types.js';
import { definePass } from '../../src/pass.js';
import { quantizeTensor, type QuantizedTensor } from '../../src/quantize/quant-math.js';
import { addQuantizedWeight, weightRecord, type RecordSink } from '../../src/quantize/records.js';
import { excludedBy, floatWeight, isFloatValue, mainReader, nameAllocator, int8Opset, transpose2d, valueName, warnOutsideMain } from '../../src/quantize/weights.js';

export interface QuantizeInt8DynamicOptions {
  /** Per output channel weight scales (default true). */
  readonly perChannel: boolean;
  /** Weights with fewer elements stay float. */
  readonly minElements: number;
  /** Comma-separated node or output names left in float. */
  readonly exclude: string;
  /** Quantize Conv weights (weight-only, DequantizeLinear). */
  readonly conv: boolean;
  /** Quantize Gather tables (embeddings). */
  readonly gather: boolean;
  /** Receives a record per quantized weight (library use; not settable in pipeline text). */
  readonly record?: RecordSink;
}

const DEFAULTS: QuantizeInt8DynamicOptions = { perChannel: true, minElements: 64, exclude: '', conv: true, gather: true };

export const quantizeInt8Dynamic = definePass<QuantizeInt8DynamicOptions>({
  name: 'quantize-int8-dynamic',
  summary: 'int8 weights for MatMul/Gemm (DynamicQuantizeLinear + MatMulInteger), Conv and Gather (DequantizeLinear); activations quantized at run time.',
  defaults: DEFAULTS,
  run(model, ctx, options) {
    const how = int8Opset(model, 'quantize-int8-dynamic', 11, options.perChannel, (m) => ctx.log.warn(m));
    if (!how) return model;
    options = { ...options, ...how };
    warnOutsideMain(model, 'quantize-int8-dynamic', ['MatMul', 'Gemm', ...(options.conv ? ['Conv'] : []), ...(options.gather ? ['Gather'] : [])], (m) => ctx.log.warn(m));
    return rewrite(model, options, (k) => ctx.stats.count(k));
  },
});

function rewrite(model: Model, options: QuantizeInt8DynamicOptions, count: (key: string) => void): Model {
  const fresh = nameAllocator(model);
  const excluded = excludedBy(options.exclude);
  return edit(model, (e) => {
    const reader = mainReader(model, e);
    // one DynamicQuantizeLinear per activation, shared by every MatMul reading it
    const dynamic = new Map<ValueId, { q: ValueId; scale: ValueId; zp: ValueId }>();
    // one quantized copy per weight and layout (a weight read by two nodes is stored once)
    const done = new Map<string, { data: ValueId; scale: ValueId; q: QuantizedTensor }>();
    const quantizeOnce = (w: ValueId, key: string, op: string, make: () => { q: QuantizedTensor; dims: readonly number[] }) => {
      const k = `${w}|${key}`;
      const hit = done.get(k);
      if (hit) return hit;
      const { q, dims } = make();
      const added = addQuantizedWeight(e, q, dims, valueName(e, w), fresh);
      options.record?.(weightRecord(valueName(e, w), op, q));
      const entry = { ...added, q };
      done.set(k, entry);
      return entry;
    };
    const activation = (a: ValueId) => {
      let d = dynamic.get(a);
      if (!d) {
        const [q, scale, zp] = e.add('DynamicQuantizeLinear', [a], {}, { outputs: 3 });
        d = { q, scale, zp };
        dynamic.set(a, d);
      }
      return d;
    };
    for (const node of e.nodes()) {
      if (node.domain !== '' || excluded(node, e)) continue;
      const out = node.outputs[0];
      if (out === null || out === undefined) continue;
      if (node.op === 'MatMul' || node.op === 'Gemm') {
        const [a, b] = node.inputs;
        if (!isFloatValue(e, a) || reader.isConstant(a)) continue;
        const w = floatWeight(reader, b, options.minElements);
        if (!w || w.dims.length !== 2 || b === null) continue;
        let transB = false;
        if (node.op === 'Gemm') {
          if (attrInt(node.attrs, 'transA', 0n) !== 0n || attrFloat(node.attrs, 'alpha', 1) !== 1 || attrFloat(node.attrs, 'beta', 1) !== 1) continue;
          transB = attrInt(node.attrs, 'transB', 0n) !== 0n;
        }
        const [k, n] = transB ? [w.dims[1], w.dims[0]] : [w.dims[0], w.dims[1]];
        const qw = quantizeOnce(b, `kn${transB ? 't' : ''}${options.perChannel ? 'c' : ''}`, node.op, () => {
          const data = transB ? transpose2d(w.data, w.dims[0], w.dims[1]) : w.data;
          return { q: quantizeTensor(data, [k, n], { dtype: D.INT8, symmetric: true, ...(options.perChannel && { axis: 1 }) }), dims: [k, n] };
        });
        const act = activation(a);
        const [yi] = e.add('MatMulInteger', [act.q, qw.data, act.zp], {});
        const [yf] = e.add('Cast', [yi], { to: BigInt(D.FLOAT) });
        const [s] = e.add('Mul', [act.scale, qw.scale], {});
        let [y] = e.add('Mul', [yf, s], {});
        const c = node.op === 'Gemm' ? (node.inputs[2] ?? null) : null;
        if (c !== null) [y] = e.add('Add', [y, c], {});
        e.replaceAllUses(out, y);
        e.remove(node.id);
        count(`${node.op}`);
      } else if (node.op === 'Conv' && options.conv) {
        const wId = node.inputs[1] ?? null;
        const w = floatWeight(reader, wId, options.minElements);
        if (!w || wId === null || w.dims.length < 3) continue;
        const qw = quantizeOnce(wId, `conv${options.perChannel ? 'c' : ''}`, 'Conv', () => ({
          q: quantizeTensor(w.data, w.dims, { dtype: D.INT8, symmetric: true, ...(options.perChannel && { axis: 0 }) }),
          dims: w.dims,
        }));
        const [dq] = e.add('DequantizeLinear', [qw.data, qw.scale], options.perChannel ? { axis: 0n } : {});
        e.setInput(node.id, 1, dq);
        count('Conv');
      } else if (node.op === 'Gather' && options.gather) {
        const tId = node.inputs[0] ?? null;
        if (attrInt(node.attrs, 'axis', 0n) !== 0n) continue;
        const w = floatWeight(reader, tId, options.minElements);
        if (!w || tId === null) continue;
        const qw = quantizeOnce(tId, 'gather', 'Gather', () => ({ q: quantizeTensor(w.data, w.dims, { dtype: D.INT8, symmetric: true }), dims: w.dims }));
        const [g] = e.add('Gather', [qw.data, node.inputs[1] ?? null], { axis: 0n });
        const [y] = e.add('DequantizeLinear', [g, qw.scale], {});
        e.replaceAllUses(out, y);
        e.remove(node.id);
        count('Gather');
      }
    }
  });
}
