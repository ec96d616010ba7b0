/**
 * Calibration on lathe's evaluator: samples run one at a time, each value of interest folded into
 * running statistics (stats.ts) as it is computed, so memory does not grow with the number of
 * samples; and generated samples for when no calibration data is given.
 */
import { DataType as D } from '../../ir/dtype.js';
import { LatheError } from '../../ir/error.js';
import { evaluate } from '../../ir/eval/run.js';
import type { RtValue, TensorValue } from '../../ir/ops/types.js';
import { allocate } from '../../ir/ops/util.js';
import { streamKey, uniformAt } from '../../ir/random.js';
import type { Model } from '../../ir/types.js';
import { StatsCollector, type CalibrationMethod, type Range } from './stats.js';
import { storedIn } from '../../ir/uses.js';

/** One calibration sample: graph input name → value. */
export type Sample = ReadonlyMap<string, RtValue>;

/** Size of a symbolic dim in generated inputs: 1 for batch-like names, 8 otherwise. */
export function generatedDimSize(symbol: string): number {
  return /batch/i.test(symbol) ? 1 : 8;
}

/**
 * A generated sample for the non-initializer inputs of `model`: floats uniform in [-1, 1),
 * integers in [0, 2) (valid token ids and indices of any table), bools 0/1; symbolic dims as
 * `generatedDimSize`. Deterministic in (seed, index, input name).
 */
export function generatedSample(model: Model, index: number, seed = 0): Map<string, RtValue> {
  const g = model.graph;
  const inits = storedIn(g);
  const out = new Map<string, RtValue>();
  for (const id of g.inputs) {
    if (inits.has(id)) continue;
    const v = g.values[id];
    const name = v?.name ?? id;
    const t = v?.type;
    if (t?.kind !== 'tensor' || t.shape === undefined) throw new LatheError(`input '${name}' has no tensor shape: give calibration data`);
    const dims = t.shape.map((d) => (typeof d === 'number' ? d : d === null ? 1 : generatedDimSize(d)));
    const n = dims.reduce((p, d) => p * d, 1);
    const key = streamKey(seed, `calibration:${index}:${name}`);
    let data;
    try {
      data = allocate(t.dtype, n);
    } catch {
      throw new LatheError(`input '${name}': cannot generate ${t.dtype} values; give calibration data`);
    }
    if (Array.isArray(data)) throw new LatheError(`input '${name}': cannot generate strings; give calibration data`);
    const float = t.dtype === D.FLOAT || t.dtype === D.DOUBLE;
    for (let i = 0; i < n; i++) {
      const u = uniformAt(key, i);
      if (float) (data as Float32Array)[i] = 2 * u - 1;
      else if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = u < 0.5 ? 0n : 1n;
      else (data as Int32Array)[i] = u < 0.5 ? 0 : 1;
    }
    out.set(name, { kind: 'tensor', dtype: t.dtype, dims, data } as TensorValue);
  }
  return out;
}

/** The values a run should show its caller: `see` gets at least the ones in `names` (inputs included). */
export interface Observer {
  readonly names: ReadonlySet<string>;
  see(name: string, value: RtValue): void;
}

/** Runs a model on one sample and returns its graph outputs by name, showing `observe` what it asks for. */
export type SampleRunner = (model: Model, sample: Sample, observe?: Observer) => Promise<ReadonlyMap<string, RtValue>>;

/** The evaluator as a SampleRunner. */
export const evaluatorRunner: SampleRunner = async (model, sample, observe) => {
  if (!observe) return evaluate(model, sample);
  for (const [name, v] of sample) observe.see(name, v);
  return evaluate(model, sample, { observe: (name, v) => observe.see(name, v) });
};

export interface CalibrateOptions {
  readonly method: CalibrationMethod;
  /** For `percentile`: the percentile of |x| kept (default 99.999). */
  readonly percentile?: number;
  readonly runner?: SampleRunner;
  /** Called after each sample with the count so far. */
  readonly onSample?: (done: number) => void;
}

/** Calibrated ranges of the tensors `names` of `model` over `samples` (read one at a time). */
export async function calibrate(model: Model, names: Iterable<string>, samples: Iterable<Sample> | AsyncIterable<Sample>, options: CalibrateOptions): Promise<Map<string, Range>> {
  const collector = new StatsCollector(names, options.method !== 'minmax');
  const runner = options.runner ?? evaluatorRunner;
  const observer: Observer = { names: new Set(collector.stats.keys()), see: collector.observe };
  let k = 0;
  for await (const sample of samples) {
    await runner(model, sample, observer);
    k++; // not inside `onSample?.(…)`: its argument is not evaluated when there is no callback
    options.onSample?.(k);
  }
  if (k === 0) throw new LatheError('no calibration samples');
  return collector.ranges(options.method, options.percentile);
}

/** The same as `calibrate` with the evaluator, synchronously (for the pass calibrating itself). */
export function calibrateSync(model: Model, names: Iterable<string>, samples: Iterable<Sample>, method: CalibrationMethod, percentile?: number): Map<string, Range> {
  const collector = new StatsCollector(names, method !== 'minmax');
  for (const sample of samples) {
    for (const [name, v] of sample) collector.observe(name, v);
    evaluate(model, sample, { observe: collector.observe });
  }
  return collector.ranges(method, percentile);
}
