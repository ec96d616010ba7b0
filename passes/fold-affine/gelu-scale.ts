/**
 * Gelu's constant factors moved into the linear layers around it, for opsets without a Gelu op
 * (below 20; from 20 on, fuse makes the written-out form one Gelu):
 *   MatMul(½·x·(1 + erf(x/√2)), W2) = MatMul(u·(1 + erf(u)), W2/√2)    u = x/√2
 * since ½·x = ½·√2·u = u/√2, and with x = MatMul(h, W1) + b1, u = MatMul(h, W1/√2) + b1/√2.
 * Two elementwise passes over the wide hidden layer go (the division by √2 and the product by ½),
 * Erf, Add and Mul remain: about 1% of a BERT encoder's run in onnxruntime without its optimizer.
 * Float products are reassociated: equal within rounding.
 *
 * Conditions: x comes from a MatMul by a constant weight (plus a constant bias) that nothing else
 * reads, x feeds only the Gelu's two uses of it, W2 is read only here (a scaled copy of a shared
 * weight would grow the model), and all of one float dtype.
 */
import type { Node, ValueId } from '../../ir/types.js';
import { P, fail, op, rule, type Fail, type GraphView, type Rule } from '../../src/pattern/index.js';
import { geluErfPattern } from '../fuse/rules/activation.js';
import { FLOATS, cast, lazilyScaled, scalar64, scaleBy } from './tensor-math.js';

/** The layer below x: MatMul(h, W1) (+ b1), its weight and bias read only there. */
interface Linear {
  readonly h: ValueId;
  readonly w1: ValueId;
  readonly b1?: ValueId;
}

// 1/√2 rounded to float32: a float32 weight times it is one float32 rounding, which a weight still
// in its file gets lazily (tensor-math lazilyScaled), when the model is written.
const INV_SQRT2 = scalar64(Math.fround(Math.SQRT1_2));

/** Whether `v` is a constant of `dtype` read by one node only. */
const ownConstant = (view: GraphView, v: ValueId | null | undefined, dtype: number): v is ValueId =>
  !!v && view.isConstant(v) && view.useCount(v) === 1 && view.dtype(v) === dtype;

/** MatMul(h, W1) with W1 a constant only it reads, producing `v` for `v` alone. */
function matmulOf(view: GraphView, v: ValueId, dtype: number): Node | undefined {
  const p = view.producer(v);
  if (!p || p.node.op !== 'MatMul' || p.node.domain !== '' || view.useCount(v) !== 1 || view.isGraphOutput(v)) return undefined;
  return ownConstant(view, p.node.inputs[1], dtype) ? p.node : undefined;
}

function linearBelow(view: GraphView, x: ValueId, dtype: number): Linear | Fail {
  const p = view.producer(x);
  if (!p || p.index !== 0 || p.node.domain !== '') return fail('x does not come from a linear layer', x);
  const n = p.node;
  if (n.op === 'MatMul') {
    return ownConstant(view, n.inputs[1], dtype) ? { h: n.inputs[0] as ValueId, w1: n.inputs[1] as ValueId } : fail('the layer below has no constant weight of its own', x);
  }
  if (n.op !== 'Add') return fail('x does not come from MatMul or MatMul + bias', x);
  for (const side of [0, 1]) {
    const mm = matmulOf(view, n.inputs[side] as ValueId, dtype);
    const b = n.inputs[1 - side] as ValueId;
    // The bias may be shared (exporters' zero biases, merged by dedupe): its scaled copy is small.
    if (mm && view.isConstant(b) && view.dtype(b) === dtype) return { h: mm.inputs[0] as ValueId, w1: mm.inputs[1] as ValueId, b1: b };
  }
  return fail('x is not MatMul(h, W1) + b1 with W1 and b1 constant and W1 read only there', x);
}

const geluScale = rule(
  'gelu-erf-scale-into-weights',
  op.MatMul(geluErfPattern, P.constVar('w2')),
  (m, emit, d: Linear & { dtype: number }) => {
    const view = emit.view;
    const scaled = (v: ValueId) => emit.constant(lazilyScaled(view.storedTensor(v), INV_SQRT2) ?? scaleBy(view.constant(v)!, INV_SQRT2, d.dtype));
    let u = emit.op('MatMul', [d.h, scaled(d.w1)]);
    if (d.b1 !== undefined) u = emit.op('Add', [u, scaled(d.b1)]);
    const t = emit.op('Add', [emit.op('Erf', [u]), emit.constant(cast(scalar64(1), d.dtype))]);
    return emit.op('MatMul', [emit.op('Mul', [u, t]), scaled(m.w2.id)]);
  },
  {
    check: (m, g) => {
      if (g.opset >= 20) return fail('the opset has Gelu: fuse makes the written-out form one op');
      // The weights' dtype (declared on every initializer) is x's: MatMul and Add keep their inputs' type.
      const dtype = g.view.dtype(m.w2.id);
      if (dtype === undefined || !FLOATS.has(dtype)) return fail('W2 is not of a float type', m.w2.id);
      if (g.view.useCount(m.w2.id) !== 1) return fail('W2 is read elsewhere: scaling it would copy it', m.w2.id);
      if (g.view.useCount(m.x) !== 2 || g.view.isGraphOutput(m.x)) return fail('x is read outside the Gelu', m.x);
      const l = linearBelow(g.view, m.x, dtype);
      return 'kind' in l ? l : { ...l, dtype };
    },
  },
);

export const geluScaleRules: readonly Rule[] = [geluScale];
