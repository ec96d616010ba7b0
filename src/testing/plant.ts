/**
 * Planting rewrite patterns into generated models: `arbModel({ around })`.
 *
 * A rule's pattern (or the rule) becomes a planting step: the pattern tree is walked and a
 * concrete subgraph derived from it — its ops, the attributes it fixes (literals), constants with
 * the value `P.const(n)` (or a predicate's `example`) demands, and for what the pattern leaves open
 * (variables, bound attributes, constant shapes, inputs after `P.rest()`) choices from small
 * per-op tables (perm, axes, Reshape targets, Conv and Gemm weights …) drawn from the step's knob.
 * The first variable is a value of the surrounding (random) model, so the pattern sits inside
 * random context; later variables are context values or fresh constants.
 *
 * Each candidate subgraph is built alone first and checked with lathe's shape inference: if a
 * node fails or any output lacks a dtype or rank, the next of a few candidates is tried, and if
 * none fits the step adds nothing — the model stays valid by construction. The declared types are
 * the inferred ones (a symbol other than the inputs' `N` is declared unknown).
 *
 * Near misses, chosen by the knob (about half of the plants): another value for one attribute the
 * pattern fixes or binds, another broadcast shape for one constant, another value for the second
 * use of a variable, a second use of an intermediate value (an extra consumer that is a graph
 * output), or an intermediate value that is itself a graph output.
 *
 * Limits: ONNX-domain ops only (inference must type them); what a rule demands only in its
 * `check` (shapes, a Concat among a Concat's inputs, values a predicate without `example`
 * accepts) is planted only by chance; variadic inputs get one value. Give a planting function
 * (`(ctx, step) => boolean`, like an op generator's `build`) for those.
 */
import { DataType as D } from '../../ir/dtype.js';
import { GraphBuilder, modelOf, tensorType } from '../../ir/edit/build.js';
import { evaluate } from '../../ir/eval/run.js';
import { inferTypes } from '../../ir/infer/infer.js';
import { allocate } from '../../ir/ops/util.js';
import { verify } from '../../ir/verify/verify.js';
import type { TensorValue } from '../../ir/ops/types.js';
import type { Attr, Type, ValueId } from '../../ir/types.js';
import type { AttrConstraint, AttrValue, Pattern, PNode } from '../pattern/pattern.js';
import type { Rule } from '../pattern/rule.js';
import { element, permutation, tensorOf, type BuildContext, type Dim, type Val } from './build-context.js';

/** A planting function: adds nodes for one step (false: it added nothing). */
export type PlantFn = (ctx: BuildContext, step: { readonly a: number; readonly b: number; readonly k: number }) => boolean;

/** What `around` takes: a pattern, a rule (its pattern), or a planting function. */
export type Plantable = Pattern<unknown> | Rule | PlantFn;

/** The op name of planting steps in a spec. */
export const PLANT = 'Plant';

type Op = Extract<PNode, { kind: 'op' }>;
type Ref = { readonly leaf: number } | { readonly node: number; readonly output: number };
type Leaf = { readonly val: Val } | { readonly dtype: number; readonly dims: readonly number[]; readonly data: readonly (number | bigint | boolean)[] };
interface PlanNode {
  readonly op: string;
  readonly domain: string;
  readonly inputs: readonly (Ref | null)[];
  readonly attrs: readonly Attr[];
  readonly outputs: number;
}
interface Plan {
  readonly leaves: Leaf[];
  readonly nodes: PlanNode[];
}
interface Typed {
  readonly dtype: number;
  readonly shape: readonly Dim[];
}

type Variant = 'exact' | 'attr' | 'broadcast' | 'reuse' | 'shared' | 'output';
const VARIANTS: readonly Variant[] = ['exact', 'exact', 'exact', 'exact', 'attr', 'broadcast', 'reuse', 'shared', 'output'];

