/**
 * External data files an in-place rewrite leaves behind: the input model's data files that the
 * model now at the same path no longer references (it went inline, or to another file name).
 * lathe does not delete them: a data file can be shared by several models (a decoder and its
 * with-past twin), and removing one another model reads would break that model silently.
 */
import type { Model } from '../ir/types.js';
import { summarizeModel } from './inspect.js';
import type { Platform, SaveResult } from './platform.js';

/** The folder part of `path`, with its separator ('' for a bare name). */
function folderOf(path: string): string {
  return path.slice(0, Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
}

/**
 * Paths of `input`'s external data files that still exist and that `saved` (the model just
 * written to `out`) does not use; empty unless `out` is `input`.
 */
export function unusedInputData(
  platform: Pick<Platform, 'samePath' | 'exists'>,
  input: string,
  inputModel: Model,
  out: string,
  saved: SaveResult,
): string[] {
  if (!platform.samePath(input, out)) return [];
  const dir = folderOf(input);
  const stale: string[] = [];
  for (const { location } of summarizeModel(inputModel).externalData) {
    const path = dir + location;
    if (saved.dataFile !== undefined && platform.samePath(path, saved.dataFile)) continue;
    if (platform.exists(path) && !stale.includes(path)) stale.push(path);
  }
  return stale;
}

/** The one-line notes for `unusedInputData`'s paths. */
export function staleDataNotes(paths: readonly string[], out: string): string[] {
  return paths.map((p) => `lathe: note: ${p} is no longer used by ${out} (rewritten in place); delete it unless another model reads it\n`);
}
