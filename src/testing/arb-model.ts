/**
 * `arbModel(options)`: a fast-check arbitrary of valid, typed models, valid by construction.
 *
 * A draw is a spec (inputs, then steps) that a deterministic builder turns into a Model. Every
 * step names an op, operands as small integers and a "knob" (a natural number its attributes are
 * derived from). An operand index picks, among the values available so far that the op accepts
 * (by dtype and shape), the one that many places back from the most recent: so every draw is a
 * valid DAG, chains form often (index 0 = the last value), and a step that finds nothing it can
 * take is simply skipped. Shrinking (fast-check's own) moves towards fewer steps, operand 0,
 * knob 0 (the simplest attributes), the first op of the list, smaller dims and the first dtype
 * (float32) — and every shrunk spec still builds a valid model.
 *
 * Types are tracked exactly: each value carries its dtype and shape (static dims, the symbolic
 * dim 'N' of inputs, or null for a dim the builder does not know), and ops that need static dims
 * (Conv kernels, Split, Slice …) only take values whose dims are static there.
 */
import fc from 'fast-check';
import { float } from '../../ir/attrs.js';
import { DataType as D } from '../../ir/dtype.js';
import { GraphBuilder, modelOf, tensorType } from '../../ir/edit/build.js';
import type { Attr, Graph, Model, NodeId, OnnxFunction, Type, ValueId } from '../../ir/types.js';
import { minOpsetOf, plantGenerators, PLANT, type Plantable } from './plant.js';
import { element, permutation, tensorOf, type BuildContext, type Dim, type Feature, type Val } from './build-context.js';

export type { BuildContext, Dim, Feature, Val } from './build-context.js';



/** The dtypes the generator knows. */
export const DTYPES = { float32: D.FLOAT, float16: D.FLOAT16, int64: D.INT64, bool: D.BOOL } as const;
export type DtypeName = keyof typeof DTYPES;

/** One step of a spec. `then`/`else` hold the bodies of If (and `then` the body of Loop). */
export interface Step {
  readonly op: string;
  readonly a: number;
  readonly b: number;
  readonly k: number;
  readonly then?: readonly Step[];
  readonly else?: readonly Step[];
}

export interface InputSpec {
  readonly dtype: number;
  readonly dims: readonly number[];
  /** Make the first dim the symbol 'N'. */
  readonly symbolic: boolean;
}

export interface ModelSpec {
  readonly inputs: readonly InputSpec[];
  readonly steps: readonly Step[];
  /** Extra graph outputs (operands into the node outputs). */
  readonly outputs: readonly number[];
}


/** A user op generator: `build` adds nodes for one step (or returns false to skip it). */
export interface OpGenerator {
  readonly name: string;
  build(ctx: BuildContext, step: { a: number; b: number; k: number }): boolean;
}


export interface ArbModelOptions {
  /** Ops to draw from (default: every built-in op of the enabled features). */
  readonly ops?: readonly string[];
  /** Most steps in the main graph (default 8). */
  readonly maxNodes?: number;
  /** Most graph inputs (default 3). */
  readonly maxInputs?: number;
  /** Largest static dim (default 3). */
  readonly maxDim?: number;
  /** Dtypes of inputs and values (default all four; float32 is always kept: most ops need a float). */
  readonly dtypes?: readonly DtypeName[];
  /** Features to turn off (default all on). */
  readonly features?: Partial<Record<Feature, boolean>>;
  /** Extra op generators, drawn like the built-in ops. */
  readonly generators?: readonly OpGenerator[];
  /** The ONNX opset of the model (default 17; with `around`, at least the rules' `minOpset`). */
  readonly opset?: number;
  /**
   * Patterns to plant (see plant.ts): a rewrite rule's pattern or the rule itself (a concrete
   * subgraph is derived from it), or a planting function for what derivation cannot do. Every
   * draw then holds at least one planted step — the pattern or one of its near misses — inside
   * random context.
   */
  readonly around?: Plantable | readonly Plantable[];
}

const DEFAULT_OPSET = 17;

/** The model's opset: the option, else 17 raised to what planted rules need. */
export function opsetOf(options: ArbModelOptions): number {
  return options.opset ?? Math.max(DEFAULT_OPSET, minOpsetOf(options.around) ?? 0);
}

const isFloat = (v: Val) => v.dtype === D.FLOAT || v.dtype === D.FLOAT16;
const isF32 = (v: Val) => v.dtype === D.FLOAT;
const isNumeric = (v: Val) => v.dtype !== D.BOOL;
const staticDims = (s: readonly Dim[]): s is readonly number[] => s.every((d) => typeof d === 'number');

/** Broadcast of two dims, or undefined when they may not broadcast. */
function bdim(x: Dim, y: Dim): Dim | undefined {
  if (x === 1) return y;
  if (y === 1) return x;
  if (x !== null && x === y) return x;
  return undefined;
}

/** Numpy broadcast of two shapes, or undefined. */
export function broadcast(a: readonly Dim[], b: readonly Dim[]): Dim[] | undefined {
  const r = Math.max(a.length, b.length);
  const out: Dim[] = [];
  for (let i = 0; i < r; i++) {
    // Missing leading dims are 1; a null (unknown) dim stays null (not `?? 1`: null is a dim here).
    const ia = a.length - r + i;
    const ib = b.length - r + i;
    const x = ia >= 0 ? a[ia] : 1;
    const y = ib >= 0 ? b[ib] : 1;
    const d = bdim(x, y);
    if (d === undefined) return undefined;
    out.push(d);
  }
  return out;
}

const sameShape = (a: readonly Dim[], b: readonly Dim[]) => a.length === b.length && a.every((d, i) => d !== null && d === b[i]);



const FN_DOMAIN = 'lathe.testing';

/** The local function `lathe.testing.ScaledLeaky(X) <alpha>`: LeakyRelu(X * alpha, alpha). */
function scaledLeaky(root: GraphBuilder, opset: number): OnnxFunction {
  // Ids are model-wide: the body takes them from the main graph's allocator.
  const b = root.subgraph('ScaledLeaky');
  const x = b.input('X');
  const ref = (name: string): Attr => ({ name, kind: 'ref', ref: 'alpha', type: 'float' } as Attr);
  const c = b.op('Constant', [], [ref('value_float')]);
  const m = b.op('Mul', [x, c]);
  const y = b.op('LeakyRelu', [m], [ref('alpha')]);
  b.output(y, 'Y');
  return { name: 'ScaledLeaky', domain: FN_DOMAIN, params: ['alpha'], paramDefaults: [], opsets: [{ domain: '', version: opset }], graph: b.build() };
}

/** What every context of one model shares. */
interface Root {
  cond?: ValueId;
  usesFunction: boolean;
  rootBuilder: GraphBuilder;
  counter: number;
  readonly opset: number;
  /** Values made graph outputs by `output` (planted near misses). */
  readonly outputs: Val[];
}

type Builtin = (c: Ctx, s: { readonly a: number; readonly b: number; readonly k: number }) => boolean;

