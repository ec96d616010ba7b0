/**
 * The reference evaluator's public surface (browser-safe): run a model, read and write ONNX
 * test-data files, convert IR tensors to and from runtime values.
 */
export { evaluate, MAX_EVAL_DEPTH, type EvaluateOptions, type Inputs } from './run.js';
export { readValue, writeValue } from './data.js';
export { readNpy, writeNpy, npyWritable } from './npy.js';
export { checkFeed } from './feed.js';
export { tensorValue, toTensor } from '../ops/tensor-value.js';
export type { MapValue, OptionalValue, RtValue, SequenceValue, TensorValue } from '../ops/types.js';
