/**
 * quantize-int4-weight: blockwise weight-only 4-bit quantization of the constant K×N weights of
 * MatMul (blocks.ts), in one of two forms:
 * - `qdq` (standard ONNX): the weight as an int4 (symmetric) or uint4 (with zero points)
 *   initializer read by DequantizeLinear(axis=0, block_size) — needs opset 21 (block_size and
 *   the 4-bit types). A model importing an older opset is left unchanged with a warning: raising
 *   its opset would change the meaning of any op redefined since (Squeeze/Unsqueeze/Reduce*
 *   axes as inputs, Pad, Resize, …), which this pass does not check.
 * - `msft`: com.microsoft MatMulNBits (bits=4), B packed [N, blocks, block/2] low nibble first
 *   along K, scales [N, blocks], zero points packed [N, ceil(blocks/2)] (omitted when symmetric:
 *   the default 8) — onnxruntime's contrib op, written only when asked.
 * The main graph and the If/Loop/Scan bodies under it (function bodies stay float, with a warning);
 * a weight read by several MatMuls, in one graph or in several, is quantized once.
 */
import { LatheError } from '../../ir/error.js';
import { DataType as D } from '../../ir/dtype.js';
import type { Editor } from '../../ir/edit/edit.js';
import { tensorValue, toTensor } from '../../ir/ops/tensor-value.js';
import type { Model, Node, Tensor, Type, ValueId } from '../../ir/types.js';
import { usesOf } from '../../ir/uses.js';
import { definePass, type PassContext } from '../../src/pass.js';
import type { RecordSink, TensorRecord } from '../../src/quantize/records.js';
import { forEachQuantizable, nameAllocator, warnOutsideMain } from '../../src/quantize/weights.js';
import { dequantizeInt4Blocks, quantizeInt4Blocks, type Int4Blocks } from './blocks.js';

export interface QuantizeInt4WeightOptions {
  /** Rows of K per block: 32, 64 or 128 (default 32). */
  readonly block: number;
  /** `qdq` (DequantizeLinear-21, default) or `msft` (com.microsoft MatMulNBits). */
  readonly format: 'qdq' | 'msft';
  /** No zero points (codes −8…7 × scale); default false: a zero point per block. */
  readonly symmetric: boolean;
  /** Receives a record per quantized weight (library use: `quantize()`'s report; not settable in pipeline text). */
  readonly record?: RecordSink;
}

const MS = 'com.microsoft';

export const quantizeInt4Weight = definePass<QuantizeInt4WeightOptions>({
  name: 'quantize-int4-weight',
  summary: 'Blockwise 4-bit weight-only quantization of constant MatMul weights: DequantizeLinear with block_size (opset 21, format=qdq) or com.microsoft MatMulNBits (format=msft).',
  defaults: { block: 32, format: 'qdq', symmetric: false },
  run(model, ctx, o) {
    if (![32, 64, 128].includes(o.block)) throw new LatheError(`quantize-int4-weight: block must be 32, 64 or 128, not ${String(o.block)}`);
    if (o.format !== 'qdq' && o.format !== 'msft') throw new LatheError(`quantize-int4-weight: format must be qdq or msft, not '${String(o.format)}'`);
    const opset = model.opsets.find((x) => x.domain === '')?.version;
    if (opset === undefined) return model;
    if (o.format === 'qdq' && opset < 21) {
      ctx.log.warn(`quantize-int4-weight: format=qdq needs opset 21 (DequantizeLinear block_size, int4); the model imports opset ${opset}: left unchanged (format=msft works at any opset in onnxruntime)`);
      return model;
    }
    const msOpset = model.opsets.find((x) => x.domain === MS)?.version;
    if (o.format === 'msft' && msOpset !== undefined && msOpset < 1) return model;
    warnOutsideMain(model, 'quantize-int4-weight', ['MatMul'], (m) => ctx.log.warn(m), 'functions');
    const out = rewrite(model, o, ctx);
    if (out === model || o.format !== 'msft' || msOpset !== undefined) return out;
    return { ...out, opsets: [...out.opsets, { domain: MS, version: 1 }] };
  },
});

