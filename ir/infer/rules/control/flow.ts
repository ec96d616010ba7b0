/**
 * Inference for If, Loop and Scan through their bodies (`ctx.inferGraph`).
 *
 * Loop/Scan state may change shape from one iteration to the next, and zero iterations return
 * the initial values, so a final state is the merge of the initial and the body's output type.
 * When that merge loosens the state, the body is inferred again with the looser types (at most
 * twice, then with dtype only), so values inside the body are never typed from iteration 0 alone.
 */
import { DataType as DT } from '../../../dtype.js';
import type { Dim, Graph, Type } from '../../../types.js';
import { plainEqual } from '../../../object.js';
import type { InferContext, InferRule, InferTable, Known } from '../../types.js';
import { constNumbers, isNum, mergeType, normAxis, tensor } from '../nn/util.js';

const typeOf = (k: Known | null | undefined): Type | undefined => k?.type;
const known = (t: Type | undefined): Known | null => (t ? { type: t } : null);

/** A type with tensor shapes forgotten (dtypes and kinds kept). */
function rankless(t: Type | undefined): Type | undefined {
  if (!t) return undefined;
  if (t.kind === 'tensor') return { kind: 'tensor', dtype: t.dtype };
  if (t.kind === 'sequence' || t.kind === 'optional') return { kind: t.kind, elem: rankless(t.elem) };
  return t;
}

/**
 * Infers a loop body to a fixed point over its state. `prefix` are the body's leading formal
 * inputs (Loop's iteration number and condition), `rest` the per-iteration extra inputs (Scan
 * elements), `bodyState` maps body outputs to states (offset of the first state output).
 */
function loopBody(ctx: InferContext, body: Graph, prefix: readonly (Known | null)[], init: readonly (Type | undefined)[],
  rest: readonly (Known | null)[], stateOut: number): { states: (Type | undefined)[]; outs: (Known | null)[] } {
  let states = [...init];
  for (let pass = 0; pass < 3; pass++) {
    const outs = ctx.inferGraph(body, [...prefix, ...states.map(known), ...rest]);
    const next = states.map((s, i) => mergeType(s, typeOf(outs[stateOut + i])));
    if (next.every((t, i) => plainEqual(t, states[i]))) return { states, outs };
    states = pass === 1 ? next.map(rankless) : next;
  }
  // Dtype-only states: the body's view cannot be tighter than this, so one last pass is sound.
  const outs = ctx.inferGraph(body, [...prefix, ...states.map(known), ...rest]);
  return { states: states.map((s, i) => (plainEqual(rankless(typeOf(outs[stateOut + i])), s) ? s : undefined)), outs };
}

function inferIf(ctx: InferContext): (Known | null)[] {
  const thenG = ctx.attrs.graph('then_branch'), elseG = ctx.attrs.graph('else_branch');
  if (!thenG || !elseG) return [];
  const a = ctx.inferGraph(thenG, []), b = ctx.inferGraph(elseG, []);
  return ctx.node.outputs.map((_, i) => known(mergeType(typeOf(a[i]), typeOf(b[i]))));
}

/** Inserts `len` at `axis` of an element type, giving a stacked scan output. */
function stacked(elem: Type | undefined, len: Dim, axis: number): Known | null {
  if (!elem || elem.kind !== 'tensor') return null;
  if (!elem.shape) return tensor(elem.dtype);
  const ax = normAxis(axis, elem.shape.length + 1);
  if (ax === undefined) return tensor(elem.dtype);
  const shape = [...elem.shape];
  shape.splice(ax, 0, len);
  return tensor(elem.dtype, shape);
}

function inferLoop(ins: readonly (Known | null)[], ctx: InferContext): (Known | null)[] {
  const body = ctx.attrs.graph('body');
  if (!body) return [];
  const init = ins.slice(2).map(typeOf);
  const n = init.length;
  const prefix = [tensor(DT.INT64, []), tensor(DT.BOOL, [])];
  const { states, outs } = loopBody(ctx, body, prefix, init, [], 1);
  // The trip count is exact only when M is a constant and no condition can stop the loop early.
  const m = ctx.node.inputs[1] == null ? constNumbers(ins[0]) : undefined;
  const trips: Dim = m && m.length === 1 && isNum(m[0]) ? m[0] : null;
  const res: (Known | null)[] = states.map(known);
  for (let k = n + 1; k < outs.length; k++) res.push(stacked(typeOf(outs[k]), trips, 0));
  return res;
}