/** Inputs of shape/axes/index kind (int64), by op. */
const INT_INPUTS: Readonly<Record<string, readonly number[]>> = {
  Reshape: [1], Unsqueeze: [1], Squeeze: [1], Slice: [1, 2, 3, 4], Expand: [1], Pad: [1], Tile: [1], Gather: [1], Split: [1], TopK: [1],
  ReduceSum: [1], ReduceMean: [1], ReduceMax: [1], ReduceMin: [1], ReduceProd: [1], ReduceL1: [1], ReduceL2: [1], ReduceSumSquare: [1], ReduceLogSumExp: [1],
};
/** Inputs an op needs (planted after `P.rest()` when the pattern lists fewer). */
const REQUIRED_INPUTS: Readonly<Record<string, number>> = { ConvTranspose: 2, Conv: 2, Gemm: 2, Pad: 2, Slice: 3, Reshape: 2, Expand: 2, Tile: 2, Gather: 2, BatchNormalization: 5, LayerNormalization: 2, MatMul: 2 };
/** Optional inputs planted half the time after `P.rest()`. */
const OPTIONAL_INPUTS: Readonly<Record<string, number>> = { ConvTranspose: 3, Conv: 3, Gemm: 3, Slice: 5, LayerNormalization: 3 };
/** Attributes an op needs even when the pattern does not name them. */
const REQUIRED_ATTRS: Readonly<Record<string, readonly string[]>> = { Cast: ['to'], Concat: ['axis'], AveragePool: ['kernel_shape'], MaxPool: ['kernel_shape'] };
/** Attributes set half the time when the pattern does not name them (what rules check beside the pattern). */
const OPTIONAL_ATTRS: Readonly<Record<string, readonly string[]>> = {
  HardSigmoid: ['alpha', 'beta'], Gemm: ['transA', 'transB', 'alpha', 'beta'], AveragePool: ['count_include_pad'], LeakyRelu: ['alpha'],
  ReduceMean: ['keepdims'], ReduceSum: ['keepdims'], ReduceMax: ['keepdims'], BatchNormalization: ['epsilon'],
};
/** Reductions: axes an attribute before opset 18, an input from it (ReduceSum: from 13). */
const REDUCTIONS = new Set(['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1', 'ReduceL2', 'ReduceSumSquare', 'ReduceLogSumExp']);
const FLOAT_ATTRS = new Set(['alpha', 'beta', 'epsilon', 'gamma', 'momentum', 'bias', 'lambd', 'value_float', 'ratio', 'seed']);

const isRule = (x: Plantable): x is Rule => typeof x === 'object' && 'root' in x && 'rewrite' in x;

/** The smallest opset the plantables need (rules' `minOpset`), or undefined. */
export function minOpsetOf(around: Plantable | readonly Plantable[] | undefined): number | undefined {
  const list = around === undefined ? [] : Array.isArray(around) ? (around as readonly Plantable[]) : [around as Plantable];
  const need = list.flatMap((p) => (typeof p !== 'function' && isRule(p) && p.minOpset !== undefined ? [p.minOpset] : []));
  return need.length > 0 ? Math.max(...need) : undefined;
}

/** The op generator behind `around` (none without it). */
export function plantGenerators(options: { readonly around?: Plantable | readonly Plantable[] }): { name: string; build: PlantFn }[] {
  const { around } = options;
  if (around === undefined) return [];
  const list = Array.isArray(around) ? (around as readonly Plantable[]) : [around as Plantable];
  const fns = list.map((p): PlantFn => (typeof p === 'function' ? p : plantPattern(isRule(p) ? p.root : p.node)));
  if (fns.length === 0) return [];
  return [{ name: PLANT, build: (c, s) => fns[s.b % fns.length](c, { a: s.a, b: Math.floor(s.b / fns.length), k: s.k }) }];
}

/** A small deterministic stream of choices from a knob. */
class Choices {
  private state: number;
  constructor(...seeds: number[]) {
    let h = 0x9e3779b9;
    for (const x of seeds) h = Math.imul(h ^ (x >>> 0), 0x85ebca6b) + 0x1b873593;
    this.state = h >>> 0;
  }
  /** An integer in [0, n). */
  int(n: number): number {
    let x = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    const r = ((x ^ (x >>> 14)) >>> 0) % Math.max(1, n);
    return r;
  }
  of<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
}

/** A planting function for a pattern (see the module comment). */
export function plantPattern(pattern: PNode): PlantFn {
  return (c, s) => {
    const variant = VARIANTS[s.k % VARIANTS.length];
    for (let attempt = 0; attempt < 6; attempt++) {
      const d = new Deriver(c, new Choices(s.k, s.b, s.a, attempt), variant, s.a);
      const plan = d.derive(pattern);
      if (!plan) continue;
      const types = typesOf(plan.plan, c.opset);
      if (!types) continue;
      emit(c, plan.plan, types, plan.root, variant, new Choices(s.k, attempt, 7));
      return true;
    }
    return false;
  };
}

