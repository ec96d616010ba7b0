import { describe, expect, it } from 'vitest';
import { float } from '../../ir/attrs.js';
import { evaluate } from '../../ir/eval/index.js';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import type { Model, Node, ValueId } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { applyRules, type RuleTraceEvent } from './driver.js';
import { P, op } from './pattern.js';
import { defineRule, fail, rule, ruleGlob, ruleSet, type Rule } from './rule.js';

const [a, b, c, x] = P.vars('a', 'b', 'c', 'x');

/** Add(MatMul(a, b), c) → Gemm(a, b, c) when both operands are 2-D (the test's own rule). */
const matmulAdd = defineRule({
  name: 'matmul-add-to-gemm',
  match: op.Add(op.MatMul(a, b), c),
  check: (m, g) => (g.view.shape(m.a)?.length === 2 && g.view.shape(m.b)?.length === 2 ? { rank: 2 } : fail('MatMul operands are not 2-D', m.a, m.b)),
  rewrite: (m, emit, data) => (data.rank === 2 ? emit.op('Gemm', [m.a, m.b, m.c]) : null),
});
const doubleNeg = rule('double-neg', op.Neg(op.Neg(x)), (m) => m.x); // --x → x
const addZero = rule('add-zero', op.Add(x, P.const(0)), (m) => m.x); // x + 0 → x (test rule)

function run(model: Model, rules: readonly Rule[], options: Parameters<typeof applyRules>[2] = {}) {
  const out = applyRules(model, ruleSet(rules), options);
  expect(verify(out.model).filter((d) => d.severity === 'error')).toEqual([]);
  return out;
}

const ops = (m: Model): string[] => m.graph.order.map((id) => m.graph.nodes[id].op);

function sameOutputs(before: Model, after: Model, inputs: Parameters<typeof evaluate>[1]): void {
  const x0 = evaluate(before, inputs);
  const x1 = evaluate(after, inputs);
  expect([...x1.keys()]).toEqual([...x0.keys()]);
  for (const [k, v] of x0) expect(x1.get(k)).toEqual(v);
}

const gemmModel = (addOperands: string) =>
  parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] p, float[3,4] q, float[4] r) => (float[2,4] y) {
  t = MatMul (p, q)
  y = Add (${addOperands})
}`);

describe('pattern matching', () => {
  it('matches both operand orders of a commutative root and rewrites through the emitter', () => {
    for (const operands of ['t, r', 'r, t']) {
      const m = gemmModel(operands);
      const { model, rewrites, stop } = run(m, [matmulAdd]);
      expect(rewrites).toBe(1);
      expect(stop).toBe('converged');
      expect(ops(model)).toEqual(['Gemm']);
      const gemm = Object.values(model.graph.nodes)[0];
      expect(gemm.meta).toEqual([{ key: 'lathe.rule', value: 'matmul-add-to-gemm' }]);
      // The graph output keeps its name and type.
      const out = model.graph.values[model.graph.outputs[0]];
      expect(out.name).toBe('y');
      expect(out.type).toEqual({ kind: 'tensor', dtype: 1, shape: [2, 4] });
      const feeds = {
        p: { kind: 'tensor', dtype: 1, dims: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) },
        q: { kind: 'tensor', dtype: 1, dims: [3, 4], data: Float32Array.from({ length: 12 }, (_, i) => i - 5) },
        r: { kind: 'tensor', dtype: 1, dims: [4], data: Float32Array.from([1, -1, 0.5, 2]) },
      } as const;
      sameOutputs(m, model, feeds);
    }
  });

  it('declines with the check reason, and the trace says so', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[5,2,3] p, float[3,4] q, float[4] r) => (y) {
  t = MatMul (p, q)
  y = Add (t, r)
}`);
    const events: RuleTraceEvent[] = [];
    const { model, rewrites } = run(m, [matmulAdd], { traced: () => true, trace: (e) => events.push(e) });
    expect(rewrites).toBe(0);
    expect(model).toBe(m);
    expect(events).toEqual([expect.objectContaining({ rule: 'matmul-add-to-gemm', op: 'Add', fired: false, reason: 'MatMul operands are not 2-D' })]);
  });

  it('reports the structural mismatch when the pattern does not match', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] p, float[4] r) => (y) {
  t = Relu (p)
  y = Add (t, r)
}`);
    const events: RuleTraceEvent[] = [];
    run(m, [matmulAdd], { traced: (n) => n === 'matmul-add-to-gemm', trace: (e) => events.push(e) });
    expect(events).toHaveLength(1);
    expect(events[0].reason).toMatch(/expected MatMul/);
  });

  it('keeps an intermediate that is read elsewhere or is a graph output (no duplicated work)', () => {
    for (const text of [
      `g (float[2,3] p, float[3,4] q, float[4] r) => (y, z) { t = MatMul (p, q)  y = Add (t, r)  z = Relu (t) }`,
      `g (float[2,3] p, float[3,4] q, float[4] r) => (y, t) { t = MatMul (p, q)  y = Add (t, r) }`,
    ]) {
      const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>\n${text}`);
      const events: RuleTraceEvent[] = [];
      const { rewrites } = run(m, [matmulAdd], { traced: () => true, trace: (e) => events.push(e) });
      expect(rewrites).toBe(0);
      expect(events[0].reason).toMatch(/intermediate value t is used outside the match/);
    }
  });

  it('a rule that allows shared intermediates keeps them alive', () => {
    const shared = defineRule({
      name: 'shared',
      match: op.Add(op.MatMul(a, b), c),
      sharedIntermediates: true,
      rewrite: (m, emit) => emit.op('Gemm', [m.a, m.b, m.c]),
    });
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] p, float[3,4] q, float[4] r) => (y, z) { t = MatMul (p, q)  y = Add (t, r)  z = Relu (t) }`);
    const { model } = run(m, [shared]);
    expect(ops(model).sort()).toEqual(['Gemm', 'MatMul', 'Relu']);
  });

  it('binds a variable once: Mul(x, Sigmoid(x)) needs the same value twice', () => {
    const swish = rule('mul-sigmoid', op.Mul(x, op.Sigmoid(x)), (m, emit) => emit.op('Swish', [m.x], {}, { domain: 'test' }));
    const same = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1]>
g (float[4] p) => (y) { s = Sigmoid (p)  y = Mul (s, p) }`);
    expect(run(same, [swish]).rewrites).toBe(1);
    const other = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1]>
