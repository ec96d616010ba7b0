/**
 * Matcher, view and driver branches no other test ran (found by a coverage run). Each test pins
 * what a rule author relies on: a wrong answer here would let a rule fire where it must not
 * (a silently wrong model) or read a constant wrongly.
 */
import { describe, expect, it } from 'vitest';
import { parseModel } from '../../ir/text/parse.js';
import type { Model, ValueId } from '../../ir/types.js';
import { editAll } from '../../ir/edit/edit.js';
import { LatheError } from '../../ir/error.js';
import { applyRules, type RuleTraceEvent } from './driver.js';
import { editorView } from './view.js';
import { P, op } from './pattern.js';
import { ruleSet, rule, type Rule } from './rule.js';
import { ops, run } from './rules.test-util.js';

const [x] = P.vars('x');


const text = (sig: string, body: string, inits = '') => parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (${sig}) => (y) ${inits} { ${body} }`);
// Traced rules skip the driver's quick test (cannotMatch): the matcher must hold on its own.
const modes = [{}, { traced: () => true, trace: () => {} }];

describe('matcher', () => {
  it('a variable used twice must stand for one value: Add(x, x) does not match Add(p, q)', () => {
    const double = rule('add-self', op.Add(x, x), (m, emit) => emit.op('Mul', [m.x, emit.constant({ kind: 'tensor', dtype: 1, dims: [], data: Float32Array.of(2) })]));
    for (const mode of modes) {
      expect(run(text('float[3] p', 'y = Add (p, p)'), [double], mode).rewrites).toBe(1);
      const r = run(text('float[3] p, float[3] q', 'y = Add (p, q)'), [double], mode);
      expect(r.rewrites).toBe(0);
      expect(ops(r.model)).toEqual(['Add']);
    }
  });

  it('P.attrTest: the node matches only when the test holds (and the test sees undefined when unset)', () => {
    const seen: unknown[] = [];
    const lastAxis = rule('softmax-last-axis', op.Softmax(x, { axis: P.attrTest('the last axis', (v) => (seen.push(v), v === -1n)) }), (m, emit) => emit.op('Relu', [m.x]));
    for (const mode of modes) {
      expect(run(text('float[2,3] p', 'y = Softmax <axis = -1> (p)'), [lastAxis], mode).rewrites).toBe(1);
      expect(run(text('float[2,3] p', 'y = Softmax <axis = 0> (p)'), [lastAxis], mode).rewrites).toBe(0);
      expect(run(text('float[2,3] p', 'y = Softmax (p)'), [lastAxis], mode).rewrites).toBe(0);
    }
    expect(seen).toContain(undefined);
    const events: RuleTraceEvent[] = [];
    run(text('float[2,3] p', 'y = Softmax <axis = 0> (p)'), [lastAxis], { traced: () => true, trace: (e) => events.push(e) });
    expect(events.map((e) => e.reason)).toEqual([expect.stringMatching(/attribute axis is not the last axis/)]);
  });

  it('P.absent: a node that sets the attribute does not match', () => {
    const noPerm = rule('transpose-default-perm', op.Transpose(x, { perm: P.absent }), (m, emit) => emit.op('Neg', [m.x]));
    for (const mode of modes) {
      expect(run(text('float[2,3] p', 'y = Transpose (p)'), [noPerm], mode).rewrites).toBe(1);
      expect(run(text('float[2,3] p', 'y = Transpose <perm = [1, 0]> (p)'), [noPerm], mode).rewrites).toBe(0);
    }
  });

  it('an omitted optional input in the middle matches no operand pattern but P.any()', () => {
    // Clip(p, , hi): min is omitted. A rule wanting a value there must not bind null to it.
    const both = rule('clip-both', op.Clip(x, P.var('lo'), P.var('hi')), (m, emit) => emit.op('Max', [m.x, m.lo]));
    const anyLo = rule('clip-any-lo', op.Clip(x, P.any(), P.var('hi')), (m, emit) => emit.op('Min', [m.x, m.hi]));
    for (const mode of modes) {
      expect(run(text('float[3] p, float lo, float hi', 'y = Clip (p, lo, hi)'), [both], mode).rewrites).toBe(1);
      expect(run(text('float[3] p, float hi', 'y = Clip (p, , hi)'), [both], mode).rewrites).toBe(0);
      const r = run(text('float[3] p, float hi', 'y = Clip (p, , hi)'), [anyLo], mode);
      expect(r.rewrites).toBe(1);
      expect(ops(r.model)).toEqual(['Min']);
    }
    const events: RuleTraceEvent[] = [];
    run(text('float[3] p, float hi', 'y = Clip (p, , hi)'), [both], { traced: () => true, trace: (e) => events.push(e) });
    expect(events.map((e) => e.reason)).toEqual(['an omitted optional input']);
  });

  it('an inner op pattern wanting output 1 does not match a value that is output 0 (traced too)', () => {
    const second = rule('relu-of-split-1', op.Relu(op.Split(x, P.rest()).out(1)), (m, emit) => emit.op('Neg', [m.x]), { sharedIntermediates: true });
    const m = text('float[4] p', 's0, s1 = Split <axis = 0> (p)  y = Relu (s0)  z = Neg (s1)');
    for (const mode of modes) expect(run(m, [second], mode).rewrites).toBe(0);
    const events: RuleTraceEvent[] = [];
    run(m, [second], { traced: () => true, trace: (e) => events.push(e) });
    expect(events[0].reason).toMatch(/output 0 is used, the pattern wants output 1/);
  });

  it('the quick test lets an operand through that is either an op result or a constant (P.or(op, const))', () => {
    const addEither = rule('add-relu-or-const', op.Add(x, P.or(op.Relu(P.any()), P.const())), (m, emit) => emit.op('Neg', [m.x]));
    expect(run(text('float[3] p', 'y = Add (p, k)', '<float[3] k = {1, 2, 3}>'), [addEither]).rewrites).toBe(1);
    expect(run(text('float[3] p, float[3] q', 'r = Relu (q)  y = Add (p, r)'), [addEither]).rewrites).toBe(1);
    expect(run(text('float[3] p, float[3] q', 'r = Neg (q)  y = Add (p, r)'), [addEither]).rewrites).toBe(0);
  });
});

describe('pattern builder', () => {
  it('P.rest() anywhere but last is refused (it would match a node of any arity by position)', () => {
    expect(() => op.Concat(P.rest(), x)).toThrow(/op.Concat: P.rest\(\) must be the last input/);
    expect(() => op.Concat(x, P.rest(), P.var('y'))).toThrow(/P.rest\(\) must be the last input/);
    expect(op.Concat(x, P.rest()).node).toMatchObject({ kind: 'op', op: 'Concat', rest: true, inputs: [{ kind: 'var', name: 'x' }] });
  });
});

describe('graph view reads Constant nodes in every attribute form', () => {
  // ONNX Constant: value a tensor of its own dtype and dims (what exporters write), value_float a
  // float32 scalar, value_floats a 1-D float32, value_int an int64 scalar, value_ints a 1-D int64.
  const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g () => (a, b, c, d, e, f) {
  a = Constant <value_floats = [1.5, -2.0, 4.0]> ()
  b = Constant <value_int = -3> ()
  c = Constant <value_ints = [4, 5]> ()
  d = Constant <value_float = 2.5> ()
  e = Constant <value_string = "s"> ()
  f = Constant <value = double[2,1] {0.5, -3}> ()
}`);
  const byName = (n: string) => Object.values(m.graph.values).find((v) => v.name === n)!.id as ValueId;
  const read = (n: string) => {
    let got: unknown;
    editAll(m, (ed) => {
      const t = editorView(ed, false).constant(byName(n));
      got = t && { dtype: t.dtype, dims: t.dims, data: Array.from(t.data as ArrayLike<unknown>) };
    });
    return got;
  };
  it('value_floats: float32 [n]', () => expect(read('a')).toEqual({ dtype: 1, dims: [3], data: [1.5, -2, 4] }));
  it('value_int: int64 scalar', () => expect(read('b')).toEqual({ dtype: 7, dims: [], data: [-3n] }));
  it('value_ints: int64 [n]', () => expect(read('c')).toEqual({ dtype: 7, dims: [2], data: [4n, 5n] }));
  it('value_float: float32 scalar', () => expect(read('d')).toEqual({ dtype: 1, dims: [], data: [2.5] }));
  it('value: the tensor as it is', () => expect(read('f')).toEqual({ dtype: 11, dims: [2, 1], data: [0.5, -3] }));
  it('value_string is not read as a number', () => expect(read('e')).toBeUndefined());
  it('a Constant with two value attributes (invalid) has no value', () => {
    const two = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g () => (a) { a = Constant <value_int = 1, value_float = 2.0> () }`);
    editAll(two, (ed) => {
      const id = Object.values(two.graph.values).find((v) => v.name === 'a')!.id as ValueId;
      expect(editorView(ed, false).constant(id)).toBeUndefined();
    });
  });
  it('a rule folding x + value_ints constant sees the elements', () => {
    const seen: bigint[][] = [];
    const r = rule('add-const', op.Add(x, P.constVar('k')), (b, emit) => (seen.push(Array.from(b.k.tensor.data as BigInt64Array)), emit.op('Neg', [b.x])));
    run(parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (int64[2] p) => (y) { k = Constant <value_ints = [7, -8]> ()  y = Add (p, k) }`), [r]);
    expect(seen).toEqual([[7n, -8n]]);
  });
});

