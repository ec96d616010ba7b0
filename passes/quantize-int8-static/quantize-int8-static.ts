/**
 * quantize-int8-static: QDQ format with calibrated activation ranges. At each Conv, Gemm and MatMul
 * with a constant float32 weight (src/quantize/static-plan.ts says which), the activation input
 * goes through QuantizeLinear → DequantizeLinear with the scale and zero point of its calibrated
 * range (uint8 asymmetric, or int8 symmetric with `symmetric`; one pair per tensor, shared by its
 * readers), and the weight becomes int8 (symmetric, per output channel unless `perChannel` is
 * false) through DequantizeLinear. Runtimes fuse such pairs into integer kernels; the model stays
 * standard ONNX either way. Biases, Softmax and its inputs, attention MatMuls, nodes in `exclude`
 * and (with `excludeLast`) the last layer stay in float.
 *
 * Ranges come from `ranges` (the quantize command calibrates on real or generated data first);
 * without them (in a `--passes` pipeline) the pass calibrates itself on `samples` generated inputs
 * with the evaluator and says so in a warning. An activation without a range keeps its float
 * input (its weight is still quantized). Graphs below opset 10 are left alone; from
 * 10 to 12 weights are quantized per tensor (per-axis DequantizeLinear is opset 13). The float weights
 * become unused: run eliminate-dead-code after.
 */
import { DataType as D } from '../../ir/dtype.js';
import { edit } from '../../ir/edit/edit.js';
import type { Model, ValueId } from '../../ir/types.js';
import { definePass } from '../../src/pass.js';
import { calibrateSync, generatedSample } from '../../src/quantize/calibrate.js';
import { paramsFromRange, quantizeTensor, type QuantizedTensor } from '../../src/quantize/quant-math.js';
import { addQuantizedWeight, floatTensor, int8Tensor, weightRecord, type RecordSink } from '../../src/quantize/records.js';
import { staticActivationNames, staticSitesIn } from '../../src/quantize/static-plan.js';
import type { CalibrationMethod, Range } from '../../src/quantize/stats.js';
import { mainReader, nameAllocator, int8Opset, valueName, warnOutsideMain } from '../../src/quantize/weights.js';

export interface QuantizeInt8StaticOptions {
  readonly method: CalibrationMethod;
  /** For `percentile`: the percentile of |x| kept. */
  readonly percentile: number;
  readonly perChannel: boolean;
  /** Activations int8 with zero point 0 (default: uint8 with a zero point). */
  readonly symmetric: boolean;
  /** Comma-separated node or output names left in float. */
  readonly exclude: string;
  /** Leave the last quantizable node (the classifier) in float. */
  readonly excludeLast: boolean;
  readonly minElements: number;
  /**
   * Weights in 7 bits ([-64, 64]), as onnxruntime's reduce_range: runtimes that fuse QDQ into
   * uint8 × int8 kernels saturate on x86 CPUs without VNNI otherwise (quant-math.ts `qRange`).
   */
  readonly reduceRange: boolean;
  /** Generated samples the pass calibrates on when no `ranges` are given. */
  readonly samples: number;
  readonly seed: number;
  /** Calibrated ranges by tensor name (library use; not settable in pipeline text). */
  readonly ranges?: ReadonlyMap<string, Range>;
  readonly record?: RecordSink;
}

const DEFAULTS: QuantizeInt8StaticOptions = {
  method: 'minmax', percentile: 99.999, perChannel: true, symmetric: false, exclude: '', excludeLast: false, minElements: 64, reduceRange: false, samples: 4, seed: 0,
};

