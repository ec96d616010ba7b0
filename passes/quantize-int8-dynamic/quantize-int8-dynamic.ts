/**
 * quantize-int8-dynamic: int8 weights, activations quantized at run time (what onnxruntime's
 * `quantize_dynamic` makes, in standard ONNX ops only):
 *
 * - MatMul(A, W) and Gemm(A, B, C) with a constant 2-D float32 weight:
 *   `DynamicQuantizeLinear(A) → MatMulInteger(a_q, W_q, a_zp) → Cast(float) → Mul(a_scale · w_scale)`
 *   (+ Add C for Gemm). W is int8, symmetric (zero point 0, so MatMulInteger needs none), per
 *   output column when `perChannel` (the scale multiply is a [N] vector: per-channel costs nothing
 *   at run time and roughly halves the weight error of a per-tensor scale). A Gemm weight with
 *   transB is stored transposed; Gemm with alpha or beta other than 1 or transA is left alone.
 * - Conv with a constant weight: int8 per output channel through DequantizeLinear(axis 0); the
 *   convolution stays in float (activations are not quantized there).
 * - Gather (axis 0) of a constant float32 table (embeddings): the table in int8 per tensor, the
 *   gathered rows dequantized (DequantizeLinear after Gather reads only the rows it needs).
 *
 * Weights smaller than `minElements`, weights that are also graph inputs, nodes named (or with an
 * output named) in `exclude`, and graphs below opset 11 (DynamicQuantizeLinear) are left alone;
 * from 11 to 12 weights are quantized per tensor (per-axis DequantizeLinear is opset 13).
 *
 * The main graph and the If/Loop/Scan bodies under it are rewritten (as onnxruntime's quantizer
 * recurses into subgraphs); a weight a body reads from an enclosing graph is quantized once, in
 * the graph that owns it. Function bodies are left float, with a warning. The float weights
 * become unused: run eliminate-dead-code after (the quantize command does).
 */
import { DataType as D } from '../../ir/dtype.js';
import { attrInt, attrFloat } from '../../ir/attrs.js';
import type { Editor } from '../../ir/edit/edit.js';
import type { Model, Node, NodeId, ValueId } from '../../ir/types.js';
import type { GraphPath } from '../../ir/walk.js';
import { constantReader, opsetsFor, type ConstantReader } from '../../src/constants.js';
import { definePass } from '../../src/pass.js';
import { quantizeTensor, type QuantizedTensor } from '../../src/quantize/quant-math.js';
import { addQuantizedWeight, weightRecord, type RecordSink } from '../../src/quantize/records.js';
import { excludedBy, floatWeight, forEachQuantizable, isFloatValue, modelValueNames, nameAllocator, int8Opset, transpose2d, valueName, warnOutsideMain } from '../../src/quantize/weights.js';

export interface QuantizeInt8DynamicOptions {
  /** Per output channel weight scales (default true). */
  readonly perChannel: boolean;
  /** Weights with fewer elements stay float. */
  readonly minElements: number;
  /** Comma-separated node or output names left in float. */
  readonly exclude: string;
  /** Quantize Conv weights (weight-only, DequantizeLinear). */
  readonly conv: boolean;
  /** Quantize Gather tables (embeddings). */
  readonly gather: boolean;
  /**
   * MatMul/Gemm weights in 7 bits ([-64, 64]), as onnxruntime's reduce_range: MatMulInteger
   * multiplies uint8 activations by int8 weights, which x86 CPUs without VNNI do with an
   * instruction that saturates (quant-math.ts `qRange`). Conv and Gather weights are
   * dequantized to float and never meet that kernel.
   */
  readonly reduceRange: boolean;
  /** Receives a record per quantized weight (library use; not settable in pipeline text). */
  readonly record?: RecordSink;
}

const DEFAULTS: QuantizeInt8DynamicOptions = { perChannel: true, minElements: 64, exclude: '', conv: true, gather: true, reduceRange: false };

