/**
 * Writing to stdout and stderr synchronously, so that a failure is known at the write (and
 * becomes one line and an exit code) instead of an unhandled 'error' event with a stack after
 * the command has returned: `lathe inspect m.onnx > /dev/full` (ENOSPC), `>&-` (EBADF).
 */
import { writeSync } from 'node:fs';
import { LatheError } from '../ir/error.js';

/** All of `bytes` to `fd`; a non-blocking pipe that is full (EAGAIN) is retried. Throws other errors. */
export function writeAllSync(fd: number, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    }
  }
}

/** The error of a failed write to stdout, as the CLI reports it. */
export function stdoutError(e: unknown): LatheError {
  return new LatheError(`cannot write to stdout: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
}

const encoder = new TextEncoder();

/**
 * Text to stdout. A reader that closed the pipe early (`lathe print m.onnx | head`) has what it
 * wanted: lathe stops quietly with status 0, as a tool killed by SIGPIPE stops, and nothing is
 * half-written because files are committed by rename before any report is printed.
 */
export function writeStdoutText(text: string): void {
  try {
    writeAllSync(1, encoder.encode(text));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EPIPE') process.exit(0);
    throw stdoutError(e);
  }
}

/** Text to stderr; a failure there has nowhere to be reported, so it is dropped. */
export function writeStderrText(text: string): void {
  try {
    writeAllSync(2, encoder.encode(text));
  } catch {
    // nothing to do: stderr is where errors would go
  }
}
