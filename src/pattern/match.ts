/**
 * The matcher: interprets a pattern (pattern.ts) against the graph seen through a `GraphView`,
 * starting at a root value, with backtracking over alternatives and over the two operand orders
 * of commutative ops. It yields every way the pattern matches; the driver takes the first one a
 * rule's `check` accepts. On no match it leaves the reason of the last mismatch, for tracing.
 */
import { attrToJs, attrEquals } from './attr-value.js';
import { isCommutative } from '../../ir/ops/traits.js';
import { standardOpCall } from '../../ir/ops/op-call.js';
import type { ConstBinding, PNode } from './pattern.js';
import type { TensorValue } from '../../ir/ops/types.js';
import { LatheError } from '../../ir/error.js';
import type { GraphView } from './view.js';
import type { Node, ValueId } from '../../ir/types.js';

/** One way a pattern matched: its bindings and the nodes it covered (root first). */
export interface Solution {
  readonly env: Readonly<Record<string, unknown>>;
  readonly nodes: readonly Node[];
}

export interface MatchState {
  /**
   * Why the last attempt failed (for `--trace-rules`). Most attempts fail and nobody reads why
   * unless the rule is traced, so the message is a thunk, built only when read.
   */
  failure: string | (() => string);
}

function label(node: Node): string {
  return node.name ? `${node.op} '${node.name}'` : `${node.op} (${node.id})`;
}

/** A constant binding whose elements are decoded on first use (a weight stays in its file otherwise). */
function lazyConst(id: ValueId, view: GraphView): ConstBinding {
  let t: TensorValue | undefined;
  return {
    id,
    get tensor(): TensorValue {
      t ??= view.constant(id);
      if (!t) throw new LatheError(`constant ${id} cannot be read`);
      return t;
    },
  };
}

function* bindValue(name: string, v: ValueId, s: Solution, st: MatchState): Generator<Solution> {
  const prev = s.env[name];
  if (prev === undefined) yield { env: { ...s.env, [name]: v }, nodes: s.nodes };
  else if (prev === v) yield s;
  else st.failure = () => `${name} would stand for two different values`;
}

function* matchOp(p: Extract<PNode, { kind: 'op' }>, v: ValueId, s: Solution, view: GraphView, st: MatchState): Generator<Solution> {
  const def = view.producer(v);
  if (!def) {
    st.failure = () => `${v} is not computed by a node of this graph (expected ${p.op})`;
    return;
  }
  const node = def.node;
  if (node.op !== p.op || node.domain !== p.domain) {
    st.failure = () => `expected ${p.op}, found ${label(node)}`;
    return;
  }
  // A call with an overload, or a node named like an ONNX op before that op's first opset (Gelu at
  // 17), calls a model-local function of that name: its body, not the ONNX op, says what it computes.
  if (node.overload !== undefined || (node.domain === '' && !standardOpCall(node, view.opset))) {
    st.failure = () => `${label(node)} calls a local function, not the ONNX op`;
    return;
  }
  if (def.index !== p.output) {
    st.failure = () => `${label(node)}: output ${def.index} is used, the pattern wants output ${p.output}`;
    return;
  }
  let arity = node.inputs.length;
  while (arity > 0 && node.inputs[arity - 1] === null) arity--;
  if (p.rest ? arity < p.inputs.length : arity !== p.inputs.length) {
    st.failure = () => `${label(node)} has ${arity} inputs, the pattern ${p.rest ? 'at least ' : ''}${p.inputs.length}`;
    return;
  }
  for (const [name, c] of Object.entries(p.attrs)) {
    const attr = node.attrs.find((a) => a.name === name);
    const value = attr && attrToJs(attr);
    if (c.kind === 'eq' && (value === undefined || !attrEquals(value, c.value))) {
      st.failure = () => `${label(node)}: attribute ${name} is ${value === undefined ? 'not set' : 'another value'}`;
      return;
    }
    if (c.kind === 'absent' && attr) {
      st.failure = () => `${label(node)}: attribute ${name} is set`;
      return;
    }
    if (c.kind === 'test' && !c.test(value)) {
      st.failure = () => `${label(node)}: attribute ${name} is not ${c.label}`;
      return;
    }
  }
  let env = s.env;
  for (const [name, c] of Object.entries(p.attrs)) {
    if (c.kind !== 'bind') continue;
    const attr = node.attrs.find((a) => a.name === name);
    env = { ...env, [c.name]: attr ? attrToJs(attr) : c.dflt };
  }
  if (p.bind !== undefined) {
    const prev = env[p.bind];
    if (prev !== undefined && prev !== node) {
      st.failure = () => `${p.bind} would stand for two different nodes`;
      return;
    }
    env = { ...env, [p.bind]: node };
  }
  const start: Solution = { env, nodes: s.nodes.includes(node) ? s.nodes : [...s.nodes, node] };
  // Before opset 7, `broadcast = 1` broadcasts only B onto A: such a node is not commutative.
  const legacyBroadcast = node.attrs.some((a) => a.name === 'broadcast' && a.kind === 'int' && a.value !== 0n);
  const orders = p.inputs.length === 2 && !legacyBroadcast && isCommutative(node.domain, node.op) ? [[0, 1], [1, 0]] : [p.inputs.map((_, i) => i)];
  for (const order of orders) yield* matchInputs(p.inputs, order, node, 0, start, view, st);
}

