/**
 * Files: `loadModel` (lazy payloads read from the file on demand, external data through a
 * contained resolver) and `saveModel` (streaming, atomic: data file then model file, nothing left
 * behind on failure).
 */
import { unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Blob, type ByteSink, type ByteSource } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import { decodeModel } from '../ir/onnx/decode.js';
import { emitModel, forEachGraph, type DataFileLayout, type ExternalDataMode } from '../ir/onnx/emit.js';
import { encodeModel, encodeModelToBytes } from '../ir/onnx/encode.js';
import { checkDataFileName } from '../ir/onnx/external.js';
import { liftModel } from '../ir/onnx/lift.js';
import type { Attr, Model, SparseTensor, Tensor } from '../ir/types.js';
import { warmCopyPool } from './copy-pool.js';
import { createNodeResolver } from './external.js';
import { createAtomicFileSink, outputTarget } from './file-sink.js';
import { openFileSource } from './file-source.js';
import { stdoutError, writeAllSync } from './std-out.js';

function withFile(e: unknown, file: string): unknown {
  if (e instanceof LatheError && e.file === undefined) {
    const out = new LatheError(e.message, file);
    out.stack = e.stack;
    return out;
  }
  return e;
}

/**
 * Sources that some payload of `model` still reads from. `model` comes straight from lift, so
 * tensors sit exactly on the values listed in `initializers`/`sparseInitializers` and every node
 * is in `order`: walking those arrays finds them all without enumerating the (huge) tables.
 */
function sourcesInUse(model: Model): Set<ByteSource> {
  const used = new Set<ByteSource>();
  forEachGraph(model, (g) => {
    for (const id of g.initializers) {
      const t = g.values[id]?.tensor;
      if (t) tensorSource(t, used);
    }
    for (const id of g.sparseInitializers) {
      const s = g.values[id]?.sparse;
      if (s) sparseSource(s, used);
    }
    const order = g.order;
    for (let i = 0; i < order.length; i++) {
      const attrs = g.nodes[order[i]]?.attrs;
      if (attrs !== undefined && attrs.length > 0) attrSources(attrs, used);
    }
  });
  for (const f of model.functions) attrSources(f.paramDefaults, used);
  return used;
}

function tensorSource(t: Tensor, used: Set<ByteSource>): void {
  const d = t.data;
  if (d.kind === 'blob') used.add(d.blob.source);
  else if (d.kind === 'field' && d.values instanceof Blob) used.add(d.values.source);
}

function sparseSource(s: SparseTensor, used: Set<ByteSource>): void {
  tensorSource(s.values, used);
  tensorSource(s.indices, used);
}

function attrSources(list: readonly Attr[], used: Set<ByteSource>): void {
  for (const a of list) {
    if (a.kind === 'tensor') tensorSource(a.value, used);
    else if (a.kind === 'tensors') for (const t of a.value) tensorSource(t, used);
    else if (a.kind === 'sparse_tensor') sparseSource(a.value, used);
    else if (a.kind === 'sparse_tensors') for (const s of a.value) sparseSource(s, used);
  }
}

/**
 * Loads an ONNX file. Payloads of at least `lazyThreshold` bytes stay in the file (lazy Blobs);
 * external data must lie inside the model's folder. Any LatheError carries `file` = `path`.
 * Files no payload refers to are closed before returning; the others close when the model is
 * garbage-collected.
 */
export function loadModel(path: string, options: { lazyThreshold?: number } = {}): Model {
  const resolver = createNodeResolver(dirname(path));
  let source: (ByteSource & { close(): void; readonly fd?: number }) | undefined;
  try {
    source = openFileSource(path);
    if (source.size === 0) throw new LatheError(`not an ONNX model (${source.fd === undefined ? 'no bytes read' : 'empty file'})`);
    const model = liftModel(decodeModel(source, { lazyThreshold: options.lazyThreshold }), { external: resolver });
    const used = sourcesInUse(model);
    for (const s of [source, ...resolver.sources]) if (!used.has(s)) s.close();
    // A model this large will likely be saved with weights to transpose: the copy workers boot
    // (tens of ms) while it is optimized instead of when saving starts.
    if (source.size >= WARM_POOL_BYTES) warmCopyPool();
    return model;
  } catch (e) {
    const hint = e instanceof LatheError && source !== undefined ? textHint(source, path) : '';
    source?.close();
    for (const s of resolver.sources) s.close();
    throw withFile(hint === '' ? e : new LatheError(`${(e as LatheError).message}${hint}`), path);
  }
}

/**
 * A model written in the ONNX text syntax fails to decode with a wire-type message that does
 * not say what is wrong; its first non-blank character is `<` (the model header) or `#` (a
 * comment), which a binary ModelProto cannot start with (field 0 does not exist).
 */
function textHint(source: ByteSource, path: string): string {
  try {
    const head = source.read(0, Math.min(source.size, 256));
    let i = 0;
    while (i < head.length && (head[i] === 0x20 || head[i] === 0x09 || head[i] === 0x0a || head[i] === 0x0d)) i++;
    if (head[i] !== 0x3c && head[i] !== 0x23) return '';
  } catch {
    return '';
  }
  return ` (this looks like ONNX text, not a binary model: \`lathe parse ${basename(path)} -o MODEL.onnx\` converts it)`;
}

