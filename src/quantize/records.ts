/**
 * What the quantization passes tell about each tensor they quantize (the report's rows), and the
 * initializers they add for a quantized weight or a QDQ pair's parameters.
 */
import { DataType as D } from '../../ir/dtype.js';
import type { Editor } from '../../ir/edit/edit.js';
import type { Tensor, ValueId } from '../../ir/types.js';
import type { QuantizedTensor } from './quant-math.js';

/** One quantized tensor: a constant weight, or an activation with its calibrated range. */
export interface TensorRecord {
  /** The tensor's name in the (optimized) float model. */
  readonly name: string;
  readonly kind: 'weight' | 'activation';
  /** The op reading it (MatMul, Gemm, Conv, Gather). */
  readonly op: string;
  readonly dtype: 'int8' | 'uint8' | 'int4' | 'uint4';
  /** The channel axis of per-channel parameters. */
  readonly axis?: number;
  /**
   * Blockwise (int4) weights: rows of K per block. There is a scale per (block, column), too many
   * to list: `scale` and `zeroPoint` then hold the smallest and the largest of them.
   */
  readonly blockSize?: number;
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
  /** Weights: max |w - dq(q(w))| and ||w - dq(q(w))|| / ||w||. */
  readonly maxAbsError?: number;
  readonly relL2Error?: number;
  /** Activations: the calibrated range; at run time for dynamic quantization (absent). */
  readonly range?: { readonly min: number; readonly max: number };
}

/** Receives the records of a pass run (the `record` option of the quantization passes). */
export type RecordSink = (r: TensorRecord) => void;

/** A 1-D or scalar float32 initializer. */
export function floatTensor(values: ArrayLike<number>, scalar: boolean): Tensor {
  const data = Float32Array.from(values);
  return { dtype: D.FLOAT, dims: scalar ? [] : [data.length], data: { kind: 'raw', bytes: new Uint8Array(data.buffer) } };
}

/** A 1-D or scalar int8/uint8 initializer. */
export function int8Tensor(dtype: number, values: ArrayLike<number>, dims: readonly number[]): Tensor {
  const data = dtype === D.UINT8 ? Uint8Array.from(values) : Int8Array.from(values);
  return { dtype, dims: [...dims], data: { kind: 'raw', bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) } };
}

/** The initializers of a quantized weight: data (dims `dims`), scale (scalar when per tensor). */
export function addQuantizedWeight(
  e: Editor, q: QuantizedTensor, dims: readonly number[], base: string, fresh: (name: string) => string,
): { data: ValueId; scale: ValueId } {
  const perTensor = q.params.axis === undefined;
  const data = e.addInitializer(int8Tensor(q.params.dtype, q.data, dims), fresh(`${base}_quantized`));
  const scale = e.addInitializer(floatTensor(q.params.scale, perTensor), fresh(`${base}_scale`));
  return { data, scale };
}

/** The record of a quantized weight. */
export function weightRecord(name: string, op: string, q: QuantizedTensor): TensorRecord {
  return {
    name,
    kind: 'weight',
    op,
    dtype: q.params.dtype === D.UINT8 ? 'uint8' : 'int8',
    ...(q.params.axis !== undefined && { axis: q.params.axis }),
    scale: Array.from(q.params.scale),
    zeroPoint: Array.from(q.params.zeroPoint),
    maxAbsError: q.error.maxAbs,
    relL2Error: q.error.relL2,
  };
}