/** Builds the plan alone (leaves as inputs and initializers) and infers it; undefined when it does not type. */
function typesOf(plan: Plan, opset: number): Type[][] | undefined {
  const b = new GraphBuilder('plant');
  const leafIds = plan.leaves.map((l, i) => ('val' in l ? b.input(`l${i}`, tensorType(l.val.dtype, l.val.shape)) : b.initializer(`k${i}`, tensorOf(l.dtype, l.dims, l.data))));
  const outs: ValueId[][] = [];
  for (const n of plan.nodes) {
    const ins = n.inputs.map((r) => (r === null ? null : 'leaf' in r ? leafIds[r.leaf] : outs[r.node][r.output]));
    outs.push(b.ops(n.op, ins, n.attrs, { outputs: n.outputs, ...(n.domain ? { domain: n.domain } : {}) }) as ValueId[]);
  }
  if (outs.length === 0) return undefined;
  const model = modelOf(b.build(), [{ domain: '', version: opset }]);
  let res;
  try {
    res = inferTypes(model);
  } catch {
    return undefined;
  }
  if (res.diagnostics.some((x) => x.severity === 'error')) return undefined;
  // A dim inference cannot tell (ConvTranspose with a weight of the wrong rank …) means a node it
  // could not check: allowed only where an input already has an unknown dim.
  const unknownIn = plan.leaves.some((l) => 'val' in l && l.val.shape.includes(null));
  const types: Type[][] = [];
  for (const list of outs) {
    const ts: Type[] = [];
    for (const id of list) {
      const t = res.types.get(id);
      if (!t || t.kind !== 'tensor' || !t.dtype || t.shape === undefined) return undefined;
      if (!unknownIn && t.shape.includes(null)) return undefined;
      ts.push(t);
      b.setType(id, tensorType(t.dtype, declared(t)));
    }
    types.push(ts);
  }
  // The verifier checks what inference does not (operand dtypes agree, attributes the op needs).
  for (const list of outs) for (const o of list) b.output(o, `o${o}`);
  const typed = modelOf(b.build(), [{ domain: '', version: opset }]);
  if (verify(typed).some((x) => x.severity === 'error')) return undefined;
  return runsAsTyped(typed, plan, unknownIn) ? types : undefined;
}

/**
 * Whether the plan runs in lathe's evaluator (the inputs' symbol bound to 2, elements 1) with
 * every output of its declared shape: inference does not diagnose every bad node (Squeeze of a
 * dim that is not 1 …), the evaluator does. Plans reading values of unknown dims are not run.
 */
function runsAsTyped(model: ReturnType<typeof modelOf>, plan: Plan, unknownIn: boolean): boolean {
  if (unknownIn) return true;
  const feeds: Record<string, TensorValue> = {};
  plan.leaves.forEach((l, i) => {
    if (!('val' in l)) return;
    const dims = l.val.shape.map((d) => (typeof d === 'number' ? d : 2));
    const data = allocate(l.val.dtype, dims.reduce((x, y) => x * y, 1));
    (data as { fill(v: unknown): void }).fill(l.val.dtype === D.INT64 ? 1n : 1);
    feeds[`l${i}`] = { kind: 'tensor', dtype: l.val.dtype, dims, data } as TensorValue;
  });
  let out: Map<string, unknown>;
  try {
    out = evaluate(model, feeds);
  } catch {
    return false;
  }
  for (const id of model.graph.outputs) {
    const v = model.graph.values[id]!;
    const t = v.type;
    const got = out.get(v.name!) as TensorValue | undefined;
    if (!got || got.kind !== 'tensor' || t?.kind !== 'tensor' || !t.shape) return false;
    if (got.dims.length !== t.shape.length || t.shape.some((d, i) => typeof d === 'number' && d !== got.dims[i])) return false;
  }
  return true;
}

/** The declared shape of an inferred type: numbers and the inputs' symbol 'N' kept, other symbols unknown. */
const declared = (t: Type): Dim[] => (t.kind === 'tensor' && t.shape ? t.shape.map((d) => (typeof d === 'number' || d === 'N' ? d : null)) : []);

