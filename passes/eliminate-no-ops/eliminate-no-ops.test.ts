import { describe, expect, it } from 'vitest';
import { evaluate } from '../../ir/eval/index.js';
import { parseModel } from '../../ir/text/parse.js';
import { printModel } from '../../ir/text/print.js';
import type { Model } from '../../ir/types.js';
import { verify } from '../../ir/verify/verify.js';
import { createPassContext } from '../../src/pass.js';
import { checkPassProperties, expectSameOutputs } from '../../test/support/pass-properties.js';
import { eliminateNoOps } from './eliminate-no-ops.js';

const header = (opset = 17) => `<ir_version: 8, opset_import: ["" : ${opset}]>`;

function run(m: Model): Model {
  const out = eliminateNoOps().run(m, createPassContext());
  expect(verify(out).filter((d) => d.severity === 'error')).toEqual([]);
  return out;
}

const ops = (m: Model) => m.graph.order.map((id) => m.graph.nodes[id].op);

/** A model computing `y = Relu(<expr of x>)`, so the no-op is never the output carrier. */
const wrap = (body: string, inits = '', xType = 'float[2,3]', opset = 17) =>
  parseModel(`${header(opset)} g (${xType} x) => (y) ${inits ? `<${inits}>` : ''} { ${body}\n y = Relu (t) }`);

