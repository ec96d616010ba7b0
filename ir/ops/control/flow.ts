/**
 * Control flow: If, Loop, Scan. Bodies run through `ctx.runGraph`, which binds formal inputs by
 * position and lets the body read enclosing-scope values.
 */
import { LatheError } from '../../error.js';
import { DataType as D } from '../../dtype.js';
import type { Graph } from '../../types.js';
import type { KernelContext, OpTable, RtValue, TensorValue } from '../types.js';
import { allocate, asTensor, normAxis, sizeOf, toNumbers } from '../util.js';
import { boolScalar, concatAxis, int64Scalar, scalarInt, takeAxis, truthy } from './common.js';

/**
 * Iterations a Loop may run before lathe gives up. A crafted model can ask for 2^63 iterations or
 * loop on a condition that never turns false; the reference evaluator must end with an error.
 */
export const LOOP_ITERATION_LIMIT = 1 << 24;

function requireGraph(ctx: KernelContext, name: string, op: string): Graph {
  const g = ctx.attrs.graph(name);
  if (!g) throw new LatheError(`${op}: attribute '${name}' (graph) is missing`);
  return g;
}

/** The declared dims of a body output when fully static (for scan outputs of zero iterations). */
function declaredDims(g: Graph, index: number): number[] | undefined {
  const id = g.outputs[index];
  const info = g.outputInfo?.[index]?.type ?? (id !== undefined ? g.values[id]?.type : undefined);
  if (!info || info.kind !== 'tensor' || !info.shape) return undefined;
  return info.shape.every((d) => typeof d === 'number') ? (info.shape as number[]) : undefined;
}

function declaredDtype(g: Graph, index: number): number | undefined {
  const id = g.outputs[index];
  const info = g.outputInfo?.[index]?.type ?? (id !== undefined ? g.values[id]?.type : undefined);
  return info && info.kind === 'tensor' && info.dtype ? info.dtype : undefined;
}

/** A tensor with zero entries along `axis` for a scan output that never received a value. */
function emptyScanOutput(ctx: KernelContext, body: Graph, bodyIndex: number, outIndex: number, axis = 0): TensorValue {
  const dtype = ctx.outputDtypes[outIndex] ?? declaredDtype(body, bodyIndex) ?? D.FLOAT;
  const elem = declaredDims(body, bodyIndex) ?? [];
  const dims = [...elem.slice(0, axis), 0, ...elem.slice(axis)];
  return { kind: 'tensor', dtype, dims, data: allocate(dtype, 0) };
}

/**
 * A loop-carried value bound to a formal input declared optional is wrapped as an optional: the
 * body's output may be a plain tensor/sequence that the next iteration reads as optional(…)
 * (OptionalGetElement before opset 18 accepts only optionals).
 */
function bindCarried(g: Graph, index: number, v: RtValue | null): RtValue | null {
  const id = g.inputs[index];
  const type = id !== undefined ? g.values[id]?.type : undefined;
  if (!v || v.kind === 'optional' || type?.kind !== 'optional') return v;
  return { kind: 'optional', value: v };
}

function checkOutputs(out: RtValue[], expected: number, op: string): void {
  if (out.length !== expected) throw new LatheError(`${op}: body produced ${out.length} outputs, expected ${expected}`);
}

function asScanElem(v: RtValue | null | undefined, op: string): TensorValue {
  return asTensor(v, `${op}: scan output`);
}

const ifOp = {
  domain: '',
  name: 'If',
  since: [1, 11, 13, 16, 19, 21, 23, 24, 25],
  kernel(inputs: readonly (RtValue | null)[], ctx: KernelContext): (RtValue | null)[] {
    const branch = truthy(inputs[0], 'If: cond') ? 'then_branch' : 'else_branch';
    const out = ctx.runGraph(requireGraph(ctx, branch, 'If'), []);
    if (out.length < ctx.node.outputs.length) {
      throw new LatheError(`If: ${branch} produced ${out.length} outputs, the node has ${ctx.node.outputs.length}`);
    }
    return out.slice(0, ctx.node.outputs.length);
  },
};

