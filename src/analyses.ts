/**
 * Analyses a pass reads (inferred types, constant values), computed once per model and handed
 * through `PassContext.analyses`. Results are memoized by model identity in a WeakMap: models are
 * immutable and a pass that changes one returns a new object, so a cached result can never be
 * stale, and a model no longer referenced frees its results.
 */
import { inferTypes, type InferResult } from '../ir/infer/infer.js';
import type { Model, Tensor, ValueId } from '../ir/types.js';
import { walkGraphs } from '../ir/walk.js';

/** What each analysis computes. */
export interface AnalysisResults {
  /** `inferTypes(model)`: best known types and small constant values of the main graph and its subgraphs. */
  readonly types: InferResult;
  /**
   * The tensor of every value that is an initializer or the output of a `Constant` node with a
   * `value` tensor attribute, in every graph (value ids are unique in a model). Other Constant
   * forms (`value_float`, …) are left to the evaluator.
   */
  readonly constants: ReadonlyMap<ValueId, Tensor>;
}

export type AnalysisName = keyof AnalysisResults;

/** How each analysis is computed (a test or an embedder may substitute or wrap them). */
export type AnalysisDefs = { readonly [K in AnalysisName]: (model: Model) => AnalysisResults[K] };

export interface Analyses {
  /** The analysis `name` of `model`, computed on the first request for this model object. */
  get<K extends AnalysisName>(model: Model, name: K): AnalysisResults[K];
  /**
   * Records what `name` is for `model` without computing it: for a pass whose output is known to
   * analyse the same as its input (infer-shapes writes the very types inference found).
   */
  seed<K extends AnalysisName>(model: Model, name: K, result: AnalysisResults[K]): void;
}

function constantValues(model: Model): ReadonlyMap<ValueId, Tensor> {
  const out = new Map<ValueId, Tensor>();
  walkGraphs(model, (g) => {
    for (const id of g.initializers) {
      const t = g.values[id]?.tensor;
      if (t) out.set(id, t);
    }
    for (const id of g.order) {
      const n = g.nodes[id];
      if (!n || n.op !== 'Constant' || n.domain !== '' || n.attrs.length !== 1) continue;
      const a = n.attrs[0]!;
      const out0 = n.outputs[0];
      if (a.kind === 'tensor' && a.name === 'value' && out0) out.set(out0, a.value);
    }
  });
  return out;
}

export const standardAnalyses: AnalysisDefs = {
  types: (model) => inferTypes(model),
  constants: constantValues,
};

/** A memo of analyses; one per `runSchedule` unless the caller shares one across runs. */
export function createAnalyses(defs: AnalysisDefs = standardAnalyses): Analyses {
  const memo = new WeakMap<Model, Map<AnalysisName, unknown>>();
  return {
    get<K extends AnalysisName>(model: Model, name: K): AnalysisResults[K] {
      let forModel = memo.get(model);
      if (!forModel) memo.set(model, (forModel = new Map()));
      if (forModel.has(name)) return forModel.get(name) as AnalysisResults[K];
      const def = Object.hasOwn(defs, name) ? defs[name] : undefined;
      if (!def) throw new Error(`unknown analysis '${String(name)}'`);
      const result = def(model);
      forModel.set(name, result);
      return result;
    },
    seed(model, name, result) {
      let forModel = memo.get(model);
      if (!forModel) memo.set(model, (forModel = new Map()));
      forModel.set(name, result);
    },
  };
}
