/**
 * `optimize(model, options)`: the library's main entry. In this release only level 0 exists: the
 * model is verified and returned as lifted (emit then writes it back); levels 1 and 2 arrive with
 * the pass framework. Refusing them is better than silently doing nothing.
 */
import { LatheError } from '../ir/error.js';
import type { Model } from '../ir/types.js';
import { verify, type Diagnostic } from '../ir/verify/verify.js';

export interface OptimizeOptions {
  /** 0 = lift and emit only. */
  readonly level?: 0 | 1 | 2;
  /** Verify the input first and refuse a model with errors (default true). */
  readonly verify?: boolean;
}

export interface OptimizeResult {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
}

export function optimize(model: Model, options: OptimizeOptions = {}): OptimizeResult {
  const level = options.level ?? 0;
  if (level !== 0) throw new LatheError(`-O${level} is not available yet (only -O0: lift and emit)`);
  const diagnostics = options.verify === false ? [] : verify(model);
  const firstError = diagnostics.find((d) => d.severity === 'error');
  if (firstError) throw new LatheError(`invalid model: ${firstError.message}`);
  return { model, diagnostics };
}