export const quantizeInt8Dynamic = definePass<QuantizeInt8DynamicOptions>({
  name: 'quantize-int8-dynamic',
  summary: 'int8 weights for MatMul/Gemm (DynamicQuantizeLinear + MatMulInteger), Conv and Gather (DequantizeLinear); activations quantized at run time.',
  defaults: DEFAULTS,
  run(model, ctx, options) {
    const how = int8Opset(model, 'quantize-int8-dynamic', 11, options.perChannel, (m) => ctx.log.warn(m));
    if (!how) return model;
    options = { ...options, ...how };
    warnOutsideMain(model, 'quantize-int8-dynamic', ['MatMul', 'Gemm', ...(options.conv ? ['Conv'] : []), ...(options.gather ? ['Gather'] : [])], (m) => ctx.log.warn(m), 'functions');
    return rewrite(model, options, (k) => ctx.stats.count(k));
  },
});

/** What quantizing one node needs: the weight, the layout it is stored in, and how to make it. */
interface Plan {
  readonly node: Node;
  readonly weight: ValueId;
  /** The weight's quantized layout: a weight read in two layouts is stored twice. */
  readonly key: string;
  readonly op: string;
  readonly make: () => { q: QuantizedTensor; dims: readonly number[] };
}

/** The plan for `node`, or null when it stays float (the module comment lists why). */
function plan(node: Node, e: Editor, reader: ConstantReader, options: QuantizeInt8DynamicOptions): Plan | null {
  if (node.domain !== '') return null;
  const out = node.outputs[0];
  if (out === null || out === undefined) return null;
  if (node.op === 'MatMul' || node.op === 'Gemm') {
    const [a, b] = node.inputs;
    if (!isFloatValue(e, a) || reader.isConstant(a)) return null;
    const w = floatWeight(reader, b, options.minElements);
    if (!w || w.dims.length !== 2 || b === null || b === undefined) return null;
    let transB = false;
    if (node.op === 'Gemm') {
      if (attrInt(node.attrs, 'transA', 0n) !== 0n || attrFloat(node.attrs, 'alpha', 1) !== 1 || attrFloat(node.attrs, 'beta', 1) !== 1) return null;
      transB = attrInt(node.attrs, 'transB', 0n) !== 0n;
    }
    const [k, n] = transB ? [w.dims[1], w.dims[0]] : [w.dims[0], w.dims[1]];
    return {
      node, weight: b, op: node.op, key: `kn${transB ? 't' : ''}${options.perChannel ? 'c' : ''}${options.reduceRange ? 'r' : ''}`,
      make: () => {
        const data = transB ? transpose2d(w.data, w.dims[0], w.dims[1]) : w.data;
        return { q: quantizeTensor(data, [k, n], { dtype: D.INT8, symmetric: true, reduceRange: options.reduceRange, ...(options.perChannel && { axis: 1 }) }), dims: [k, n] };
      },
    };
  }
  if (node.op === 'Conv' && options.conv) {
    const wId = node.inputs[1] ?? null;
    const w = floatWeight(reader, wId, options.minElements);
    if (!w || wId === null || w.dims.length < 3) return null;
    return {
      node, weight: wId, op: 'Conv', key: `conv${options.perChannel ? 'c' : ''}`,
      make: () => ({ q: quantizeTensor(w.data, w.dims, { dtype: D.INT8, symmetric: true, ...(options.perChannel && { axis: 0 }) }), dims: w.dims }),
    };
  }
  if (node.op === 'Gather' && options.gather) {
    const tId = node.inputs[0] ?? null;
    if (attrInt(node.attrs, 'axis', 0n) !== 0n) return null;
    const w = floatWeight(reader, tId, options.minElements);
    if (!w || tId === null) return null;
    return { node, weight: tId, op: 'Gather', key: 'gather', make: () => ({ q: quantizeTensor(w.data, w.dims, { dtype: D.INT8, symmetric: true }), dims: w.dims }) };
  }
  return null;
}

/** The quantized initializers of one weight in one layout. */
interface Stored {
  readonly data: ValueId;
  readonly scale: ValueId;
}

/**
 * Three sweeps over the main graph and the If/Loop/Scan bodies under it (function bodies hold no
 * initializers and are left alone, with a warning):
 * 1. plan every node, and note the weights a body reads from an enclosing graph (a capture);
 * 2. store each captured weight's quantized copy in the graph that owns the weight, once, so that
 *    two branches reading one weight share one int8 copy and the float one can go;
 * 3. rewrite the planned nodes, each weight quantized once per graph and layout (a captured one
 *    reads the copy of sweep 2).
 */
