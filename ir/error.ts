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
