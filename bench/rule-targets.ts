/**
 * lathe's own rewrite rules as checkPass targets: each rule alone as a pass, and the generator
 * options that plant it (`around`), with help where a rule demands in its check what its pattern
 * cannot say. Shared by the rule property tests (test/testing/rules-around.test.ts) and
 * `npm run fuzz`.
 */
import { affineRules } from '../passes/fold-affine/rules.js';
import { fuseRules } from '../passes/fuse/rules/index.js';
import { simplifyAlgebraRules } from '../passes/simplify-algebra/simplify-algebra.js';
import { targetRules } from '../passes/simplify-shapes/targets.js';
import { op, P, rewritePass, type Rule } from '../src/pattern/index.js';
import type { PassFactory } from '../src/pass.js';
import type { ArbModelOptions, CheckPassOptions, Plantable, PlantFn } from '../src/testing.js';
import { element, type Val } from '../src/testing/build-context.js';
import type { Dim, ValueId } from '../ir/types.js';

/** Rule families by the pass that runs them; `infer`: the pass runs shape inference first. */
export const RULE_FAMILIES: readonly { readonly pass: string; readonly rules: readonly Rule[]; readonly infer: boolean }[] = [
  { pass: 'fuse', rules: fuseRules, infer: true },
  { pass: 'simplify-algebra', rules: simplifyAlgebraRules, infer: false },
  { pass: 'fold-affine', rules: affineRules, infer: false },
  { pass: 'simplify-shapes', rules: targetRules, infer: true },
];

const [x, y, z] = P.vars('x', 'y', 'z');
/** Ops valid at opset 12 (Squeeze/Unsqueeze axes are attributes there). */
const OPSET12_OPS = ['Relu', 'Neg', 'Add', 'Mul', 'Transpose', 'Sigmoid', 'Identity', 'MatMul'];

/** A projection: MatMul by a constant weight, with or without a constant bias. */
const linear = P.or(op.MatMul(x, P.const()), op.Add(op.MatMul(x, P.const()), P.const()));

/** Self-attention on one 4-D value (Q = K = V), so batch, heads and lengths agree by construction. */
function selfAttention(scale: 'mul' | 'div' | 'none', masked: boolean): Plantable {
  const scores = () => op.MatMul(x, op.Transpose(x, { perm: [0n, 1n, 3n, 2n] }));
  const qk = scores();
  const scaled = scale === 'mul' ? op.Mul(qk, P.const(0.125)) : scale === 'div' ? op.Div(qk, P.const(8)) : qk;
  // The mask: a second product of the same shape as the scores (a constant would need static dims).
  return op.MatMul(op.Softmax(masked ? op.Add(scaled, scores()) : scaled, { axis: -1n }), x);
}

/** A float value of rank 1–4 whose dim on some axis (picked by `b`) is a known size of at least 2, and that axis. */
function splittable(ctx: Parameters<PlantFn>[0], step: Parameters<PlantFn>[1]): { v: Val; axis: number; d: number } | undefined {
  const v = ctx.pick(step.a, (c) => c.dtype === 1 && c.shape.length >= 1 && c.shape.length <= 4 && c.shape.some((d) => typeof d === 'number' && d >= 2));
  if (!v) return undefined;
  const axes = v.shape.flatMap((d, i) => (typeof d === 'number' && d >= 2 ? [i] : []));
  const axis = axes[step.b % axes.length];
  return { v, axis, d: v.shape[axis] as number };
}

/** Concat of a Split's two parts: in order (fires), or swapped (a near miss that must not). */
const concatOfSplit: PlantFn = (ctx, step) => {
  const s = splittable(ctx, step);
  if (!s) return false;
  const { v, axis, d } = s;
  const first = Math.ceil(d / 2);
  const shapes = [first, d - first].map((n) => v.shape.map((x, i) => (i === axis ? n : x)));
  const sizes = ctx.constant(7, [2], [BigInt(first), BigInt(d - first)]);
  const parts = ctx.builder.ops('Split', [v.id, sizes], { axis: BigInt(axis - v.shape.length) }, { outputs: 2, types: shapes.map((sh) => ctx.type(1, sh)) }) as ValueId[];
  const swapped = step.k % 3 === 2; // the parts swapped still concatenate to x's shape
  const out = ctx.builder.op('Concat', swapped ? [parts[1], parts[0]] : parts, { axis: BigInt(axis) }, { types: [ctx.type(1, v.shape)] });
  ctx.push(out, 1, v.shape);
  return true;
};