describe('eliminate-no-ops', () => {
  it.each([
    ['Identity', 't = Identity (x)', ''],
    ['Dropout without training_mode', 't = Dropout (x)', ''],
    ['Dropout with training_mode false', 't, mask = Dropout (x, r, f)', 'float r = {0.5}, bool f = {0}'],
    ['Cast to the same type', 't = Cast <to = 1> (x)', ''],
    ['Reshape to the same shape, 0 and -1', 't = Reshape (x, s)', 'int64[2] s = {0, -1}'],
    ['Expand to the same shape', 't = Expand (x, s)', 'int64[1] s = {3}'],
    ['Transpose identity perm', 't = Transpose <perm = [0, 1]> (x)', ''],
    ['zero Pad', 't = Pad (x, p)', 'int64[4] p = {0, 0, 0, 0}'],
    ['full Slice', 't = Slice (x, s, e)', 'int64[2] s = {0, -9}, int64[2] e = {2, 3}'],
    ['single-input Concat', 't = Concat <axis = 1> (x)', ''],
    ['single-input Min', 't = Min (x)', ''],
    ['Add of -0', 't = Add (x, z)', 'float z = {-0.0}'],
    ['Sub of +0', 't = Sub (x, z)', 'float[3] z = {0, 0, 0}'],
    ['Mul by 1 on the left', 't = Mul (o, x)', 'float[1,3] o = {1, 1, 1}'],
    ['Div by 1', 't = Div (x, o)', 'float o = {1}'],
    ['Slice from minus the dim to the dim (the whole input)', 't = Slice (x, s, e)', 'int64[2] s = {-2, -3}, int64[2] e = {2, 3}'],
  ])('removes %s', (_label, body, inits) => {
    const m = wrap(body, inits);
    const out = run(m);
    expect(ops(out)).toEqual(['Relu']);
    expectSameOutputs(m, out, 5, true);
  });

  it.each([
    ['Add of +0 (-0 + 0 = +0)', 't = Add (x, z)', 'float z = {0.0}'],
    ['Sub of -0', 't = Sub (x, z)', 'float z = {-0.0}'],
    ['Mul by ones that broadcast to a larger shape', 't = Mul (x, o)', 'float[2,2,3] o = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}'],
    ['Mul by a value that is not 1', 't = Mul (x, o)', 'float o = {2}'],
    ['Cast to another type', 't = Cast <to = 11> (x)\n u = Cast <to = 1> (t)', ''],
    ['Dropout in training mode', 't, mask = Dropout (x, r, f)', 'float r = {0.5}, bool f = {1}'],
    ['Dropout whose mask is read', 't0, mask = Dropout (x)\n mf = Cast <to = 1> (mask)\n t = Add (t0, mf)', ''],
    ['Reshape to another shape', 't = Reshape (x, s)', 'int64[2] s = {3, 2}'],
    ['Expand that grows', 't = Expand (x, s)', 'int64[3] s = {2, 2, 3}'],
    ['Transpose that swaps', 't = Transpose <perm = [1, 0]> (x)', ''],
    ['partial Slice', 't = Slice (x, s, e)', 'int64[1] s = {1}, int64[1] e = {3}'],
    ['Slice that stops one short of the last dim', 't = Slice (x, s, e)', 'int64[2] s = {0, 0}, int64[2] e = {2, 2}'],
    ['CastLike to the type of an int32 target', 't0 = CastLike (x, i)\n t = Cast <to = 1> (t0)', 'int32 i = {0}'],
    ['nonzero Pad', 't = Pad (x, p)', 'int64[4] p = {0, 1, 0, 0}'],
    // Sub and Div are not commutative: 0 − x is −x and 1 / x the reciprocal.
    ['Sub of x from +0 (0 - x)', 't = Sub (z, x)', 'float z = {0.0}'],
    ['Div of 1 by x (1 / x)', 't = Div (o, x)', 'float o = {1}'],
  ])('keeps %s', (_label, body, inits) => {
    const m = wrap(body, inits);
    expect(run(m)).toBe(m);
  });

  it('the sign-of-zero decision holds in the evaluator: Add of +0 changes -0, Add of -0 does not', () => {
    const negZero = { kind: 'tensor' as const, dtype: 1, dims: [1], data: new Float32Array([-0]) };
    const plus = parseModel(`${header()} g (float[1] x) => (y) <float z = {0.0}> { y = Add (x, z) }`);
    const minus = parseModel(`${header()} g (float[1] x) => (y) <float z = {-0.0}> { y = Add (x, z) }`);
    const first = (m: Model) => {
      const y = evaluate(m, { x: negZero }).get('y')!;
      return y.kind === 'tensor' ? Number(y.data[0]) : NaN;
    };
    expect(Object.is(first(plus), 0)).toBe(true);
    expect(Object.is(first(minus), -0)).toBe(true);
  });

  it('Reshape whose -1 stands beside a 0 dim is kept: with no elements the -1 is not determined by the others', () => {
    // [0,3] to [0,-1] and [3,0] to [-1,0]: the copied dims multiply to 0, so the -1 could be any
    // size (lathe's evaluator refuses to run it); it is not known to give back the input shape, so
    // the node stays.
    for (const [xType, target] of [['float[0,3]', '{0, -1}'], ['float[3,0]', '{-1, 0}']]) {
      const m = wrap('t = Reshape (x, s)', `int64[2] s = ${target}`, xType);
      expect(run(m)).toBe(m);
    }
    // The same targets on a shape without a 0 dim are no-ops.
    expect(ops(run(wrap('t = Reshape (x, s)', 'int64[2] s = {0, -1}', 'float[2,3]')))).toEqual(['Relu']);
    expect(ops(run(wrap('t = Reshape (x, s)', 'int64[2] s = {-1, 0}', 'float[2,3]')))).toEqual(['Relu']);
  });

  it('Reshape with a symbolic dim: 0 keeps it, a number never matches it', () => {
    expect(ops(run(wrap('t = Reshape (x, s)', 'int64[2] s = {0, 3}', 'float[N,3]')))).toEqual(['Relu']);
    const m = wrap('t = Reshape (x, s)', 'int64[2] s = {2, 3}', 'float[N,3]');
    expect(run(m)).toBe(m);
  });

  it('Cast of a value of unknown type (a custom op\'s output) is kept: nothing says it is already of that type', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "com.example" : 1]>
g (float[2] x) => (y) { u = com.example.Opaque (x)  t = Cast <to = 1> (u)  y = Relu (t) }`);
    expect(run(m)).toBe(m);
  });

  it('Dropout by opset: 7–11 is inference, opset 6 needs is_test, from 12 the training_mode input decides', () => {
    expect(ops(run(wrap('t = Dropout <ratio = 0.5> (x)', '', 'float[2,3]', 10)))).toEqual(['Relu']);
    const training = wrap('t = Dropout <is_test = 0> (x)', '', 'float[2,3]', 6);
    expect(run(training)).toBe(training);
    expect(ops(run(wrap('t = Dropout <is_test = 1> (x)', '', 'float[2,3]', 6)))).toEqual(['Relu']);
    // From opset 12 the training_mode input decides: true at opset 12 is training, kept.
    const training12 = wrap('t, mask = Dropout (x, r, f)', 'float r = {0.5}, bool f = {1}', 'float[2,3]', 12);
    expect(run(training12)).toBe(training12);
  });

  it('Slice before opset 10 reads starts, ends and axes from attributes: axes = [1] cuts the second dim', () => {
    // ends = [3] on axis 1 of [3,4] drops the last column; on axis 1 of [4,3] it is the whole input.
    const partial = wrap('t = Slice <starts = [0], ends = [3], axes = [1]> (x)', '', 'float[3,4]', 9);
    expect(run(partial)).toBe(partial);
    const whole = wrap('t = Slice <starts = [0], ends = [3], axes = [1]> (x)', '', 'float[4,3]', 9);
    expect(ops(run(whole))).toEqual(['Relu']);
    expectSameOutputs(whole, run(whole), 5, true);
  });

  it('a Slice whose axes or steps are not constant is kept (they may cut another axis or step over elements)', () => {
    const axes = parseModel(`${header()}
g (float[2,3] x, int64[1] ax) => (y) <int64[1] s = {0}, int64[1] e = {2}> { t = Slice (x, s, e, ax)\n y = Relu (t) }`);
    expect(run(axes)).toBe(axes);
    const steps = parseModel(`${header()}
g (float[2,3] x, int64[2] st) => (y) <int64[2] s = {0, 0}, int64[2] e = {9223372036854775807, 9223372036854775807}, int64[2] a = {0, 1}> { t = Slice (x, s, e, a, st)\n y = Relu (t) }`);
    expect(run(steps)).toBe(steps);
  });

  it('zero Pad: pads is an attribute before opset 11 and an input from it', () => {
    expect(ops(run(wrap('t = Pad <pads = [0, 0, 0, 0]> (x)', '', 'float[2,3]', 10)))).toEqual(['Relu']);
    expect(ops(run(wrap('t = Pad (x, p)', 'int64[4] p = {0, 0, 0, 0}', 'float[2,3]', 11)))).toEqual(['Relu']);
  });

  it('an Expand or Mul that broadcasts a dim of 1 to 2 grows the input: kept', () => {
    const expand = wrap('t = Expand (x, s)', 'int64[2] s = {2, 3}', 'float[1,3]');
    expect(run(expand)).toBe(expand);
    const mul = wrap('t = Mul (x, o)', 'float[2,3] o = {1, 1, 1, 1, 1, 1}', 'float[1,3]');
    expect(run(mul)).toBe(mul);
  });

  it('never takes a call of a local function named like a later ONNX op (CastLike is ONNX from opset 15) for that op', () => {
    // At opset 13 CastLike here is the local function, which negates: it is no no-op.
    const m = parseModel(`${header(13)}
g (float[2,3] x) => (y) { t = CastLike (x, x)\n y = Relu (t) }
<domain: "", opset_import: ["" : 13]> CastLike (p, q) => (r) { r = Neg (p) }`);
    expect(run(m)).toBe(m);
  });

  it('never takes a custom-domain op for the ONNX op of the same name', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "acme" : 1]>
g (float[2,3] x) => (y) { t = acme.Identity (x)\n u = acme.Cast <to = 1> (t)\n y = Relu (u) }`);
    expect(run(m)).toBe(m);
  });

  it('a body no-op that needs the type of an outer value goes once the outer Identity giving it none is gone (a second sweep)', () => {
    // a has no declared type, so the body's Mul (a, ones) cannot be judged in the first sweep
    // (bodies go first); removing a = Identity (x) makes the body read x, typed float[2,3].
    const m = parseModel(`${header()}
g (float[2,3] x, bool c) => (y) <float[3] ones = {1, 1, 1}> {
  a = Identity (x)
  y = If (c) <then_branch = t () => (o) { w = Mul (a, ones)\n o = Neg (w) }, else_branch = e () => (o2) { o2 = Abs (a) }>
}`);
    const out = run(m);
    expect(printModel(out)).toContain('o = Neg (x)');
    expect(printModel(out)).not.toContain('Mul');
    expectSameOutputs(m, out, 3, true);
  });

  it('a main-graph output keeps its name: the input takes it, or the node stays', () => {
    const m = parseModel(`${header()} g (float[2] x) => (y, z) { t = Relu (x)\n y = Identity (t)\n z = Identity (x) }`);
    const out = run(m);
    expect(ops(out)).toEqual(['Relu', 'Identity']);
    expect(printModel(out)).toContain('y = Relu (x)');
    expect(run(out)).toBe(out);
  });

  it('works in subgraphs and function bodies, never outputting an outer value from a body', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "f" : 1]>
g (float[2] x, bool c) => (y) {
  y = If (c) <then_branch = t () => (o) { a = Identity (x)\n o = Neg (a) }, else_branch = e () => (o2) { o2 = Identity (x) }>
  }
<domain: "f", opset_import: ["" : 17]> F (p) => (q) { a = Relu (p)\n b = Identity (a)\n q = Identity (b) }`);
    const out = run(m);
    const text = printModel(out);
    expect(text).toContain('o = Neg (x)');
    expect(text).toContain('o2 = Identity (x)');
    const body = out.functions[0].graph;
    expect(body.order.map((id) => body.nodes[id].op)).toEqual(['Relu']);
  });

  it('properties on generated models (verifier clean, same outputs, idempotent)', () => {
    checkPassProperties(() => eliminateNoOps(), { exact: true });
  });
});