describe('graph view: stored tensors and declared dtypes', () => {
  const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[3] p, float[3] o) => (y) <float[3] w = {1, 2, 3}, float[3] s = {4, 5, 6}, float[3] o = {0, 0, 0}, sparse_tensor(float[3]) sp = sparse[3](float[1] {7}, int64[1] {2})> {
  a = Add (p, w)  b = Add (a, s)  y = Add (b, o)
}`);
  const id = (n: string) => Object.values(m.graph.values).find((v) => v.name === n)!.id as ValueId;
  // s stripped as `lathe strip` does: no payload.
  const sv = m.graph.values[id('s')];
  const stripped: Model = { ...m, graph: { ...m.graph, values: { ...m.graph.values, [sv.id]: { ...sv, tensor: { ...sv.tensor!, data: { kind: 'none' } } } } } };
  it('storedTensor: an initializer\'s Tensor; nothing for a stripped one, an overridable one, or a computed value', () => {
    editAll(stripped, (ed) => {
      const view = editorView(ed, false);
      expect(view.storedTensor(id('w'))?.dims).toEqual([3]);
      expect(view.storedTensor(id('s'))).toBeUndefined();
      expect(view.storedTensor(id('o'))).toBeUndefined();
      expect(view.storedTensor(id('a'))).toBeUndefined();
      expect(view.storedTensor(id('sp'))).toBeUndefined();
    });
  });
  it('dtype of a sparse initializer comes from its declared sparse_tensor type', () => {
    editAll(m, (ed) => expect(editorView(ed, false).dtype(id('sp'))).toBe(1));
  });
});

describe('driver', () => {
  const relu = text('float[3] p', 'y = Relu (p)');
  it('a check throwing a LatheError declines the match (reason kept); any other error propagates', () => {
    const lathe = rule('lathe-error', op.Relu(x), (m, emit) => emit.op('Abs', [m.x]), { check: () => { throw new LatheError('payload unreadable'); } });
    const events: RuleTraceEvent[] = [];
    const r = run(relu, [lathe], { traced: () => true, trace: (e) => events.push(e) });
    expect(r.rewrites).toBe(0);
    expect(r.model).toBe(relu);
    expect(events.map((e) => e.reason)).toEqual(['payload unreadable']);
    const bug = rule('type-error', op.Relu(x), (m, emit) => emit.op('Abs', [m.x]), { check: () => { throw new TypeError('a bug in the rule'); } });
    expect(() => applyRules(relu, ruleSet([bug]))).toThrow(TypeError);
  });

  it('a constant binding whose elements cannot be read (a value_string Constant) declines the rule, naming it', () => {
    // isConstant holds (a Constant node with one attribute), but there is no numeric value:
    // reading m.k.tensor must be a LatheError the driver turns into a decline, not a crash.
    const readsK = rule('concat-const-elements', op.Concat(x, P.constVar('k'), { axis: 0n }), (m, emit) => emit.op('Identity', [m.x]), {
      check: (m) => m.k.tensor.data.length > 0,
    });
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (string[1] p) => (y) { k = Constant <value_string = "s"> ()  y = Concat <axis = 0> (p, k) }`);
    const events: RuleTraceEvent[] = [];
    const r = applyRules(m, ruleSet([readsK]), { traced: () => true, trace: (e) => events.push(e) });
    expect(r.rewrites).toBe(0);
    expect(events.map((e) => e.reason)).toEqual([expect.stringMatching(/^constant .* cannot be read$/)]);
  });

  it('a replacement list with null leaves that output of the root as it is', () => {
    // Replace only Split's first output; the second keeps its Split producer.
    const firstOnly = rule('split-first-only', op.Split(x, P.rest()), (m, emit) => [emit.op('Neg', [m.x]), null]);
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[4] p) => (a, b) { s0, s1 = Split <axis = 0> (p)  a = Relu (s0)  b = Abs (s1) }`);
    const r = run(m, [firstOnly], { mode: 'walk' });
    expect(r.rewrites).toBe(1);
    const g = r.model.graph;
    const node = (o: string) => g.nodes[g.order.find((id) => g.nodes[id].op === o)!];
    expect(g.values[node('Relu').inputs[0]!].def?.node).toBe(node('Neg').id);
    expect(g.values[node('Abs').inputs[0]!].def?.node).toBe(node('Split').id);
    expect(node('Split').outputs[1]).toBe(node('Abs').inputs[0]);
  });
});