class Ctx implements BuildContext {
  readonly avail: Val[];
  usesFunction = false;
  constructor(
    readonly builder: GraphBuilder,
    avail: readonly Val[],
    readonly dtypes: readonly number[],
    readonly features: Readonly<Record<Feature, boolean>>,
    readonly generators: ReadonlyMap<string, OpGenerator>,
    readonly root: Root,
  ) {
    this.avail = [...avail];
  }
  get opset(): number {
    return this.root.opset;
  }
  output(v: Val): boolean {
    if (this.builder !== this.root.rootBuilder) return false;
    if (!this.root.outputs.includes(v)) this.root.outputs.push(v);
    return true;
  }
  /** When set, `pick` returns it (if accepted) whatever the index: Siblings reuses an operand. */
  pinned?: Val;
  pick(i: number, accept: (v: Val) => boolean): Val | undefined {
    if (this.pinned && accept(this.pinned)) return this.pinned;
    const c = this.avail.filter(accept);
    return c.length === 0 ? undefined : c[c.length - 1 - (i % c.length)];
  }
  push(id: ValueId, dtype: number, shape: readonly Dim[]): Val {
    const v = { id, dtype, shape: [...shape] };
    this.avail.push(v);
    return v;
  }
  type(dtype: number, shape: readonly Dim[]): Type {
    return tensorType(dtype, shape);
  }
  constant(dtype: number, dims: readonly number[], data: readonly (number | bigint | boolean)[], k = 0): ValueId {
    const t = tensorOf(dtype, dims, data);
    const asNode = this.features.constants && (!this.features.initializers || k % 2 === 1);
    if (asNode) return this.builder.op('Constant', [], { value: t }, { types: [tensorType(dtype, dims)] });
    return this.root.rootBuilder.initializer(`c${this.root.counter++}`, t);
  }
  /** The last single-output node `node()` made (for Dup), and the last step's inverse (for Undo). */
  last?: { op: string; inputs: readonly (ValueId | null)[]; attrs: Parameters<GraphBuilder['op']>[2]; dtype: number; shape: readonly Dim[]; domain?: string };
  undo?: (c: Ctx, k: number) => boolean;
  /** One output node typed `dtype`/`shape`, made available. */
  node(op: string, inputs: readonly (ValueId | null)[], attrs: Parameters<GraphBuilder['op']>[2], dtype: number, shape: readonly Dim[], domain?: string): Val {
    const id = this.builder.op(op, inputs, attrs, { types: [tensorType(dtype, shape)], ...(domain ? { domain } : {}) });
    this.last = { op, inputs, attrs, dtype, shape, ...(domain ? { domain } : {}) };
    return this.push(id, dtype, shape);
  }
  ints(values: readonly number[], k = 0): ValueId {
    return this.constant(D.INT64, [values.length], values.map(BigInt), k);
  }
}

const unaryFloat = (op: string): Builtin => (c, s) => {
  const a = c.pick(s.a, isFloat);
  if (!a) return false;
  c.node(op, [a.id], undefined, a.dtype, a.shape);
  return true;
};

const unaryAny = (op: string, accept: (v: Val) => boolean): Builtin => (c, s) => {
  const a = c.pick(s.a, accept);
  if (!a) return false;
  c.node(op, [a.id], undefined, a.dtype, a.shape);
  return true;
};

const binary = (op: string, accept: (v: Val) => boolean, result?: number): Builtin => (c, s) => {
  const a = c.pick(s.a, accept);
  if (!a) return false;
  // A third of the time the other operand is a fresh constant (what folding and algebra rules need).
  const constant = ((s.k >> 1) & 3) === 0 && (c.features.initializers || c.features.constants);
  const b = constant ? constOperand(c, a, s.k >> 3) : c.pick(s.b, (v) => v.dtype === a.dtype && broadcast(a.shape, v.shape) !== undefined);
  if (!b) return false;
  const swap = s.k % 2 === 1;
  const [x, y] = swap ? [b, a] : [a, b];
  c.node(op, [x.id, y.id], undefined, result ?? a.dtype, broadcast(x.shape, y.shape)!);
  return true;
};

/** A constant broadcasting against `a`: a scalar, a vector along a's last (static) dim, or a's own (static) shape. */
function constOperand(c: Ctx, a: Val, k: number): Val {
  const last = a.shape[a.shape.length - 1];
  const options: number[][] = [[]];
  if (typeof last === 'number') options.push([last]);
  if (staticDims(a.shape) && a.shape.length > 0) options.push([...a.shape]);
  const dims = options[k % options.length];
  const n = dims.reduce((x, y) => x * y, 1);
  // A quarter of the constants are all one value of 0, 1, -0 or -1: what no-op rules look for.
  const neutral = ((k >> 2) & 3) === 0 ? pickOf<number | bigint>(k >> 4, a.dtype === D.INT64 ? [0n, 1n, -1n] : [0, 1, -0, -1]) : undefined;
  const id = c.constant(a.dtype, dims, Array.from({ length: n }, (_, i) => neutral ?? element(a.dtype, k >> 2, i)), k >> 1);
  return { id, dtype: a.dtype, shape: dims };
}

/** Attribute sets chosen by the knob. */
const pickOf = <T>(k: number, xs: readonly T[]): T => xs[k % xs.length];