/** Concat of two unit-step Slices that tile an axis (fires), or that leave a gap (must not). */
const concatOfSlices: PlantFn = (ctx, step) => {
  const s = splittable(ctx, step);
  if (!s) return false;
  const { v, axis, d } = s;
  const cut = 1 + (step.k % (d - 1));
  const gap = step.k % 3 === 2 && cut + 1 < d ? 1 : 0;
  const c = (n: number | bigint) => ctx.constant(7, [1], [BigInt(n)]);
  const ax = c(axis);
  const lo = ctx.builder.op('Slice', [v.id, c(0), c(cut), ax], undefined, { types: [ctx.type(1, v.shape.map((x, i) => (i === axis ? cut : x)))] });
  const hi = ctx.builder.op('Slice', [v.id, c(cut + gap), c(9223372036854775807n), ax], undefined, { types: [ctx.type(1, v.shape.map((x, i) => (i === axis ? d - cut - gap : x)))] });
  const shape = v.shape.map((x, i) => (i === axis ? d - gap : x));
  ctx.push(ctx.builder.op('Concat', [lo, hi], { axis: BigInt(axis) }, { types: [ctx.type(1, shape)] }), 1, shape);
  return true;
};

/** Reshape(Flatten(x), [-1]) (fires), or with the target [0, -1] that copies a flattened dim (must not). */
const reshapeOfFlatten: PlantFn = (ctx, step) => {
  const v = ctx.pick(step.a, (c) => c.dtype === 1 && c.shape.length >= 2 && c.shape.every((d) => typeof d === 'number'));
  if (!v) return false;
  const dims = v.shape as readonly number[];
  const k = 1 + (step.b % (dims.length - 1));
  const rows = dims.slice(0, k).reduce((a, b) => a * b, 1), cols = dims.slice(k).reduce((a, b) => a * b, 1);
  const f = ctx.builder.op('Flatten', [v.id], { axis: BigInt(k) }, { types: [ctx.type(1, [rows, cols])] });
  const copy = step.k % 3 === 2;
  const target = ctx.constant(7, [copy ? 2 : 1], copy ? [0n, -1n] : [-1n]);
  const shape = copy ? [rows, cols] : [rows * cols];
  ctx.push(ctx.builder.op('Reshape', [f, target], undefined, { types: [ctx.type(1, shape)] }), 1, shape);
  return true;
};

/**
 * A linear layer on x [d0, d1, K] done flattened, GPT-2 style: Reshape(Gemm(Reshape(x, [-1, K]),
 * W, c), Concat(Gather(Shape(x), [0, 1]), [N])) (fires), or near misses: the leading dims
 * gathered swapped, W transposed by transB (must not fire unless the swap is an identity).
 */
const flattenedLinear: PlantFn = (ctx, step) => {
  const v = ctx.pick(step.a, (c) => c.dtype === 1 && c.shape.length === 3 && typeof c.shape[2] === 'number');
  if (!v) return false;
  const K = v.shape[2] as number, N = 1 + (step.b % 3);
  const miss = step.k % 4;
  const c = (dims: number[], k: number) => ctx.constant(1, dims, Array.from({ length: dims.reduce((p, d) => p * d, 1) }, (_, i) => element(1, k, i)));
  const i64 = (xs: number[]) => ctx.constant(7, [xs.length], xs.map(BigInt));
  const { builder: b } = ctx;
  const flat = b.op('Reshape', [v.id, i64([-1, K])], undefined, { types: [ctx.type(1, [null, K])] });
  const transB = miss === 3;
  const m = b.op('Gemm', [flat, c(transB ? [N, K] : [K, N], step.b), c([N], step.b + 1)], transB ? { transB: 1n } : undefined, { types: [ctx.type(1, [null, N])] });
  const lead = miss === 2 ? [1, 0] : [0, 1];
  const dims = b.op('Gather', [b.op('Shape', [v.id], undefined, { types: [ctx.type(7, [3])] }), i64(lead)], { axis: 0n }, { types: [ctx.type(7, [2])] });
  const target = b.op('Concat', [dims, i64([N])], { axis: 0n }, { types: [ctx.type(7, [3])] });
  // Declared as it is: a 0 in the target copies the Gemm's dim, so when both leading dims can be 0
  // ([N, N, K] at N = 0) the second one comes out as the feature count, not 0.
  const [d0, d1] = [v.shape[lead[0]], v.shape[lead[1]]];
  const positive = (d: Dim) => typeof d === 'number' && d > 0;
  const shape = [d0, positive(d0) || positive(d1) ? d1 : null, N];
  ctx.push(b.op('Reshape', [m, target], undefined, { types: [ctx.type(1, shape)] }), 1, shape);
  return true;
};

/**
 * torch.split as the dynamo exporter writes it: SequenceAt(SplitToSequence(x, …), p), by the knob
 * with a 1-D split (int64, or int32 rewritten as int64), a scalar chunk size, or no split (parts
 * of length 1, kept or squeezed), one or two readers at positions counted from either end; the
 * near miss gives the sequence a SequenceLength reader too (must not fire).
 */
