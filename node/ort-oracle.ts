/**
 * onnxruntime-node as a `checkPassAsync` oracle. onnxruntime-node is not a dependency of lathe:
 * it is loaded when the oracle is first asked for, and a missing install is a one-line error.
 * Sessions run with graph optimizations off and one thread (the runtime's own rewrites must not
 * hide or cause a difference), one session per model.
 */
import { DataType as D } from '../ir/dtype.js';
import { LatheError } from '../ir/error.js';
import { decodeNarrow, encodeNarrow } from '../ir/ops/float-formats.js';
import type { RtValue, TensorValue } from '../ir/ops/types.js';
import type { Oracle } from '../src/testing/oracle.js';
import type { Feeds } from '../src/testing/arb-feeds.js';

/** The part of onnxruntime-node's API the oracle uses. */
interface OrtTensor {
  readonly type: string;
  readonly dims: readonly number[];
  readonly data: unknown;
}
interface OrtModule {
  Tensor: new (type: string, data: unknown, dims: readonly number[]) => OrtTensor;
  InferenceSession: {
    create(model: Uint8Array, options: Record<string, unknown>): Promise<{ run(feeds: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>> }>;
  };
}

const ORT_TYPE: Readonly<Record<number, string>> = {
  [D.FLOAT]: 'float32', [D.UINT8]: 'uint8', [D.INT8]: 'int8', [D.UINT16]: 'uint16', [D.INT16]: 'int16', [D.INT32]: 'int32', [D.INT64]: 'int64',
  [D.BOOL]: 'bool', [D.FLOAT16]: 'float16', [D.DOUBLE]: 'float64', [D.UINT32]: 'uint32', [D.UINT64]: 'uint64',
};
const LATHE_TYPE: Readonly<Record<string, number>> = Object.fromEntries(Object.entries(ORT_TYPE).map(([k, v]) => [v, Number(k)]));

function toOrt(ort: OrtModule, v: RtValue, name: string): OrtTensor {
  if (v.kind !== 'tensor' || ORT_TYPE[v.dtype] === undefined) throw new LatheError(`onnxruntime oracle: input '${name}' is not a tensor type it takes`);
  const type = ORT_TYPE[v.dtype];
  // float16 lives widened in a Float32Array in lathe; onnxruntime takes its bits.
  const data = v.dtype === D.FLOAT16 ? Uint16Array.from(v.data as Float32Array, (x) => encodeNarrow(D.FLOAT16, x)) : v.data;
  return new ort.Tensor(type, data, [...v.dims]);
}

function fromOrt(t: OrtTensor, name: string): TensorValue {
  const dtype = LATHE_TYPE[t.type];
  if (dtype === undefined) throw new LatheError(`onnxruntime oracle: output '${name}' has the type ${t.type}, which lathe does not compare`);
  const data = dtype === D.FLOAT16 ? Float32Array.from(t.data as Uint16Array, (b) => decodeNarrow(D.FLOAT16, b)) : t.data;
  return { kind: 'tensor', dtype, dims: [...t.dims], data } as TensorValue;
}

/** Loads onnxruntime-node (a seam for tests: a loader that fails stands for a missing install). */
export type OrtLoader = () => Promise<unknown>;

/** The onnxruntime oracle; a `LatheError` when onnxruntime-node cannot be loaded. */
export async function onnxruntimeOracle(load: OrtLoader = () => import('onnxruntime-node')): Promise<Oracle> {
  let ort: OrtModule;
  try {
    const mod = (await load()) as OrtModule & { default?: OrtModule };
    ort = mod.InferenceSession ? mod : mod.default!;
  } catch (e) {
    throw new LatheError(`checkPass: oracle 'onnxruntime' needs onnxruntime-node, which is not installed (npm install --save-dev onnxruntime-node): ${String((e as Error).message).split('\n')[0]}`);
  }
  const sessions = new WeakMap<Uint8Array, ReturnType<OrtModule['InferenceSession']['create']>>();
  return {
    name: 'onnxruntime',
    async run(model, feeds: Feeds) {
      let session = sessions.get(model);
      if (!session) {
        session = ort.InferenceSession.create(model, { graphOptimizationLevel: 'disabled', intraOpNumThreads: 1 });
        sessions.set(model, session);
      }
      const s = await session;
      const inputs: Record<string, OrtTensor> = {};
      for (const [name, v] of Object.entries(feeds)) inputs[name] = toOrt(ort, v, name);
      const out = await s.run(inputs);
      return new Map(Object.entries(out).map(([name, t]) => [name, fromOrt(t, name) as RtValue]));
    },
  };
}