const builtins: Record<string, Builtin> = {
  Relu: unaryFloat('Relu'),
  Neg: unaryAny('Neg', isNumeric),
  Abs: unaryAny('Abs', isNumeric),
  Identity: unaryAny('Identity', () => true),
  Sigmoid: unaryFloat('Sigmoid'),
  Tanh: unaryFloat('Tanh'),
  Exp: unaryFloat('Exp'),
  Sqrt: unaryFloat('Sqrt'),
  Reciprocal: unaryFloat('Reciprocal'),
  Erf: unaryFloat('Erf'),
  Softplus: unaryFloat('Softplus'),
  Not: unaryAny('Not', (v) => v.dtype === D.BOOL),
  Add: binary('Add', isNumeric),
  Sub: binary('Sub', isNumeric),
  Mul: binary('Mul', isNumeric),
  Div: binary('Div', isFloat),
  Max: binary('Max', isNumeric),
  Min: binary('Min', isNumeric),
  Pow: binary('Pow', isFloat),
  Less: binary('Less', isNumeric, D.BOOL),
  Greater: binary('Greater', isNumeric, D.BOOL),
  Equal: binary('Equal', (v) => true, D.BOOL),
  And: binary('And', (v) => v.dtype === D.BOOL),
  Or: binary('Or', (v) => v.dtype === D.BOOL),
  LeakyRelu: (c, s) => {
    const a = c.pick(s.a, isFloat);
    if (!a) return false;
    c.node('LeakyRelu', [a.id], { alpha: float(pickOf(s.k, [0.01, 0.1, 0.2, 0.5])) }, a.dtype, a.shape);
    return true;
  },
  Softmax: (c, s) => {
    const a = c.pick(s.a, (v) => isFloat(v) && v.shape.length >= 1);
    if (!a) return false;
    const r = a.shape.length;
    c.node('Softmax', [a.id], { axis: BigInt((s.k % (2 * r)) - r) }, a.dtype, a.shape);
    return true;
  },
  Where: (c, s) => {
    const cond = c.pick(s.k, (v) => v.dtype === D.BOOL);
    const a = c.pick(s.a, isNumeric); // onnxruntime's CPU Where has no bool kernel
    if (!cond || !a) return false;
    const b = c.pick(s.b, (v) => v.dtype === a.dtype && broadcast(a.shape, v.shape) !== undefined && broadcast(cond.shape, broadcast(a.shape, v.shape)!) !== undefined);
    if (!b) return false;
    c.node('Where', [cond.id, a.id, b.id], undefined, a.dtype, broadcast(cond.shape, broadcast(a.shape, b.shape)!)!);
    return true;
  },
  MatMul: (c, s) => {
    const a = c.pick(s.a, (v) => isFloat(v) && v.shape.length >= 1 && v.shape.length <= 3);
    if (!a) return false;
    const k = a.shape[a.shape.length - 1];
    const b = c.pick(s.b, (v) => v.dtype === a.dtype && v.shape.length === 2 && v.shape[0] !== null && v.shape[0] === k && v !== a);
    let bid: ValueId;
    let n: Dim;
    if (b && s.k % 3 === 2) [bid, n] = [b.id, b.shape[1]];
    else {
      if (typeof k !== 'number') return false;
      n = 1 + (s.k % 3);
      bid = c.constant(a.dtype, [k, n], Array.from({ length: k * n }, (_, i) => element(a.dtype, s.k, i)), s.k >> 2);
    }
    const shape = a.shape.length === 1 ? [n] : [...a.shape.slice(0, -1), n];
    c.node('MatMul', [a.id, bid], undefined, a.dtype, shape);
    return true;
  },
  Gemm: (c, s) => {
    const a = c.pick(s.a, (v) => isFloat(v) && v.shape.length === 2);
    if (!a) return false;
    const transA = s.k & 1;
    const transB = (s.k >> 1) & 1;
    const [m, kk] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
    if (typeof kk !== 'number') return false;
    const n = 1 + ((s.k >> 2) % 3);
    const w = c.constant(a.dtype, transB ? [n, kk] : [kk, n], Array.from({ length: n * kk }, (_, i) => element(a.dtype, s.k, i)), s.b);
    const withC = ((s.k >> 4) & 1) === 0;
    const inputs = [a.id, w];
    if (withC) inputs.push(c.constant(a.dtype, [n], Array.from({ length: n }, (_, i) => element(a.dtype, s.k + 7, i)), s.b >> 1));
    const alpha = pickOf(s.k >> 5, [1, 0.5, 2]);
    const beta = pickOf(s.k >> 7, [1, 0.5, -1]);
    c.node('Gemm', inputs, { alpha: float(alpha), beta: float(beta), transA: BigInt(transA), transB: BigInt(transB) }, a.dtype, [m, n]);
    return true;
  },
  Conv: (c, s) => {
    const a = c.pick(s.a, (v) => isF32(v) && v.shape.length === 4 && staticDims(v.shape.slice(1)) && (v.shape[2] as number) >= 1 && (v.shape[3] as number) >= 1);
    if (!a) return false;
    const [, ch, h, w] = a.shape as [Dim, number, number, number];
    const kh = 1 + (s.k % Math.min(3, h));
    const kw = 1 + ((s.k >> 2) % Math.min(3, w));
    const pad = (s.k >> 4) & 1;
    const stride = 1 + ((s.k >> 5) & 1);
    const m = 1 + ((s.k >> 6) % 2);
    const wt = c.constant(D.FLOAT, [m, ch, kh, kw], Array.from({ length: m * ch * kh * kw }, (_, i) => element(D.FLOAT, s.k, i)), s.b);
    const inputs = [a.id, wt];
    if ((s.k >> 7) & 1) inputs.push(c.constant(D.FLOAT, [m], Array.from({ length: m }, (_, i) => element(D.FLOAT, s.k + 3, i)), s.b >> 1));
    const oh = Math.floor((h + 2 * pad - kh) / stride) + 1;
    const ow = Math.floor((w + 2 * pad - kw) / stride) + 1;
    c.node('Conv', inputs, { kernel_shape: [BigInt(kh), BigInt(kw)], pads: [pad, pad, pad, pad].map(BigInt), strides: [BigInt(stride), BigInt(stride)] }, D.FLOAT, [a.shape[0], m, oh, ow]);
    return true;
  },
  MaxPool: pool('MaxPool'),
  AveragePool: pool('AveragePool'),
  GlobalAveragePool: (c, s) => {
    const a = c.pick(s.a, (v) => isF32(v) && v.shape.length === 4 && typeof v.shape[2] === 'number' && (v.shape[2] as number) >= 1 && typeof v.shape[3] === 'number' && (v.shape[3] as number) >= 1);
    if (!a) return false;
    c.node('GlobalAveragePool', [a.id], undefined, D.FLOAT, [a.shape[0], a.shape[1], 1, 1]);
    return true;
  },
  BatchNormalization: (c, s) => {
    const a = c.pick(s.a, (v) => isF32(v) && v.shape.length >= 2 && typeof v.shape[1] === 'number' && (v.shape[1] as number) >= 1);
    if (!a) return false;
    const ch = a.shape[1] as number;
    const vec = (off: number, positive: boolean) =>
      c.constant(D.FLOAT, [ch], Array.from({ length: ch }, (_, i) => (positive ? 0.5 + Math.abs(Number(element(D.FLOAT, s.k + off, i))) : element(D.FLOAT, s.k + off, i))), s.b + off);
    const inputs = [a.id, vec(1, false), vec(2, false), vec(3, false), vec(4, true)];
    c.node('BatchNormalization', inputs, { epsilon: float(pickOf(s.k, [1e-5, 1e-3, 0.1])) }, D.FLOAT, a.shape);
    return true;
  },
  ReduceSum: reduce('ReduceSum', true),
  ReduceMean: reduce('ReduceMean', false),
  ReduceMax: reduce('ReduceMax', false),
  Reshape: (c, s) => {
    const a = c.pick(s.a, (v) => v.shape.length >= 1);
    if (!a) return false;
    const r = a.shape.length;
    const variant = s.k % 4;
    if (variant === 3 && staticDims(a.shape)) {
      // Literal sizes, reversed: a later Reshape's 0 then copies a dim that moved.
      const target = [...a.shape].reverse();
      c.node('Reshape', [a.id, c.ints(target, s.b)], undefined, a.dtype, target);
    } else if (variant === 0 || r < 2) {
      const n = staticDims(a.shape) ? a.shape.reduce((x, y) => x * y, 1) : null;
      c.node('Reshape', [a.id, c.ints([-1], s.b)], undefined, a.dtype, [n]);
    } else if (variant === 1) {
      const rest = a.shape.slice(1);
      const n = staticDims(rest) ? (rest as number[]).reduce((x, y) => x * y, 1) : null;
      c.node('Reshape', [a.id, c.ints([0, -1], s.b)], undefined, a.dtype, [a.shape[0], n]);
    } else {
      // Insert a 1 (0 copies the dim at that position).
      const at = s.b % (r + 1);
      const target = [...a.shape.map((d, i) => (typeof d === 'number' ? d : i < at ? 0 : -1)), ];
      if (target.filter((d) => d === -1).length > 1 || target.slice(at).includes(0)) return false;
      target.splice(at, 0, 1);
      const shape = [...a.shape];
      shape.splice(at, 0, 1);
      c.node('Reshape', [a.id, c.ints(target, s.b)], undefined, a.dtype, shape);
    }
    return true;
  },
  Transpose: (c, s) => {
    const a = c.pick(s.a, (v) => v.shape.length >= 1);
    if (!a) return false;
    const perm = permutation(a.shape.length, s.k);
    const y = c.node('Transpose', [a.id], { perm: perm.map(BigInt) }, a.dtype, perm.map((p) => a.shape[p]));
    c.undo = (c2, k) => {
      // The inverse perm (k even) or another one (a near miss).
      const inv = perm.map((_, i) => perm.indexOf(i));
      const q = k % 2 === 0 ? inv : permutation(perm.length, k >> 1);
      c2.node('Transpose', [y.id], { perm: q.map(BigInt) }, y.dtype, q.map((p) => y.shape[p]));
      return true;
    };
    return true;
  },
  Slice: (c, s) => {
    const a = c.pick(s.a, (v) => v.shape.some((d) => typeof d === 'number' && d >= 1));
    if (!a) return false;
    const axes = a.shape.map((d, i) => (typeof d === 'number' && d >= 1 ? i : -1)).filter((i) => i >= 0);
    const axis = axes[s.k % axes.length];
    const d = a.shape[axis] as number;
    const start = (s.k >> 3) % d;
    const end = start + 1 + ((s.k >> 6) % (d - start));
    const negative = (s.b & 1) === 1;
    const inputs = [a.id, c.ints([negative ? start - d : start], s.b), c.ints([end], s.b >> 1), c.ints([axis], s.b >> 2)];
    const shape = [...a.shape];
    shape[axis] = end - start;
    c.node('Slice', inputs, undefined, a.dtype, shape);
    return true;
  },
  Concat: (c, s) => {
    const a = c.pick(s.a, (v) => v.shape.length >= 1);
    if (!a) return false;
    const axis = s.k % a.shape.length;
    // The other operand: another value of the same shape off the axis, or (knob) a fresh constant
    // like a; a itself only when neither is possible. (Concat(a, a) reads a twice, and a rule that
    // needs a single reader of a declines: when a near miss moves the axis, the Concat it gets
    // must still be one a pass bug could act on.)
    const canFresh = staticDims(a.shape) && (c.features.initializers || c.features.constants);
    const fresh = () => ({ id: c.constant(a.dtype, a.shape as number[], Array.from({ length: (a.shape as number[]).reduce((x, y) => x * y, 1) }, (_, i) => element(a.dtype, s.k, i)), s.b), dtype: a.dtype, shape: a.shape });
    const fits = (v: Val) => v.dtype === a.dtype && v.shape.length === a.shape.length && v.shape.every((d, i) => i === axis || (d !== null && d === a.shape[i]));
    const b =
      ((s.k >> 3) & 1) === 1 && canFresh ? fresh() : (c.pick(s.b, (v) => v.id !== a.id && fits(v)) ?? (canFresh ? fresh() : c.pick(s.b, fits)));
    if (!b) return false;
    const x = a.shape[axis];
    const y = b.shape[axis];
    const shape = [...a.shape];
    shape[axis] = typeof x === 'number' && typeof y === 'number' ? (x as number) + (y as number) : null;
    c.node('Concat', [a.id, b.id], { axis: BigInt(axis) }, a.dtype, shape);
    return true;
  },
  Gather: (c, s) => {
    const a = c.pick(s.a, (v) => v.shape.some((d) => typeof d === 'number' && d >= 1));
    if (!a) return false;
    const axes = a.shape.map((d, i) => (typeof d === 'number' && d >= 1 ? i : -1)).filter((i) => i >= 0);
    const axis = axes[s.k % axes.length];
    const d = a.shape[axis] as number;
    const scalar = (s.k >> 3) & 1;
    const count = scalar ? 1 : 1 + ((s.k >> 4) % 3);
    const idx = Array.from({ length: count }, (_, i) => BigInt(((s.b + i * 7) % (2 * d)) - d));
    const ind = c.constant(D.INT64, scalar ? [] : [count], idx, s.b);
    const shape = [...a.shape.slice(0, axis), ...(scalar ? [] : [count]), ...a.shape.slice(axis + 1)];
    c.node('Gather', [a.id, ind], { axis: BigInt(axis) }, a.dtype, shape);
    return true;
  },
  Squeeze: (c, s) => {
    const a = c.pick(s.a, (v) => v.shape.includes(1));
    if (!a) return false;
    const ones = a.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
    const axis = ones[s.k % ones.length];
    const y = c.node('Squeeze', [a.id, c.ints([(s.k >> 3) & 1 ? axis - a.shape.length : axis], s.b)], undefined, a.dtype, a.shape.filter((_, i) => i !== axis));
    c.undo = (c2, k) => {
      const at = k % 3 === 2 ? (axis + 1) % (y.shape.length + 1) : axis;
      const shape = [...y.shape];
      shape.splice(at, 0, 1);
      c2.node('Unsqueeze', [y.id, c2.ints([at], k)], undefined, y.dtype, shape);
      return true;
    };
    return true;
  },
  Unsqueeze: (c, s) => {
    const a = c.pick(s.a, (v) => v.shape.length <= 3);
    if (!a) return false;
    const axis = s.k % (a.shape.length + 1);
    const shape = [...a.shape];
    shape.splice(axis, 0, 1);
    const y = c.node('Unsqueeze', [a.id, c.ints([axis], s.b)], undefined, a.dtype, shape);
    c.undo = (c2, k) => {
      const ones = y.shape.map((d, i) => (d === 1 ? i : -1)).filter((i) => i >= 0);
      const at = k % 3 === 2 ? ones[(k >> 2) % ones.length] : axis;
      c2.node('Squeeze', [y.id, c2.ints([at], k)], undefined, y.dtype, y.shape.filter((_, i) => i !== at));
      return true;
    };
    return true;
  },
  Expand: (c, s) => {
    const a = c.pick(s.a, (v) => v.shape.length <= 3);
    if (!a) return false;
    const n = 1 + (s.k % 3);
    const target = [n, ...a.shape.map(() => 1)];
    c.node('Expand', [a.id, c.ints(target, s.b)], undefined, a.dtype, [n, ...a.shape]);
    return true;
  },
  Split: (c, s) => {
    const a = c.pick(s.a, (v) => v.shape.some((d) => typeof d === 'number' && d >= 2));
    if (!a) return false;
    const axes = a.shape.map((d, i) => (typeof d === 'number' && d >= 2 ? i : -1)).filter((i) => i >= 0);
    const axis = axes[s.k % axes.length];
    const d = a.shape[axis] as number;
    const first = 1 + ((s.k >> 3) % (d - 1));
    const sa = [...a.shape];
    const sb = [...a.shape];
    sa[axis] = first;
    sb[axis] = d - first;
    const [y0, y1] = c.builder.ops('Split', [a.id, c.ints([first, d - first], s.b)], { axis: BigInt(axis) }, { outputs: 2, types: [tensorType(a.dtype, sa), tensorType(a.dtype, sb)] });
    c.push(y0!, a.dtype, sa);
    c.push(y1!, a.dtype, sb);
    return true;
  },
  Cast: (c, s) => {
    const a = c.pick(s.a, () => true);
    if (!a) return false;
    const to = c.dtypes[s.k % c.dtypes.length];
    const y = c.node('Cast', [a.id], { to: BigInt(to) }, to, a.shape);
    c.undo = (c2, k) => {
      const back = k % 2 === 0 ? a.dtype : c2.dtypes[(k >> 1) % c2.dtypes.length];
      c2.node('Cast', [y.id], { to: BigInt(back) }, back, y.shape);
      return true;
    };
    return true;
  },
  Shape: (c, s) => {
    if (!c.features.shapes || !c.dtypes.includes(D.INT64)) return false;
    const a = c.pick(s.a, (v) => v.shape.length >= 1);
    if (!a) return false;
    c.node('Shape', [a.id], undefined, D.INT64, [a.shape.length]);
    return true;
  },
  /** Reshape(x, Concat(Unsqueeze(Gather(Shape(x), 0)), [-1])): a shape computed from the data. */
  FlattenByShape: (c, s) => {
    if (!c.features.shapes) return false;
    const a = c.pick(s.a, (v) => v.shape.length >= 2);
    if (!a) return false;
    const sh = c.builder.op('Shape', [a.id], undefined, { types: [tensorType(D.INT64, [a.shape.length])] });
    const d0 = c.builder.op('Gather', [sh, c.constant(D.INT64, [], [0n], s.b)], { axis: 0n }, { types: [tensorType(D.INT64, [])] });
    const u = c.builder.op('Unsqueeze', [d0, c.ints([0], s.b >> 1)], undefined, { types: [tensorType(D.INT64, [1])] });
    // [d0, -1], or (odd knob) [-1, d0]: the computed dim then sits where the input has another.
    const last = s.k % 2 === 1;
    const t = c.builder.op('Concat', last ? [c.ints([-1], s.b >> 2), u] : [u, c.ints([-1], s.b >> 2)], { axis: 0n }, { types: [tensorType(D.INT64, [2])] });
    const rest = a.shape.slice(1);
    const flat = staticDims(rest) ? (rest as number[]).reduce((x, y) => x * y, 1) : null;
    // A symbolic dim may be bound to 0, which Reshape reads as "copy" unless allowzero = 1: the
    // declared type holds for every binding only with allowzero then.
    // Or allowzero = 0 (knob) with the result's dims declared unknown: true for every binding.
    const symbolic = typeof a.shape[0] !== 'number';
    const zero = symbolic && ((s.k >> 1) & 1) === 1;
    const attrs = symbolic && !zero ? { allowzero: 1n } : undefined;
    c.node('Reshape', [a.id, t], attrs, a.dtype, zero ? [null, null] : last ? [flat, a.shape[0]] : [a.shape[0], flat]);
    return true;
  },
  /** Expand(b, Shape(a)) where b broadcasts to a's shape. */
  ExpandLike: (c, s) => {
    if (!c.features.shapes) return false;
    const a = c.pick(s.a, (v) => v.shape.length >= 1);
    if (!a) return false;
    const b = c.pick(s.b, (v) => v.shape.length <= a.shape.length && sameShape(broadcast(a.shape, v.shape) ?? [null], a.shape));
    if (!b) return false;
    const sh = c.builder.op('Shape', [a.id], undefined, { types: [tensorType(D.INT64, [a.shape.length])] });
    c.node('Expand', [b.id, sh], undefined, b.dtype, a.shape);
    return true;
  },
  Constant: (c, s) => {
    if (!c.features.constants && !c.features.initializers) return false;
    const dtype = c.dtypes[s.a % c.dtypes.length];
    const dims = pickOf(s.b, [[], [1], [2], [3], [2, 3]]);
    const n = dims.reduce((x, y) => x * y, 1);
    c.push(c.constant(dtype, dims, Array.from({ length: n }, (_, i) => element(dtype, s.k, i)), s.k), dtype, dims);
    return true;
  },
  /** The last node again, same inputs (CSE's food); an odd knob changes a float attribute (a near miss). */
  Dup: (c, s) => {
    const l = c.last;
    if (!l) return false;
    let attrs = l.attrs;
    if (s.k % 2 === 1 && attrs && !Array.isArray(attrs)) {
      const entries = Object.entries(attrs as Record<string, unknown>);
      const f = entries.find(([, v]) => typeof v === 'object' && v !== null && (v as { kind?: string }).kind === 'float');
      if (!f) return false;
      attrs = { ...(attrs as object), [f[0]]: float((f[1] as { value: number }).value * 2 + 0.25) } as typeof attrs;
    }
    c.node(l.op, l.inputs, attrs, l.dtype, l.shape, l.domain);
    return true;
  },
  /** x op c or c op x with c all 0, 1, -0 or -1 (scalar or along the last axis): eliminate-no-ops' food and near misses. */
  Neutral: (c, s) => {
    const a = c.pick(s.a, isNumeric);
    if (!a) return false;
    const op = pickOf(s.k, ['Add', 'Sub', 'Mul', 'Div']);
    if (op === 'Div' && !isFloat(a)) return false;
    const v = pickOf<number>(s.k >> 2, [0, 1, -0, -1]);
    const last = a.shape[a.shape.length - 1];
    const dims = (s.k >> 4) % 2 === 1 && typeof last === 'number' ? [last] : [];
    const n = dims.length ? (dims[0] as number) : 1;
    const k = c.constant(a.dtype, dims, Array.from({ length: n }, () => (a.dtype === D.INT64 ? BigInt(v) : v)), s.b);
    const swap = (s.k >> 5) % 2 === 1;
    c.node(op, swap ? [k, a.id] : [a.id, k], undefined, a.dtype, a.shape);
    return true;
  },
  /** One op twice in a chain, op(op(x)) (constants as second operands): the food of pair rules. */
  Twice: (c, s) => {
    const op = pickOf(s.b, CHAINABLE);
    const binaryOp = ['Mul', 'Add', 'Sub', 'Div'].includes(op);
    const k1 = binaryOp ? s.k & ~6 : s.k;
    // Integer arithmetic half the time when there is an int64 value (float Add does not reassociate).
    const int = binaryOp && op !== 'Div' && (s.k >> 10) % 2 === 1 ? c.pick(s.a, (v) => v.dtype === D.INT64) : undefined;
    c.pinned = int;
    const ok = builtins[op](c, { a: s.a, b: 0, k: k1 });
    c.pinned = undefined;
    if (!ok) return false;
    // The same attributes again half the time (same axis, same perm …), else others.
    const k2 = (s.k >> 11) % 2 === 1 ? k1 : binaryOp ? (s.k >> 5) & ~6 : s.k >> 5;
    builtins[op](c, { a: 0, b: s.b >> 4, k: k2 });
    return true;
  },
  /** One op twice on the same operand, with the same or (odd knob) other attributes, then combined: CSE's food. */
  Siblings: (c, s) => {
    const op = pickOf(s.b, SIBLINGS);
    if (!builtins[op](c, { a: s.a, b: 0, k: s.k >> 1 }) || !c.last) return false;
    const first = c.avail[c.avail.length - 1];
    const operand = c.avail.find((v) => v.id === c.last!.inputs[0]);
    if (!operand) return false;
    c.pinned = operand;
    const k2 = s.k % 2 === 1 ? (s.k >> 1) + 1 : s.k >> 1;
    const ok = builtins[op](c, { a: 0, b: 0, k: k2 });
    c.pinned = undefined;
    if (!ok) return false;
    const second = c.avail[c.avail.length - 1];
    if (first.dtype === second.dtype && first.dtype !== D.BOOL && sameShape(first.shape, second.shape)) c.node('Sub', [first.id, second.id], undefined, first.dtype, first.shape);
    return true;
  },
  /** The inverse of the last Transpose/Squeeze/Unsqueeze/Cast (or, by the knob, a near miss). */
  Undo: (c, s) => {
    const u = c.undo;
    c.undo = undefined;
    return u ? u(c, s.k) : false;
  },
  /** Mul(x, Sigmoid(x)) (swish), Mul(x, HardSigmoid(x)), or a near miss reading another value. */
  Swish: (c, s) => {
    const a = c.pick(s.a, isFloat);
    if (!a) return false;
    const inner = s.k % 2 === 0 ? 'Sigmoid' : 'HardSigmoid';
    const g = (s.k >> 1) % 4 === 3 ? (c.pick(s.b, (v) => v.dtype === a.dtype && sameShape(v.shape, a.shape)) ?? a) : a; // same shape: the Mul keeps a's
    // HardSigmoid with alpha 1/6, beta 1/2 makes HardSwish; the defaults (0.2, 0.5) are a near miss.
    const attrs = inner === 'HardSigmoid' && (s.k >> 5) % 2 === 0 ? { alpha: float(1 / 6), beta: float(0.5) } : undefined;
    const sg = c.node(inner, [g.id], attrs, a.dtype, a.shape);
    c.node('Mul', (s.k >> 3) % 2 ? [sg.id, a.id] : [a.id, sg.id], undefined, a.dtype, a.shape);
    return true;
  },
  /** Add(MatMul(a, W), bias): Gemm's pattern (2-D) and fold-affine's (constant weight). */
  MatMulAdd: (c, s) => {
    if (!builtins.MatMul(c, { ...s, k: s.k - (s.k % 3) })) return false;
    const m = c.avail[c.avail.length - 1];
    const last = m.shape[m.shape.length - 1];
    // A bias of [], [n], or (a near miss) [2, 1, n], which broadcasts the product to rank 3.
    const n = typeof last === 'number' ? last : 1;
    let dims = typeof last === 'number' ? pickOf((s.k >> 4) % 4, [[], [n], [n], [2, 1, n]]) : [];
    if (!broadcast(m.shape, dims)) dims = [n];
    const bias = c.constant(m.dtype, dims, Array.from({ length: dims.reduce((x, y) => x * y, 1) }, (_, i) => element(m.dtype, s.b, i)), s.b);
    c.node('Add', (s.k >> 6) % 2 ? [bias, m.id] : [m.id, bias], undefined, m.dtype, broadcast(m.shape, dims)!);
    return true;
  },
  /** Gemm(Transpose(x), W): the transpose folds into transA. */
  TransposeGemm: (c, s) => {
    const a = c.pick(s.a, (v) => isFloat(v) && v.shape.length === 2);
    if (!a) return false;
    const t = c.node('Transpose', [a.id], { perm: [1n, 0n] }, a.dtype, [a.shape[1], a.shape[0]]);
    void t;
    return builtins.Gemm(c, { ...s, a: 0 });
  },
  /** Conv/Gemm/MatMul with a constant weight, then BatchNormalization or a per-channel Mul/Add (fold-affine). */
  LayerAffine: (c, s) => {
    const layer = pickOf(s.k, ['Conv', 'Gemm', 'MatMul']);
    if (!builtins[layer](c, { ...s, k: s.k >> 2 })) return false;
    const y = c.avail[c.avail.length - 1];
    const variant = (s.k >> 9) % 3;
    if (variant === 0 && y.shape.length >= 2) return builtins.BatchNormalization(c, { a: 0, b: s.b, k: s.k >> 3 });
    // Per-channel constant: Conv's channel axis is 1 ([M,1,1]), Gemm/MatMul's the last.
    const chDim = layer === 'Conv' ? y.shape[1] : y.shape[y.shape.length - 1];
    if (typeof chDim !== 'number') return true; // a MatMul by a symbolic-width value: no constant fits
    const ch = chDim;
    // Conv's per-channel constant is [M,1,1]; [M] (a near miss, along the width) when the width is M too.
    const nearMiss = layer === 'Conv' && (s.k >> 11) % 2 === 1 && y.shape[3] === ch;
    const dims = layer === 'Conv' && !nearMiss ? [ch, 1, 1] : [ch];
    const k = c.constant(y.dtype, dims, Array.from({ length: ch }, (_, i) => element(y.dtype, s.b + 1, i)), s.b);
    c.node(variant === 1 ? 'Mul' : 'Add', [y.id, k], undefined, y.dtype, y.shape);
    return true;
  },
  /** Pad then Conv or AveragePool (fuse folds the pads in). */
  PadConv: (c, s) => {
    const a = c.pick(s.a, (v) => isF32(v) && v.shape.length === 4 && staticDims(v.shape.slice(1)));
    if (!a) return false;
    const p = 1 + (s.k % 2);
    const mode = (s.k >> 1) % 4 === 3 ? 'edge' : 'constant'; // edge: a near miss (only constant zero pads fold)
    const shape = a.shape.map((d, i) => (i >= 2 ? (d as number) + 2 * p : d));
    const pads = c.ints([0, 0, p, p, 0, 0, p, p], s.b);
    const padded = c.node('Pad', [a.id, pads], { mode }, a.dtype, shape);
    void padded;
    return builtins[(s.k >> 3) % 2 ? 'AveragePool' : 'Conv'](c, { a: 0, b: s.b, k: s.k >> 4 });
  },
  /** LayerNormalization / RMSNormalization written out over the last axis (near misses by the knob). */
  LayerNorm: (c, s) => {
    const a = c.pick(s.a, (v) => isF32(v) && v.shape.length >= 1 && typeof v.shape[v.shape.length - 1] === 'number' && !v.shape.includes(null));
    if (!a) return false;
    const r = a.shape.length;
    const n = a.shape[r - 1] as number;
    const kept = a.shape.map((d, i) => (i === r - 1 ? 1 : d));
    const axis2 = (s.k >> 4) % 5 === 4 && r >= 2 ? -2 : -1; // a near miss: the second mean over another axis
    const rms = s.k % 3 === 2;
    let d = a;
    if (!rms) {
      const mean = c.opset >= 18 ? c.node('ReduceMean', [a.id, c.ints([-1], s.b)], undefined, a.dtype, kept) : c.node('ReduceMean', [a.id], { axes: [-1n] }, a.dtype, kept);
      d = c.node('Sub', [a.id, mean.id], undefined, a.dtype, a.shape);
    }
    const sq = (s.k >> 2) % 2 ? c.node('Mul', [d.id, d.id], undefined, a.dtype, a.shape) : c.node('Pow', [d.id, c.constant(D.FLOAT, [], [2], s.b)], undefined, a.dtype, a.shape);
    const keptV = a.shape.map((dd, i) => (i === r + axis2 ? 1 : dd));
    const v = c.opset >= 18 ? c.node('ReduceMean', [sq.id, c.ints([axis2], s.b)], undefined, a.dtype, keptV) : c.node('ReduceMean', [sq.id], { axes: [BigInt(axis2)] }, a.dtype, keptV);
    const eps = c.node('Add', [v.id, c.constant(D.FLOAT, [], [pickOf(s.k >> 3, [1e-5, 0.1])], s.b >> 1)], undefined, a.dtype, keptV);
    const root = c.node('Sqrt', [eps.id], undefined, a.dtype, keptV);
    const shape = broadcast(d.shape, keptV)!;
    const normed = c.node('Div', [d.id, root.id], undefined, a.dtype, shape);
    const gamma = c.constant(D.FLOAT, [n], Array.from({ length: n }, (_, i) => element(D.FLOAT, s.b + 2, i)), s.b >> 2);
    const scaled = c.node('Mul', [normed.id, gamma], undefined, a.dtype, shape);
    if ((s.k >> 7) % 2 === 0) {
      const beta = c.constant(D.FLOAT, [n], Array.from({ length: n }, (_, i) => element(D.FLOAT, s.b + 3, i)), s.b >> 3);
      c.node('Add', [scaled.id, beta], undefined, a.dtype, shape);
    }
    return true;
  },
  ScaledLeaky: (c, s) => {
    if (!c.features.functions) return false;
    const a = c.pick(s.a, isF32);
    if (!a) return false;
    c.root.usesFunction = true;
    c.node('ScaledLeaky', [a.id], { alpha: float(pickOf(s.k, [0.5, 2, -1])) }, D.FLOAT, a.shape, FN_DOMAIN);
    return true;
  },
};