const loopOp = {
  domain: '',
  name: 'Loop',
  since: [1, 11, 13, 16, 19, 21, 23, 24, 25],
  kernel(inputs: readonly (RtValue | null)[], ctx: KernelContext): (RtValue | null)[] {
    const body = requireGraph(ctx, 'body', 'Loop');
    const maxTrip = inputs[0] ? scalarInt(inputs[0], 'Loop: M') : Infinity;
    const condGiven = inputs[1] != null;
    let cond = condGiven ? truthy(inputs[1], 'Loop: cond') : true;
    const n = Math.max(0, ctx.node.inputs.length - 2);
    let carried: (RtValue | null)[] = [];
    for (let i = 0; i < n; i++) carried.push(inputs[2 + i] ?? null);
    const k = ctx.node.outputs.length - n;
    if (k < 0) throw new LatheError(`Loop: ${n} loop-carried inputs but only ${ctx.node.outputs.length} outputs`);
    const scans: TensorValue[][] = Array.from({ length: k }, () => []);
    for (let i = 0; i < maxTrip && cond; i++) {
      if (i >= LOOP_ITERATION_LIMIT) throw new LatheError(`Loop: more than ${LOOP_ITERATION_LIMIT} iterations`);
      const out = ctx.runGraph(body, [int64Scalar(i), boolScalar(cond), ...carried.map((v, j) => bindCarried(body, 2 + j, v))]);
      checkOutputs(out, 1 + n + k, 'Loop');
      // Without a cond input the body's condition output is ignored (a plain for loop).
      if (condGiven) cond = truthy(out[0], 'Loop: body cond');
      carried = out.slice(1, 1 + n);
      for (let j = 0; j < k; j++) scans[j].push(asScanElem(out[1 + n + j], 'Loop'));
    }
    const result: (RtValue | null)[] = carried.slice();
    for (let j = 0; j < k; j++) {
      result.push(scans[j].length ? concatAxis(scans[j], 0, true, 'Loop: scan output') : emptyScanOutput(ctx, body, 1 + n + j, n + j));
    }
    return result;
  },
};

function axesAttr(ctx: KernelContext, name: string, count: number): number[] {
  const v = ctx.attrs.ints(name, new Array<number>(count).fill(0));
  if (v.length !== count) throw new LatheError(`Scan: attribute '${name}' has ${v.length} entries, expected ${count}`);
  return v;
}

/** Scan from opset 9: no batch axis; per-input scan axes and directions. */
function scan9(inputs: readonly (RtValue | null)[], ctx: KernelContext): (RtValue | null)[] {
  const body = requireGraph(ctx, 'body', 'Scan');
  const m = ctx.attrs.int('num_scan_inputs');
  const total = Math.max(inputs.length, ctx.node.inputs.length);
  const n = total - m;
  if (m < 1 || n < 0) throw new LatheError(`Scan: num_scan_inputs ${m} does not fit ${total} inputs`);
  const k = ctx.node.outputs.length - n;
  if (k < 0) throw new LatheError(`Scan: ${n} state variables but only ${ctx.node.outputs.length} outputs`);
  const inAxes = axesAttr(ctx, 'scan_input_axes', m);
  const inDirs = axesAttr(ctx, 'scan_input_directions', m);
  const outAxes = axesAttr(ctx, 'scan_output_axes', k);
  const outDirs = axesAttr(ctx, 'scan_output_directions', k);
  const scanIn = inputs.slice(n, total).map((v, j) => asTensor(v, `Scan: scan input ${j}`));
  const axes = scanIn.map((t, j) => normAxis(inAxes[j], t.dims.length, 'Scan: scan_input_axes'));
  const steps = scanIn[0].dims[axes[0]];
  scanIn.forEach((t, j) => {
    if (t.dims[axes[j]] !== steps) throw new LatheError(`Scan: scan inputs have different lengths (${steps} and ${t.dims[axes[j]]})`);
  });
  let state = inputs.slice(0, n);
  const scans: TensorValue[][] = Array.from({ length: k }, () => []);
  for (let t = 0; t < steps; t++) {
    const elems = scanIn.map((x, j) => takeAxis(x, axes[j], inDirs[j] ? steps - 1 - t : t));
    const out = ctx.runGraph(body, [...state, ...elems]);
    checkOutputs(out, n + k, 'Scan');
    state = out.slice(0, n);
    for (let j = 0; j < k; j++) scans[j].push(asScanElem(out[n + j], 'Scan'));
  }
  const result: (RtValue | null)[] = state.slice();
  for (let j = 0; j < k; j++) {
    const parts = outDirs[j] ? scans[j].slice().reverse() : scans[j];
    const rank = (parts[0]?.dims.length ?? declaredDims(body, n + j)?.length ?? 0) + 1;
    const axis = normAxis(outAxes[j], rank, 'Scan: scan_output_axes');
    result.push(parts.length ? concatAxis(parts, axis, true, 'Scan: scan output') : emptyScanOutput(ctx, body, n + j, n + j, axis));
  }
  return result;
}

function zeros(dtype: number, dims: number[]): TensorValue {
  return { kind: 'tensor', dtype, dims, data: allocate(dtype, sizeOf(dims)) };
}