function* matchInputs(
  pats: readonly PNode[],
  order: readonly number[],
  node: Node,
  k: number,
  s: Solution,
  view: GraphView,
  st: MatchState,
): Generator<Solution> {
  if (k === pats.length) {
    yield s;
    return;
  }
  for (const next of matchValue(pats[k], node.inputs[order[k]], s, view, st)) yield* matchInputs(pats, order, node, k + 1, next, view, st);
}

/** Every way `p` matches the value `v` extending `s`. */
export function* matchValue(p: PNode, v: ValueId | null, s: Solution, view: GraphView, st: MatchState): Generator<Solution> {
  if (p.kind === 'any' || p.kind === 'rest') {
    yield s;
    return;
  }
  if (v === null) {
    st.failure = 'an omitted optional input';
    return;
  }
  switch (p.kind) {
    case 'var':
      yield* bindValue(p.name, v, s, st);
      return;
    case 'const': {
      // Only a test needs the elements; a binding reads them when the rule asks (lazily, once).
      if (!view.isConstant(v)) {
        st.failure = () => `${v} is not ${p.label}`;
        return;
      }
      if (p.test) {
        const t = view.constant(v);
        if (!t || !p.test(t)) {
          st.failure = () => `${v} is not ${p.label}`;
          return;
        }
      }
      if (p.name === undefined) yield s;
      else {
        const prev = s.env[p.name] as { id: ValueId } | undefined;
        if (prev === undefined) yield { env: { ...s.env, [p.name]: lazyConst(v, view) }, nodes: s.nodes };
        else if (prev.id === v) yield s;
        else st.failure = () => `${p.name} would stand for two different constants`;
      }
      return;
    }
    case 'op':
      yield* matchOp(p, v, s, view, st);
      return;
    case 'or':
      for (const alt of p.alts) yield* matchValue(alt, v, s, view, st);
      return;
  }
}

/** Matches a root pattern at `node` (any output of it, for an op pattern selecting `output`). */
export function* matchAt(root: PNode, node: Node, view: GraphView, st: MatchState): Generator<Solution> {
  const alts = root.kind === 'or' ? root.alts : [root];
  for (const alt of alts) {
    if (alt.kind !== 'op') continue;
    const v = node.outputs[alt.output];
    if (v === null || v === undefined) {
      st.failure = () => `${label(node)} has no output ${alt.output}`;
      continue;
    }
    yield* matchValue(alt, v, { env: {}, nodes: [] }, view, st);
  }
}

