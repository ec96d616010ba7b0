/**
 * Affine folding: BatchNormalization (inference mode), and Mul/Add by per-channel constants, after
 * a Conv, ConvTranspose, Gemm or MatMul with a constant weight, folded into that weight and bias.
 * With s = scale / sqrt(var + epsilon) per output channel c:
 *   BN(Conv(x, W, B)) = Conv(x, W·s[c], (B − mean)·s + bias)
 *   Conv(x, W, B) · k[c] = Conv(x, W·k[c], B·k)      Conv(x, W, B) + k[c] = Conv(x, W, B + k)
 * and likewise along the output-channel axis of Gemm's and MatMul's weight. A per-channel Mul/Add
 * after a BatchNormalization goes into its scale and bias (BN(x)·k + k' = BN(x; scale·k, bias·k + k')).
 * Statistics are combined in float64, the results cast to the weight's dtype once.
 */
import type { TensorValue } from '../../ir/ops/types.js';
import { evalOpTensor } from '../../ir/eval/op.js';
import { LatheError } from '../../ir/error.js';
import { batchNormTraining } from '../../ir/ops/nn/norm.js';
import type { Attr, Node, ValueId } from '../../ir/types.js';
import { P, fail, op, rule, type ConstBinding, type Fail, type GraphView, type MatchContext, type Rule } from '../../src/pattern/index.js';
import { FLOATS, add, allFinite, along, cast, div, f64, lazilyScaled, mul, perChannel, scalar64, scaleBy, size, sqrt, sub } from './tensor-math.js';

const [x] = P.vars('x');
const attr = (n: Node, name: string): Attr | undefined => n.attrs.find((a) => a.name === name);
const intAttr = (n: Node, name: string, dflt: number): number => {
  const a = attr(n, name);
  return a?.kind === 'int' ? Number(a.value) : dflt;
};
const floatAttr = (n: Node, name: string, dflt: number): number => {
  const a = attr(n, name);
  return a?.kind === 'float' ? a.value : dflt;
};

/** How a producer's weight maps to output channels. */
interface Layer {
  /** The weight as it is and its value id. */
  readonly w: ConstBinding;
  /** The weight's dtype and dims (from its metadata: `w.tensor` reads the payload). */
  readonly dtype: number;
  readonly dims: readonly number[];
  /** The bias, when the producer has one (a constant), as stored. */
  readonly b?: TensorValue;
  /** The axis of the weight that indexes output channels. */
  readonly wAxis: number;
  readonly channels: number;
  /** Rank of the producer's output (undefined: unknown) and its channel axis. */
  readonly outRank: number | undefined;
  readonly outAxis: number;
}

/** Reads Conv/ConvTranspose/Gemm/MatMul at `node` as a Layer, or says why not. */
/**
 * A bias that is constant, or computed from constants by one small filling op (an exporter's
 * `Expand(0, [C])` zero bias that folding left alone because the result is bigger than its
 * inputs): the new bias replaces it either way.
 */
function biasValue(view: GraphView, v: ValueId, opset: number): TensorValue | undefined {
  const c = view.constant(v);
  if (c) return c;
  const p = view.producer(v);
  if (!p || p.index !== 0 || p.node.domain !== '' || !FILLS.has(p.node.op)) return undefined;
  const inputs = p.node.inputs.map((i) => (i === null ? null : view.constant(i)));
  if (inputs.some((t) => t === undefined)) return undefined;
  try {
    return evalOpTensor(p.node.op, inputs as (TensorValue | null)[], p.node.attrs, { opset });
  } catch (e) {
    if (e instanceof LatheError) return undefined;
    throw e;
  }
}

const FILLS = new Set(['Expand', 'ConstantOfShape', 'Tile', 'Cast', 'Identity']);