function pool(op: 'MaxPool' | 'AveragePool'): Builtin {
  return (c, s) => {
    const a = c.pick(s.a, (v) => isF32(v) && v.shape.length === 4 && typeof v.shape[2] === 'number' && (v.shape[2] as number) >= 1 && typeof v.shape[3] === 'number' && (v.shape[3] as number) >= 1);
    if (!a) return false;
    const [h, w] = [a.shape[2] as number, a.shape[3] as number];
    const kh = 1 + (s.k % Math.min(2, h));
    const kw = 1 + ((s.k >> 1) % Math.min(2, w));
    const stride = 1 + ((s.k >> 2) & 1);
    const oh = Math.floor((h - kh) / stride) + 1;
    const ow = Math.floor((w - kw) / stride) + 1;
    const attrs = { kernel_shape: [BigInt(kh), BigInt(kw)], strides: [BigInt(stride), BigInt(stride)], ...(op === 'AveragePool' && (s.k >> 3) % 2 === 1 ? { count_include_pad: 1n } : {}) };
    c.node(op, [a.id], attrs, D.FLOAT, [a.shape[0], a.shape[1], oh, ow]);
    return true;
  };
}

function reduce(op: string, axesInput: boolean): Builtin {
  return (c, s) => {
    const a = c.pick(s.a, (v) => (op === 'ReduceMax' ? isFloat(v) : isNumeric(v)) && v.shape.length >= 1);
    if (!a) return false;
    const r = a.shape.length;
    const axis = s.k % r;
    const keep = ((s.k >> 2) & 1) === 0;
    const shape = keep ? a.shape.map((d, i) => (i === axis ? 1 : d)) : a.shape.filter((_, i) => i !== axis);
    // From opset 18 every reduction takes its axes as an input.
    const asInput = axesInput || c.opset >= 18;
    const attrs: Record<string, bigint | bigint[]> = asInput ? { keepdims: keep ? 1n : 0n } : { keepdims: keep ? 1n : 0n, axes: [BigInt(axis)] };
    c.node(op, asInput ? [a.id, c.ints([axis], s.b)] : [a.id], attrs, a.dtype, shape);
    return true;
  };
}