/**
 * The constant float32 2-D tensor `v` names, seen from the graph `e` edits: an initializer (not
 * also a graph input, which a caller may override) or a Constant node, of this graph or of an
 * enclosing one (a body reading the outer graph's weight); else undefined. Structural: no payload
 * is decoded here, so planning a 3 GB model holds no weight in memory.
 */
function constantWeight(e: Editor, v: ValueId): Tensor | undefined {
  let t: Tensor | undefined;
  const val = e.value(v);
  if (val ? e.isInitializer(v) && !e.isGraphInput(v) : false) t = val!.tensor;
  else if (!val) t = e.outerTensor(v);
  if (!t) {
    const p = e.producer(v);
    const a = p?.node.op === 'Constant' && p.node.domain === '' && p.node.attrs.length === 1 ? p.node.attrs[0] : undefined;
    if (a?.kind === 'tensor' && a.name === 'value') t = a.value;
  }
  return t && t.dtype === D.FLOAT && t.dims.length === 2 && t.data.kind !== 'none' ? t : undefined;
}

/** The MatMuls of the graph `e` edits that read a quantizable weight, in graph order. */
function targetsIn(e: Editor, types: ReadonlyMap<ValueId, Type>, o: QuantizeInt4WeightOptions): Node[] {
  const out: Node[] = [];
  for (const n of e.nodes({ op: 'MatMul', domain: '' })) {
    if (!n.inputs[0] || !n.inputs[1]) continue;
    const w = constantWeight(e, n.inputs[1]);
    if (!w || w.dims[0] < 16) continue;
    const a = types.get(n.inputs[0]) ?? e.value(n.inputs[0])?.type;
    if (a?.kind !== 'tensor' || a.dtype !== D.FLOAT) continue;
    if (o.format === 'msft' && (a.shape === undefined || a.shape.length < 2)) continue;
    out.push(n);
  }
  return out;
}

/** A quantized weight's initializers, in the graph that owns the float one. */
interface Stored {
  readonly inputs: ValueId[];
  readonly K: number;
  readonly N: number;
}

/**
 * Three sweeps, as quantize-int8-dynamic makes them: find the MatMuls of every graph (the main
 * graph and the If/Loop/Scan bodies under it); store each weight a body reads from an enclosing
 * graph once, quantized, in the graph that owns it (two branches reading one weight share one
 * int4 copy); rewrite the MatMuls, a weight of the graph itself stored there. The float weights
 * of the main graph go here; those of bodies are left to eliminate-dead-code (the quantize
 * command runs it).
 */