function layerOf(node: Node, w: ConstBinding, view: GraphView, opset: number): Layer | Fail {
  // The weight's dtype and dims from its metadata: its elements are read only once a fold is sure.
  const dt = view.dtype(w.id);
  const dims = view.shape(w.id);
  if (dt === undefined || !FLOATS.has(dt)) return fail('the weight is not a float tensor');
  if (!dims || !dims.every((d): d is number => typeof d === 'number')) return fail('the weight dims are unknown');
  if (view.useCount(w.id) > 1) return fail('the weight is shared with another node (folding would copy it)');
  const biasId = node.inputs[2] ?? null;
  let b: TensorValue | undefined;
  if (biasId !== null) {
    b = biasValue(view, biasId, opset);
    if (!b) return fail('the bias is not constant');
    if (b.dtype !== dt) return fail('bias and weight dtypes differ');
  }
  const meta = { dtype: dt, dims: dims as number[] };
  const base = { w, ...meta, ...(b && { b }) };
  switch (node.op) {
    case 'Conv':
      return { ...base, wAxis: 0, channels: meta.dims[0], outRank: meta.dims.length, outAxis: 1 };
    case 'ConvTranspose': {
      if (intAttr(node, 'group', 1) !== 1) return fail('ConvTranspose with group > 1 (channels interleave across groups)');
      return { ...base, wAxis: 1, channels: meta.dims[1], outRank: meta.dims.length, outAxis: 1 };
    }
    case 'Gemm': {
      if (meta.dims.length !== 2) return fail('the Gemm weight is not 2-D');
      const transB = intAttr(node, 'transB', 0) === 1;
      return { ...base, wAxis: transB ? 0 : 1, channels: meta.dims[transB ? 0 : 1], outRank: 2, outAxis: 1 };
    }
    case 'MatMul': {
      if (meta.dims.length !== 2) return fail('the MatMul weight is not 2-D');
      // MatMul's output has x's rank (at least 1); its channels are the last axis.
      const r = view.shape(node.inputs[0] as ValueId)?.length;
      return { ...base, wAxis: 1, channels: meta.dims[1], outRank: r, outAxis: r === undefined ? -1 : r - 1 };
    }
    default:
      return fail(`${node.op} has no weight to fold into`);
  }
}

/** What the rewrite builds: the producer again with a new weight (or the old one) and bias. */
interface Folded {
  readonly node: Node;
  readonly w: TensorValue | ValueId;
  readonly b?: TensorValue;
}

/** W · k along the output-channel axis, in W's dtype. */
const scaleWeight = (l: Layer, k: TensorValue): TensorValue => cast(mul(f64(l.w.tensor), f64(along(k, l.dims.length, l.wAxis))), l.dtype);

function rebuild(emit: Parameters<Parameters<typeof rule>[2]>[1], f: Folded, x: ValueId): ValueId {
  const n = f.node;
  const w = typeof f.w === 'string' ? f.w : emit.constant(f.w);
  const b = f.b && emit.constant(f.b);
  if (n.op === 'MatMul') {
    const y = emit.op('MatMul', [x, w]);
    return b ? emit.op('Add', [y, b]) : y;
  }
  return emit.op(n.op, b ? [x, w, b] : [x, w], n.attrs);
}

const finite = (f: Folded): Folded | Fail =>
  (typeof f.w === 'string' || allFinite(f.w)) && (!f.b || allFinite(f.b)) ? f : fail('the folded constants are not finite');

/** The channel vector of a BatchNormalization's statistics, or why they do not fit. */
function bnScale(bn: Node, l: Layer, m: { scale: ConstBinding; bias: ConstBinding; mean: ConstBinding; var: ConstBinding }): { s: TensorValue; shift: TensorValue } | Fail {
  if (intAttr(bn, 'spatial', 1) !== 1) return fail('BatchNormalization with spatial = 0 (statistics per element)');
  const stats = [m.scale, m.bias, m.mean, m.var].map((c) => c.tensor);
  if (stats.some((t) => !FLOATS.has(t.dtype) || t.dims.length !== 1 || size(t) !== l.channels)) return fail('statistics are not float vectors of one value per channel');
  const [scale, bias, mean, variance] = stats.map(f64);
  const s = div(scale, sqrt(add(variance, scalar64(floatAttr(bn, 'epsilon', 1e-5)))));
  return { s, shift: sub(bias, mul(mean, s)) };
}

