/**
 * Loading and saving models held in memory (browser-safe: no file system). External data comes
 * from files the caller already read (`options.externalData`, by location: the page lets the user
 * pick them); `saveModelToBytes` writes every payload inline; use `node/io.ts` for files.
 */
import { memorySource, type ByteSource } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import type { Model } from '../ir/types.js';
import { decodeModel } from '../ir/onnx/decode.js';
import { emitModel } from '../ir/onnx/emit.js';
import { encodeModelToBytes } from '../ir/onnx/encode.js';
import type { ExternalResolver } from '../ir/onnx/external.js';
import { liftModel } from '../ir/onnx/lift.js';

export interface LoadFromBytesOptions {
  /** What error messages name the model as (a file name; default `<memory>`). */
  readonly name?: string;
  /**
   * External data files by location as the model names them (`weights.bin`, `sub/w.bin`); a
   * location not found is then looked up by its last segment (a picked file has no folder). A
   * tensor naming a file not given is a LatheError naming that file.
   */
  readonly externalData?: ReadonlyMap<string, Uint8Array | ArrayBuffer> | Readonly<Record<string, Uint8Array | ArrayBuffer>>;
}

/** Resolves external locations against files held in memory (one source per file). */
function memoryResolver(files: LoadFromBytesOptions['externalData']): ExternalResolver {
  const byName = files instanceof Map ? files : new Map(Object.entries(files ?? {}));
  const sources = new Map<string, ByteSource>();
  return {
    open(location) {
      const base = location.slice(location.lastIndexOf('/') + 1);
      const key = byName.has(location) ? location : base;
      const bytes = byName.get(key);
      if (bytes === undefined) throw new LatheError(`external data file ${location} was not given`);
      let s = sources.get(key);
      if (!s) sources.set(key, (s = memorySource(bytes, key)));
      return s;
    },
  };
}

/**
 * Decodes and lifts an ONNX model. Payloads are zero-copy views of `bytes` (and of the external
 * data files): keep them unchanged while the model is in use.
 */
export function loadModelFromBytes(bytes: Uint8Array | ArrayBuffer, options: LoadFromBytesOptions = {}): Model {
  return liftModel(decodeModel(memorySource(bytes, options.name)), { external: memoryResolver(options.externalData) });
}

/** Emits and encodes a model with every payload inline (protobuf limits this to under 2 GiB). */
export function saveModelToBytes(model: Model): Uint8Array {
  return encodeModelToBytes(emitModel(model, { external: 'never' }).proto);
}
