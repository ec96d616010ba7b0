/**
 * fast-check arbitrary of valid models: SSA, topologically sorted, typed, by construction.
 *
 * Operands are raw integers resolved modulo the number of values available at that point
 * (fast-check's `position % (n + 1)` idiom), so every draw is a valid DAG and shrinking moves
 * towards fewer nodes and earlier operands. All tensors share one square float shape [d, d], so
 * every op here is shape-preserving (Transpose perm is [0,1] or [1,0]). `If` nodes (fc.letrec,
 * depthSize 'small') take the bool input `cond` and have branches that read outer values.
 *
 * Type notes decorate the types of some graph inputs and node outputs with what a binary round
 * trip must carry and nothing else exercises: a type denotation, per-dim denotations and unknown
 * TypeProto fields; a graph may also carry a quantization annotation.
 */
import fc from 'fast-check';
import { float } from '../../ir/attrs.js';
import { GraphBuilder, modelOf, tensorType } from '../../ir/edit/build.js';
import type { Model, Tensor, Type, ValueId } from '../../ir/types.js';

export const unaryOps = ['Relu', 'Neg', 'Identity', 'Sigmoid', 'Tanh', 'Abs'] as const;
export const binaryOps = ['Add', 'Mul', 'Sub'] as const;

export type Step =
  | { kind: 'unary'; op: (typeof unaryOps)[number]; a: number }
  | { kind: 'binary'; op: (typeof binaryOps)[number]; a: number; b: number }
  | { kind: 'leaky'; a: number; alpha: number }
  | { kind: 'transpose'; a: number; swap: boolean }
  | { kind: 'softmax'; a: number; axis: number }
  | { kind: 'if'; then: Step[]; else: Step[] };

/** Extra facts on the type of one main-graph value (an input or a node output). */
export interface TypeNote {
  /** Which value: index into inputs then node outputs, modulo their number. */
  target: number;
  /** TypeProto.denotation. */
  denotation?: string;
  /** Per-dim denotations (undefined leaves a dim without one). */
  dims?: (string | undefined)[];
  /** Unknown TypeProto fields, encoded (tag + payload). */
  unknown?: Uint8Array[];
}

export interface ModelSpec {
  size: number;
  inputs: number;
  initializers: number[][];
  steps: Step[];
  outputs: number[];
  notes: TypeNote[];
  /** A quantization annotation on the main graph: tensor and scale, both operands into the values. */
  quantization: { tensor: number; scale: number } | null;
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

/**
 * An unknown TypeProto field (numbers TypeProto does not use): a varint (field 15) or a
 * length-delimited payload (field 100, tag 0xa2 0x06).
 */
const unknownField: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.integer({ min: 0, max: 127 }).map((v) => Uint8Array.of(15 << 3, v)),
  fc.uint8Array({ maxLength: 4 }).map((b) => Uint8Array.of(0xa2, 0x06, b.length, ...b)),
);

const denotationName = fc.constantFrom('TENSOR', 'IMAGE', 'AUDIO', 'TEXT');
const dimDenotationName = fc.constantFrom('DATA_BATCH', 'DATA_CHANNEL', 'DATA_FEATURE');

function arbTypeNote(): fc.Arbitrary<TypeNote> {
  return fc.record(
    {
      target: operand,
      denotation: denotationName,
      dims: fc.array(fc.option(dimDenotationName, { nil: undefined }), { minLength: 2, maxLength: 2 }).filter((d) => d.some((x) => x !== undefined)),
      unknown: fc.array(unknownField, { minLength: 1, maxLength: 2 }),
    },
    { requiredKeys: ['target'] },
  );
}

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
        notes: fc.array(arbTypeNote(), { maxLength: 3 }),
        quantization: fc.option(fc.record({ tensor: operand, scale: operand }), { freq: 3 }),
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
  // Notes go on inputs and node outputs (an initializer's type comes from its tensor).
  const typable = [...avail.slice(0, spec.inputs), ...local];
  for (const n of spec.notes) {
    const v = typable[n.target % typable.length];
    const t: Type = { ...type };
    if (n.denotation !== undefined) (t as { denotation?: string }).denotation = n.denotation;
    if (n.dims !== undefined) (t as { dimDenotations?: (string | undefined)[] }).dimDenotations = n.dims;
    if (n.unknown !== undefined) (t as { extra?: Uint8Array[] }).extra = n.unknown;
    b.setType(v, t);
  }
  const g = b.build();
  const named = avail.map((v) => g.values[v]?.name).filter((x): x is string => x !== undefined);
  const quantization = spec.quantization && named.length > 0
    ? [{ tensor: named[spec.quantization.tensor % named.length]!, params: [{ key: 'SCALE_TENSOR', value: named[spec.quantization.scale % named.length]! }] }]
    : undefined;
  return modelOf(quantization ? { ...g, quantization } : g, [{ domain: '', version: 17 }]);
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
        avail.push(b.op('LeakyRelu', [at(s.a)], { alpha: float(s.alpha) }, { types }));
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
