/**
 * External data, platform-neutral part: what a `location` may be, how `external_data` entries are
 * read, how payloads are laid out in the data file lathe writes. Opening files is the platform's
 * job (`ExternalResolver`; `node/external.ts` for Node). Every check here runs before any file is
 * opened or any byte allocated (onnx CVE-2022-25882, CVE-2024-27318, CVE-2024-5187).
 */
import { Blob, type ByteSource } from '../blob.js';
import { LatheError } from '../error.js';
import type { Entry } from '../types.js';
import type { StringStringEntryProto } from './proto.js';

/**
 * Opens external data files for lift. `location` has already passed `checkLocation`: relative,
 * '/'-separated, no '.', '..' or empty segments. The resolver must refuse anything that leaves the
 * model's folder once links are followed, throw a LatheError for a missing or non-regular file, and
 * return the same source for the same location (one open file per data file).
 */
export interface ExternalResolver {
  open(location: string): ByteSource;
}

/**
 * Alignment of payloads in the data files lathe writes. A tensor of `PAGE_ALIGNED_FROM` bytes or
 * more starts on a page (`DATA_ALIGNMENT`), so a reader can map it; a smaller one starts on a
 * 64-byte line (any element type's alignment, one cache line), since a page each would waste up to
 * 4 KiB per tensor: 18% of the data file of a model of many 1-16 KiB tensors (PaddleOCR's cls).
 */
export const DATA_ALIGNMENT = 4096;
export const SMALL_ALIGNMENT = 64;
export const PAGE_ALIGNED_FROM = 64 * 1024;

/**
 * Validates an external `location` and returns it normalized ('./' and repeated '/' removed).
 * Refused: empty, NUL, backslashes (Windows separators and UNC prefixes), drive letters or any ':',
 * absolute paths, and any '..' segment (docs/ExternalData.md: up-directory components are
 * disallowed).
 */
export function checkLocation(location: string, what: string): string {
  const bad = (why: string) => new LatheError(`${what}: external data location ${JSON.stringify(location)} ${why}`);
  if (location.length === 0) throw bad('is empty');
  if (location.includes('\0')) throw bad('contains NUL');
  if (location.includes('\\')) throw bad('contains a backslash');
  if (location.includes(':')) throw bad('contains a drive or scheme (":")');
  if (location.startsWith('/')) throw bad('is an absolute path');
  const parts = location.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw bad('leaves the model folder ("..")');
  if (parts.length === 0) throw bad('names no file');
  return parts.join('/');
}

/** A parsed `external_data` list. */
export interface ExternalRef {
  /** Normalized location (see `checkLocation`). */
  readonly location: string;
  /** The location exactly as written. */
  readonly written: string;
  readonly offset: number;
  /** undefined = to the end of the file. */
  readonly length?: number;
  /** Entries other than location/offset/length (checksum, basepath, unknown keys), in file order. */
  readonly keys: readonly Entry[];
}

function parseSize(text: string, key: string, what: string): number {
  if (!/^[0-9]{1,16}$/.test(text)) {
    throw new LatheError(`${what}: external data ${key} ${JSON.stringify(text)} is not a non-negative decimal integer`);
  }
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new LatheError(`${what}: external data ${key} ${text} passes 2^53`);
  return n;
}

/**
 * Reads an `external_data` list. Keys are compared as plain strings in an array walk, so
 * `__proto__` or `constructor` are just unknown keys (kept); a key given twice is an error.
 */
export function parseExternalData(entries: readonly StringStringEntryProto[], what: string): ExternalRef {
  const seen = new Set<string>();
  let written: string | undefined;
  let offset = 0;
  let length: number | undefined;
  const keys: Entry[] = [];
  for (const e of entries) {
    const key = e.key ?? '';
    const value = e.value ?? '';
    if (seen.has(key)) throw new LatheError(`${what}: external data key ${JSON.stringify(key)} appears twice`);
    seen.add(key);
    if (key === 'location') written = value;
    else if (key === 'offset') offset = parseSize(value, 'offset', what);
    else if (key === 'length') length = parseSize(value, 'length', what);
    else keys.push({ key, value });
  }
  if (written === undefined) throw new LatheError(`${what}: external data has no location`);
  const location = checkLocation(written, what);
  return length === undefined ? { location, written, offset, keys } : { location, written, offset, length, keys };
}

/** The payload of `ref` as a lazy Blob over the resolved file (nothing is read). */
export function resolveExternal(ref: ExternalRef, resolver: ExternalResolver | undefined, what: string): Blob {
  if (!resolver) throw new LatheError(`${what}: external data needs a file system (${ref.location})`);
  const source = resolver.open(ref.location);
  if (ref.offset > source.size) {
    throw new LatheError(`${what}: external data offset ${ref.offset} passes the end of ${ref.location} (${source.size} bytes)`);
  }
  const length = ref.length ?? source.size - ref.offset;
  if (ref.offset + length > source.size) {
    throw new LatheError(
      `${what}: external data range ${ref.offset}+${length} passes the end of ${ref.location} (${source.size} bytes)`,
    );
  }
  return new Blob(source, ref.offset, length);
}

/**
 * Refuses a data file name that is not a plain file name: the data file is written next to the
 * model, never elsewhere.
 */
export function checkDataFileName(name: string): void {
  if (name.length === 0 || name === '.' || name === '..' || /[/\\\0:]/.test(name)) {
    throw new LatheError(`data file name ${JSON.stringify(name)} must be a plain file name (no folders)`);
  }
}

/** Offset of the next payload of `length` bytes after `offset`: page-aligned when large, else line-aligned. */
export function alignOffset(offset: number, length: number): number {
  const a = length >= PAGE_ALIGNED_FROM ? DATA_ALIGNMENT : SMALL_ALIGNMENT;
  return Math.ceil(offset / a) * a;
}