/** Adds the plan to the model under construction, with the near miss the variant asks for. */
function emit(c: BuildContext, plan: Plan, types: Type[][], root: Ref, variant: Variant, ch: Choices): void {
  const leafIds = plan.leaves.map((l, i) => ('val' in l ? l.val.id : c.constant(l.dtype, l.dims, l.data, ch.int(2) + i)));
  const outs: Val[][] = [];
  plan.nodes.forEach((n, i) => {
    const ins = n.inputs.map((r) => (r === null ? null : 'leaf' in r ? leafIds[r.leaf] : outs[r.node][r.output].id));
    const ts = types[i];
    const ids = c.builder.ops(n.op, ins, n.attrs, { outputs: n.outputs, types: ts.map((t) => c.type((t as { dtype: number }).dtype, declared(t))), ...(n.domain ? { domain: n.domain } : {}) }) as ValueId[];
    outs.push(ids.map((id, j) => ({ id, dtype: (ts[j] as { dtype: number }).dtype, shape: declared(ts[j]) })));
  });
  // Only the root is available to later steps: a random reader of an intermediate would make
  // every plant a near miss. The near misses below add such readers on purpose.
  const rootVal = 'leaf' in root ? undefined : outs[root.node][root.output];
  if (rootVal) c.push(rootVal.id, rootVal.dtype, rootVal.shape);
  const inner = outs.flat().filter((v) => v !== rootVal);
  if (inner.length === 0) return;
  const mid = ch.of(inner);
  if (variant === 'output') c.output(mid);
  else if (variant === 'shared') {
    const id = c.builder.op(mid.dtype === D.BOOL ? 'Not' : 'Identity', [mid.id], undefined, { types: [c.type(mid.dtype, mid.shape)] });
    c.output(c.push(id, mid.dtype, mid.shape));
  }
}

/** Derives one candidate plan from a pattern. */
class Deriver {
  private readonly plan: Plan = { leaves: [], nodes: [] };
  private readonly vars = new Map<string, Ref>();
  private readonly shared = new Map<PNode | string, Ref>();
  /** Which constant (first or second) takes the broadcast near miss. */
  private readonly target: number;
  private consts = 0;
  private reused = false;
  private missed = false;
  constructor(
    private readonly c: BuildContext,
    private readonly ch: Choices,
    private readonly variant: Variant,
    private readonly a: number,
  ) {
    this.target = ch.int(4);
  }

  derive(p: PNode): { plan: Plan; root: Ref } | undefined {
    const root = this.node(p, undefined);
    if (!root || 'leaf' in root) return undefined;
    return { plan: this.plan, root };
  }

  /** The type of a planned value (inference over the plan so far for node outputs). */
  private typeOf(r: Ref): Typed | undefined {
    if ('leaf' in r) {
      const l = this.plan.leaves[r.leaf];
      return 'val' in l ? l.val : { dtype: l.dtype, shape: l.dims };
    }
    const sub: Plan = { leaves: this.plan.leaves, nodes: this.plan.nodes.slice(0, r.node + 1) };
    const t = typesOf(sub, this.c.opset)?.[r.node]?.[r.output];
    return t && t.kind === 'tensor' ? { dtype: t.dtype, shape: t.shape ?? [] } : undefined;
  }

  private leaf(l: Leaf): Ref {
    this.plan.leaves.push(l);
    return { leaf: this.plan.leaves.length - 1 };
  }

  /** A value of the surrounding model; the first one is the anchor (float when there is one). */
  private contextValue(like?: Typed): Ref | undefined {
    const first = this.plan.leaves.length === 0;
    // The anchor is a float three times in four (most rules are about floats), else any number.
    const floatAnchor = first && this.ch.int(4) !== 0;
    const accept = (v: Val) => (like ? v.dtype === like.dtype : floatAnchor ? v.dtype === D.FLOAT || v.dtype === D.FLOAT16 : v.dtype !== D.BOOL);
    const v = this.c.pick(first ? this.a : this.ch.int(4), accept) ?? this.c.pick(this.ch.int(4), (x) => x.dtype !== D.BOOL);
    return v ? this.leaf({ val: v }) : undefined;
  }

