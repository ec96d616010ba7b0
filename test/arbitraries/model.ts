/**
 * fast-check arbitrary of valid models: SSA, topologically sorted, typed, by construction.
 *
 * Operands are raw integers resolved modulo the number of values available at that point
 * (fast-check's `position % (n + 1)` idiom), so every draw is a valid DAG and shrinking moves
 * towards fewer nodes and earlier operands. All tensors share one square float shape [d, d], so
 * every op here is shape-preserving (Transpose perm is [0,1] or [1,0]). `If` nodes (fc.letrec,
 * depthSize 'small') take the bool input `cond` and have branches that read outer values.
 */
import fc from 'fast-check';
import { GraphBuilder, modelOf, tensorType } from '../../ir/edit/build.js';
import type { Model, Tensor, ValueId } from '../../ir/types.js';

export const unaryOps = ['Relu', 'Neg', 'Identity', 'Sigmoid', 'Tanh', 'Abs'] as const;
export const binaryOps = ['Add', 'Mul', 'Sub'] as const;

export type Step =
  | { kind: 'unary'; op: (typeof unaryOps)[number]; a: number }
  | { kind: 'binary'; op: (typeof binaryOps)[number]; a: number; b: number }
  | { kind: 'leaky'; a: number; alpha: number }
  | { kind: 'transpose'; a: number; swap: boolean }
  | { kind: 'softmax'; a: number; axis: number }
  | { kind: 'if'; then: Step[]; else: Step[] };

export interface ModelSpec {
  size: number;
  inputs: number;
  initializers: number[][];
  steps: Step[];
  outputs: number[];
}

export interface ArbModelOptions {
  maxNodes?: number;
  maxInputs?: number;
  /** Allow `If` nodes with branch subgraphs (default true). */
  withIf?: boolean;
  /** Allow initializers (default true). */
  withInitializers?: boolean;
}

const operand = fc.nat({ max: 1 << 16 });

function leafStep(): fc.Arbitrary<Step> {
  return fc.oneof(
    fc.record({ kind: fc.constant('unary' as const), op: fc.constantFrom(...unaryOps), a: operand }),
    fc.record({ kind: fc.constant('binary' as const), op: fc.constantFrom(...binaryOps), a: operand, b: operand }),
    fc.record({ kind: fc.constant('leaky' as const), a: operand, alpha: fc.constantFrom(0.01, 0.1, 0.2, 0.5) }),
    fc.record({ kind: fc.constant('transpose' as const), a: operand, swap: fc.boolean() }),
    fc.record({ kind: fc.constant('softmax' as const), a: operand, axis: fc.constantFrom(-1, 0, 1) }),
  );
}

/** Steps for a graph body; `If` steps nest (depth kept small by fast-check's depthSize). */
export function arbSteps(maxNodes: number, withIf: boolean): fc.Arbitrary<Step[]> {
  if (!withIf) return fc.array(leafStep(), { maxLength: maxNodes });
  const { steps } = fc.letrec<{ steps: Step[]; branch: Step[]; step: Step }>((tie) => ({
    step: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      leafStep(),
      fc.record({ kind: fc.constant('if' as const), then: tie('branch'), else: tie('branch') }) as fc.Arbitrary<Step>,
    ),
    branch: fc.array(tie('step'), { minLength: 1, maxLength: 3 }),
    steps: fc.array(tie('step'), { maxLength: maxNodes }),
  }));
  return steps;
}

export function arbModelSpec(options: ArbModelOptions = {}): fc.Arbitrary<ModelSpec> {
  const { maxNodes = 12, maxInputs = 3, withIf = true, withInitializers = true } = options;
  return fc
    .integer({ min: 1, max: 3 })
    .chain((size) =>
      fc.record({
        size: fc.constant(size),
        inputs: fc.integer({ min: 1, max: maxInputs }),
        initializers: withInitializers
          ? fc.array(fc.array(fc.float({ min: -4, max: 4, noNaN: true, noDefaultInfinity: true }), { minLength: size * size, maxLength: size * size }), { maxLength: 2 })
          : fc.constant([]),
        steps: arbSteps(maxNodes, withIf),
        outputs: fc.array(operand, { minLength: 0, maxLength: 2 }),
      }),
    );
}

/** The model a spec describes (deterministic). */
export function buildModel(spec: ModelSpec): Model {
  const b = new GraphBuilder('main');
  const type = tensorType(1, [spec.size, spec.size]);
  const avail: ValueId[] = [];
  for (let i = 0; i < spec.inputs; i++) avail.push(b.input(`x${i}`, type));
  const needsCond = hasIf(spec.steps);
  const cond = needsCond ? b.input('cond', tensorType(9, [])) : undefined;
  spec.initializers.forEach((vals, i) => avail.push(b.initializer(`w${i}`, floatTensor([spec.size, spec.size], vals))));
  const firstLocal = avail.length;
  emitSteps(b, spec.steps, avail, type, cond);
  const local = avail.slice(firstLocal);
  const outs: ValueId[] = [];
  const pick = (v: ValueId) => {
    if (!outs.includes(v)) outs.push(v);
  };
  if (local.length === 0) pick(avail[0]);
  else {
    pick(local[local.length - 1]);
    for (const o of spec.outputs) pick(local[o % local.length]);
  }
  outs.forEach((v, i) => {
    // Graph inputs keep their names; node outputs are named y<i>.
    if (local.includes(v)) b.output(v, `y${i}`, type);
    else b.output(v);
  });
  return modelOf(b.build(), [{ domain: '', version: 17 }]);
}

function hasIf(steps: readonly Step[]): boolean {
  const stack = [...steps];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (s.kind === 'if') return true;
  }
  return false;
}

function emitSteps(b: GraphBuilder, steps: readonly Step[], avail: ValueId[], type: ReturnType<typeof tensorType>, cond: ValueId | undefined) {
  const at = (i: number) => avail[i % avail.length];
  const types = [type];
  for (const s of steps) {
    switch (s.kind) {
      case 'unary':
        avail.push(b.op(s.op, [at(s.a)], undefined, { types }));
        break;
      case 'binary':
        avail.push(b.op(s.op, [at(s.a), at(s.b)], undefined, { types }));
        break;
      case 'leaky':
        avail.push(b.op('LeakyRelu', [at(s.a)], { alpha: s.alpha }, { types }));
        break;
      case 'transpose':
        avail.push(b.op('Transpose', [at(s.a)], { perm: s.swap ? [1n, 0n] : [0n, 1n] }, { types }));
        break;
      case 'softmax':
        avail.push(b.op('Softmax', [at(s.a)], { axis: BigInt(s.axis) }, { types }));
        break;
      case 'if': {
        const branch = (name: string, body: readonly Step[]) => {
          const sb = b.subgraph(name);
          const inner = [...avail];
          emitSteps(sb, body, inner, type, cond);
          sb.output(inner[inner.length - 1], undefined, type);
          return sb.build();
        };
        const thenG = branch('then', s.then);
        const elseG = branch('else', s.else);
        avail.push(b.op('If', [cond!], { then_branch: thenG, else_branch: elseG }, { types }));
        break;
      }
    }
  }
}

/** A float32 tensor with raw little-endian bytes. */
export function floatTensor(dims: readonly number[], values: readonly number[]): Tensor {
  const f = new Float32Array(values);
  return { dtype: 1, dims: [...dims], data: { kind: 'raw', bytes: new Uint8Array(f.buffer) } };
}

/** Valid models (see the module comment). */
export function arbModel(options: ArbModelOptions = {}): fc.Arbitrary<Model> {
  return arbModelSpec(options).map(buildModel);
}

export * from './invalid-models.js';