/** The value a subgraph body returns: the newest local value typed like `like`, else Identity(like). */
function bodyResult(c: Ctx, firstLocal: number, like: Val): ValueId {
  for (let i = c.avail.length - 1; i >= firstLocal; i--) {
    const v = c.avail[i];
    if (v.dtype === like.dtype && sameShape(v.shape, like.shape)) return v.id;
  }
  return c.builder.op('Identity', [like.id], undefined, { types: [tensorType(like.dtype, like.shape)] });
}

function runSteps(c: Ctx, steps: readonly Step[], afterStep?: (i: number) => void): void {
  let previous: string | undefined;
  for (const [i, s] of steps.entries()) {
    if (i > 0) afterStep?.(i - 1);
    if (s.op === 'If') emitIf(c, s);
    else if (s.op === 'Loop') emitLoop(c, s);
    else if (s.op === 'Again') {
      // The previous step's op once more, on the newest value: Neg(Neg(x)), Reshape(Reshape(x)) …
      if (previous !== undefined && previous !== 'Again') builtins[previous]?.(c, { a: 0, b: s.b, k: s.k });
    } else {
      previous = s.op;
      const user = c.generators.get(s.op);
      if (user) user.build(c, s);
      else builtins[s.op]?.(c, s);
    }
  }
  if (steps.length > 0) afterStep?.(steps.length - 1);
}