  private node(p: PNode, at: { op: string; index: number; first?: Typed; attrs: readonly Attr[]; siblings: readonly (Ref | null)[] } | undefined): Ref | undefined {
    switch (p.kind) {
      case 'or':
        return p.alts.length === 0 ? undefined : this.node(this.ch.of(p.alts), at);
      case 'rest':
        return undefined;
      case 'var': {
        const seen = this.vars.get(p.name);
        if (seen) {
          if (this.variant === 'reuse' && !this.reused) {
            this.reused = true;
            return this.contextValue(this.typeOf(seen)) ?? seen;
          }
          return seen;
        }
        const r = this.freeValue(at);
        if (r) this.vars.set(p.name, r);
        return r;
      }
      case 'any':
        return this.freeValue(at);
      case 'const':
        return this.constant(at, p.example, p.test);
      case 'op': {
        // A sub-pattern written once and used twice (or two binding one name) is one node.
        const key = p.bind ?? p;
        const seen = this.shared.get(key);
        if (seen) return seen;
        const r = this.op(p);
        if (r) this.shared.set(key, r);
        return r;
      }
    }
  }

  /** A variable: the anchor from the context first, then context values or fresh constants. */
  private freeValue(at: Parameters<Deriver['node']>[1]): Ref | undefined {
    const anchor = this.plan.leaves[0];
    const like = at?.first && at.index > 0 && !INT_INPUTS[at.op]?.includes(at.index) ? at.first : anchor && 'val' in anchor ? anchor.val : undefined;
    if (this.plan.leaves.length === 0 || !at || this.ch.int(2) === 0) return this.contextValue(like);
    return this.constant(at, undefined, undefined);
  }

  private op(p: Op): Ref | undefined {
    const seed = this.ch.int(1 << 16);
    const inputs: (Ref | null)[] = [];
    let first: Typed | undefined;
    let attrs: Attr[] = [];
    const listed = p.inputs.length;
    const required = REDUCTIONS.has(p.op) && this.c.opset >= 18 && this.ch.int(8) !== 0 ? 2 : (REQUIRED_INPUTS[p.op] ?? listed);
    const want = p.rest ? Math.max(listed, required) + (OPTIONAL_INPUTS[p.op] !== undefined && this.ch.int(2) === 1 ? OPTIONAL_INPUTS[p.op] - Math.max(listed, required) : 0) : listed;
    for (let i = 0; i < Math.max(want, listed); i++) {
      const at = { op: p.op, index: i, ...(first && { first }), attrs, siblings: inputs, seed };
      const r = i < listed ? this.node(p.inputs[i], at) : this.constant(at, undefined, undefined);
      if (!r) return undefined;
      inputs.push(r);
      if (i === 0) {
        first = this.typeOf(r);
        if (!first) return undefined;
        // Attributes read the first input's rank (perm, axes, axis) and shape the later inputs (transB).
        attrs = this.attrs(p, first, this.attrMiss(p), seed);
      }
    }
    if (inputs.length === 0) attrs = this.attrs(p, undefined, this.attrMiss(p), seed);
    this.plan.nodes.push({ op: p.op, domain: p.domain, inputs, attrs, outputs: p.output + 1 });
    return { node: this.plan.nodes.length - 1, output: p.output };
  }

  /** Whether this op takes the attribute near miss (the first op with constraints that the dice pick). */
  private attrMiss(p: Op): boolean {
    if (this.variant !== 'attr' || this.missed || Object.keys(p.attrs).length === 0 || this.ch.int(3) === 0) return false;
    this.missed = true;
    return true;
  }

  private attrs(p: Op, x: Typed | undefined, miss: boolean, seed: number): Attr[] {
    const out: Attr[] = [];
    const axesAttr = REDUCTIONS.has(p.op) && this.c.opset < 18 && this.ch.int(8) !== 0 ? ['axes'] : [];
    const optional = [...(OPTIONAL_ATTRS[p.op] ?? []), ...axesAttr].filter((n) => !(n in p.attrs) && (n === 'axes' || this.ch.int(2) === 0));
    const names = [...Object.keys(p.attrs), ...[...(REQUIRED_ATTRS[p.op] ?? []), ...optional].filter((n, i, all) => !(n in p.attrs) && all.indexOf(n) === i)];
    // The near miss changes one attribute the pattern constrains.
    const missAt = miss && Object.keys(p.attrs).length > 0 ? this.ch.int(Object.keys(p.attrs).length) : -1;
    names.forEach((name, i) => {
      const cons: AttrConstraint | undefined = p.attrs[name];
      const options = attrCandidates(p.op, name, x, this.c.dtypes, seed);
      let value: AttrValue | undefined;
      // Unconstrained: the first (the usual) value half the time.
      if (!cons) value = this.ch.int(2) === 0 ? options[0] : options[this.ch.int(options.length)];
      else if (cons.kind === 'eq') value = i === missAt ? options.find((o) => !sameAttr(o, cons.value)) : cons.value;
      else if (cons.kind === 'absent') value = i === missAt ? options[0] : undefined;
      else if (cons.kind === 'bind') {
        const pool = cons.dflt !== undefined ? [undefined, ...options] : options;
        value = i === missAt ? pool[(this.ch.int(pool.length) + 1) % Math.max(1, pool.length)] : pool[this.ch.int(pool.length)];
      } else {
        const pool = [undefined, ...options];
        const ok = pool.filter((v) => cons.test(v));
        const bad = pool.filter((v) => !cons.test(v));
        value = i === missAt && bad.length > 0 ? bad[this.ch.int(bad.length)] : ok.length > 0 ? ok[this.ch.int(ok.length)] : undefined;
      }
      if (value !== undefined) out.push(toAttr(name, value));
    });
    return out;
  }