const sequenceAtSplit: PlantFn = (ctx, step) => {
  const s = splittable(ctx, step);
  if (!s) return false;
  const { v, axis, d } = s;
  const { builder: b } = ctx;
  const form = step.k % 6;
  const at = (n: number) => v.shape.map((x, i) => (i === axis ? n : x));
  let parts: readonly (readonly Dim[])[];
  let inputs: (ValueId | null)[] = [v.id];
  let attrs: Record<string, bigint> = { axis: BigInt(axis - (step.b % 2 ? v.shape.length : 0)) };
  if (form <= 1 || form === 5) {
    const first = Math.ceil(d / 2);
    parts = [at(first), at(d - first)];
    inputs = [v.id, ctx.constant(form === 1 ? 6 : 7, [2], form === 1 ? [first, d - first] : [BigInt(first), BigInt(d - first)])];
  } else if (form === 2) {
    const k = Math.max(1, Math.floor(d / 2));
    parts = Array.from({ length: Math.ceil(d / k) }, (_, i) => at(Math.min(k, d - i * k)));
    inputs = [v.id, ctx.constant(7, [], [BigInt(k)])];
  } else {
    const keep = form === 3;
    parts = Array.from({ length: d }, () => (keep ? at(1) : v.shape.filter((_, i) => i !== axis)));
    if (!keep) attrs = { ...attrs, keepdims: 0n };
  }
  const elem = ctx.type(1, parts[0].map((x, i) => (parts.every((q) => q[i] === x) ? x : null)));
  const seq = b.op('SplitToSequence', inputs, attrs, { types: [{ kind: 'sequence', elem }] });
  const read = (p: number) => {
    const shape = parts[p < 0 ? p + parts.length : p];
    ctx.push(b.op('SequenceAt', [seq, ctx.constant(7, [], [BigInt(p)])], undefined, { types: [ctx.type(1, shape)] }), 1, shape);
  };
  read(step.b % 2 ? -1 : 0);
  if (parts.length > 1 && step.b % 3 === 0) read(1);
  if (form === 5) ctx.push(b.op('SequenceLength', [seq], undefined, { types: [ctx.type(7, [])] }), 7, []);
  return true;
};

/**
 * torch's bmm as the dynamo exporter writes it: Reshape(MatMul(Reshape(a, [B, m, k]), Reshape(w,
 * [B, k, n])), [β, m, n]) on a of static shape [β, m, k] (rank 3 or 4) and a constant w; the near
 * miss restores a different grouping of the batch dims, or merges the last two (must not fire
 * unless the grouping is the same).
 */
const reshapeMatmulReshape: PlantFn = (ctx, step) => {
  const v = ctx.pick(step.a, (c) => c.dtype === 1 && (c.shape.length === 3 || c.shape.length === 4) && c.shape.every((x) => typeof x === 'number' && x >= 1));
  if (!v) return false;
  const dims = v.shape as readonly number[];
  const beta = dims.slice(0, -2), [m, k] = dims.slice(-2), n = 1 + (step.b % 3);
  const B = beta.reduce((p, x) => p * x, 1);
  const { builder: b } = ctx;
  const i64 = (xs: readonly number[]) => ctx.constant(7, [xs.length], xs.map(BigInt));
  const wDims = [...beta, k, n];
  const w = ctx.constant(1, wDims, Array.from({ length: wDims.reduce((p, x) => p * x, 1) }, (_, i) => element(1, step.k, i)));
  // rank 4 flattens [b, h] to b·h; rank 3 adds a unit dim in front.
  const inner = beta.length === 2 ? [B] : [1, B];
  const ra = b.op('Reshape', [v.id, i64([...inner, m, k])], undefined, { types: [ctx.type(1, [...inner, m, k])] });
  const rb = b.op('Reshape', [w, i64([...inner, k, n])], undefined, { types: [ctx.type(1, [...inner, k, n])] });
  const mm = b.op('MatMul', [ra, rb], undefined, { types: [ctx.type(1, [...inner, m, n])] });
  const miss = step.k % 4;
  const outer = miss === 0 ? [...beta, m * n] : miss === 1 && beta.length === 2 ? [beta[1], beta[0], m, n] : [...beta, m, n];
  ctx.push(b.op('Reshape', [mm, i64(outer)], undefined, { types: [ctx.type(1, outer)] }), 1, outer);
  return true;
};

