/**
 * The one defect of an input model that lathe repairs instead of refusing: nodes out of
 * topological order. ONNX requires the order, but onnxruntime sorts a graph when it loads it, and
 * converters write unsorted graphs that run everywhere (float16 conversion tools append the Casts
 * of graph inputs after the nodes that read them). Refusing such a model would refuse a model
 * that works; evaluating or rewriting it unsorted would read values before they exist. So when
 * every error the verifier finds is `use-before-def`, the graphs are sorted (stably) and the
 * model verified again; any other error, or a cycle, still refuses with the original diagnostics.
 */
import { LatheError } from '../ir/error.js';
import { sortModel } from '../ir/edit/topo.js';
import type { Model } from '../ir/types.js';
import { verify, type Diagnostic } from '../ir/verify/verify.js';

export interface CheckedInput {
  readonly model: Model;
  readonly diagnostics: readonly Diagnostic[];
  /** Set when the nodes were sorted: the warning to show. */
  readonly sorted?: string;
}

/** Verifies `model`, sorting its nodes first when their order is its only error (see above). */
export function verifyInput(model: Model, diagnostics: readonly Diagnostic[] = verify(model)): CheckedInput {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0 || errors.some((d) => d.code !== 'use-before-def')) return { model, diagnostics };
  let graphs = 0;
  const sorted = sortModel(model, undefined, () => graphs++);
  if (sorted === model) return { model, diagnostics };
  const after = verify(sorted);
  if (after.some((d) => d.severity === 'error')) return { model, diagnostics };
  const n = errors.length;
  return {
    model: sorted,
    diagnostics: after,
    sorted: `nodes were out of topological order (${n} read${n === 1 ? '' : 's'} before the definition, in ${graphs} graph${graphs === 1 ? '' : 's'}): sorted them first`,
  };
}

/** Where a diagnostic points: `graph/node`, `graph/value` or the graph. */
export function diagnosticLocation(d: Diagnostic): string {
  return d.node !== undefined ? `${d.graph}/${d.node}` : d.value !== undefined ? `${d.graph}/${d.value}` : d.graph;
}

/** Refuses a model whose diagnostics hold an error, in one line: the first error and how many more. */
export function refuseInvalid(diagnostics: readonly Diagnostic[], file: string): void {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length === 0) return;
  const d = errors[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more; run 'lathe check')` : '';
  throw new LatheError(`invalid model: [${d.code}] ${diagnosticLocation(d)}: ${d.message}${more}`, file);
}

/**
 * `loaded` as the evaluating commands (`run`, `compare`) take it: refused when the verifier finds
 * errors, as `optimize` does (evaluating a malformed graph would give an answer for a model no
 * runtime accepts), with nodes out of order sorted first, as onnxruntime does on load.
 */
export function checkedModel(loaded: Model, file: string): Model {
  const { model, diagnostics } = verifyInput(loaded);
  refuseInvalid(diagnostics, file);
  return model;
}