  /** A constant leaf for input `at.index` of `at.op`, shaped by the op and the first input. */
  private constant(at: { op: string; index: number; first?: Typed; attrs: readonly Attr[]; siblings: readonly (Ref | null)[]; seed?: number } | undefined, example: number | undefined, test: ((t: TensorValue) => boolean) | undefined): Ref | undefined {
    if (!this.c.features.initializers && !this.c.features.constants) return undefined;
    const n = this.consts++;
    const miss = this.variant === 'broadcast' && n === this.target % 2;
    const seed = at?.seed ?? this.ch.int(1 << 16);
    const int = at !== undefined && (INT_INPUTS[at.op]?.includes(at.index) ?? false);
    let cands: { dtype: number; dims: number[]; data: (number | bigint | boolean)[] }[];
    if (int) cands = intCandidates(at!.op, at!.index, at!.first, at!.attrs, seed).map((v) => ({ dtype: D.INT64, dims: v.scalar ? [] : [v.values.length], data: v.values.map(BigInt) }));
    else {
      const dtype = at?.first && at.first.dtype !== D.BOOL ? at.first.dtype : D.FLOAT;
      const sibling1 = at?.siblings[1] ? this.typeOf(at.siblings[1]) : undefined;
      const shapes = floatShapes(at?.op, at?.index ?? 0, at?.first, at?.attrs ?? [], sibling1, seed);
      const positive = at?.op === 'BatchNormalization' && at.index === 4;
      const raw = (i: number) => (example !== undefined ? example : positive ? 0.5 + Math.abs(Number(element(D.FLOAT, seed, i))) : element(dtype, seed + n, i));
      const value = (i: number) => {
        const v = raw(i);
        return dtype === D.INT64 && typeof v === 'number' ? BigInt(Math.round(v)) : v;
      };
      const make = (dims: number[]) => ({ dtype, dims, data: Array.from({ length: dims.reduce((x, y) => x * y, 1) }, (_, i) => value(i)) });
      cands = shapes.map(make);
      // Another broadcast (a near miss): one more leading dim, which widens the result's rank.
      if (miss && at?.first) cands = [make([2, ...(cands[0]?.dims ?? []).map(() => 1), ...((cands[0]?.dims.length ?? 0) === 0 ? [1] : [])])];
    }
    if (cands.length === 0) return undefined;
    const start = this.ch.int(cands.length);
    for (let j = 0; j < cands.length; j++) {
      const k = cands[(start + j) % cands.length];
      if (test) {
        const tv = { kind: 'tensor', dtype: k.dtype, dims: [...k.dims], data: k.dtype === D.INT64 ? BigInt64Array.from(k.data.map((x) => BigInt(x))) : Float32Array.from(k.data.map(Number)) } as TensorValue;
        if (!test(tv)) continue;
      }
      return this.leaf(k);
    }
    return undefined;
  }
}

function sameAttr(a: AttrValue, b: AttrValue): boolean {
  const norm = (v: AttrValue) => JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
  return norm(a) === norm(b);
}