function inferScan(ins: readonly (Known | null)[], ctx: InferContext): (Known | null)[] {
  const body = ctx.attrs.graph('body');
  if (!body) return [];
  if (ctx.opset < 9) return inferScan8(ins, ctx, body);
  const a = ctx.attrs;
  const m = a.int('num_scan_inputs');
  const n = ins.length - m;
  if (m < 1 || n < 0) return [];
  const inAxes = a.ints('scan_input_axes', new Array(m).fill(0));
  let len: Dim | undefined;
  const elems: (Known | null)[] = [];
  for (let j = 0; j < m; j++) {
    const t = typeOf(ins[n + j]);
    if (!t || t.kind !== 'tensor' || !t.shape) { elems.push(t?.kind === 'tensor' ? tensor(t.dtype) : null); len = null; continue; }
    const ax = normAxis(inAxes[j] ?? 0, t.shape.length);
    if (ax === undefined) { elems.push(tensor(t.dtype)); len = null; continue; }
    const d = t.shape[ax];
    len = len === undefined ? d : len === d ? len : null;
    elems.push(tensor(t.dtype, t.shape.filter((_, i) => i !== ax)));
  }
  const { states, outs } = loopBody(ctx, body, [], ins.slice(0, n).map(typeOf), elems, 0);
  const outAxes = a.ints('scan_output_axes', []);
  const res: (Known | null)[] = states.map(known);
  for (let k = n; k < outs.length; k++) res.push(stacked(typeOf(outs[k]), len ?? null, outAxes[k - n] ?? 0));
  return res;
}

/** Drops the leading `k` dims of a tensor type (Scan-8's batch, and sequence, axes). */
function dropLeading(t: Type | undefined, k: number): Known | null {
  if (!t || t.kind !== 'tensor') return null;
  return t.shape && t.shape.length >= k ? tensor(t.dtype, t.shape.slice(k)) : tensor(t.dtype);
}

/** Prepends dims to a tensor type. */
function prepend(t: Type | undefined, dims: readonly Dim[]): Known | null {
  if (!t || t.kind !== 'tensor') return null;
  return t.shape ? tensor(t.dtype, [...dims, ...t.shape]) : tensor(t.dtype);
}

/** Scan-8: sequence_lens first; states are [batch, …], scan inputs and outputs [batch, seq, …]. */
function inferScan8(ins: readonly (Known | null)[], ctx: InferContext, body: Graph): (Known | null)[] {
  const m = ctx.attrs.int('num_scan_inputs');
  const n = ins.length - 1 - m;
  if (m < 1 || n < 0) return [];
  const states = ins.slice(1, 1 + n).map(typeOf), scans = ins.slice(1 + n).map(typeOf);
  const dimAt = (t: Type | undefined, i: number): Dim => (t?.kind === 'tensor' && t.shape && t.shape.length > i ? t.shape[i]! : null);
  const agree = (ds: Dim[]): Dim => (ds.length > 0 && ds.every((d) => d !== null && d === ds[0]) ? ds[0]! : null);
  const batch = agree([...states, ...scans].map((t) => dimAt(t, 0)));
  // With sequence_lens the outputs are padded; their length is then not asserted here.
  const len = ctx.node.inputs[0] == null ? agree(scans.map((t) => dimAt(t, 1))) : null;
  const inner = states.map((t) => dropLeading(t, 1)?.type);
  const { states: fin, outs } = loopBody(ctx, body, [], inner, scans.map((t) => dropLeading(t, 2)), 0);
  const res: (Known | null)[] = fin.map((t) => prepend(t, [batch]));
  for (let k = n; k < outs.length; k++) res.push(prepend(typeOf(outs[k]), [batch, len]));
  return res;
}

const rules: InferRule[] = [
  { domain: '', name: 'If', infer: (_ins, ctx) => inferIf(ctx) },
  { domain: '', name: 'Loop', infer: (ins, ctx) => inferLoop(ins, ctx) },
  { domain: '', name: 'Scan', infer: (ins, ctx) => inferScan(ins, ctx) },
];

export const flowRules: InferTable = rules;
