/**
 * convert-float16: weights and compute of the main graph in float16 (or bfloat16).
 *
 * plan.ts decides which nodes run in half; this file rewrites the graph around that decision:
 * - a half node gets fresh half-typed outputs; where a float32 reader remains (a float32 node, a
 *   subgraph capture, a graph output with keepIo) the ORIGINAL value id is redefined by a
 *   Cast(to=float) of the half one, so float32 readers, names and value_info stay as they were;
 * - a half node's float32 input is its half twin when one exists (so a float32→half Cast never
 *   follows a half→float32 one: Cast pairs are merged by construction), else a narrowed constant
 *   (in place when nothing else reads the float32 one), else one Cast(to=half) shared by every
 *   half reader, placed before the first;
 * - a Cast that becomes half→half disappears (its readers read its input).
 * Subgraphs and function bodies are left in float32: nodes holding subgraphs and calls of local
 * functions are float32 nodes, and the values their bodies capture keep their float32 id.
 */
import { LatheError } from '../../ir/error.js';
import { DataType as D } from '../../ir/dtype.js';
import { idAllocator } from '../../ir/ids.js';
import type { Attr, Graph, Model, Node, NodeId, Type, Value, ValueId } from '../../ir/types.js';
import { renameCaptured, usesOf, type Use } from '../../ir/uses.js';
import { hasSubgraphs } from '../../ir/walk.js';
import { definePass, type PassContext } from '../../src/pass.js';
import { narrowTensor, type HalfDtype, type NarrowStats } from './half-tensor.js';
import { measureRanges, type Range } from './ranges.js';
import { BLOCKED_OPS, NUMERIC_OPS, dtypeOf, keptInput, planHalf } from './plan.js';

export interface ConvertFloat16Options {
  /** The half type: float16 (default) or bfloat16. */
  readonly to: 'fp16' | 'bf16';
  /** Keep the graph's float32 inputs and outputs float32, with Casts at the boundary (default true). */
  readonly keepIo: boolean;
  /**
   * Run the model once in lathe's evaluator on generated inputs and keep in float32 the nodes
   * whose values leave float16's safe range (ranges.ts; default true; skipped above
   * MEASURE_LIMIT bytes of weights, with a warning).
   */
  readonly measure: boolean;
}

/** Weights beyond this many bytes are not run through the evaluator to measure ranges. */
const MEASURE_LIMIT = 1 << 30;

export const convertFloat16 = definePass<ConvertFloat16Options>({
  name: 'convert-float16',
  summary: 'Weights and compute in float16 or bfloat16 (to=fp16|bf16); float32 inputs/outputs kept unless keepIo=false; unsafe ops stay float32 behind Casts.',
  defaults: { to: 'fp16', keepIo: true, measure: true },
  run(model, ctx, options) {
    if (options.to !== 'fp16' && options.to !== 'bf16') throw new LatheError(`convert-float16: to must be fp16 or bf16, not '${String(options.to)}'`);
    const opset = model.opsets.find((o) => o.domain === '')?.version;
    if (opset === undefined) return model;
    const target: HalfDtype = options.to === 'bf16' ? D.BFLOAT16 : D.FLOAT16;
    // Cast to bfloat16 exists from opset 13; float16 everywhere the op schemas allow it.
    if (target === D.BFLOAT16 && opset < 13) {
      ctx.log.warn(`convert-float16: bfloat16 needs opset 13 or later (Cast to bfloat16); the model imports opset ${opset}, left unchanged`);
      return model;
    }
    const types = ctx.analyses.get(model, 'types').types;
    const blocked = new Set([...BLOCKED_OPS, ...NUMERIC_OPS]);
    const ranges = options.measure && target === D.FLOAT16 ? measured(model, ctx) : undefined;
    const half = planHalf({ graph: model.graph, types, opset, target, blocked, ...(ranges ? { ranges } : {}) });
    if (half.size === 0) return model;
    return rewrite(model, half, types, target, options.keepIo, ctx);
  },
});

/** Constants of at least this many elements are weights: stored in half even where read in float32. */
const WEIGHT_ELEMENTS = 1024;