g (float[4] p, float[4] q) => (y) { s = Sigmoid (q)  y = Mul (p, s) }`);
    expect(run(other, [swish]).rewrites).toBe(0);
  });

  it('attribute constraints: literals, bindings with defaults, absence', () => {
    const perm = rule(
      'transpose-transpose',
      op.Transpose(op.Transpose(x, { perm: P.attr('p1') }), { perm: P.attr('p2') }),
      (m, emit) => {
        const p1 = m.p1 as readonly bigint[];
        const p2 = m.p2 as readonly bigint[];
        const composed = p2.map((i) => p1[Number(i)]);
        return composed.every((v, i) => v === BigInt(i)) ? m.x : emit.op('Transpose', [m.x], { perm: composed });
      },
    );
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3,4] p) => (y) { t = Transpose <perm = [1, 2, 0]> (p)  y = Transpose <perm = [2, 0, 1]> (t) }`);
    const { model } = run(m, [perm]);
    expect(ops(model)).toEqual(['Identity']); // y is an output and p an input: the name needs a node
    const lit = rule('gemm-plain', op.Gemm(a, b, c, { transA: 0, transB: P.absent, alpha: P.attr('alpha', 1) }), (m, emit) =>
      m.alpha === 1 ? emit.op('Gemm', [m.a, m.b, m.c], { beta: float(1) }) : null,
    );
    const g1 = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] p, float[3,4] q, float[4] r) => (y) { y = Gemm <transA = 0> (p, q, r) }`);
    expect(run(g1, [lit]).rewrites).toBe(1);
    const g2 = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] p, float[4,3] q, float[4] r) => (y) { y = Gemm <transA = 0, transB = 1> (p, q, r) }`);
    expect(run(g2, [lit]).rewrites).toBe(0);
    const g3 = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] p, float[3,4] q, float[4] r) => (y) { y = Gemm (p, q, r) }`);
    expect(run(g3, [lit]).rewrites).toBe(0); // transA = 0 is a literal: it must be present
  });

  it('constants: initializers and Constant nodes, never an initializer that is also a graph input', () => {
    const init = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) <float[3] z = {0, 0, 0}> { s = Relu (p)  y = Add (s, z) }`);
    expect(ops(run(init, [addZero]).model)).toEqual(['Relu']);
    const node = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) { z = Constant <value_float = 0.0> ()  s = Relu (p)  y = Add (s, z) }`);
    // The Constant fed only the rewritten Add: it goes with it.
    expect(ops(run(node, [addZero]).model)).toEqual(['Relu']);
    const shared = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y, z) { z = Constant <value_float = 0.0> ()  s = Relu (p)  y = Add (s, z) }`);
    expect(ops(run(shared, [addZero]).model)).toEqual(['Constant', 'Relu']);
    const nonzero = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) <float[3] z = {0, 1, 0}> { s = Relu (p)  y = Add (s, z) }`);
    expect(run(nonzero, [addZero]).rewrites).toBe(0);
    const overridable = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p, float[3] z) => (y) <float[3] z = {0, 0, 0}> { s = Relu (p)  y = Add (s, z) }`);
    expect(run(overridable, [addZero]).rewrites).toBe(0);
  });

  it('alternatives: P.or at the root and inside', () => {
    const act = rule('relu-or-sigmoid-of-neg', P.or(op.Relu(op.Neg(x)), op.Sigmoid(op.Neg(x))), (_m, emit) => emit.root.outputs[0] as ValueId);
    expect(ruleSet([act]).byRoot.has('::Relu')).toBe(true);
    expect(ruleSet([act]).byRoot.has('::Sigmoid')).toBe(true);
    const inner = rule('neg-of-relu-or-abs', op.Neg(P.or(op.Relu(x), op.Abs(x))), (m, emit) => emit.op('Neg', [m.x]));
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) { s = Abs (p)  y = Neg (s) }`);
    expect(ops(run(m, [inner]).model)).toEqual(['Neg']);
  });

  it('greedy runs to a fixed point; walk makes one sweep', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) { s = Relu (p)  n1 = Neg (s)  n2 = Neg (n1)  n3 = Neg (n2)  n4 = Neg (n3)  y = Relu (n4) }`);
    expect(ops(run(m, [doubleNeg]).model)).toEqual(['Relu', 'Relu']);
    const walked = run(m, [doubleNeg], { mode: 'walk' });
    expect(walked.stop).toBe('converged');
    expect(ops(walked.model).filter((o) => o === 'Neg').length).toBeLessThan(4);
  });

  it('stops rules that undo each other at the sweep limit and says so', () => {
    const there = rule('relu-to-abs', op.Relu(x), (m, emit) => emit.op('Abs', [m.x]));
    const back = rule('abs-to-relu', op.Abs(x), (m, emit) => emit.op('Relu', [m.x]));
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) { y = Relu (p) }`);
    const { stop, rewrites } = run(m, [there, back], { maxSweeps: 5 });
    expect(stop).toBe('max-sweeps');
    expect(rewrites).toBeGreaterThanOrEqual(5);
    expect(run(m, [there, back], { maxRewrites: 3 }).stop).toBe('max-rewrites');
  });

  it('disabled rules and provenance off', () => {
    const m = gemmModel('t, r');
    expect(run(m, [matmulAdd], { disabled: ruleGlob('*-to-gemm') }).rewrites).toBe(0);
    expect(run(m, [matmulAdd], { disabled: ruleGlob('gelu-*') }).rewrites).toBe(1);
    const bare = run(m, [matmulAdd], { provenance: false }).model;
    expect(Object.values(bare.graph.nodes).map((n: Node) => n.meta)).toEqual([undefined]);
  });

  it('a rule needing a newer opset declines and says which', () => {
    const needs = rule('needs-20', op.Relu(x), (m, emit) => emit.op('Gelu', [m.x]), { minOpset: 20 });
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) { y = Relu (p) }`);
    const events: RuleTraceEvent[] = [];
    expect(run(m, [needs], { traced: () => true, trace: (e) => events.push(e) }).rewrites).toBe(0);
    expect(events[0].reason).toBe('needs ONNX opset 20, the graph imports 17');
  });

  it('multi-output roots: every output replaced', () => {
    const splitNeg = rule('split-of-neg', op.Split(op.Neg(x), { axis: 0 }), (m, emit) => {
      const [s0, s1] = emit.ops('Split', [m.x], { axis: 0n }, 2);
      return [emit.op('Neg', [s0]), emit.op('Neg', [s1])];
    });
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4] p) => (y0, y1) { n = Neg (p)  y0, y1 = Split <axis = 0> (n) }`);
    const { model } = run(m, [splitNeg]);
    expect(ops(model).sort()).toEqual(['Neg', 'Neg', 'Split']);
    sameOutputs(m, model, { p: { kind: 'tensor', dtype: 1, dims: [4], data: Float32Array.from([1, -2, 3, -4]) } });
  });

  it('rewrites inside subgraphs and function bodies; constants in functions are Constant nodes', () => {
    const negZero = rule('neg-to-sub', op.Neg(x), (m, emit) =>
      emit.op('Sub', [emit.constant({ kind: 'tensor', dtype: 1, dims: [], data: Float32Array.of(0) }), m.x]),
    );
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (bool c, float[3] p) => (y, z) {
  y = If (c) <then_branch = t () => (o1) { o1 = Neg (p) }, else_branch = e () => (o2) { o2 = Relu (p) }>
  z = local.F (p)
}
<domain: "local", opset_import: ["" : 17]>
F (a) => (b) { b = Neg (a) }`);
    const { model, rewrites } = run(m, [negZero], { mode: 'walk' });
    expect(rewrites).toBe(2);
    const text = printModel(model);
    expect(text).not.toMatch(/Neg/);
    expect(model.functions[0].graph.order.map((id) => model.functions[0].graph.nodes[id].op)).toEqual(['Constant', 'Sub']);
    const feeds = { c: { kind: 'tensor', dtype: 9, dims: [], data: Uint8Array.of(1) }, p: { kind: 'tensor', dtype: 1, dims: [3], data: Float32Array.from([1, -2, 3]) } } as const;
    sameOutputs(m, model, feeds);
  });

  it('a rewrite that declines after emitting leaves nothing behind', () => {
    const half = rule('half', op.Relu(x), (m, emit) => {
      emit.op('Neg', [m.x]);
      return null;
    });
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) { y = Relu (p) }`);
    const { model, rewrites } = run(m, [half]);
    expect(rewrites).toBe(0);
    expect(ops(model)).toEqual(['Relu']);
  });

  it('rule names are kebab-case and unique; roots are ops', () => {
    expect(() => rule('Bad_Name', op.Relu(x), (m) => m.x)).toThrow(/kebab-case/);
    expect(() => ruleSet([doubleNeg, doubleNeg])).toThrow(/two rules are named 'double-neg'/);
    expect(() => rule('var-root', x, (m) => m.x)).toThrow(/root of a pattern must be an op/);
  });

  it('types: a rule cannot use a name its pattern does not bind', () => {
    // @ts-expect-error: 'q' is not bound by the pattern
    rule('unbound', op.Relu(x), (m) => m.q);
    defineRule({
      name: 'typed-data',
      match: op.Relu(x),
      check: () => ({ n: 3 }),
      // @ts-expect-error: the check's data has no field 'm'
      rewrite: (m, _emit, d) => (d.m === 3 ? m.x : null),
    });
  });
});

describe('commutativity', () => {
  it('is off for opset-6 arithmetic with broadcast = 1 (only B broadcasts onto A)', () => {
    const m = parseModel(`<ir_version: 3, opset_import: ["" : 6]>
g (float[2,3] p, float[3,4] q, float[4] r) => (y) {
  t = MatMul (p, q)
  y = Add <broadcast = 1> (r, t)
}`);
    expect(applyRules(m, ruleSet([matmulAdd])).rewrites).toBe(0);
    const swapped = parseModel(`<ir_version: 3, opset_import: ["" : 6]>
g (float[2,3] p, float[3,4] q, float[4] r) => (y) {
  t = MatMul (p, q)
  y = Add <broadcast = 1> (t, r)
}`);
    expect(applyRules(swapped, ruleSet([matmulAdd])).rewrites).toBe(1);
  });
  it('is on for opset-6 arithmetic with broadcast = 0 set explicitly (the operands have one shape)', () => {
    const m = parseModel(`<ir_version: 3, opset_import: ["" : 6]>
g (float[2,3] p, float[3,4] q, float[2,4] r) => (y) {
  t = MatMul (p, q)
  y = Add <broadcast = 0> (r, t)
}`);
    expect(applyRules(m, ruleSet([matmulAdd])).rewrites).toBe(1);
  });
});
