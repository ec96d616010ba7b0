/**
 * `optimize()` and `quantize()` as both entry points export them (node/index.ts and
 * browser/index.ts): src/'s, with every pass lathe ships as the default registry (src/ cannot
 * import passes/, so the bare ones need `options.passes` for -O1, -O2 and pipeline text).
 */
import { passes } from './index.js';
import { optimize as optimizeWith, type OptimizeOptions, type OptimizeResult } from '../src/optimize.js';
import { quantize as quantizeWith, type QuantizeOptions, type QuantizeResult } from '../src/quantize/quantize.js';

/** Verifies `model`, fixes input shapes, runs -O2 (or `options.level` / `options.pipeline`); see src/optimize.ts. */
export function optimize(model: Parameters<typeof optimizeWith>[0], options: OptimizeOptions = {}): OptimizeResult {
  return optimizeWith(model, { passes, ...options });
}

/** `quantize()` with the passes above as its default registry (see src/quantize/quantize.ts). */
export function quantize(model: Parameters<typeof quantizeWith>[0], options: Omit<QuantizeOptions, 'passes'> & { passes?: QuantizeOptions['passes'] }): Promise<QuantizeResult> {
  return quantizeWith(model, { passes, ...options });
}