/** Generator options per rule, where the rule's own pattern is not enough. */
const HELP: Readonly<Record<string, Omit<ArbModelOptions, 'around'> & { around?: Plantable }>> = {
  // γ and β must be constants of exactly the normalized dims: the written-out composite plants them.
  'layer-norm': { ops: ['LayerNorm', 'Add', 'Mul', 'Relu'] },
  'layer-norm-no-bias': { ops: ['LayerNorm', 'Add', 'Mul', 'Relu'] },
  'rms-norm': { ops: ['LayerNorm', 'Add', 'Mul', 'Relu'] },
  // The attribute forms of Squeeze/Unsqueeze exist below opset 13 only.
  'unsqueeze-unsqueeze-attr': { opset: 12, ops: OPSET12_OPS },
  'unsqueeze-squeeze-attr': { opset: 12, ops: OPSET12_OPS },
  'squeeze-unsqueeze-attr': { opset: 12, ops: OPSET12_OPS },
  'unsqueeze-reshape-attr': { opset: 12, ops: OPSET12_OPS },
  // Integers only (float addition does not associate): cast the anchor to int64 first.
  'add-const-add-const': { around: op.Add(op.Add(op.Cast(x, { to: 7n }), P.const()), P.const()) },
  // The rule takes any Concat and looks for a Concat among its inputs in its check.
  'concat-concat': { around: P.or(op.Concat(x, op.Concat(y, z, { axis: 0n }), { axis: 0n }), op.Concat(op.Concat(x, y, { axis: -1n }), z, { axis: -1n })) },
  // The check looks for a constant-weight MatMul (with or without a bias) below one operand.
  'matmul-scale-into-weights': { around: op.Mul(op.MatMul(linear, y), P.const(0.125)) },
  'matmul-divide-into-weights': { around: op.Div(op.MatMul(linear, y), P.const(8)) },
  // Q, Kᵀ and V must share batch and head dims.
  attention: { around: selfAttention('none', false) },
  'attention-masked': { around: selfAttention('none', true) },
  'attention-mul': { around: selfAttention('mul', false) },
  'attention-mul-masked': { around: selfAttention('mul', true) },
  'attention-div': { around: selfAttention('div', false) },
  'attention-div-masked': { around: selfAttention('div', true) },
  // Round trips: the rules match any Concat or Reshape and look at the producers in their checks.
  'concat-split': { around: concatOfSplit },
  'concat-slices': { around: concatOfSlices },
  'reshape-flatten': { around: reshapeOfFlatten },
  // Sequences and batch-regrouping Reshape pairs: the generator makes neither.
  'sequence-at-split': { around: sequenceAtSplit },
  'reshape-matmul-reshape': { around: reshapeMatmulReshape },
  // The check looks below x for a constant-weight MatMul: plant the Gelu between two linear layers.
  // The check needs a Reshape pair around Gemm that flattens and restores x's leading dims.
  'reshape-gemm-reshape-to-matmul': { around: flattenedLinear },
  // Only a pool counting its pads takes a Pad (the near miss flips it), and only pads smaller than
  // its kernel (onnxruntime refuses more): plant kernels of 3 beside the generator's 1 and 2.
  'pad-into-average-pool': { around: P.or(op.AveragePool(op.Pad(x, P.rest()), { count_include_pad: 1n }), op.AveragePool(op.Pad(x, P.rest()), { count_include_pad: 1n, kernel_shape: [3n, 3n] })) },
  // Computed targets: the Shape-computing composites.
  'reshape-computed-target': { ops: ['FlattenByShape', 'Reshape', 'Relu', 'Add'] },
  'expand-computed-target': { ops: ['ExpandLike', 'Expand', 'Relu', 'Add'] },
};

/** arbModel options that plant `rule` (and the help it needs). */
export function ruleGenerateOptions(rule: Rule): ArbModelOptions {
  const help = HELP[rule.name] ?? {};
  return { ...help, around: help.around ? [rule, help.around] : rule };
}

/**
 * checkPass options per rule beside the generator's. matmul-const-chain reassociates products,
 * which is not exact with infinities in the input (inf·0 terms become NaN on one side only):
 * its property test feeds finite values (npm run fuzz does not, and reports it); so does
 * mul-reciprocal's, whose x·(1/y) is infinite for a subnormal y where x/y is not.
 */
const CHECK: Readonly<Record<string, Pick<CheckPassOptions, 'feedOptions'>>> = {
  'matmul-const-chain': { feedOptions: { specialFloats: false } },
  // x·(1/y) overflows for a subnormal y where x/y does not (rules.ts says so): finite values only.
  'mul-reciprocal': { feedOptions: { specialFloats: false } },
};

/** checkPass options (beside `generate`) for `rule`'s property test. */
export function ruleCheckOptions(rule: Rule): Pick<CheckPassOptions, 'feedOptions'> {
  return CHECK[rule.name] ?? {};
}

/** `rule` alone as a pass (stats count its rewrites as `one/rule/NAME`). */
export function rulePass(rule: Rule, infer: boolean): PassFactory {
  return rewritePass({ name: 'one', summary: `only ${rule.name}`, rules: [rule], infer });
}