/** Input size from which loading starts the copy workers (node/copy-pool). */
const WARM_POOL_BYTES = 64 << 20;

export interface SaveOptions {
  /** Default 'auto': external data only when the model would not fit in 2 GB. */
  externalData?: ExternalDataMode;
  /** fsync the files and the folder before returning (survives power loss; costs time). */
  durable?: boolean;
  /** Data file name (a plain name, written next to the model). Default: `<model file name>.data`. */
  dataLocation?: string;
  /**
   * Other files written with the model, all or nothing (strip's sidecar): every file goes to a
   * temporary first, and the renames start only when all of them were written.
   */
  alongside?: readonly { path: string; bytes: Uint8Array }[];
  /** Size estimate past which 'auto' goes external (default: protobuf's 2 GB limit; tests use small ones). */
  inlineLimit?: number;
}

function writeDataFile(layout: DataFileLayout, sink: ByteSink): void {
  const zeros = new Uint8Array(4096);
  const buffer = new Uint8Array(1 << 20);
  for (const c of layout.chunks) {
    while (sink.position < c.offset) sink.write(zeros.subarray(0, Math.min(zeros.length, c.offset - sink.position)));
    if (c.bytes) sink.write(c.bytes);
    else if (!sink.writeBlob?.(c.blob!)) c.blob!.forEachChunk((b) => sink.write(b), buffer.length, buffer);
  }
}

/**
 * Saves `model` to `path`, streaming payloads from their sources. Writes the data file (if any)
 * and the model to temp files, then renames the data file, then the model; on failure both temp
 * files are removed and nothing appears at either name.
 */
export function saveModel(model: Model, path: string, options: SaveOptions = {}): { modelBytes: number; dataBytes: number; dataFile?: string } {
  const location = options.dataLocation ?? `${basename(path)}.data`;
  try {
    checkDataFileName(location);
    if (location === basename(path)) throw new LatheError(`data file name ${JSON.stringify(location)} is the model's own name`);
  } catch (e) {
    throw withFile(e, path);
  }
  const dataPath = join(dirname(path), location);
  const { proto, dataFile } = emitModel(model, {
    external: options.externalData ?? 'auto',
    dataLocation: location,
    ...(options.inlineLimit !== undefined && { inlineLimit: options.inlineLimit }),
  });
  if (path === '-') return writeToStdout(proto, dataFile !== undefined);
  const group = createFileGroup(options.durable);
  try {
    if (dataFile) writeDataFile(dataFile, group.add(dataPath));
    for (const f of options.alongside ?? []) group.add(f.path).write(f.bytes);
    const modelSink = group.add(path);
    encodeModel(proto, modelSink);
    const modelBytes = modelSink.position;
    group.commit(); // the model last: a reader never sees it before its data file
    return dataFile ? { modelBytes, dataBytes: dataFile.size, dataFile: dataPath } : { modelBytes, dataBytes: 0 };
  } catch (e) {
    group.abort();
    throw withFile(e, path);
  }
}

/** `-o -`: the model on stdout (every payload inline: there is no folder for a data file). */
function writeToStdout(proto: Parameters<typeof encodeModelToBytes>[0], hasDataFile: boolean): { modelBytes: number; dataBytes: number } {
  if (hasDataFile) throw new LatheError('a model written to stdout cannot have external data (use --external-data never, or a file)');
  const bytes = encodeModelToBytes(proto);
  try {
    writeAllSync(1, bytes);
  } catch (e) {
    throw stdoutError(e);
  }
  return { modelBytes: bytes.length, dataBytes: 0 };
}

/**
 * Several files written all or nothing: each goes to a temporary beside its target; `commit()`
 * renames them in the order they were added only after every one was written, and when a rename
 * fails removes the files already renamed (an earlier file at such a name is lost: a rename cannot
 * be undone, but nothing half-written remains).
 */
export function createFileGroup(durable?: boolean): { add(path: string): ReturnType<typeof createAtomicFileSink>; commit(): void; abort(): void } {
  const sinks: { path: string; sink: ReturnType<typeof createAtomicFileSink> }[] = [];
  const seen = new Set<string>();
  let renamed: string[] = [];
  return {
    add(path) {
      const target = outputTarget(path);
      if (seen.has(target)) throw new LatheError(`${path} would be written twice`, path);
      seen.add(target);
      const sink = createAtomicFileSink(path, { durable });
      sinks.push({ path: target, sink });
      return sink;
    },
    commit() {
      for (const { path, sink } of sinks) {
        sink.commit();
        renamed.push(path);
      }
    },
    abort() {
      for (const { sink } of sinks) sink.abort();
      for (const p of renamed) {
        try {
          unlinkSync(p);
        } catch {
          // gone already: nothing more to undo
        }
      }
      renamed = [];
    },
  };
}

/** Writes `files` all or nothing (see `createFileGroup`). */
export function writeFiles(files: readonly { path: string; bytes: Uint8Array }[]): void {
  const group = createFileGroup();
  try {
    for (const f of files) group.add(f.path).write(f.bytes);
    group.commit();
  } catch (e) {
    group.abort();
    throw e;
  }
}