export const quantizeInt8Static = definePass<QuantizeInt8StaticOptions>({
  name: 'quantize-int8-static',
  summary: 'QDQ int8: calibrated QuantizeLinear/DequantizeLinear on Conv/Gemm/MatMul activations, per-channel int8 weights.',
  defaults: DEFAULTS,
  run(model, ctx, options) {
    const how = int8Opset(model, 'quantize-int8-static', 10, options.perChannel, (m) => ctx.log.warn(m));
    if (!how) return model;
    options = { ...options, ...how };
    if (!['minmax', 'percentile', 'entropy'].includes(options.method)) {
      ctx.log.warn(`quantize-int8-static: unknown method '${options.method}' (minmax, percentile, entropy); left as it is`);
      return model;
    }
    warnOutsideMain(model, 'quantize-int8-static', ['Conv', 'Gemm', 'MatMul'], (m) => ctx.log.warn(m));
    let ranges = options.ranges;
    if (!ranges) {
      const names = staticActivationNames(model, options);
      if (names.size === 0) return model;
      ctx.log.warn(`quantize-int8-static: no calibration ranges given; calibrated on ${options.samples} generated inputs`);
      const samples = Array.from({ length: Math.max(1, options.samples) }, (_, i) => i);
      ranges = calibrateSync(model, names, (function* () {
        for (const i of samples) yield generatedSample(model, i, options.seed);
      })(), options.method, options.percentile);
    }
    return rewrite(model, options, ranges, (k) => ctx.stats.count(k));
  },
});

function rewrite(model: Model, options: QuantizeInt8StaticOptions, ranges: ReadonlyMap<string, Range>, count: (key: string) => void): Model {
  const fresh = nameAllocator(model);
  const actDtype = options.symmetric ? D.INT8 : D.UINT8;
  return edit(model, (e) => {
    const sites = staticSitesIn(e, mainReader(model, e), options);
    const reader = mainReader(model, e);
    const qdq = new Map<ValueId, ValueId | null>();
    const weights = new Map<string, ValueId>();
    for (const site of sites) {
      // the activation: one QDQ pair per tensor
      let dq = qdq.get(site.activation);
      if (dq === undefined) {
        dq = null;
        const r = ranges.get(site.activationName);
        if (r && Number.isFinite(r.min) && Number.isFinite(r.max)) {
          const p = paramsFromRange(r.min, r.max, actDtype, options.symmetric);
          const base = site.activationName;
          const s = e.addInitializer(floatTensor([p.scale], true), fresh(`${base}_scale`));
          const zp = e.addInitializer(int8Tensor(actDtype, [p.zeroPoint], []), fresh(`${base}_zero_point`));
          const [q] = e.add('QuantizeLinear', [site.activation, s, zp], {}, { before: site.node });
          [dq] = e.add('DequantizeLinear', [q, s, zp], {}, { before: site.node });
          options.record?.({
            name: base, kind: 'activation', op: site.op, dtype: options.symmetric ? 'int8' : 'uint8',
            scale: [p.scale], zeroPoint: [p.zeroPoint], range: { min: r.min, max: r.max },
          });
          count('activations');
        }
        qdq.set(site.activation, dq);
      }
      if (dq !== null) e.setInput(site.node, 0, dq);
      // the weight: int8, per channel along the output axis
      const key = `${site.weight}|${site.axis}`;
      let wdq = weights.get(key);
      if (wdq === undefined) {
        const w = reader.value(site.weight);
        if (!w || w.kind !== 'tensor' || !(w.data instanceof Float32Array)) continue;
        const q: QuantizedTensor = quantizeTensor(w.data, w.dims, { dtype: D.INT8, symmetric: true, reduceRange: options.reduceRange, ...(options.perChannel && { axis: site.axis }) });
        const added = addQuantizedWeight(e, q, w.dims, valueName(e, site.weight), fresh);
        [wdq] = e.add('DequantizeLinear', [added.data, added.scale], options.perChannel ? { axis: BigInt(site.axis) } : {}, { before: site.node });
        weights.set(key, wdq);
        options.record?.(weightRecord(valueName(e, site.weight), site.op, q));
        count('weights');
      }
      e.setInput(site.node, 1, wdq);
    }
  });
}
