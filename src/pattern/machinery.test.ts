/**
 * Regression tests from a mutation campaign over the rewrite machinery: each pins a behaviour of
 * the matcher, the graph view or the drivers that a planted bug broke without any test noticing.
 */
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import type { Model, ValueId } from '../../ir/types.js';
import { editAll } from '../../ir/edit/edit.js';
import type { RuleTraceEvent } from './driver.js';
import { editorView } from './view.js';
import { P, op, opIn } from './pattern.js';
import { fail, rule, type Rule } from './rule.js';
import { attrEquals } from './attr-value.js';
import { ops, run } from './rules.test-util.js';

const [x] = P.vars('x');




describe('matcher', () => {
  it('an inner op pattern matches only the output it selects (default output 0, else `.out(i)`)', () => {
    // Relu reads Split's second output.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4] p) => (y, s0) { s0, s1 = Split <axis = 0> (p)  y = Relu (s1) }`);
    const first = rule('relu-of-split-0', op.Relu(op.Split(x, P.rest())), (m, emit) => emit.op('Neg', [m.x]), { sharedIntermediates: true });
    expect(run(m, [first]).rewrites).toBe(0);
    const second = rule('relu-of-split-1', op.Relu(op.Split(x, P.rest()).out(1)), (m, emit) => emit.op('Neg', [m.x]), { sharedIntermediates: true });
    expect(run(m, [second]).rewrites).toBe(1);
    const zeroth = rule('relu-of-split-0b', op.Relu(op.Split(x, P.rest()).out(0)), (m, emit) => emit.op('Neg', [m.x]), { sharedIntermediates: true });
    expect(run(m, [zeroth]).rewrites).toBe(0);
  });

  // The driver's quick test (cannotMatch) checks op, domain and arity too, but a traced rule
  // skips it: the matcher must hold on its own, so these run traced and untraced.
  const modes = [{}, { traced: () => true, trace: () => {} }];

  it('without P.rest() the node has exactly the inputs the pattern lists (trailing omitted ones aside)', () => {
    const bare = rule('clip-without-bounds', op.Clip(x), (m) => m.x);
    const clip = (inputs: string) =>
      parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4] p, float lo) => (y) { y = Clip (${inputs}) }`);
    for (const mode of modes) {
      expect(run(clip('p, lo'), [bare], mode).rewrites).toBe(0);
      expect(run(clip('p'), [bare], mode).rewrites).toBe(1);
      expect(run(clip('p, ,'), [bare], mode).rewrites).toBe(1);
    }
  });

  it('a call of a local function is never matched as the ONNX op of its name (an overload, or before the op existed)', () => {
    // The local Gelu (opset 17 has none) and the overload Relu:neg both negate: Neg of them is no Neg∘Gelu or Neg∘Relu.
    const model = (opset: number, call: string) =>
      parseModel(`<ir_version: 10, opset_import: ["" : ${opset}]>
g (float[4] p) => (y) { r = ${call} (p)  y = Neg (r) }
<domain: "", opset_import: ["" : ${opset}]> Gelu (a) => (b) { b = Neg (a) }
<domain: "", overload: "neg", opset_import: ["" : ${opset}]> Relu (a) => (b) { b = Neg (a) }`);
    const negGelu = rule('neg-gelu', op.Neg(op.Gelu(x)), (m, emit) => emit.op('Abs', [m.x]));
    const negRelu = rule('neg-relu', op.Neg(op.Relu(x)), (m, emit) => emit.op('Abs', [m.x]));
    const gelu = rule('gelu-root', op.Gelu(x), (m, emit) => emit.op('Abs', [m.x]));
    for (const mode of modes) {
      expect(run(model(17, 'Gelu'), [negGelu], mode).rewrites).toBe(0);
      expect(run(model(17, 'Gelu'), [gelu], mode).rewrites).toBe(0);
      expect(run(model(20, 'Gelu'), [negGelu], mode).rewrites).toBe(1); // from 20, Gelu is ONNX's
      expect(run(model(17, 'Relu:neg'), [negRelu], mode).rewrites).toBe(0);
      expect(run(model(17, 'Relu'), [negRelu], mode).rewrites).toBe(1);
    }
  });

  it('an op pattern matches its own domain only, at the root and inside', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1]>
g (float[4] p) => (y, z) { r1 = test.Relu (p)  y = Neg (r1)  r2 = Relu (p)  z = Neg (r2) }`);
    const domains = (model: Model) => model.graph.order.map((id) => `${model.graph.nodes[id].domain}:${model.graph.nodes[id].op}`).sort();
    const onnx = rule('neg-relu', op.Neg(op.Relu(x)), (m, emit) => emit.op('Abs', [m.x]));
    const custom = rule('neg-test-relu', op.Neg(opIn('test').Relu(x)), (m, emit) => emit.op('Abs', [m.x]));
    const root = rule('test-relu-to-abs', opIn('test').Relu(x), (m, emit) => emit.op('Abs', [m.x]));
    for (const mode of modes) {
      expect(domains(run(m, [onnx], mode).model)).toEqual([':Abs', ':Neg', 'test:Relu']);
      expect(domains(run(m, [custom], mode).model)).toEqual([':Abs', ':Neg', ':Relu']);
      expect(domains(run(m, [root], mode).model)).toEqual([':Abs', ':Neg', ':Neg', ':Relu']);
    }
  });

  it('a constant bound twice under one name must be the same value', () => {
    const twice = rule('add-same-const', op.Add(P.constVar('k'), P.constVar('k')), (m, emit) => emit.op('Mul', [m.k.id, m.k.id]));
    const text = (second: string) => `<ir_version: 8, opset_import: ["" : 17]>
g () => (y) <float[3] z = {1, 2, 3}, float[3] w = {1, 2, 3}> { y = Add (z, ${second}) }`;
    for (const mode of modes) {
      expect(run(parseModel(text('z')), [twice], mode).rewrites).toBe(1);
      expect(run(parseModel(text('w')), [twice], mode).rewrites).toBe(0);
    }
  });

  it('a node bound twice under one name (`.as`) must be the same node', () => {
    // Add(Relu(p), Relu(q)): the two Relus are different nodes, so `r` cannot stand for both.
    const same = rule('add-same-relu', op.Add(op.Relu(P.any()).as('r'), op.Relu(P.any()).as('r')), (m, emit) => emit.op('Abs', [m.r.outputs[0]!]), { sharedIntermediates: true });
    const text = (second: string) => `<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p, float[3] q) => (y) { a = Relu (p)  b = Relu (q)  y = Add (a, ${second}) }`;
    for (const mode of modes) {
      expect(run(parseModel(text('a')), [same], mode).rewrites).toBe(1);
      expect(run(parseModel(text('b')), [same], mode).rewrites).toBe(0);
    }
  });

  it('P.const(n) does not match an empty constant (no element equals n)', () => {
    // Add(x: [1], e: [0]) broadcasts to [0]: taking e for "all zeros" would replace it by x: [1].
    const addZero = rule('add-zero', op.Add(x, P.const(0)), (m) => m.x);
    const text = (shape: string, data: string) => `<ir_version: 8, opset_import: ["" : 17]>
g (float[1] p) => (y) <float[${shape}] e = {${data}}> { y = Add (p, e) }`;
    for (const mode of modes) {
      expect(run(parseModel(text('0', '')), [addZero], mode).rewrites).toBe(0);
      expect(run(parseModel(text('1', '0')), [addZero], mode).rewrites).toBe(1);
    }
  });

  it('attribute literals: lists of another length differ; a fractional number is no int', () => {
    // perm [1, 0] is not the literal [1, 0, 2] (its first two elements agree).
    expect(attrEquals([1n, 0n], [1, 0, 2])).toBe(false);
    expect(attrEquals([1n, 0n, 2n], [1, 0])).toBe(false);
    expect(attrEquals([1n, 0n], [1, 0])).toBe(true);
    // An int attribute against a fractional literal: unequal (BigInt(0.5) would throw).
    expect(attrEquals(0n, 0.5)).toBe(false);
    expect(attrEquals(0.5, 0n)).toBe(false);
    expect(attrEquals(2n, 2)).toBe(true);
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2,3] p) => (y) { y = Transpose <perm = [1, 0]> (p) }`);
    const perm3 = rule('transpose-102', op.Transpose(x, { perm: [1n, 0n, 2n] }), (b, emit) => emit.op('Identity', [b.x]));
    for (const mode of modes) expect(run(m, [perm3], mode).rewrites).toBe(0);
  });

  it('root alternatives: one wanting an output the node lacks does not stop the next', () => {
    // At a Relu, the first alternative's output 1 does not exist: the second still matches.
    const either = rule('split1-or-relu', P.or(op.Split(x, P.rest()).out(1), op.Relu(x)), (m, emit) => emit.op('Abs', [m.x]));
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4] p) => (y) { y = Relu (p) }`);
    const r = run(m, [either]);
    expect(r.rewrites).toBe(1);
    expect(ops(r.model)).toEqual(['Abs']);
  });
});

