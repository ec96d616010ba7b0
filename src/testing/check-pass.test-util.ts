/** Shared by checkPass's tests: the CheckPassError a run throws (any other error goes through). */
import { CheckPassError } from './check-pass.js';

export function failure(run: () => unknown): CheckPassError {
  try {
    run();
  } catch (e) {
    if (e instanceof CheckPassError) return e;
    throw e;
  }
  throw new Error('checkPass did not fail');
}