/** An IR attribute from a pattern-side value (ints as bigint; numbers by the attribute's kind). */
function toAttr(name: string, v: AttrValue): Attr {
  const float = FLOAT_ATTRS.has(name);
  if (typeof v === 'bigint') return float ? { name, kind: 'float', value: Number(v) } : { name, kind: 'int', value: v };
  if (typeof v === 'number') return float || !Number.isInteger(v) ? { name, kind: 'float', value: v } : { name, kind: 'int', value: BigInt(v) };
  if (typeof v === 'string') return { name, kind: 'string', value: v };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { name, kind: 'strings', value: v as string[] };
    if (v.some((x) => typeof x === 'number' && !Number.isInteger(x))) return { name, kind: 'floats', value: (v as number[]).map(Number) };
    return { name, kind: 'ints', value: (v as (number | bigint)[]).map((x) => BigInt(x)) };
  }
  const o = v as object;
  if ('kind' in o && 'name' in o) return { ...(o as Attr), name };
  if ('dtype' in o) return { name, kind: 'tensor', value: o } as Attr;
  return { name, kind: 'graph', value: o } as Attr;
}

const staticDim = (d: Dim | undefined): d is number => typeof d === 'number';

/** Values an attribute may take (ints as bigint), for the op and its first input. */
function attrCandidates(op: string, name: string, x: Typed | undefined, dtypes: readonly number[], seed: number): AttrValue[] {
  const r = x?.shape.length ?? 0;
  const s = x?.shape ?? [];
  switch (name) {
    case 'perm': {
      const p = permutation(r, seed);
      const q = permutation(r, seed + 1);
      return [p.map(BigInt), q.map(BigInt), [...Array(r).keys()].reverse().map(BigInt)];
    }
    case 'axes': {
      if (op === 'Squeeze') return s.flatMap((d, i) => (d === 1 ? [[BigInt(i)], [BigInt(i - r)]] : []));
      if (op === 'Unsqueeze') return [[BigInt(seed % (r + 1))], [0n], [BigInt(r)]];
      return r === 0 ? [] : [[-1n], [-1n], [BigInt(seed % r)]];
    }
    case 'axis':
      return r === 0 ? [0n] : op === 'Concat' ? [BigInt(seed % r), 0n, BigInt(r - 1)] : [BigInt(seed % r), BigInt(-1), 0n];
    case 'to':
      return [...dtypes.map(BigInt), BigInt(D.FLOAT)];
    case 'keepdims':
      return [1n, 0n];
    case 'allowzero':
    case 'count_include_pad':
      return [0n, 1n];
    case 'transA':
    case 'transB':
      return [0n, 1n];
    case 'alpha':
      return op === 'HardSigmoid' ? [1 / 6, 0.2] : op === 'LeakyRelu' ? [0.01, 0.2] : [1, 0.5, 2];
    case 'beta':
      return op === 'HardSigmoid' ? [0.5, 0.6] : [1, 0.5, -1];
    case 'epsilon':
      return [1e-5, 1e-3, 0.1];
    case 'mode':
      return op === 'Pad' ? ['constant', 'edge', 'reflect'] : [];
    case 'approximate':
      return ['none', 'tanh'];
    case 'group':
      return [1n];
    case 'kernel_shape':
      return r >= 3 && s.slice(2).every(staticDim) ? [s.slice(2).map((d) => BigInt(1 + (seed % Math.min(2, d as number)))), s.slice(2).map(() => 1n)] : [];
    default:
      return [];
  }
}

