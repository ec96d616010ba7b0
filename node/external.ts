/**
 * The Node resolver for external data. A location (already checked by `checkLocation`) is resolved
 * against the model's folder and opened first (O_NOFOLLOW: a link as the final name is refused,
 * O_NONBLOCK: a FIFO cannot hang the open); then the open descriptor is checked: a regular file,
 * and the same file (device and inode) as the real path of the location, which must lie inside the
 * model folder's real path. Checking after opening closes the window in which a link could be
 * swapped in between a check by path and the open. One ByteSource per data file.
 */
import { fstatSync, realpathSync, statSync } from 'node:fs';
import { join, sep } from 'node:path';
import { type ByteSource } from '../ir/blob.js';
import { LatheError } from '../ir/error.js';
import type { ExternalResolver } from '../ir/onnx/external.js';
import { openFileSource } from './file-source.js';

export interface NodeResolver extends ExternalResolver {
  /** Every source opened so far (to close them when no blob refers to them). */
  readonly sources: readonly (ByteSource & { close(): void })[];
}

function code(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
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
      let source: ByteSource & { close(): void; readonly fd?: number };
      try {
        source = openFileSource(path, { noFollow: true, pipes: false });
      } catch (e) {
        if (!(e instanceof LatheError)) throw e;
        const why = e.message.startsWith('not a regular file') ? 'is not a regular file' : `cannot be opened: ${e.message.replace(/^cannot open .*?: /, '')}`;
        throw new LatheError(`external data file ${location} ${why}`);
      }
      try {
        let real: string;
        try {
          root ??= realpathSync(dir);
          real = realpathSync(path);
        } catch (e) {
          throw new LatheError(`external data file ${location} cannot be opened: ${code(e)}`);
        }
        const prefix = root.endsWith(sep) ? root : root + sep;
        if (!real.startsWith(prefix)) throw new LatheError(`external data file ${location} leads outside the model folder`);
        const opened = fstatSync(source.fd!);
        const named = statSync(real);
        if (opened.dev !== named.dev || opened.ino !== named.ino) {
          throw new LatheError(`external data file ${location} changed while being opened`);
        }
        const cached = cache.get(real);
        if (cached) {
          source.close();
          return cached;
        }
        cache.set(real, source);
        return source;
      } catch (e) {
        source.close();
        throw e;
      }
    },
  };
}