/** `model` with the payload of the initializer named `name` (in any graph) dropped, as `lathe strip` does. */
function strip(model: Model, name: string): Model {
  const g = model.graph;
  const id = Object.values(g.values).find((v) => v.name === name)!.id;
  const v = g.values[id];
  return { ...model, graph: { ...g, values: { ...g.values, [id]: { ...v, tensor: { ...v.tensor!, data: { kind: 'none' } } } } } };
}

describe('graph view', () => {
  // Any constant operand, no test on its elements: only isConstant decides.
  const addConst = rule('add-const-to-neg', op.Add(x, P.const()), (m, emit) => emit.op('Neg', [m.x]));

  it('a stripped initializer (no payload) is no constant', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) <float[3] z = {1, 2, 3}> { y = Add (p, z) }`);
    expect(run(m, [addConst]).rewrites).toBe(1);
    expect(run(strip(m, 'z'), [addConst]).rewrites).toBe(0);
  });

  it('an initializer that is also a graph input (an overridable default) is no constant', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p, float[3] z) => (y) <float[3] z = {1, 2, 3}> { y = Add (p, z) }`);
    expect(run(m, [addConst]).rewrites).toBe(0);
  });

  it('a check reading view.constant gets nothing for an overridable initializer', () => {
    // The rule matches any operand and reads the elements itself in its check.
    const addZeroVar = rule('add-zero-by-check', op.Add(x, P.var('z')), (m) => m.x, {
      check: (m, ctx) => {
        const t = ctx.view.constant(m.z);
        return t !== undefined && Array.from(t.data as Float32Array).every((v) => v === 0) ? true : fail('not a known zero');
      },
    });
    const text = (inputs: string) => `<ir_version: 8, opset_import: ["" : 17]>
g (${inputs}) => (y) <float[3] z = {0, 0, 0}> { s = Relu (p)  y = Add (s, z) }`;
    expect(run(parseModel(text('float[3] p')), [addZeroVar]).rewrites).toBe(1);
    const overridable = parseModel(text('float[3] p, float[3] z'));
    expect(run(overridable, [addZeroVar]).rewrites).toBe(0);
  });

  it('a Constant node holding a sparse tensor is no constant (nothing here can read its elements)', () => {
    const dense = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) { z = Constant <value_float = 1.0> ()  y = Add (p, z) }`);
    expect(run(dense, [addConst]).rewrites).toBe(1);
    const g = dense.graph;
    const cid = g.order[0];
    const raw = (ctor: Float32ArrayConstructor | BigInt64ArrayConstructor, dtype: number, v: number[]) => ({
      dtype, dims: [1], data: { kind: 'raw' as const, bytes: new Uint8Array((ctor === Float32Array ? Float32Array.from(v) : BigInt64Array.from(v.map(BigInt))).buffer) },
    });
    const sparse: Model = {
      ...dense,
      graph: {
        ...g,
        nodes: {
          ...g.nodes,
          [cid]: { ...g.nodes[cid], attrs: [{ name: 'sparse_value', kind: 'sparse_tensor', value: { values: raw(Float32Array, 1, [5]), indices: raw(BigInt64Array, 7, [1]), dims: [3] } }] },
        },
      },
    } as Model;
    expect(run(sparse, [addConst]).rewrites).toBe(0);
  });

  it('readers are the nodes reading a value as an input, not subgraphs capturing it', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[3] p) => (y, z) {
  t = Neg (p)
  y = Relu (t)
  z = If (c) <then_branch = th () => (o1) { o1 = Abs (t) }, else_branch = el () => (o2) { o2 = Sigmoid (t) }>
}`);
    editAll(m, (e, path) => {
      if (path.parent) return;
      const view = editorView(e, false);
      const t = m.graph.nodes[m.graph.order[0]].outputs[0]!;
      expect(view.readers(t).map((n) => n.op)).toEqual(['Relu']);
      expect(view.useCount(t)).toBe(2);
    });
  });

  it('dtype falls back to the stored tensor when the declared element type is unknown (0)', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) <float[3] z = {1, 2, 3}> { y = Add (p, z) }`);
    const z = Object.values(m.graph.values).find((v) => v.name === 'z')!;
    const untyped: Model = { ...m, graph: { ...m.graph, values: { ...m.graph.values, [z.id]: { ...z, type: { kind: 'tensor', dtype: 0, shape: [3] } } } } };
    editAll(untyped, (e, path) => {
      if (path.parent) return;
      expect(editorView(e, false).dtype(z.id)).toBe(1);
    });
  });

  it('an outer-scope initializer is a constant inside a subgraph, unless stripped', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[3] p) => (y) <float[3] z = {1, 2, 3}> {
  y = If (c) <then_branch = t () => (o1) { o1 = Add (p, z) }, else_branch = e () => (o2) { o2 = Relu (p) }>
}`);
    const r = run(m, [addConst]);
    expect(r.rewrites).toBe(1);
    expect(run(strip(m, 'z'), [addConst]).rewrites).toBe(0);
  });

  it('an outer-scope value is never used once (its uses out there are not counted)', () => {
    const single = rule('add-single-use-const', op.Add(x, P.constVar('k')), (m, emit) => emit.op('Neg', [m.x]), {
      check: (m, ctx) => (ctx.view.useCount(m.k.id as ValueId) === 1 ? true : fail('k has other readers')),
    });
    const inner = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[3] p) => (y) <float[3] z = {1, 2, 3}> {
  y = If (c) <then_branch = t () => (o1) { o1 = Add (p, z) }, else_branch = e () => (o2) { o2 = Relu (p) }>
}`);
    expect(run(inner, [single]).rewrites).toBe(0);
    // Nor unused: a rule asking for "no other reader" (at most one use) declines too.
    const atMostOne = rule('add-no-other-reader', op.Add(x, P.constVar('k')), (m, emit) => emit.op('Neg', [m.x]), {
      check: (m, ctx) => (ctx.view.useCount(m.k.id as ValueId) <= 1 ? true : fail('k has other readers')),
    });
    expect(run(inner, [atMostOne]).rewrites).toBe(0);
    const flat = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) <float[3] z = {1, 2, 3}> { y = Add (p, z) }`);
    expect(run(flat, [single]).rewrites).toBe(1);
  });
});

