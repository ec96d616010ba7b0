/**
 * The pattern vocabulary of the rewriter (DESIGN.md "The rewrite-pattern API"): patterns are
 * written like ONNX (`op.Add(op.MatMul(a, b), c)`), variables are named explicitly
 * (`P.vars('a', 'b')`), and each pattern's type carries what a match of it binds, so `check` and
 * `rewrite` using a name the pattern does not bind is a type error (egg's "unbound var" check,
 * moved to the type checker).
 *
 * Patterns are plain data (a tree of `PNode`); the matcher (match.ts) interprets them.
 */
import type { Attr, Graph, Node, Tensor, ValueId } from '../../ir/types.js';
import type { TensorValue } from '../../ir/ops/types.js';
import { normalizeDomain } from '../../ir/domain.js';
import { LatheError } from '../../ir/error.js';

/** A constant matched by `P.const`: the value and its elements. */
export interface ConstBinding {
  readonly id: ValueId;
  readonly tensor: TensorValue;
}

/** A JavaScript view of an attribute value (ints as bigint, graphs and tensors as IR data). */
export type AttrValue = number | bigint | string | Tensor | Graph | readonly number[] | readonly bigint[] | readonly string[] | Attr;

/** How one attribute of an op pattern is constrained. */
export type AttrConstraint =
  /** Present and equal (ints compare numerically with numbers; lists element-wise). */
  | { readonly kind: 'eq'; readonly value: AttrValue }
  /** Binds the value (or `dflt` when absent; absent without a default binds undefined). */
  | { readonly kind: 'bind'; readonly name: string; readonly dflt?: AttrValue }
  /** Not present on the node. */
  | { readonly kind: 'absent' }
  /** A predicate over the value (undefined when absent). */
  | { readonly kind: 'test'; readonly label: string; readonly test: (v: AttrValue | undefined) => boolean };

/** The runtime form of a pattern. */
export type PNode =
  | { readonly kind: 'var'; readonly name: string }
  | { readonly kind: 'any' }
  | {
      readonly kind: 'const';
      readonly name?: string;
      readonly label: string;
      readonly test?: (t: TensorValue) => boolean;
      /** A value every element may take to pass `test` (the number of `P.const(n)`, or a predicate's `example`): generators plant it. */
      readonly example?: number;
    }
  | {
      readonly kind: 'op';
      readonly op: string;
      readonly domain: string;
      readonly inputs: readonly PNode[];
      readonly attrs: Readonly<Record<string, AttrConstraint>>;
      /** Which output of the node the pattern's value is (default 0). */
      readonly output: number;
      /** Binds the matched node under this name. */
      readonly bind?: string;
      /** `P.rest()` ended the inputs: the node may have more inputs than the pattern lists. */
      readonly rest?: boolean;
    }
  | { readonly kind: 'rest' }
  | { readonly kind: 'or'; readonly alts: readonly PNode[] };

/** A pattern whose matches bind `B` (a record of names to ValueId, ConstBinding, Node, AttrValue). */
export interface Pattern<B = unknown> {
  readonly node: PNode;
  /** Phantom: the bindings' type. */
  readonly __bindings?: B;
}

/** An op pattern: can bind its node (`.as('n')`) and select another output (`.out(1)`). */
export interface OpPattern<B = unknown> extends Pattern<B> {
  as<N extends string>(name: N): OpPattern<B & { readonly [K in N]: Node }>;
  out(index: number): OpPattern<B>;
}

type Bindings<P> = P extends Pattern<infer B> ? (unknown extends B ? {} : B) : {};
type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;
/** The bindings of a list of patterns, merged. */
export type BindingsOf<Ps extends readonly Pattern<unknown>[]> = UnionToIntersection<{ [K in keyof Ps]: Bindings<Ps[K]> }[number]> & {};

/** Attribute constraints of an op pattern: literals mean "present and equal". */
export type AttrSpec = Readonly<Record<string, AttrValue | AttrPattern<unknown>>>;
/** An attribute constraint made by `P.attr`, `P.absent`, `P.attrTest`. */
export interface AttrPattern<B> {
  readonly attr: AttrConstraint;
  readonly __bindings?: B;
}
type AttrBindings<S> = UnionToIntersection<{ [K in keyof S]: S[K] extends AttrPattern<infer B> ? (unknown extends B ? {} : B) : {} }[keyof S]> & {};

function isPattern(x: unknown): x is Pattern<unknown> {
  return typeof x === 'object' && x !== null && 'node' in x && typeof (x as { node: unknown }).node === 'object';
}

function isAttrPattern(x: unknown): x is AttrPattern<unknown> {
  return typeof x === 'object' && x !== null && 'attr' in x && !Array.isArray(x);
}

function opPattern<B>(node: Extract<PNode, { kind: 'op' }>): OpPattern<B> {
  return {
    node,
    as: (name) => opPattern({ ...node, bind: name }),
    out: (index) => opPattern({ ...node, output: index }),
  };
}

/** Builds `op.X(...inputs, attrs?)` patterns for one domain. */
function opBuilder(domain: string) {
  return (op: string) =>
    (...args: unknown[]) => {
      const last = args[args.length - 1];
      const hasAttrs = args.length > 0 && !isPattern(last);
      let inputs = (hasAttrs ? args.slice(0, -1) : args) as Pattern<unknown>[];
      const rest = inputs.length > 0 && inputs[inputs.length - 1].node.kind === 'rest';
      if (rest) inputs = inputs.slice(0, -1);
      if (inputs.some((p) => p.node.kind === 'rest')) throw new LatheError(`op.${op}: P.rest() must be the last input`);
      const spec = (hasAttrs ? last : {}) as AttrSpec;
      const attrs: Record<string, AttrConstraint> = Object.create(null);
      for (const [name, c] of Object.entries(spec)) attrs[name] = isAttrPattern(c) ? c.attr : { kind: 'eq', value: c as AttrValue };
      return opPattern({ kind: 'op', op, domain, inputs: inputs.map((p) => p.node), attrs, output: 0, ...(rest && { rest }) });
    };
}