function emitIf(c: Ctx, s: Step): void {
  if (!c.features.if || c.root.cond === undefined) return;
  const a = c.pick(s.a, () => true);
  if (!a) return;
  const branch = (name: string, body: readonly Step[]): Graph => {
    const sub = new Ctx(c.builder.subgraph(name), c.avail, c.dtypes, c.features, c.generators, c.root);
    const first = sub.avail.length;
    runSteps(sub, body);
    sub.builder.output(bodyResult(sub, first, a), undefined, tensorType(a.dtype, a.shape));
    return sub.builder.build();
  };
  const thenG = branch('then', s.then ?? []);
  const elseG = branch('else', s.else ?? []);
  c.node('If', [c.root.cond], { then_branch: thenG, else_branch: elseG }, a.dtype, a.shape);
  c.last = undefined; // Dup must not share subgraphs (ids are model-wide)
}

function emitLoop(c: Ctx, s: Step): void {
  if (!c.features.loop || !c.dtypes.includes(D.INT64)) return;
  const a = c.pick(s.a, (v) => v.shape.every((d) => d !== null));
  if (!a) return;
  const trip = c.constant(D.INT64, [], [BigInt(1 + (s.k % 3))], s.b);
  const sub = new Ctx(c.builder.subgraph('body'), c.avail, c.dtypes, c.features, c.generators, c.root);
  const iter = sub.builder.input('iter', tensorType(D.INT64, []));
  const condIn = sub.builder.input('cond_in', tensorType(D.BOOL, []));
  const carried = sub.builder.input('v_in', tensorType(a.dtype, a.shape));
  sub.push(iter, D.INT64, []);
  const first = sub.avail.length;
  const v = sub.push(carried, a.dtype, a.shape);
  runSteps(sub, s.then ?? []);
  const condOut = sub.builder.op('Identity', [condIn], undefined, { types: [tensorType(D.BOOL, [])] });
  sub.builder.output(condOut, 'cond_out', tensorType(D.BOOL, []));
  // Searching from first + 1 skips v_in itself: a body output must be a body value, not an input.
  sub.builder.output(bodyResult(sub, first + 1, v), 'v_out', tensorType(a.dtype, a.shape));
  c.node('Loop', [trip, null, a.id], { body: sub.builder.build() }, a.dtype, a.shape);
  c.last = undefined;
}

