/**
 * Errors lathe reports to users: bad input, refused paths, unsupported constructs. The CLI prints
 * `lathe: FILE: message` for these and exits 2; anything else is a bug and keeps its stack.
 */
export class LatheError extends Error {
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = 'LatheError';
  }
}

/** Longest error line the CLI prints (a model can hold a 1 MB name or a 10,000-deep nesting path). */
export const MAX_MESSAGE_CHARS = 300;

/**
 * `text` cut to at most `max` characters (code units, never splitting a surrogate pair) by eliding
 * its middle with ` … `: the start (what is wrong) and the end (the innermost name) stay readable.
 */
export function elideMiddle(text: string, max = MAX_MESSAGE_CHARS): string {
  if (text.length <= max) return text;
  const mark = ' … ';
  const keep = max - mark.length;
  let head = Math.ceil(keep / 2);
  let tail = text.length - (keep - head);
  if (isHighSurrogate(text.charCodeAt(head - 1))) head--;
  if (isLowSurrogate(text.charCodeAt(tail))) tail++;
  return `${text.slice(0, head)}${mark}${text.slice(tail)}`;
}

const isHighSurrogate = (c: number) => c >= 0xd800 && c <= 0xdbff;
const isLowSurrogate = (c: number) => c >= 0xdc00 && c <= 0xdfff;