/** What one argument of `op.X(...)` binds: a pattern its bindings, an attribute spec its attribute bindings. */
type ArgBindings<A> = A extends Pattern<unknown> ? Bindings<A> : AttrBindings<A>;

/** `op.MatMul(a, b)`, `op.Transpose(x, { perm: [1n, 0n] })`: any op of one domain, by name. */
export type OpFactory = {
  readonly [op: string]: <const A extends readonly (Pattern<unknown> | AttrSpec)[]>(
    ...args: A
  ) => OpPattern<UnionToIntersection<{ [K in keyof A]: ArgBindings<A[K]> }[number]> & {}>;
};

function makeOpFactory(domain: string): OpFactory {
  const build = opBuilder(domain);
  return new Proxy(Object.create(null) as OpFactory, { get: (_t, name) => (typeof name === 'string' ? build(name) : undefined) });
}

/** Op patterns in the ONNX domain. */
export const op: OpFactory = makeOpFactory('');
/** Op patterns in another domain: `opIn('com.microsoft').FusedMatMul(a, b)`. */
export const opIn = (domain: string): OpFactory => makeOpFactory(normalizeDomain(domain));

/** A named variable: matches any value and binds its id (the same name twice must be the same value). */
export type Var<N extends string> = Pattern<{ readonly [K in N]: ValueId }>;

function constTest(value: number | ((t: TensorValue) => boolean) | undefined): ((t: TensorValue) => boolean) | undefined {
  if (value === undefined || typeof value === 'function') return value;
  return (t) => {
    if (Array.isArray(t.data) || t.data.length === 0 || t.data.length > 1 << 16) return false;
    for (let i = 0; i < t.data.length; i++) if (Number(t.data[i]) !== value) return false;
    return true;
  };
}

/** The example value of a constant test: the number itself, or a predicate's numeric `example` property. */
function exampleOf(value: number | ((t: TensorValue) => boolean) | undefined): { example?: number } {
  if (typeof value === 'number') return { example: value };
  const e = (value as { example?: unknown } | undefined)?.example;
  return typeof e === 'number' ? { example: e } : {};
}

/** A literal default's type widened (`0n` binds a bigint, not the type 0n). */
type Widen<T> = T extends bigint ? bigint : T extends number ? number : T extends string ? string : T;

/** The pattern constructors other than ops. */
export const P = {
  /** One variable. */
  var<N extends string>(name: N): Var<N> {
    return { node: { kind: 'var', name } };
  },
  /** Several variables at once: `const [a, b] = P.vars('a', 'b')`. */
  vars<const Ns extends readonly string[]>(...names: Ns): { [K in keyof Ns]: Var<Ns[K] & string> } {
    return names.map((name) => ({ node: { kind: 'var', name } })) as { [K in keyof Ns]: Var<Ns[K] & string> };
  },
  /** Any value; binds nothing. */
  any(): Pattern<{}> {
    return { node: { kind: 'any' } };
  },
  /**
   * A constant (an initializer that is not a graph input, or a Constant node's output). With a
   * number: every element equals it (`P.const(0)`); with a predicate: it holds (give the
   * predicate a numeric `example` property so `arbModel({ around })` can plant a passing value).
   * Binds nothing.
   */
  const(value?: number | ((t: TensorValue) => boolean)): Pattern<{}> {
    const test = constTest(value);
    return { node: { kind: 'const', label: value === undefined ? 'a constant' : typeof value === 'number' ? `the constant ${value}` : 'a constant that passes the test', ...(test && { test }), ...exampleOf(value) } };
  },
  /** A constant bound under `name` (its id and elements), optionally tested. */
  constVar<N extends string>(name: N, value?: number | ((t: TensorValue) => boolean)): Pattern<{ readonly [K in N]: ConstBinding }> {
    const test = constTest(value);
    return { node: { kind: 'const', name, label: `constant ${name}`, ...(test && { test }), ...exampleOf(value) } };
  },
  /** As the last input of an op pattern: any further inputs (variadic ops: Concat, Sum …). */
  rest(): Pattern<{}> {
    return { node: { kind: 'rest' } };
  },
  /** Alternatives, tried in order; each must bind the same names. */
  or<const Ps extends readonly Pattern<unknown>[]>(...alts: Ps): Pattern<Bindings<Ps[number]>> {
    return { node: { kind: 'or', alts: alts.map((p) => p.node) } };
  },
  /** Binds an attribute's value (or `dflt` when the node does not set it). */
  attr<N extends string, T extends AttrValue = AttrValue>(name: N, dflt?: T): AttrPattern<{ readonly [K in N]: Widen<T> }> {
    return { attr: { kind: 'bind', name, ...(dflt !== undefined && { dflt }) } };
  },
  /** The attribute must not be set. */
  absent: { attr: { kind: 'absent' } } as AttrPattern<{}>,
  /** A predicate over the attribute value (undefined when absent). */
  attrTest(label: string, test: (v: AttrValue | undefined) => boolean): AttrPattern<{}> {
    return { attr: { kind: 'test', label, test } };
  },
};
