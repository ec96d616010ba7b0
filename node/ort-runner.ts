/**
 * onnxruntime-node as the sample runner of calibration and of the error measurement, when it is
 * installed (it is optional: loaded by a dynamic import, and lathe falls back to its evaluator
 * when the import fails). The tensors calibration observes become extra graph outputs of a copy
 * of the model, so one session run yields them all; sessions are kept for the last two
 * (model, observed names) pairs (calibration runs one, the measurement alternates two).
 *
 * A model onnxruntime refuses (a session that does not build) runs in the evaluator instead.
 */
import { DataType as D } from '../ir/dtype.js';
import type { RtValue, TensorValue } from '../ir/ops/types.js';
import type { Model, ValueId } from '../ir/types.js';
import type { Observer, Sample, SampleRunner } from '../src/quantize/calibrate.js';
import { evaluatorRunner } from '../src/quantize/calibrate.js';
import { saveModelToBytes } from '../src/io.js';

type Ort = typeof import('onnxruntime-node');
type Session = Awaited<ReturnType<Ort['InferenceSession']['create']>>;

/** lathe dtype → onnxruntime-node tensor type, for the types calibration feeds and reads. */
const ORT_TYPES: Readonly<Record<number, string>> = {
  [D.FLOAT]: 'float32', [D.DOUBLE]: 'float64', [D.INT64]: 'int64', [D.INT32]: 'int32', [D.INT8]: 'int8', [D.UINT8]: 'uint8', [D.BOOL]: 'bool',
};
const FROM_ORT: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(ORT_TYPES).map(([k, v]) => [v, Number(k)]));

/** The model with `names` (values of its main graph) added as graph outputs. */
function withOutputs(model: Model, names: ReadonlySet<string>): Model {
  const g = model.graph;
  const have = new Set(g.outputs);
  const extra: ValueId[] = [];
  for (const v of Object.values(g.values)) {
    if (v.name !== undefined && names.has(v.name) && !have.has(v.id) && !g.inputs.includes(v.id)) extra.push(v.id);
  }
  if (extra.length === 0) return model;
  return { ...model, graph: { ...g, outputs: [...g.outputs, ...extra], ...(g.outputInfo && { outputInfo: [...g.outputInfo, ...extra.map(() => null)] }) } };
}

/** The onnxruntime runner, or undefined when onnxruntime-node cannot be loaded. */
export async function ortSampleRunner(): Promise<SampleRunner | undefined> {
  let ort: Ort;
  try {
    ort = await import('onnxruntime-node');
  } catch {
    return undefined;
  }
  const sessions: { model: Model; key: string; session: Session | null }[] = [];
  const sessionFor = async (model: Model, names: ReadonlySet<string>): Promise<Session | null> => {
    const key = [...names].sort().join('\u0000');
    const hit = sessions.find((s) => s.model === model && s.key === key);
    if (hit) return hit.session;
    let session: Session | null = null;
    try {
      session = await ort.InferenceSession.create(saveModelToBytes(withOutputs(model, names)), { logSeverityLevel: 4 } /* fatal only: a failed run is thrown, and lathe says it in its own one line */);
    } catch {
      session = null; // not a model onnxruntime takes: the evaluator runs it
    }
    sessions.push({ model, key, session });
    while (sessions.length > 2) await sessions.shift()!.session?.release();
    return session;
  };
  const toOrt = (v: RtValue) => {
    if (v.kind !== 'tensor' || Array.isArray(v.data) || ORT_TYPES[v.dtype] === undefined) return undefined;
    const data = v.dtype === D.BOOL ? Uint8Array.from(v.data as ArrayLike<number>, (x) => (x ? 1 : 0)) : v.data;
    return new ort.Tensor(ORT_TYPES[v.dtype] as 'float32', data as Float32Array, [...v.dims]);
  };
  return async (model: Model, sample: Sample, observe?: Observer) => {
    const session = await sessionFor(model, observe?.names ?? new Set());
    const feeds: Record<string, InstanceType<Ort['Tensor']>> = {};
    for (const [name, v] of sample) {
      const t = toOrt(v);
      if (!t) return evaluatorRunner(model, sample, observe);
      feeds[name] = t;
    }
    if (!session) return evaluatorRunner(model, sample, observe);
    const results = await session.run(feeds);
    const outputs = new Map<string, RtValue>();
    const graphOutputs = new Set(model.graph.outputs.map((id) => model.graph.values[id]?.name ?? id));
    if (observe) for (const [name, v] of sample) observe.see(name, v);
    for (const [name, t] of Object.entries(results)) {
      const dtype = FROM_ORT[t.type];
      if (dtype === undefined) continue;
      const value: TensorValue = { kind: 'tensor', dtype, dims: [...t.dims], data: t.data as Float32Array };
      if (observe?.names.has(name)) observe.see(name, value);
      if (graphOutputs.has(name)) outputs.set(name, value);
    }
    return outputs;
  };
}
