/**
 * Loading and saving models held in memory (browser-safe: no file system). External data needs
 * files, so `loadModelFromBytes` refuses external tensors and `saveModelToBytes` writes every
 * payload inline; use `node/io.ts` for files.
 */
import { memorySource } from '../ir/blob.js';
import type { Model } from '../ir/types.js';
import { decodeModel } from '../ir/onnx/decode.js';
import { emitModel } from '../ir/onnx/emit.js';
import { encodeModelToBytes } from '../ir/onnx/encode.js';
import { liftModel } from '../ir/onnx/lift.js';

/**
 * Decodes and lifts an ONNX model. Payloads are zero-copy views of `bytes`: keep `bytes` unchanged
 * while the model is in use.
 */
export function loadModelFromBytes(bytes: Uint8Array | ArrayBuffer): Model {
  return liftModel(decodeModel(memorySource(bytes)), {});
}

/** Emits and encodes a model with every payload inline (protobuf limits this to under 2 GiB). */
export function saveModelToBytes(model: Model): Uint8Array {
  return encodeModelToBytes(emitModel(model, { external: 'never' }).proto);
}