/** int64 shape/axes/index inputs, by op and position, for a first input `x`. */
function intCandidates(op: string, index: number, x: Typed | undefined, attrs: readonly Attr[], seed: number): { values: number[]; scalar?: boolean }[] {
  const s = x?.shape ?? [];
  const r = s.length;
  const axisAttr = attrs.find((a) => a.name === 'axis');
  const axis = axisAttr?.kind === 'int' ? ((Number(axisAttr.value) % Math.max(1, r)) + r) % Math.max(1, r) : 0;
  const staticAxes = s.flatMap((d, i) => (staticDim(d) && d >= 1 ? [i] : []));
  switch (op) {
    case 'Unsqueeze':
      return [{ values: [seed % (r + 1)] }, { values: [0] }, { values: [-1] }];
    case 'Squeeze': {
      const ones = s.flatMap((d, i) => (d === 1 ? [i] : []));
      return ones.map((i) => ({ values: [seed % 2 ? i - r : i] }));
    }
    case 'Reshape': {
      const out: { values: number[] }[] = [{ values: [-1] }];
      if (r >= 2) out.push({ values: [0, -1] });
      if (s.every(staticDim)) {
        out.push({ values: [...(s as number[])].reverse() });
        const at = seed % (r + 1);
        const t = [...(s as number[])];
        t.splice(at, 0, 1);
        out.push({ values: t });
      }
      return out;
    }
    case 'Expand':
      return [{ values: [1 + (seed % 3), ...s.map(() => 1)] }, { values: s.map(() => 1) }];
    case 'Tile':
      return [{ values: s.map((_, i) => (i === seed % Math.max(1, r) ? 2 : 1)) }];
    case 'Pad': {
      const p = 1 + (seed % 2);
      const pads = new Array<number>(2 * r).fill(0);
      if (r === 4) [pads[2], pads[3], pads[6], pads[7]] = [p, p, p, p];
      else if (r > 0) [pads[r - 1], pads[2 * r - 1]] = [p, p];
      return [{ values: pads }];
    }
    case 'Gather': {
      const d = staticDim(s[axis]) ? (s[axis] as number) : 0;
      if (d < 1) return [];
      return [{ values: [(seed % (2 * d)) - d], scalar: true }, { values: [seed % d, (seed + 1) % d] }];
    }
    case 'Split': {
      const d = staticDim(s[axis]) ? (s[axis] as number) : 0;
      if (d < 2) return [];
      const first = 1 + (seed % (d - 1));
      return [{ values: [first, d - first] }];
    }
    case 'Slice': {
      if (staticAxes.length === 0) return [];
      const ax = staticAxes[seed % staticAxes.length];
      const d = s[ax] as number;
      const start = (seed >> 3) % d;
      const end = start + 1 + ((seed >> 6) % (d - start));
      return [[{ values: [start] }, { values: [start - d] }], [{ values: [end] }], [{ values: [ax] }], [{ values: [1] }]][index - 1] ?? [];
    }
    case 'TopK':
      return [{ values: [1] }];
    default:
      // A reduction's axes.
      return r === 0 ? [{ values: [] }] : [{ values: [-1] }, { values: [-1] }, { values: [seed % r] }];
  }
}

/** Shapes of a float (or data-typed) constant input `index` of `op`. */
function floatShapes(op: string | undefined, index: number, x: Typed | undefined, attrs: readonly Attr[], sibling1: Typed | undefined, seed: number): number[][] {
  const s = x?.shape ?? [];
  const r = s.length;
  const flag = (n: string) => attrs.some((a) => a.name === n && a.kind === 'int' && a.value !== 0n);
  const last = s[r - 1];
  const n = 1 + (seed % 3);
  switch (op) {
    case 'MatMul':
      if (index === 1 && staticDim(last)) return [[last, n]];
      break;
    case 'Gemm': {
      if (r !== 2) return [];
      const k = flag('transA') ? s[0] : s[1];
      const m = flag('transA') ? s[1] : s[0];
      if (index === 1) return staticDim(k) ? [flag('transB') ? [n, k] : [k, n]] : [];
      const cols = sibling1?.shape.length === 2 ? sibling1.shape[flag('transB') ? 0 : 1] : undefined;
      if (index === 2 && staticDim(cols)) return staticDim(m) ? [[cols], [], [m, cols]] : [[cols], []];
      return [];
    }
    case 'Conv': {
      if (r < 3 || !s.slice(1).every(staticDim)) return [];
      if (index === 1) return [[n, s[1] as number, ...s.slice(2).map((d) => 1 + (seed % Math.min(2, d as number)))]];
      if (index === 2 && sibling1 && staticDim(sibling1.shape[0])) return [[sibling1.shape[0]]];
      return [];
    }
    case 'ConvTranspose': {
      if (r < 3 || !s.slice(1).every(staticDim)) return [];
      if (index === 1) return [[s[1] as number, n, ...s.slice(2).map(() => 1 + (seed % 2))]];
      if (index === 2 && sibling1 && staticDim(sibling1.shape[1])) return [[sibling1.shape[1]]];
      return [];
    }
    case 'BatchNormalization':
    case 'InstanceNormalization':
      return staticDim(s[1]) ? [[s[1]]] : [];
    case 'LayerNormalization':
      return staticDim(last) ? [[last]] : [];
    case 'Pow':
      return [[]];
    default:
      break;
  }
  // Scalars and vectors along the last axis first: what per-channel and normalization rules want.
  const out: number[][] = [[], []];
  if (staticDim(last)) out.push([last], [last]);
  if (r >= 3 && staticDim(s[1])) out.push([s[1], ...new Array<number>(r - 2).fill(1)]);
  if (r > 0 && s.every(staticDim)) out.push([...(s as number[])]);
  return out;
}