/** Ranges of the main graph's float32 values, or undefined (with a warning) when not measured. */
function measured(model: Model, ctx: PassContext): Map<ValueId, Range> | undefined {
  let bytes = 0;
  for (const id of model.graph.initializers) {
    const t = model.graph.values[id]?.tensor;
    if (t) bytes += t.dims.reduce((a, b) => a * b, 1) * 4;
  }
  if (bytes > MEASURE_LIMIT) {
    ctx.log.warn(`convert-float16: ${bytes} bytes of weights: value ranges not measured (op lists and schemas only)`);
    return undefined;
  }
  const wanted = new Set<ValueId>();
  for (const id of model.graph.order) for (const v of model.graph.nodes[id]!.outputs) if (v !== null) wanted.add(v);
  const { ranges, why } = measureRanges(model, wanted);
  if (!ranges) ctx.log.warn(`convert-float16: value ranges not measured (${why}); op lists and schemas only`);
  return ranges;
}

const castTo = (dtype: number): Attr[] => [{ name: 'to', kind: 'int', value: BigInt(dtype) }];

function rewrite(model: Model, half: ReadonlySet<NodeId>, types: ReadonlyMap<ValueId, Type>, target: HalfDtype, keepIo: boolean, ctx: PassContext): Model {
  const g = model.graph;
  const ids = idAllocator(model);
  const uses = usesOf(g);
  const nodes: Record<NodeId, Node> = { ...g.nodes };
  const values: Record<ValueId, Value> = { ...g.values };
  const initializers = [...g.initializers];
  const outputs = [...g.outputs];
  const order: NodeId[] = [];
  const halfOf = new Map<ValueId, ValueId>();
  const alias = new Map<ValueId, ValueId>();
  const narrowStats: NarrowStats = { clamped: 0, raisedTiny: 0 };
  const inputSet = new Set(g.inputs);
  let casts = 0;

  const dtype = (v: ValueId) => dtypeOf(g, types, v);
  const readsHalf = (u: Use): boolean => u.kind === 'input' && half.has(u.node) && !keptInput(g.nodes[u.node]!.op, u.index);
  /** With keepIo=false, an output whose other readers all run in half leaves the graph in half. */
  const outputInHalf = (v: ValueId): boolean => {
    if (keepIo) return false;
    const us = uses.get(v) ?? [];
    return us.some((u) => u.kind === 'output' && !g.outputInfo?.[u.index]) && us.every((u) => u.kind === 'output' ? !g.outputInfo?.[u.index] : readsHalf(u));
  };
  const needsFloat = (v: ValueId): boolean => !outputInHalf(v) && (uses.get(v) ?? []).some((u) => !readsHalf(u));
  const halfType = (v: ValueId): Type => {
    const t = types.get(v) ?? g.values[v]?.type;
    const shape = t?.kind === 'tensor' ? t.shape : undefined;
    return shape ? { kind: 'tensor', dtype: target, shape } : { kind: 'tensor', dtype: target };
  };
  const retype = (t: Type | undefined): Type | undefined => (t?.kind === 'tensor' ? { ...t, dtype: target } : t);
  const addCast = (input: ValueId, to: number, output?: ValueId): { node: NodeId; out: ValueId } => {
    const id = ids.node();
    const out = output ?? ids.value();
    nodes[id] = { id, op: 'Cast', domain: '', inputs: [input], outputs: [out], attrs: castTo(to) };
    if (output) values[out] = { ...values[out]!, def: { node: id, index: 0 } };
    else values[out] = { id: out, type: halfType(input), def: { node: id, index: 0 } };
    casts++;
    return { node: id, out };
  };

  /** The tensor of a Constant node's output `v` (`value` form only), else undefined. */
  const constantNode = (v: ValueId): Node | undefined => {
    const def = g.values[v]?.def;
    const n = def ? g.nodes[def.node] : undefined;
    return n && n.op === 'Constant' && n.domain === '' && n.attrs.length === 1 && n.attrs[0]!.kind === 'tensor' && n.attrs[0]!.name === 'value' ? n : undefined;
  };

  /**
   * Float32 constants become half before any node is visited: in place when nothing else needs
   * the float32 bytes (every reader runs in half, or the constant is a large weight whose float32
   * readers can take it through a Cast without a clamped element), else as a half copy beside
   * the float32 original for the half readers.
   */
  const weightCasts = new Map<ValueId, ValueId>();
  const narrowedInPlace = new Set<ValueId>();
  const narrowConstants = (): void => {
    for (const v of Object.keys(g.values) as ValueId[]) {
      const val = g.values[v]!;
      const tensor = val.tensor && !inputSet.has(v) ? val.tensor : undefined;
      const cnode = tensor ? undefined : constantNode(v);
      const constT = tensor ?? (cnode?.attrs[0] as Extract<Attr, { kind: 'tensor' }> | undefined)?.value;
      if (!constT || constT.dtype !== D.FLOAT) continue;
      const us = uses.get(v) ?? [];
      const halfReaders = us.filter(readsHalf).length;
      const floatReaders = us.length - halfReaders;
      const count = constT.dims.reduce((a, b) => a * b, 1);
      const onlyNodeInputs = us.every((u) => u.kind === 'input' && !hasSubgraphs(g.nodes[u.node]!));
      const weight = count >= WEIGHT_ELEMENTS && onlyNodeInputs;
      if (halfReaders === 0 && !(weight && floatReaders > 0)) continue;
      const stats: NarrowStats = { clamped: 0, raisedTiny: 0 };
      const narrowed = narrowTensor(constT, target, val.name ?? v, stats);
      if (!narrowed) continue;
      const inPlace = onlyNodeInputs && (floatReaders === 0 || (weight && stats.clamped === 0));
      if (!inPlace && halfReaders === 0) continue;
      narrowStats.clamped += stats.clamped;
      narrowStats.raisedTiny += stats.raisedTiny;
      ctx.stats.count('narrowed-constants');
      if (!inPlace) {
        const out = ids.value();
        values[out] = { id: out, tensor: narrowed };
        initializers.push(out);
        halfOf.set(v, out);
        continue;
      }
      if (tensor) values[v] = { ...val, tensor: narrowed, ...(val.type ? { type: retype(val.type) } : {}) };
      else {
        nodes[cnode!.id] = { ...cnode!, attrs: [{ ...(cnode!.attrs[0] as Extract<Attr, { kind: 'tensor' }>), value: narrowed }] };
        values[v] = { ...val, ...(val.type ? { type: retype(val.type) } : {}) };
      }
      halfOf.set(v, v);
      if (floatReaders > 0) narrowedInPlace.add(v);
    }
  };
  /** Input `v` of a float32 slot: a weight stored in half is read through one shared Cast. */
  const floatInput = (v: ValueId, pre: NodeId[]): ValueId => {
    if (!narrowedInPlace.has(v)) return v;
    let f = weightCasts.get(v);
    if (!f) {
      const { node, out } = addCast(v, D.FLOAT);
      values[out] = { ...values[out]!, type: { ...(values[out]!.type as Type & { kind: 'tensor' }), dtype: D.FLOAT } };
      pre.push(node);
      weightCasts.set(v, (f = out));
      ctx.stats.count('weights-cast-up');
    }
    return f;
  };

  /** The half twin of float32 value `v` for a half reader; Casts it needs go to `pre`. */
  const halfInput = (v: ValueId, pre: NodeId[]): ValueId => {
    const known = halfOf.get(v);
    if (known) return known;
    const val = g.values[v]!;
    if (!keepIo && inputSet.has(v) && !val.tensor && !needsFloat(v) && val.type?.kind === 'tensor') {
      values[v] = { ...val, type: retype(val.type) };
      halfOf.set(v, v);
      return v;
    }
    const { node, out } = addCast(v, target);
    pre.push(node);
    halfOf.set(v, out);
    return out;
  };

  narrowConstants();
  for (const id of g.order) {
    const n = g.nodes[id]!;
    const pre: NodeId[] = [];
    const post: NodeId[] = [];
    if (!half.has(id)) {
      if (n.inputs.some((v) => v !== null && narrowedInPlace.has(v))) nodes[id] = { ...n, inputs: n.inputs.map((v) => (v === null ? v : floatInput(v, pre))) };
      order.push(...pre, id);
      continue;
    }
    const inputs = n.inputs.map((v, i) => (v === null || dtype(v) !== D.FLOAT ? v : keptInput(n.op, i) ? floatInput(v, pre) : halfInput(v, pre)));
    let attrs = n.attrs;
    if (n.op === 'Cast' && n.outputs[0] && dtype(n.outputs[0]) === D.FLOAT) attrs = attrs.map((a) => (a.name === 'to' ? castTo(target)[0]! : a));
    if (n.op === 'ConstantOfShape') {
      const a = attrs.find((x) => x.name === 'value');
      const zero = { dtype: D.FLOAT, dims: [1], data: { kind: 'raw', bytes: new Uint8Array(4) } } as const;
      const t = narrowTensor(a?.kind === 'tensor' ? a.value : zero, target, 'ConstantOfShape value');
      if (!t) {
        order.push(id); // an unreadable value: leave the node as it was (planned half, but nothing changed yet)
        continue;
      }
      attrs = [...attrs.filter((x) => x.name !== 'value'), { name: 'value', kind: 'tensor', value: t }];
    }
    // A Cast whose input and output types are now the same is an identity: its readers read its input.
    const inDt = n.op === 'Cast' && inputs[0] ? (halfOf.has(n.inputs[0]!) || inputs[0] !== n.inputs[0] ? target : dtype(inputs[0])) : undefined;
    const outV = n.outputs[0];
    if (n.op === 'Cast' && outV && inDt !== undefined) {
      const outDt = dtype(outV) === D.FLOAT ? target : dtype(outV);
      const removable = !(uses.get(outV) ?? []).some((u) => u.kind !== 'input' || hasSubgraphs(g.nodes[u.node]!));
      // A graph output leaving in half takes the name of the value that replaces it: never one of
      // the model's own values (a graph input, another output), only a fresh half twin. Else the
      // Cast stays, as a half→half Cast under the output's name.
      const renamesOwn = dtype(outV) === D.FLOAT && !needsFloat(outV) && outputInHalf(outV) && g.values[inputs[0]!] !== undefined;
      if (inDt === outDt && !renamesOwn && (dtype(outV) === D.FLOAT || removable)) {
        order.push(...pre);
        if (dtype(outV) === D.FLOAT) {
          halfOf.set(outV, inputs[0]!);
          if (needsFloat(outV)) order.push(addCast(inputs[0]!, D.FLOAT, outV).node);
          else if (outputInHalf(outV)) replaceOutput(outV, inputs[0]!);
          else delete values[outV];
        } else {
          alias.set(outV, inputs[0]!);
          delete values[outV];
        }
        delete nodes[id];
        ctx.stats.count('casts-removed');
        continue;
      }
    }
    const outs = n.outputs.map((v, i) => {
      if (v === null || dtype(v) !== D.FLOAT) return v;
      const h = ids.value();
      values[h] = { id: h, type: halfType(v), def: { node: id, index: i } };
      halfOf.set(v, h);
      if (needsFloat(v)) post.push(addCast(h, D.FLOAT, v).node);
      else if (outputInHalf(v)) replaceOutput(v, h);
      else {
        // Nothing reads the float32 value any more: its half twin takes its name.
        const name = g.values[v]?.name;
        delete values[v];
        if (name !== undefined) values[h] = { ...values[h]!, name };
      }
      return h;
    });
    nodes[id] = { ...n, inputs, outputs: outs, attrs };
    order.push(...pre, id, ...post);
    ctx.stats.count('half-nodes');
  }

  /** Graph output `v` leaves in half as `h`, which takes its name and declared shape. */
  function replaceOutput(v: ValueId, h: ValueId): void {
    const val = g.values[v]!;
    const t = values[h]!;
    values[h] = { ...t, ...(val.name !== undefined ? { name: val.name } : {}), type: retype(val.type) ?? t.type };
    delete values[v];
    for (let i = 0; i < outputs.length; i++) if (outputs[i] === v) outputs[i] = h;
  }

  if (alias.size > 0) {
    for (const id of order) {
      let n = nodes[id]!;
      if (n.inputs.some((v) => v !== null && alias.has(v))) n = { ...n, inputs: n.inputs.map((v) => (v !== null ? alias.get(v) ?? v : v)) };
      for (const [from, to] of alias) if (hasSubgraphs(n)) n = renameCaptured(n, from, to);
      nodes[id] = n;
    }
  }
  ctx.stats.count('casts', casts);
  if (narrowStats.clamped > 0) ctx.log.warn(`convert-float16: ${narrowStats.clamped} constant elements beyond the ${target === D.FLOAT16 ? 'float16' : 'bfloat16'} range clamped to its largest finite value`);
  ctx.stats.count('clamped', narrowStats.clamped);
  ctx.stats.count('tiny-kept-nonzero', narrowStats.raisedTiny);
  const graph: Graph = { ...g, nodes, values, order, initializers, outputs };
  return { ...model, graph };
}