/** Scan-8: batch axis 0, scan axis 1, optional sequence_lens first; outputs padded with zeros. */
function scan8(inputs: readonly (RtValue | null)[], ctx: KernelContext): (RtValue | null)[] {
  const body = requireGraph(ctx, 'body', 'Scan');
  const m = ctx.attrs.int('num_scan_inputs');
  const total = Math.max(inputs.length, ctx.node.inputs.length);
  const n = total - 1 - m;
  if (m < 1 || n < 0) throw new LatheError(`Scan: num_scan_inputs ${m} does not fit ${total} inputs`);
  const k = ctx.node.outputs.length - n;
  if (k < 0) throw new LatheError(`Scan: ${n} state variables but only ${ctx.node.outputs.length} outputs`);
  const dirs = axesAttr(ctx, 'directions', m);
  const states = inputs.slice(1, 1 + n).map((v, j) => asTensor(v, `Scan: initial state ${j}`));
  const scanIn = inputs.slice(1 + n, total).map((v, j) => asTensor(v, `Scan: scan input ${j}`));
  for (const t of scanIn) if (t.dims.length < 2) throw new LatheError('Scan: scan inputs need [batch, sequence, …] dims');
  const batch = scanIn[0].dims[0];
  const maxLen = scanIn[0].dims[1];
  for (const t of [...scanIn, ...states]) {
    if (t.dims[0] !== batch) throw new LatheError(`Scan: batch sizes differ (${batch} and ${t.dims[0]})`);
  }
  for (const t of scanIn) if (t.dims[1] !== maxLen) throw new LatheError('Scan: scan inputs have different sequence lengths');
  const lens = inputs[0] ? toNumbers(inputs[0], 'Scan: sequence_lens') : new Array<number>(batch).fill(maxLen);
  if (lens.length !== batch) throw new LatheError(`Scan: sequence_lens has ${lens.length} entries for batch ${batch}`);
  const finalStates: TensorValue[][] = Array.from({ length: n }, () => []);
  const perBatch: TensorValue[][][] = Array.from({ length: k }, () => []);
  for (let b = 0; b < batch; b++) {
    const len = lens[b];
    if (!(len >= 0 && len <= maxLen)) throw new LatheError(`Scan: sequence length ${len} is outside [0, ${maxLen}]`);
    let state: RtValue[] = states.map((s) => takeAxis(s, 0, b));
    const seqs = scanIn.map((x) => takeAxis(x, 0, b));
    const outs: TensorValue[][] = Array.from({ length: k }, () => []);
    for (let t = 0; t < len; t++) {
      const elems = seqs.map((x, j) => takeAxis(x, 0, dirs[j] ? len - 1 - t : t));
      const out = ctx.runGraph(body, [...state, ...elems]);
      checkOutputs(out, n + k, 'Scan');
      state = out.slice(0, n).map((v) => asTensor(v, 'Scan: state output'));
      for (let j = 0; j < k; j++) outs[j].push(asScanElem(out[n + j], 'Scan'));
    }
    state.forEach((s, j) => finalStates[j].push(s as TensorValue));
    for (let j = 0; j < k; j++) perBatch[j].push(outs[j]);
  }
  const result: (RtValue | null)[] = finalStates.map((parts, j) => (parts.length ? concatAxis(parts, 0, true, 'Scan: state') : zeros(states[j].dtype, states[j].dims.slice())));
  for (let j = 0; j < k; j++) {
    const sample = perBatch[j].find((o) => o.length)?.[0];
    const elemDims = sample ? sample.dims.slice() : declaredDims(body, n + j) ?? [];
    const dtype = sample?.dtype ?? ctx.outputDtypes[n + j] ?? declaredDtype(body, n + j) ?? D.FLOAT;
    const rows = perBatch[j].map((o) => {
      const padded = o.length < maxLen ? [...o, ...Array.from({ length: maxLen - o.length }, () => zeros(dtype, elemDims))] : o;
      return padded.length ? concatAxis(padded, 0, true, 'Scan: scan output') : zeros(dtype, [0, ...elemDims]);
    });
    result.push(rows.length ? concatAxis(rows, 0, true, 'Scan: scan output') : zeros(dtype, [0, maxLen, ...elemDims]));
  }
  return result;
}

const scanOp = {
  domain: '',
  name: 'Scan',
  since: [8, 9, 11, 16, 19, 21, 23, 24, 25],
  kernel(inputs: readonly (RtValue | null)[], ctx: KernelContext): (RtValue | null)[] {
    return ctx.opset < 9 ? scan8(inputs, ctx) : scan9(inputs, ctx);
  },
};

export const flowOps: OpTable = [ifOp, loopOp, scanOp];
