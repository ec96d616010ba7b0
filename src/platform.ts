/**
 * What the CLI needs from its host (files, streams, clocks, the version), in a module of its own so
 * that the commands (cli.ts, run-command.ts, …) depend on it and not on each other. `node/platform.ts`
 * implements it; tests use fakes.
 */
import type { ExternalDataMode } from '../ir/onnx/emit.js';
import type { Model } from '../ir/types.js';
import type { SampleRunner } from './quantize/calibrate.js';

export type { ExternalDataMode };

export interface SaveOptions {
  readonly externalData?: ExternalDataMode;
  readonly dataLocation?: string;
  /** Files written with the model, all or nothing (strip's sidecar). */
  readonly alongside?: readonly { readonly path: string; readonly bytes: Uint8Array }[];
}

export interface SaveResult {
  readonly modelBytes: number;
  readonly dataBytes: number;
  readonly dataFile?: string;
}

/** What the CLI needs from its host. File operations throw `LatheError` (with `.file`) on bad input. */
export interface Platform {
  /** lathe's version (package.json). */
  readonly version: string;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
  env(name: string): string | undefined;
  /** Milliseconds, monotonic. */
  now(): number;
  stdout(text: string): void;
  stderr(text: string): void;
  /** Rewrites the progress line (stderr); '' clears it. */
  progress(text: string): void;
  loadModel(path: string): Model;
  /** Atomic: on failure nothing is left at `path`. */
  saveModel(model: Model, path: string, options?: SaveOptions): SaveResult;
  readText(path: string): string;
  /** Atomic (temp file + rename). */
  writeText(path: string, text: string): void;
  exists(path: string): boolean;
  /** Size in bytes, or undefined when there is no such file. */
  fileSize(path: string): number | undefined;
  /** True when both name the same file: same real path, or (when `b` does not exist) the same resolved path. */
  samePath(a: string, b: string): boolean;
  /** The whole file (test-data `.pb` files of `run`). */
  readBytes(path: string): Uint8Array;
  /** Atomic (temp file + rename). */
  writeBytes(path: string, bytes: Uint8Array): void;
  /** Several files, all or nothing: every one is written to a temporary before any is renamed. */
  writeFiles(files: readonly { readonly path: string; readonly bytes: Uint8Array }[]): void;
  /** Creates the folder (and its parents) unless it exists. */
  makeDir(path: string): void;
  /** Names of the entries of a folder (sorted); [] when it does not exist. */
  listDir(path: string): string[];
  /** Deletes a file (`run --clear`). */
  removeFile(path: string): void;
  /** `lathe web`: serves the built page on 127.0.0.1:`port` (0: any) and returns its URL; absent off Node. */
  serveWeb?(port: number): Promise<string>;
  /** A faster runner of calibration samples (onnxruntime-node when installed), else undefined. */
  readonly sampleRunner?: () => Promise<SampleRunner | undefined>;
}
