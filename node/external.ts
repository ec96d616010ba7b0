/**
 * The Node resolver for external data: a location (already checked by `checkLocation`) is resolved
 * against the model's folder, links are followed with `realpath`, and the result must still lie
 * inside the model folder's real path and be a regular file. One ByteSource per data file.
 */
import { realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { type ByteSource } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import type { ExternalResolver } from '../ir/onnx/external.js';
import { openFileSource } from './file-source.js';

export interface NodeResolver extends ExternalResolver {
  /** Every source opened so far (to close them when no blob refers to them). */
  readonly sources: readonly (ByteSource & { close(): void })[];
}

/** A resolver for models stored in `dir`. */
export function createNodeResolver(dir: string): NodeResolver {
  const cache = new Map<string, ByteSource & { close(): void }>();
  let root: string | undefined;
  return {
    get sources() {
      return [...cache.values()];
    },
    open(location: string): ByteSource {
      const path = join(dir, location);
      let real: string;
      try {
        root ??= realpathSync(dir);
        real = realpathSync(path);
      } catch (e) {
        throw new LatheError(`external data file ${location} cannot be opened: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const prefix = root.endsWith(sep) ? root : root + sep;
      if (!real.startsWith(prefix)) throw new LatheError(`external data file ${location} leads outside the model folder`);
      const cached = cache.get(real);
      if (cached) return cached;
      if (!statSync(real).isFile()) throw new LatheError(`external data file ${location} is not a regular file`);
      const source = openFileSource(real);
      cache.set(real, source);
      return source;
    },
  };
}