function rewrite(model: Model, o: QuantizeInt4WeightOptions, ctx: PassContext): Model {
  const types = ctx.analyses.get(model, 'types').types;
  const captured = new Set<ValueId>();
  let found = 0;
  forEachQuantizable(model, (e) => {
    for (const n of targetsIn(e, types, o)) {
      found++;
      if (e.value(n.inputs[1]!) === undefined) captured.add(n.inputs[1]!);
    }
  });
  if (found === 0) {
    // Say why, rather than report "0 weights": Gemm is the usual reason (a Gemm-only MLP).
    const g = model.graph;
    const gemms = g.order.filter((id) => g.nodes[id]!.op === 'Gemm' && g.nodes[id]!.domain === '').length;
    ctx.log.warn(`quantize-int4-weight: no MatMul reads a constant float32 [K, N] weight with K ≥ 16: nothing quantized${gemms > 0 ? ` (the ${gemms} Gemm weight${gemms === 1 ? ' is' : 's are'} left float: int4 covers MatMul, as onnxruntime's MatMulNBits does)` : ''}`);
    return model;
  }
  const fresh = nameAllocator(model);
  const store = (e: Editor, wid: ValueId): Stored => {
    const t = constantWeight(e, wid)!;
    const [K, N] = t.dims as [number, number];
    const label = e.value(wid)?.name ?? wid;
    const data = tensorValue(t, label).data as Float32Array;
    const q = quantizeInt4Blocks(data, K, N, o.block, o.symmetric);
    o.record?.(int4Record(label, o.format === 'msft' ? 'MatMulNBits' : 'MatMul', data, q, o.symmetric));
    ctx.stats.count('weights');
    ctx.stats.count('weight-elements', K * N);
    const name = (suffix: string) => fresh(`${label}${suffix}`);
    return { inputs: o.format === 'qdq' ? qdqInitializers(e, q, o.symmetric, name) : msftInitializers(e, q, o.symmetric, name), K, N };
  };
  const stored = new Map<ValueId, Stored>();
  let out = captured.size === 0 ? model : forEachQuantizable(model, (e) => {
    for (const w of captured) if (e.value(w) !== undefined && !stored.has(w)) stored.set(w, store(e, w));
  });
  const replaced = new Set<ValueId>();
  out = forEachQuantizable(out, (e) => {
    const local = new Map<ValueId, Stored>();
    const dequantized = new Map<ValueId, ValueId>(); // one DequantizeLinear per weight and graph
    for (const n of targetsIn(e, types, o)) {
      const wid = n.inputs[1]!;
      let w = stored.get(wid) ?? local.get(wid);
      if (!w) local.set(wid, (w = store(e, wid)));
      replaced.add(wid);
      if (o.format === 'qdq') {
        let dq = dequantized.get(wid);
        if (!dq) {
          [dq] = e.add('DequantizeLinear', w.inputs, { axis: 0n, block_size: BigInt(o.block) }, { before: n.id, types: [{ kind: 'tensor', dtype: D.FLOAT, shape: [w.K, w.N] }] });
          dequantized.set(wid, dq!);
        }
        e.setInput(n.id, 1, dq!);
      } else {
        const y = n.outputs[0]!;
        const outType = types.get(y) ?? e.value(y)?.type;
        const [ny] = e.add('MatMulNBits', [n.inputs[0], ...w.inputs], {
          K: BigInt(w.K), N: BigInt(w.N), bits: 4n, block_size: BigInt(o.block),
        }, { domain: MS, before: n.id, ...(outType ? { types: [outType as Type] } : {}), ...(n.name ? { name: n.name } : {}) });
        const name = e.value(y)?.name;
        if (name !== undefined) {
          e.setValue(y, { name: undefined });
          e.setValue(ny!, { name });
        }
        e.replaceAllUses(y, ny!);
        e.remove(n.id);
      }
      ctx.stats.count('matmuls');
    }
  });
  return dropUnused(out, replaced);
}

/** The report's row for a blockwise weight: the spread of its scales and zero points, and the error dequantizing brings. */
function int4Record(name: string, op: string, w: Float32Array, q: Int4Blocks, symmetric: boolean): TensorRecord {
  const back = dequantizeInt4Blocks(q);
  let maxAbs = 0, num = 0, den = 0;
  for (let i = 0; i < w.length; i++) {
    const d = Math.abs(w[i] - back[i]);
    if (d > maxAbs) maxAbs = d;
    num += d * d;
    den += w[i] * w[i];
  }
  let sLo = Infinity, sHi = -Infinity, zLo = Infinity, zHi = -Infinity;
  for (let i = 0; i < q.scales.length; i++) {
    sLo = Math.min(sLo, q.scales[i]);
    sHi = Math.max(sHi, q.scales[i]);
    const z = symmetric ? 0 : q.zeros[i];
    zLo = Math.min(zLo, z);
    zHi = Math.max(zHi, z);
  }
  return {
    name, kind: 'weight', op, dtype: symmetric ? 'int4' : 'uint4', axis: 0, blockSize: q.block,
    scale: [sLo, sHi], zeroPoint: [zLo, zHi], maxAbsError: maxAbs, relL2Error: den === 0 ? 0 : Math.sqrt(num / den),
  };
}

/** DequantizeLinear's inputs for the float32 K×N weight: the int4 weight, scale [blocks, N], zero point. */
function qdqInitializers(e: Editor, q: Int4Blocks, symmetric: boolean, name: (suffix: string) => string): ValueId[] {
  const { K, N, blocks } = q;
  const codes = symmetric ? Int8Array.from(q.codes, (c) => c - 8) : q.codes;
  const wq = e.addInitializer(toTensor({ kind: 'tensor', dtype: symmetric ? D.INT4 : D.UINT4, dims: [K, N], data: codes }), name('_int4'));
  const scale = new Float32Array(blocks * N);
  const zero = new Uint8Array(blocks * N);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      scale[b * N + n] = q.scales[n * blocks + b];
      zero[b * N + n] = q.zeros[n * blocks + b];
    }
  }
  const s = e.addInitializer(toTensor({ kind: 'tensor', dtype: D.FLOAT, dims: [blocks, N], data: scale }), name('_scale'));
  const inputs: ValueId[] = [wq, s];
  if (!symmetric) inputs.push(e.addInitializer(toTensor({ kind: 'tensor', dtype: D.UINT4, dims: [blocks, N], data: zero }), name('_zero_point')));
  return inputs;
}