/** BN(layer(x)) → layer'(x). */
function bnRule(producer: 'Conv' | 'ConvTranspose' | 'Gemm' | 'MatMul'): Rule {
  const inner = op[producer](x, P.constVar('w'), P.rest()).as('layer');
  return rule(
    `${producer.toLowerCase()}-batchnorm`,
    op.BatchNormalization(inner, P.constVar('scale'), P.constVar('bias'), P.constVar('mean'), P.constVar('var')).as('bn'),
    (m, emit, f: Folded) => rebuild(emit, f, m.x),
    {
      check: (m, g) => {
        const bn = m.bn;
        // Before opset 14 the statistics outputs, read or not, put the node in training mode.
        if (batchNormTraining(bn, g.opset)) return fail('BatchNormalization in training mode (training_mode = 1, or before opset 14 its statistics outputs)');
        if (bn.outputs.slice(1).some((v) => v !== null && g.view.useCount(v) > 0)) return fail('BatchNormalization statistics outputs are used');
        const l = layerOf(m.layer, m.w, g.view, g.opset);
        if ('kind' in l) return l;
        if (l.outAxis !== 1) return fail('the output is not known to have its channels on axis 1, where BatchNormalization normalizes');
        // beta·C' must absorb the shift: only beta = 1 keeps that exact.
        if (producer === 'Gemm' && floatAttr(m.layer, 'beta', 1) !== 1) return fail('Gemm with beta other than 1');
        const st = bnScale(bn, l, m);
        if ('kind' in st) return st;
        // (B − mean)·s + bias = B·s + (bias − mean·s); B (a Conv bias [C], a Gemm C) broadcasts against s [C] from the right.
        const b = l.b ? add(mul(f64(l.b), st.s), st.shift) : st.shift;
        return finite({ node: m.layer, w: scaleWeight(l, st.s), b: cast(b, l.dtype) });
      },
    },
  );
}

/** layer(x) · k or layer(x) + k, k per output channel. */
function channelRule(producer: 'Conv' | 'ConvTranspose' | 'Gemm' | 'MatMul', kind: 'Mul' | 'Add'): Rule {
  const inner = op[producer](x, P.constVar('w'), P.rest()).as('layer');
  return rule(
    `${producer.toLowerCase()}-${kind.toLowerCase()}`,
    op[kind](inner, P.constVar('k')),
    (m, emit, f: Folded) => rebuild(emit, f, m.x),
    {
      check: (m, g: MatchContext) => {
        const l = layerOf(m.layer, m.w, g.view, g.opset);
        if ('kind' in l) return l;
        // The constant's dtype and dims first, from its metadata: only a fitting one is read.
        if (g.view.dtype(m.k.id) !== l.dtype) return fail('the constant and the weight have different dtypes');
        const kDims = g.view.shape(m.k.id);
        if (!kDims || kDims.length > (l.outRank ?? 1) || kDims.filter((d) => d !== 1).length > 1) return fail('the constant is not one value per output channel (it would broadcast the output)');
        const k = m.k.tensor;
        // A MatMul of unknown rank may be 1-D: then only a vector or a scalar keeps its shape.
        const vec = l.outRank === undefined ? perChannel(k, 1, 0, l.channels) : perChannel(k, l.outRank, l.outAxis, l.channels);
        if (!vec) return fail('the constant is not one value per output channel (it would broadcast the output)');
        const dt = l.dtype;
        // Biases (a Conv bias [C], a Gemm C) broadcast against the channel vector from the right.
        if (kind === 'Mul') {
          const b = l.b && cast(mul(f64(l.b), f64(vec)), dt);
          return finite({ node: m.layer, w: scaleWeight(l, vec), ...(b && { b }) });
        }
        if (producer === 'MatMul') return fail('MatMul has no bias to add to (fusion makes it a Gemm)');
        // beta·C' = beta·C + k needs beta = 1 to stay exact.
        if (producer === 'Gemm' && floatAttr(m.layer, 'beta', 1) !== 1) return fail('Gemm with beta other than 1');
        const b = cast(l.b ? add(f64(l.b), f64(vec)) : vec, dt);
        return finite({ node: m.layer, w: m.w.id, b });
      },
    },
  );
}

