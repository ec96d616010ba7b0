/**
 * Variants of ONNX node-test models that compute the same on the case's stored data but give the
 * optimizer more to do than the originals (whose every input is fed at run time and fully shaped):
 *
 * - `frozen`: the inputs of `test_data_set_0` become initializers, so constant folding, shape
 *   simplification and dead-code elimination can take the whole model apart;
 * - `weights`: the same for every input but the first (as weights are constant and data is not),
 *   so rules with constant operands (affine folding, fusions) meet a dynamic data input;
 * - `symbolic`: every input dim becomes a symbol and every other shape is forgotten, so shape
 *   simplification must keep dynamic dims dynamic.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { memorySource } from '../../ir/blob.js';
import { decodeTensor } from '../../ir/onnx/decode.js';
import { liftTensor } from '../../ir/onnx/lift-tensor.js';
import type { Model, Type, Value, ValueId } from '../../ir/types.js';
import type { CaseVariant } from '../conformance/runner.js';

/** `type` without its shape (dtype kept); other kinds unchanged. */
function unshaped(type: Type): Type {
  return type.kind === 'tensor' && type.shape ? { kind: 'tensor', dtype: type.dtype } : type;
}

/** Main-graph tensor inputs get a fresh symbol per dim; node outputs and graph outputs lose their shapes. */
export function symbolicInputs(model: Model): Model {
  const g = model.graph;
  const inits = new Set(g.initializers);
  const inputs = new Set(g.inputs);
  const values: Record<ValueId, Value> = { ...g.values };
  for (const v of Object.values(g.values)) {
    const t = v.type;
    if (!t || t.kind !== 'tensor' || !t.shape || inits.has(v.id)) continue;
    const shape = t.shape.map((_, i) => `${v.name ?? v.id}_d${i}`);
    values[v.id] = { ...v, type: inputs.has(v.id) ? { ...t, shape } : unshaped(t) };
  }
  const outputInfo = g.outputInfo?.map((o) => (o?.type ? { ...o, type: unshaped(o.type) } : o));
  return { ...model, graph: { ...g, values, ...(outputInfo ? { outputInfo } : {}) } };
}

/**
 * The tensor inputs stored in `dir/test_data_set_0` become initializers (no longer graph inputs);
 * with `keepFirst`, all but the first fed input (as weights are constant and data is not).
 */
export function frozenInputs(model: Model, dir: string, keepFirst = false): Model {
  const g = model.graph;
  const inits = new Set(g.initializers);
  const fed = g.inputs.filter((v) => !inits.has(v));
  const values: Record<ValueId, Value> = { ...g.values };
  const frozen = new Set<ValueId>();
  fed.forEach((id, k) => {
    const file = join(dir, 'test_data_set_0', `input_${k}.pb`);
    const v = g.values[id];
    if ((keepFirst && k === 0) || !existsSync(file) || v?.type?.kind !== 'tensor') return;
    const t = liftTensor(decodeTensor(memorySource(readFileSync(file))), file, undefined);
    values[id] = { ...v, tensor: { ...t, name: v.name } };
    frozen.add(id);
  });
  if (frozen.size === 0) return model;
  return {
    ...model,
    graph: { ...g, values, inputs: g.inputs.filter((id) => !frozen.has(id)), initializers: [...g.initializers, ...frozen] },
  };
}

/** The variants the optimized node-test suites run, besides the models as shipped. */
export const VARIANTS: readonly CaseVariant[] = [
  { name: 'frozen', apply: frozenInputs, firstSetOnly: true },
  { name: 'weights', apply: (m, dir) => symbolicInputs(frozenInputs(m, dir, true)), firstSetOnly: true },
  { name: 'symbolic', apply: (m) => symbolicInputs(m) },
];