/** MatMulNBits' B, scales and (asymmetric) zero points, packed as its spec says. */
function msftInitializers(e: Editor, q: Int4Blocks, symmetric: boolean, name: (suffix: string) => string): ValueId[] {
  const { K, N, blocks, block } = q;
  const blob = block / 2;
  const packed = new Uint8Array(N * blocks * blob);
  for (let n = 0; n < N; n++) {
    for (let b = 0; b < blocks; b++) {
      const zero = q.zeros[n * blocks + b];
      for (let j = 0; j < blob; j++) {
        const k = b * block + 2 * j;
        // Rows past K (a partial last block) hold the zero point: they dequantize to 0.
        const lo = k < K ? q.codes[k * N + n] : zero;
        const hi = k + 1 < K ? q.codes[(k + 1) * N + n] : zero;
        packed[(n * blocks + b) * blob + j] = lo | (hi << 4);
      }
    }
  }
  const bv = e.addInitializer({ dtype: D.UINT8, dims: [N, blocks, blob], data: { kind: 'raw', bytes: packed } }, name('_Q4'));
  const s = e.addInitializer(toTensor({ kind: 'tensor', dtype: D.FLOAT, dims: [N, blocks], data: q.scales }), name('_scales'));
  if (symmetric) return [bv, s];
  const zb = Math.ceil(blocks / 2);
  const zp = new Uint8Array(N * zb);
  for (let n = 0; n < N; n++) for (let b = 0; b < blocks; b++) zp[n * zb + (b >> 1)] |= q.zeros[n * blocks + b] << ((b & 1) * 4);
  return [bv, s, e.addInitializer({ dtype: D.UINT8, dims: [N, zb], data: { kind: 'raw', bytes: zp } }, name('_zero_points'))];
}

/** The float32 weights nothing reads any more (initializers, Constant nodes) removed. */
function dropUnused(model: Model, ids: ReadonlySet<ValueId>): Model {
  const g = model.graph;
  const uses = usesOf(g);
  const dead = [...ids].filter((v) => (uses.get(v) ?? []).length === 0);
  if (dead.length === 0) return model;
  const values = { ...g.values };
  const nodes = { ...g.nodes };
  const deadNodes = new Set<string>();
  for (const v of dead) {
    const def = values[v]?.def;
    if (def) {
      const n = nodes[def.node];
      if (n && n.outputs.every((x) => x === null || ids.has(x))) {
        delete nodes[def.node];
        deadNodes.add(def.node);
      } else continue;
    }
    delete values[v];
  }
  const gone = new Set(dead.filter((v) => !(v in values)));
  return {
    ...model,
    graph: {
      ...g,
      values,
      nodes,
      order: deadNodes.size ? g.order.filter((id) => !deadNodes.has(id)) : g.order,
      initializers: g.initializers.filter((v) => !gone.has(v)),
    },
  };
}