/**
 * BN(x) + k = BN(x; bias + k) and BN(x) · k = BN(x; scale · k, bias · k), k per channel (axis 1)
 * or a scalar: BN in inference mode is scale·x̂ + bias per channel, so a per-channel affine after
 * it composes into its own scale and bias (reassociated, as the weight folds above are). An
 * exporter's `BN(..) + 0` (FastViT's reparameterizable branches) goes whole. The BN's input need
 * not come from a layer with weights: a BN after a sum of two Convs stays a BN.
 */
function bnChannelRule(kind: 'Mul' | 'Add'): Rule {
  const bn = op.BatchNormalization(x, P.constVar('scale'), P.constVar('bias'), P.var('mean'), P.var('var')).as('bn');
  return rule(
    `batchnorm-${kind.toLowerCase()}`,
    op[kind](bn, P.constVar('k')),
    (m, emit, d: { scale?: TensorValue; bias: TensorValue }) =>
      emit.op('BatchNormalization', [m.x, d.scale ? emit.constant(d.scale) : m.scale.id, emit.constant(d.bias), m.mean, m.var], m.bn.attrs),
    {
      check: (m, g) => {
        // The rewrite writes Y alone, which before opset 14 is inference mode: never for a
        // training-mode BN (its statistics outputs, read or not, before opset 14).
        if (batchNormTraining(m.bn, g.opset)) return fail('BatchNormalization in training mode (training_mode = 1, or before opset 14 its statistics outputs)');
        if (intAttr(m.bn, 'spatial', 1) !== 1) return fail('BatchNormalization with spatial = 0 (statistics per element)');
        if (m.bn.outputs.slice(1).some((v) => v !== null && g.view.useCount(v) > 0)) return fail('BatchNormalization statistics outputs are used');
        // The normalized values have x's dtype and shape.
        const dt = g.view.dtype(m.x);
        if (dt === undefined || !FLOATS.has(dt) || g.view.dtype(m.k.id) !== dt) return fail('the constant is not of the normalized values\' float dtype');
        const rank = g.view.shape(m.x)?.length;
        if (rank === undefined || rank < 2) return fail('the rank of the normalized values is unknown');
        const [scale, bias] = [m.scale.tensor, m.bias.tensor];
        if (![scale, bias].every((t) => FLOATS.has(t.dtype) && t.dims.length === 1 && size(t) === size(scale))) return fail('scale and bias are not float vectors of one value per channel');
        const kDims = g.view.shape(m.k.id);
        // A constant of higher rank, or varying along another axis, broadcasts the output.
        if (!kDims || kDims.length > rank) return fail('the constant has more dims than the normalized values (it broadcasts them)');
        const vec = perChannel(m.k.tensor, rank, 1, size(scale));
        if (!vec) return fail('the constant is not one value per channel (axis 1)');
        const k = f64(vec);
        const out = kind === 'Add'
          ? { bias: cast(add(f64(bias), k), bias.dtype) }
          : { scale: cast(mul(f64(scale), k), scale.dtype), bias: cast(mul(f64(bias), k), bias.dtype) };
        return [out.bias, out.scale].every((t) => !t || allFinite(t)) ? out : fail('the folded constants are not finite');
      },
    },
  );
}

const producers = ['Conv', 'ConvTranspose', 'Gemm', 'MatMul'] as const;

/** Ops that move or regroup elements without arithmetic: a scalar factor passes through them. */
const LAYOUT = new Set(['Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Flatten', 'Identity']);

interface ScaledLinear {
  /** Which MatMul operand leads to the linear layer. */
  readonly side: 0 | 1;
  /** Layout nodes from the linear layer up to the MatMul operand (in graph order). */
  readonly chain: readonly Node[];
  readonly matmul: Node;
  readonly add?: Node;
  readonly w: ValueId;
  readonly b?: ValueId;
}