type OpPNode = Extract<PNode, { kind: 'op' }>;

/** What one operand pattern requires of the value it meets: computed by one of these ops, or a constant. */
type Need = { readonly ops: readonly (readonly [string, string])[] } | 'const';

/** What a root alternative needs of the node at hand, checkable without the matcher. */
interface Needs {
  readonly alt: OpPNode;
  /** Per operand pattern that requires something: one of the node's inputs must meet it. */
  readonly operands: readonly Need[];
}

const needsMemo = new WeakMap<PNode, readonly Needs[]>();

/** What a value pattern requires, or undefined when it takes values of other kinds too. */
function needOf(p: PNode): Need | undefined {
  if (p.kind === 'op') return { ops: [[p.domain, p.op]] };
  if (p.kind === 'const') return 'const';
  if (p.kind !== 'or') return undefined;
  const ops: (readonly [string, string])[] = [];
  for (const a of p.alts) {
    const n = needOf(a);
    if (n === undefined || n === 'const') return undefined;
    ops.push(...n.ops);
  }
  return { ops };
}

function needsOf(root: PNode): readonly Needs[] {
  let needs = needsMemo.get(root);
  if (!needs) {
    const alts = (root.kind === 'or' ? root.alts : [root]).filter((a): a is OpPNode => a.kind === 'op');
    needs = alts.map((alt) => ({ alt, operands: alt.inputs.map(needOf).filter((x) => x !== undefined) }));
    needsMemo.set(root, needs);
  }
  return needs;
}

/**
 * A node's operands as the quick test reads them: producer and constness of each input, looked up
 * once per node for all the rules tried there (the graph does not change until one fires).
 */
export class Operands {
  node!: Node;
  arity = 0;
  private readonly producers: (Node | null | undefined)[] = [];
  private readonly consts: (boolean | undefined)[] = [];

  constructor(
    node: Node,
    private readonly view: GraphView,
  ) {
    this.reset(node);
  }

  /** Starts over at `node` (one instance serves a whole sweep: no allocation per node). */
  reset(node: Node): this {
    this.node = node;
    let arity = node.inputs.length;
    while (arity > 0 && node.inputs[arity - 1] === null) arity--;
    this.arity = arity;
    this.producers.length = 0;
    this.consts.length = 0;
    return this;
  }

  producer(i: number): Node | null {
    let p = this.producers[i];
    if (p === undefined) {
      const v = this.node.inputs[i];
      p = (v === null ? undefined : this.view.producer(v)?.node) ?? null;
      this.producers[i] = p;
    }
    return p;
  }

  isConstant(i: number): boolean {
    let c = this.consts[i];
    if (c === undefined) {
      const v = this.node.inputs[i];
      this.consts[i] = c = v !== null && this.view.isConstant(v);
    }
    return c;
  }
}

function meets(need: Need, ops: Operands, i: number): boolean {
  if (need === 'const') return ops.isConstant(i);
  const p = ops.producer(i);
  return p !== null && need.ops.some(([d, o]) => p.op === o && p.domain === d);
}

/**
 * True when `matchAt(root, node, …)` cannot yield anything: for every root alternative, the node
 * has another op or arity, or an operand the pattern wants computed by some op (or constant) is met
 * by no input of the node (any input: commutative ops may swap). A cheap test the driver runs
 * before the matcher, whose generators cost far more on the nodes most rules never match.
 */
export function cannotMatch(root: PNode, ops: Operands): boolean {
  const { node, arity } = ops;
  outer: for (const { alt, operands } of needsOf(root)) {
    if (alt.op !== node.op || alt.domain !== node.domain) continue;
    if (alt.rest ? arity < alt.inputs.length : arity !== alt.inputs.length) continue;
    for (const need of operands) {
      let found = false;
      for (let i = 0; i < arity && !found; i++) found = node.inputs[i] !== null && meets(need, ops, i);
      if (!found) continue outer;
    }
    return false;
  }
  return true;
}