/**
 * The model a spec describes (deterministic; the same spec gives an equal model). With `stepOf`,
 * also records which step made each main-graph node: the node id → the step's index in pre-order
 * (bodies after their step, as near-miss.ts counts them).
 */
export function buildModel(spec: ModelSpec, options: ArbModelOptions = {}, stepOf?: Map<NodeId, number>): Model {
  const features = featuresOf(options);
  const dtypes = dtypesOf(options);
  const generators = new Map([...(options.generators ?? []), ...plantGenerators(options)].map((g) => [g.name, g]));
  const b = new GraphBuilder('main');
  const opset = opsetOf(options);
  const root: Root = { usesFunction: false, rootBuilder: b, counter: 0, opset, outputs: [] };
  const c = new Ctx(b, [], dtypes, features, generators, root);
  spec.inputs.forEach((inp, i) => {
    const shape: Dim[] = inp.dims.map((d, j) => (j === 0 && inp.symbolic && features.symbolic ? 'N' : d));
    c.push(b.input(`x${i}`, tensorType(inp.dtype, shape)), inp.dtype, shape);
  });
  if (features.if && hasOp(spec.steps, 'If')) root.cond = b.input('cond', tensorType(D.BOOL, []));
  const first = c.avail.length;
  let seen = 0;
  const preOrder = preOrderIndexes(spec.steps);
  runSteps(c, spec.steps, stepOf && ((i) => {
    const order = b.build().order;
    for (; seen < order.length; seen++) stepOf.set(order[seen], preOrder[i]);
  }));
  const local = c.avail.slice(first).filter((v) => b.build().values[v.id]?.def !== undefined);
  const outs: Val[] = [];
  const add = (v: Val) => {
    if (!outs.includes(v)) outs.push(v);
  };
  if (local.length === 0) {
    // No node: the graph returns Identity of its first input.
    const x = c.avail[0];
    add(c.node('Identity', [x.id], undefined, x.dtype, x.shape));
  } else {
    add(local[local.length - 1]);
    for (const o of spec.outputs) add(local[o % local.length]);
  }
  for (const v of root.outputs) add(v);
  outs.forEach((v, i) => b.output(v.id, `y${i}`, tensorType(v.dtype, v.shape)));
  const main = b.build();
  const opsets = [{ domain: '', version: opset }];
  const functions: OnnxFunction[] = [];
  if (root.usesFunction) {
    opsets.push({ domain: FN_DOMAIN, version: 1 });
    functions.push(scaledLeaky(b, opset));
  }
  return modelOf(main, opsets, { functions, producerName: 'lathe/testing' });
}

/** The pre-order index (bodies counted after their step) of each top-level step. */
function preOrderIndexes(steps: readonly Step[]): number[] {
  const out: number[] = [];
  let at = 0;
  for (const s of steps) {
    out.push(at);
    at += countSteps([s]);
  }
  return out;
}

/** Steps in `steps`, bodies included (the pre-order count near misses index by). */
export function countSteps(steps: readonly Step[]): number {
  let n = 0;
  for (const s of steps) n += 1 + countSteps(s.then ?? []) + countSteps(s.else ?? []);
  return n;
}

function hasOp(steps: readonly Step[], op: string): boolean {
  return steps.some((s) => s.op === op || hasOp(s.then ?? [], op) || hasOp(s.else ?? [], op));
}

const ALL_FEATURES: Record<Feature, boolean> = { initializers: true, constants: true, if: true, loop: true, functions: true, symbolic: true, shapes: true };

function featuresOf(options: ArbModelOptions): Record<Feature, boolean> {
  return { ...ALL_FEATURES, ...options.features };
}

function dtypesOf(options: ArbModelOptions): number[] {
  const names = options.dtypes ?? (Object.keys(DTYPES) as DtypeName[]);
  const out = [D.FLOAT as number];
  for (const n of names) if (!out.includes(DTYPES[n])) out.push(DTYPES[n]);
  return out;
}

/** Names of the built-in ops (and composite steps) the generator draws by default. */
export const BUILTIN_OPS: readonly string[] = [...Object.keys(builtins), 'Again', 'If', 'Loop'];

/** Ops `Twice` chains (Slice and Add twice: their pair rules need more conditions to fire). */
const CHAINABLE = ['Neg', 'Transpose', 'Reshape', 'Unsqueeze', 'Squeeze', 'Cast', 'Concat', 'Slice', 'Mul', 'Add', 'Sub', 'Div', 'Expand', 'Relu', 'Abs', 'Max', 'Gather', 'Slice', 'Add'];
/** Ops `Siblings` repeats on one operand. */
const SIBLINGS = ['LeakyRelu', 'Softmax', 'Transpose', 'Gather', 'Cast', 'Slice', 'ReduceSum', 'Relu', 'Unsqueeze', 'Gemm'];