/** From `v` down through single-use layout nodes to Add(MatMul(x, W), b) or MatMul(x, W) with constant W (and b). */
function linearBelow(view: GraphView, v: ValueId): Omit<ScaledLinear, 'side'> | undefined {
  const chain: Node[] = [];
  let at = v;
  for (let depth = 0; depth < 8; depth++) {
    const p = view.producer(at);
    if (!p || p.index !== 0 || view.useCount(at) !== 1 || view.isGraphOutput(at)) return undefined;
    const n = p.node;
    if (n.domain === '' && LAYOUT.has(n.op)) {
      chain.unshift(n);
      at = n.inputs[0] as ValueId;
      continue;
    }
    let add: Node | undefined;
    let mm = n;
    let b: ValueId | undefined;
    if (n.op === 'Add' && n.domain === '') {
      const [l, r] = n.inputs as ValueId[];
      const side = [l, r].find((u) => view.producer(u)?.node.op === 'MatMul' && view.useCount(u) === 1);
      const other = side === l ? r : l;
      if (!side || !view.isConstant(other)) return undefined;
      add = n;
      b = other;
      mm = view.producer(side)!.node;
    }
    if (mm.op !== 'MatMul' || mm.domain !== '') return undefined;
    const w = mm.inputs[1] as ValueId;
    // W must be this layer's own (a scaled copy of a shared weight would grow the file); a shared
    // bias (exporters' zero biases, merged by dedupe) is fine: the scaled one is new and small.
    if (!view.isConstant(w) || view.useCount(w) !== 1) return undefined;
    return { chain, matmul: mm, ...(add && { add }), w, ...(b !== undefined && { b }) };
  }
  return undefined;
}

/**
 * MatMul(A, B) · c = MatMul(A', B) with c a scalar and A = layout(MatMul(x, W) + b): the factor goes
 * into W and b (an attention score scale into the query projection); MatMul(A, B) / c likewise with
 * 1/c. Layout ops move elements without arithmetic, so the scale passes through them; float
 * products are reassociated (exact for powers of two, as attention scales of 1/8 are).
 */
function scalarIntoWeights(kind: 'Mul' | 'Div'): Rule {
  return rule(
    kind === 'Mul' ? 'matmul-scale-into-weights' : 'matmul-divide-into-weights',
    op[kind](op.MatMul(P.var('a'), P.var('b')).as('mm'), P.constVar('c')),
    (m, emit, d: ScaledLinear & { factor: TensorValue }) => {
      const view = emit.view;
      const scale = (v: ValueId) => emit.constant(lazilyScaled(view.storedTensor(v), d.factor) ?? scaleBy(view.constant(v)!, d.factor, view.dtype(v)!));
      let y = emit.op('MatMul', [d.matmul.inputs[0], scale(d.w)]);
      if (d.add && d.b !== undefined) y = emit.op('Add', [y, scale(d.b)]);
      for (const n of d.chain) y = emit.op(n.op, [y, ...n.inputs.slice(1)], n.attrs);
      const inputs = [...m.mm.inputs];
      inputs[d.side] = y;
      return emit.op('MatMul', inputs);
    },
    {
      check: (m, g) => {
        const c = m.c.tensor;
        if (c.data.length !== 1 || !FLOATS.has(c.dtype)) return fail('the factor is not one float');
        // A factor of more dims than the product ([1,1,1,1] times a [B,3,3] score) broadcasts it
        // to its rank: without the Mul the output would lose those leading 1s. (A product has
        // one dim at least.)
        if (c.dims.length > (g.view.shape(m.mm.outputs[0] as ValueId)?.length ?? 1)) return fail('the factor has more dims than the product (it broadcasts it)');
        const factor = kind === 'Mul' ? f64(c) : div(scalar64(1), f64(c));
        if (!allFinite(factor)) return fail('the factor is not finite');
        for (const side of [0, 1] as const) {
          const found = linearBelow(g.view, side === 0 ? m.a : m.b);
          if (found && g.view.dtype(found.w) === c.dtype) return { ...found, side, factor };
        }
        return fail('no operand comes from a constant-weight MatMul through layout ops alone');
      },
    },
  );
}

export const affineRules: readonly Rule[] = [
  scalarIntoWeights('Mul'),
  scalarIntoWeights('Div'),
  ...producers.map(bnRule),
  ...producers.map((p) => channelRule(p, 'Mul')),
  ...producers.filter((p) => p !== 'MatMul').map((p) => channelRule(p, 'Add')),
  bnChannelRule('Mul'),
  bnChannelRule('Add'),
];
