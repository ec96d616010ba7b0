/**
 * Where static (QDQ) quantization applies: Conv, Gemm and MatMul nodes of the main graph with a
 * constant float32 weight, whose float activation input gets a QuantizeLinear/DequantizeLinear
 * pair and whose weight gets int8 per-channel DequantizeLinear. Everything else stays in float:
 * in particular Softmax and its inputs, MatMuls of two activations (attention), nodes named in
 * `exclude`, and with `excludeLast` the last of these nodes (the classifier layer).
 *
 * Calibration (to know which tensors to observe) and the pass (to rewrite) read the same plan.
 */
import { attrInt } from '../../ir/attrs.js';
import { edit, type Editor } from '../../ir/edit/edit.js';
import type { Model, NodeId, ValueId } from '../../ir/types.js';
import type { ConstantReader } from '../constants.js';
import { excludedBy, floatWeight, isFloatValue, mainReader, valueName } from './weights.js';

export interface StaticSite {
  readonly node: NodeId;
  readonly op: string;
  /** The activation input (slot 0) and its name. */
  readonly activation: ValueId;
  readonly activationName: string;
  /** The weight input slot (1) and the channel axis of its per-channel scales. */
  readonly weight: ValueId;
  readonly axis: number;
}

export interface StaticPlanOptions {
  readonly exclude: string;
  readonly excludeLast: boolean;
  readonly minElements: number;
}

/** The sites of the graph `e` edits. */
export function staticSitesIn(e: Editor, reader: ConstantReader, options: StaticPlanOptions): StaticSite[] {
  const excluded = excludedBy(options.exclude);
  const sites: StaticSite[] = [];
  for (const node of e.nodes()) {
    if (node.domain !== '' || excluded(node, e)) continue;
    if (node.op !== 'Conv' && node.op !== 'Gemm' && node.op !== 'MatMul') continue;
    const [a, w] = node.inputs;
    if (!isFloatValue(e, a) || reader.isConstant(a) || w === null || w === undefined) continue;
    const weight = floatWeight(reader, w, options.minElements);
    if (!weight) continue;
    let axis: number;
    if (node.op === 'Conv') {
      if (weight.dims.length < 3) continue;
      axis = 0;
    } else {
      if (weight.dims.length !== 2) continue;
      if (node.op === 'Gemm' && attrInt(node.attrs, 'transA', 0n) !== 0n) continue;
      axis = node.op === 'Gemm' && attrInt(node.attrs, 'transB', 0n) !== 0n ? 0 : 1;
    }
    sites.push({ node: node.id, op: node.op, activation: a, activationName: valueName(e, a), weight: w, axis });
  }
  return options.excludeLast ? sites.slice(0, -1) : sites;
}

/** The names of the activations static quantization of `model` needs ranges for. */
export function staticActivationNames(model: Model, options: StaticPlanOptions): Set<string> {
  const names = new Set<string>();
  // an edit that changes nothing: it only lends the Editor's queries (returns `model` itself)
  edit(model, (e) => {
    for (const s of staticSitesIn(e, mainReader(model, e), options)) names.add(s.activationName);
  });
  return names;
}