function rewrite(model: Model, options: QuantizeInt8DynamicOptions, count: (key: string) => void): Model {
  // one walk of the model's names, for fresh names and for exclude's look-up through bodies
  const names = modelValueNames(model);
  const fresh = nameAllocator(model, names);
  const excluded = excludedBy(options.exclude, names);
  const plans = (e: Editor, path: GraphPath, each: (p: Plan) => void) => {
    const reader = constantReader(e, path, opsetsFor(model, path));
    for (const node of e.nodes()) {
      if (excluded(node, e)) continue;
      const p = plan(node, e, reader, options);
      if (p) each(p);
    }
  };
  const slot = (p: Plan) => `${p.weight}|${p.key}`;
  const captured = new Map<string, Plan>();
  forEachQuantizable(model, (e, path) => plans(e, path, (p) => {
    if (e.value(p.weight) === undefined && !captured.has(slot(p))) captured.set(slot(p), p);
  }));
  const stored = new Map<string, Stored>();
  const store = (e: Editor, p: Plan): Stored => {
    const { q, dims } = p.make();
    const added = addQuantizedWeight(e, q, dims, valueName(e, p.weight), fresh);
    options.record?.(weightRecord(valueName(e, p.weight), p.op, q));
    return added;
  };
  let out = captured.size === 0 ? model : forEachQuantizable(model, (e) => {
    for (const [k, p] of captured) if (e.value(p.weight) !== undefined && !stored.has(k)) stored.set(k, store(e, p));
  });
  out = forEachQuantizable(out, (e, path) => {
    // one DynamicQuantizeLinear per activation, shared by every MatMul reading it
    const dynamic = new Map<ValueId, { q: ValueId; scale: ValueId; zp: ValueId }>();
    const local = new Map<string, Stored>();
    const weightOf = (p: Plan): Stored => {
      const k = slot(p);
      let hit = stored.get(k) ?? local.get(k);
      if (!hit) {
        hit = store(e, p);
        local.set(k, hit);
      }
      return hit;
    };
    // inserted before the first node reading it (plans come in graph order)
    const activation = (a: ValueId, before: NodeId) => {
      let d = dynamic.get(a);
      if (!d) {
        const [q, scale, zp] = e.add('DynamicQuantizeLinear', [a], {}, { outputs: 3, before });
        d = { q, scale, zp };
        dynamic.set(a, d);
      }
      return d;
    };
    const todo: Plan[] = [];
    plans(e, path, (p) => todo.push(p));
    for (const p of todo) apply(e, p, weightOf(p), activation, options);
    for (const p of todo) count(p.op);
  });
  return out;
}

/** Rewrites the node of `p` to read the quantized weight `qw`. */
function apply(
  e: Editor, p: Plan, qw: Stored, activation: (a: ValueId, before: NodeId) => { q: ValueId; scale: ValueId; zp: ValueId }, options: QuantizeInt8DynamicOptions,
): void {
  // The node as it is now: an earlier rewrite may have replaced the value it reads.
  const node = e.node(p.node.id) ?? p.node;
  const out = node.outputs[0]!;
  if (p.op === 'Conv') {
    const [dq] = e.add('DequantizeLinear', [qw.data, qw.scale], options.perChannel ? { axis: 0n } : {}, { before: node.id });
    e.setInput(node.id, 1, dq);
    return;
  }
  if (p.op === 'Gather') {
    const [g] = e.add('Gather', [qw.data, node.inputs[1] ?? null], { axis: 0n }, { before: node.id });
    const [y] = e.add('DequantizeLinear', [g, qw.scale], {}, { before: node.id });
    e.replaceAllUses(out, y);
    e.remove(node.id);
    return;
  }
  const act = activation(node.inputs[0]!, node.id);
  const [yi] = e.add('MatMulInteger', [act.q, qw.data, act.zp], {}, { before: node.id });
  const [yf] = e.add('Cast', [yi], { to: BigInt(D.FLOAT) }, { before: node.id });
  const [s] = e.add('Mul', [act.scale, qw.scale], {}, { before: node.id });
  let [y] = e.add('Mul', [yf, s], {}, { before: node.id });
  const c = node.op === 'Gemm' ? (node.inputs[2] ?? null) : null;
  if (c !== null) [y] = e.add('Add', [y, c], {}, { before: node.id });
  e.replaceAllUses(out, y);
  e.remove(node.id);
}