/** Composite steps that plant the patterns rewrite rules look for (and their near misses). */
export const PATTERN_OPS: readonly string[] = ['Neutral', 'Twice', 'Siblings', 'Again', 'Undo', 'Dup', 'Swish', 'MatMulAdd', 'TransposeGemm', 'LayerAffine', 'PadConv', 'LayerNorm', 'FlattenByShape', 'ExpandLike', 'Constant'];

/** Which built-in ops a feature switch removes. */
const FEATURE_OPS: Partial<Record<Feature, readonly string[]>> = {
  if: ['If'],
  loop: ['Loop'],
  functions: ['ScaledLeaky'],
  shapes: ['Shape', 'FlattenByShape', 'ExpandLike'],
};

/** The ops a draw may use under `options`. */
export function opsOf(options: ArbModelOptions = {}): string[] {
  const features = featuresOf(options);
  let ops = [...(options.ops ?? BUILTIN_OPS)];
  for (const [f, list] of Object.entries(FEATURE_OPS) as [Feature, readonly string[]][]) if (!features[f]) ops = ops.filter((o) => !list.includes(o));
  for (const g of options.generators ?? []) if (!ops.includes(g.name)) ops.push(g.name);
  if (ops.length === 0) ops = ['Identity'];
  return ops;
}

/** Operands: mostly the last few values (so chains and patterns form), sometimes anything. */
const operand = fc.oneof({ arbitrary: fc.integer({ min: 0, max: 2 }), weight: 4 }, { arbitrary: fc.nat({ max: 1 << 12 }), weight: 1 });
const knob = fc.nat({ max: 1 << 12 });

/**
 * Families of ops drawn together. Without `options.ops`, a draw is from all ops or (equally
 * often) from one family: rewrite patterns need their ops close together, which a uniform draw
 * over sixty ops rarely gives.
 */
export const FAMILIES: Readonly<Record<string, readonly string[]>> = {
  elementwise: ['Neutral', 'Twice', 'Siblings', 'Relu', 'Neg', 'Abs', 'Add', 'Sub', 'Mul', 'Div', 'Max', 'Min', 'Identity', 'Constant', 'Again', 'Dup', 'Where', 'Less', 'Cast', 'Sigmoid', 'Sqrt'],
  layout: ['Twice', 'Siblings', 'Transpose', 'Reshape', 'Squeeze', 'Unsqueeze', 'Slice', 'Concat', 'Gather', 'Expand', 'Split', 'Cast', 'Neg', 'Again', 'Undo', 'Shape', 'FlattenByShape', 'ExpandLike', 'Identity'],
  linalg: ['Siblings', 'MatMul', 'Gemm', 'MatMulAdd', 'TransposeGemm', 'LayerAffine', 'Conv', 'PadConv', 'BatchNormalization', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'Add', 'Mul', 'Relu', 'Dup', 'Transpose'],
  activation: ['Twice', 'Siblings', 'LayerNorm', 'Swish', 'Sigmoid', 'Tanh', 'Erf', 'Mul', 'Add', 'Div', 'Softmax', 'LeakyRelu', 'Softplus', 'ReduceMean', 'ReduceSum', 'ReduceMax', 'Dup', 'Again'],
  control: ['Twice', 'Siblings', 'If', 'Loop', 'ScaledLeaky', 'Add', 'Mul', 'Relu', 'Neg', 'Constant', 'Identity', 'Dup', 'Again', 'Transpose'],
};

/** Arbitrary specs (for callers that want to shrink or print specs rather than models). */
export function arbModelSpec(options: ArbModelOptions = {}): fc.Arbitrary<ModelSpec> {
  if (options.around !== undefined) return withPlants(arbModelSpec({ ...options, around: undefined }));
  if (options.ops !== undefined) return arbSpecOf(options);
  const all = opsOf(options);
  const families = Object.values(FAMILIES)
    .map((f) => f.filter((o) => all.includes(o)))
    .filter((f) => f.length > 0)
    .map((f) => arbSpecOf({ ...options, ops: [...f, ...(options.generators ?? []).map((g) => g.name)] }));
  return fc.oneof({ arbitrary: arbSpecOf(options), weight: 1 }, ...families.map((arbitrary) => ({ arbitrary, weight: 1 })));
}

/** Specs with one or two planting steps inserted among the context's steps. */
function withPlants(context: fc.Arbitrary<ModelSpec>): fc.Arbitrary<ModelSpec> {
  const plant = fc.record({ at: fc.nat({ max: 64 }), a: operand, b: fc.nat({ max: 1 << 12 }), k: knob });
  return fc.tuple(context, fc.array(plant, { minLength: 1, maxLength: 2 })).map(([spec, plants]) => {
    const steps = [...spec.steps];
    for (const p of plants) steps.splice(p.at % (steps.length + 1), 0, { op: PLANT, a: p.a, b: p.b, k: p.k });
    return { ...spec, steps };
  });
}

function arbSpecOf(options: ArbModelOptions): fc.Arbitrary<ModelSpec> {
  const { maxNodes = 8, maxInputs = 3, maxDim = 3 } = options;
  const dtypes = dtypesOf(options);
  const ops = opsOf(options);
  const nested = ops.includes('If') || ops.includes('Loop');
  const flat = ops.filter((o) => o !== 'If' && o !== 'Loop');
  // Steps that plant rewrite patterns are drawn as often as all plain ops together.
  const planted = flat.filter((o) => PATTERN_OPS.includes(o));
  const plain = flat.filter((o) => !PATTERN_OPS.includes(o));
  const opArb = planted.length === 0 || plain.length === 0
    ? fc.constantFrom(...(flat.length > 0 ? flat : ['Identity']))
    : fc.oneof({ withCrossShrink: true }, { arbitrary: fc.constantFrom(...plain), weight: 1 }, { arbitrary: fc.constantFrom(...planted), weight: 1 }); // a planted step may shrink to a plain op
  const leaf: fc.Arbitrary<Step> = fc.record({ op: opArb, a: operand, b: operand, k: knob });
  let steps: fc.Arbitrary<Step[]>;
  if (!nested) steps = fc.array(leaf, { maxLength: maxNodes, size: 'max' });
  else {
    const control = ops.filter((o) => o === 'If' || o === 'Loop');
    steps = fc.letrec<{ steps: Step[]; body: Step[]; step: Step }>((tie) => ({
      step: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        { arbitrary: leaf, weight: 6 },
        { arbitrary: fc.record({ op: fc.constantFrom(...control), a: operand, b: operand, k: knob, then: tie('body'), else: tie('body') }) as fc.Arbitrary<Step>, weight: 1 },
      ),
      body: fc.array(tie('step'), { maxLength: 3 }),
      steps: fc.array(tie('step'), { maxLength: maxNodes, size: 'max' }),
    })).steps;
  }
  const input: fc.Arbitrary<InputSpec> = fc.record({
    dtype: fc.constantFrom(...dtypes),
    dims: fc.oneof(
      { arbitrary: fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 1, maxLength: 3 }), weight: 4 },
      { arbitrary: fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 0, maxLength: 4 }), weight: 1 },
    ),
    symbolic: fc.boolean(),
  });
  // The first input is float32, so float ops always find an operand; its rank is 2 or 4 half
  // the time (what Gemm and Conv take).
  const layerInput = fc.record({
    dtype: fc.constant(D.FLOAT as number),
    dims: fc.oneof(fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 2, maxLength: 2 }), fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: 4, maxLength: 4 })),
    symbolic: fc.boolean(),
  });
  const first = fc.oneof(input.map((i) => ({ ...i, dtype: D.FLOAT as number })), layerInput);
  return fc.record({
    inputs: fc.tuple(first, fc.array(input, { maxLength: Math.max(0, maxInputs - 1) })).map(([f, rest]) => [f, ...rest]),
    steps,
    outputs: fc.array(fc.nat({ max: 1 << 10 }), { maxLength: 2 }),
  });
}

/** Valid models (see the module comment). */
export function arbModel(options: ArbModelOptions = {}): fc.Arbitrary<Model> {
  return arbModelSpec(options).map((spec) => buildModel(spec, options));
}