describe('driver', () => {
  const reluAbs = rule('relu-to-abs', op.Relu(x), (m, emit) => emit.op('Abs', [m.x]));
  const absRelu = rule('abs-to-relu', op.Abs(x), (m, emit) => emit.op('Relu', [m.x]));
  const one = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) { y = Relu (p) }`);

  it('maxRewrites is the exact number of rewrites made', () => {
    for (const n of [1, 3, 4]) {
      const r = run(one, [reluAbs, absRelu], { maxRewrites: n });
      expect(r.rewrites).toBe(n);
      expect(r.stop).toBe('max-rewrites');
      expect(ops(r.model)).toEqual([n % 2 === 1 ? 'Abs' : 'Relu']);
    }
  });

  it('maxSweeps bounds the sweeps exactly (one rewrite per sweep here)', () => {
    const seen: number[] = [];
    for (const n of [1, 2, 5]) {
      const r = run(one, [reluAbs, absRelu], { maxSweeps: n, onRewrite: () => seen.push(n) });
      expect(r.stop).toBe('max-sweeps');
      expect(r.rewrites).toBe(seen.filter((k) => k === n).length);
    }
    const per = (n: number) => seen.filter((k) => k === n).length;
    expect(per(2)).toBe(2 * per(1));
    expect(per(5)).toBe(5 * per(1));
  });

  it('walk makes one sweep: a node a rewrite added is not rewritten again', () => {
    const r = run(one, [reluAbs, absRelu], { mode: 'walk' });
    expect(r.rewrites).toBe(1);
    expect(r.stop).toBe('converged');
    expect(ops(r.model)).toEqual(['Abs']);
  });

  it('an intermediate read by a subgraph is used outside the match: no rewrite', () => {
    const matmulAdd = rule('matmul-add-to-gemm', op.Add(op.MatMul(x, P.var('b')), P.var('c')), (m, emit) => emit.op('Gemm', [m.x, m.b, m.c]));
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2,3] p, float[3,4] q, float[4] r) => (y, z) {
  t = MatMul (p, q)
  y = Add (t, r)
  z = If (c) <then_branch = th () => (o1) { o1 = Relu (t) }, else_branch = el () => (o2) { o2 = Neg (t) }>
}`);
    const r = run(m, [matmulAdd]);
    expect(r.rewrites).toBe(0);
    expect(r.model).toBe(m);
  });

  it("an intermediate read by the root's own subgraph is used outside the match too", () => {
    // The If's branch reads n: the pattern covers the If node, not what its branches read, so
    // n is used outside the match (a rewrite keeping the branches would keep the Not alive).
    const ifNot = rule('if-of-not', op.If(op.Not(x)), (_m, emit) => emit.constant({ kind: 'tensor', dtype: 1, dims: [2], data: Float32Array.of(0, 0) }));
    const text = (branch: string) => `<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] p) => (z) {
  n = Not (c)
  z = If (n) <then_branch = th () => (o1) { o1 = ${branch} }, else_branch = el () => (o2) { o2 = Neg (p) }>
}`;
    expect(run(parseModel(text('Where (n, p, p)')), [ifNot]).rewrites).toBe(0);
    expect(run(parseModel(text('Relu (p)')), [ifNot]).rewrites).toBe(1);
  });

  it('the value replacing a root output inherits its declared type', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) <float[3] s> { s = Relu (p)  y = Neg (s) }`);
    const r = run(m, [reluAbs]);
    expect(ops(r.model)).toEqual(['Abs', 'Neg']);
    const g = r.model.graph;
    const abs = g.nodes[g.order[0]];
    expect(g.values[abs.outputs[0]!].type).toEqual({ kind: 'tensor', dtype: 1, shape: [3] });
  });

  it('a check returning false declines', () => {
    const never = rule('never', op.Relu(x), (m, emit) => emit.op('Abs', [m.x]), { check: () => false });
    const events: RuleTraceEvent[] = [];
    const r = run(one, [never], { traced: () => true, trace: (e) => events.push(e) });
    expect(r.rewrites).toBe(0);
    expect(r.model).toBe(one);
    expect(events.map((e) => e.reason)).toEqual(['check declined']);
  });

  it('once a rule fired at a node, the later rules are not tried there (the node is gone)', () => {
    const reluNeg = rule('relu-to-neg', op.Relu(x), (m, emit) => emit.op('Neg', [m.x]));
    const events: RuleTraceEvent[] = [];
    const r = run(one, [reluAbs, reluNeg], { mode: 'walk', traced: () => true, trace: (e) => events.push(e) });
    expect(ops(r.model)).toEqual(['Abs']);
    expect(events.map((e) => `${e.rule}:${e.fired}`)).toEqual(['relu-to-abs:true']);
  });

  it('the quick test reads each node afresh (constness is not carried over from the node before)', () => {
    const addConst = rule('add-const-to-neg', op.Add(x, P.const()), (m, emit) => emit.op('Neg', [m.x]));
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p, float[3] q) => (y) <float[3] k = {1, 2, 3}> { a = Add (p, q)  y = Add (a, k) }`);
    const r = run(m, [addConst]);
    expect(r.rewrites).toBe(1);
    expect(ops(r.model)).toEqual(['Add', 'Neg']);
  });

  it('an intermediate whose other output is read elsewhere is used outside the match', () => {
    const reluSplit = rule('relu-of-split', op.Relu(op.Split(x, P.rest())), (m, emit) => emit.op('Abs', [m.x]));
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4] p) => (y, z) { s0, s1 = Split <axis = 0> (p)  y = Relu (s0)  z = Neg (s1) }`);
    const events: RuleTraceEvent[] = [];
    const r = run(m, [reluSplit], { traced: () => true, trace: (e) => events.push(e) });
    expect(r.rewrites).toBe(0);
    expect(events[0].reason).toMatch(/intermediate value s1 is used outside the match/);
  });

  it('in a subgraph of a function body, constants are Constant nodes too (no initializers there)', () => {
    const negToSub = rule('neg-to-sub', op.Neg(x), (m, emit) =>
      emit.op('Sub', [emit.constant({ kind: 'tensor', dtype: 1, dims: [], data: Float32Array.of(0) }), m.x]),
    );
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (bool c, float[3] p) => (z) { z = local.F (c, p) }
<domain: "local", opset_import: ["" : 17]>
F (c, a) => (b) {
  b = If (c) <then_branch = t () => (o1) { o1 = Neg (a) }, else_branch = e () => (o2) { o2 = Relu (a) }>
}`);
    const r = run(m, [negToSub], { mode: 'walk' });
    expect(r.rewrites).toBe(1);
    const body = r.model.functions[0].graph;
    const ifNode = body.nodes[body.order[0]];
    const branch = ifNode.attrs.find((a) => a.name === 'then_branch')!;
    if (branch.kind !== 'graph') throw new Error('then_branch is not a graph');
    expect(branch.value.initializers).toEqual([]);
    expect(branch.value.order.map((id) => branch.value.nodes[id].op)).toEqual(['Constant', 'Sub']);
  });

  it('a traced attempt names the node by its ONNX name when it has one', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p) => (y) { [first] a = Relu (p)  y = Relu (a) }`);
    const events: RuleTraceEvent[] = [];
    run(m, [reluAbs], { mode: 'walk', traced: () => true, trace: (e) => events.push(e) });
    expect(events.map((e) => [e.nodeName, e.fired])).toEqual([
      ['first', true],
      [undefined, true],
    ]);
    expect(events[0].node).toBe(m.graph.order[0]);
  });
});
