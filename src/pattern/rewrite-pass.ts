/**
 * A rule set as a pass (onnxscript's RewritePass): `rewritePass({ name, summary, rules })` gives a
 * pass factory whose options are serializable (so the pass prints in pipeline text). Run-wide
 * rule settings (`--disable-rules`, `--trace-rules`, `--no-provenance`) come through the pass
 * context's `rules`, so every rule pass of a pipeline honours them.
 */
import { definePass, rulesOfPass, type PassFactory } from '../pass.js';
import { applyRules } from './driver.js';
import { ruleGlob, ruleSet, type Rule } from './rule.js';

export interface RewritePassOptions {
  /** Rules to skip, as comma-separated globs over rule names (`gelu-*,matmul-add-to-gemm`). */
  readonly disable: string;
  /** Greedy sweeps over one graph before giving up (a warning says so). */
  readonly maxSweeps: number;
}

export interface RewritePassSpec {
  readonly name: string;
  readonly summary: string;
  readonly rules: readonly Rule[];
  /** 'greedy' (default): to a fixed point; 'walk': one sweep. */
  readonly mode?: 'greedy' | 'walk';
  /** Run shape inference first and give the rules its types and dims (`view.dims`). */
  readonly infer?: boolean;
}

export function rewritePass(spec: RewritePassSpec): PassFactory<RewritePassOptions> {
  const set = ruleSet(spec.rules);
  return definePass<RewritePassOptions>({
    name: spec.name,
    summary: spec.summary,
    defaults: { disable: '', maxSweeps: 16 },
    run: (model, ctx, options) => {
      const own = ruleGlob(options.disable);
      const run = rulesOfPass(ctx.rules, spec.name);
      const facts = spec.infer ? ctx.analyses.get(model, 'types') : undefined;
      const { model: out, stop } = applyRules(model, set, {
        ...(facts && { facts }),
        mode: spec.mode ?? 'greedy',
        maxSweeps: options.maxSweeps,
        provenance: run?.provenance ?? true,
        disabled: (r) => own(r) || (run?.disabled?.(r) ?? false),
        ...(run?.traced && { traced: run.traced }),
        ...(run?.trace && { trace: run.trace }),
        onRewrite: (r) => ctx.stats.count(`rule/${r}`),
      });
      if (stop !== 'converged') ctx.log.warn(`${spec.name}: stopped at ${stop === 'max-sweeps' ? `${options.maxSweeps} sweeps` : 'the rewrite limit'} before a fixed point (rules that undo each other?)`);
      return out;
    },
  });
}
