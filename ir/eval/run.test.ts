import { describe, expect, test } from 'vitest';
import { LatheError } from '../error.js';
import { DataType as D } from '../dtype.js';
import type { OpDef, OpTable, RtValue, TensorValue } from '../ops/types.js';
import { asTensor, tensor } from '../ops/util.js';
import { parseModel } from '../text/parse.js';
import type { Graph, Model, Node } from '../types.js';
import { evaluate, MAX_EVAL_DEPTH } from './run.js';

const f32 = (...xs: number[]): TensorValue => ({ kind: 'tensor', dtype: D.FLOAT, dims: [xs.length], data: Float32Array.from(xs) });
const bool = (b: boolean): TensorValue => ({ kind: 'tensor', dtype: D.BOOL, dims: [], data: Uint8Array.of(b ? 1 : 0) });
const nums = (v: RtValue | undefined) => Array.from(asTensor(v, 'v').data as Float32Array);

function binary(name: string, f: (a: number, b: number) => number): OpDef {
  return {
    domain: '', name, since: [1, 7, 13, 14],
    kernel([a, b]) {
      const x = asTensor(a, name);
      const y = asTensor(b, name);
      const xd = x.data as Float32Array;
      const yd = y.data as Float32Array;
      const n = Math.max(xd.length, yd.length);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = f(xd[xd.length === 1 ? 0 : i], yd[yd.length === 1 ? 0 : i]);
      return [tensor(x.dtype, xd.length >= yd.length ? x.dims : y.dims, out)];
    },
  };
}

const calls: string[] = [];
const ops: OpTable = [
  binary('Add', (a, b) => a + b),
  binary('Mul', (a, b) => a * b),
  { domain: '', name: 'Identity', since: [1, 13], kernel: ([x]) => [x] },
  {
    domain: '', name: 'Constant', since: [1, 13],
    kernel: (_, ctx) => [ctx.attrs.has('value_float') ? { kind: 'tensor', dtype: D.FLOAT, dims: [], data: Float32Array.of(ctx.attrs.float('value_float')) } : ctx.attrs.tensor('value')!],
  },
  {
    domain: '', name: 'If', since: [1, 11, 13],
    kernel([c], ctx) {
      const cond = (asTensor(c, 'If').data as Uint8Array)[0] !== 0;
      return ctx.runGraph(ctx.attrs.graph(cond ? 'then_branch' : 'else_branch')!, []);
    },
  },
  {
    domain: 'test', name: 'Opt', since: [1],
    kernel(inputs, ctx) {
      calls.push(`opset ${ctx.opset} inputs ${inputs.map((x) => (x === null ? 'null' : x.kind)).join(',')}`);
      return [inputs[0]];
    },
  },
  // Relabels float data as float16 without copying: the evaluator must round a copy.
  { domain: 'test', name: 'AsHalf', since: [1], kernel: ([x]) => [{ ...asTensor(x, 'AsHalf'), dtype: D.FLOAT16 }] },
  { domain: 'test', name: 'Int', since: [1], kernel: () => [{ kind: 'tensor', dtype: D.INT32, dims: [1], data: Int32Array.of(1) }] },
  { domain: 'test', name: 'Bad', since: [1], kernel: () => [{ kind: 'tensor', dtype: D.FLOAT, dims: [2], data: new Float32Array(3) }] },
  { domain: 'test', name: 'Rand', since: [1], random: true, kernel: (_, ctx) => [f32(ctx.random(), ctx.random())] },
  {
    domain: 'test', name: 'Nest', since: [1],
    kernel: (inputs, ctx) => ctx.runGraph(ctx.attrs.graph('body')!, []),
  },
  { domain: 'test', name: 'Throw', since: [1], kernel: () => { throw new LatheError('bad index 7'); } },
  { domain: 'test', name: 'Huge', since: [1], kernel: () => [tensor(D.FLOAT, [2 ** 40])] },
  { domain: 'test', name: 'Bug', since: [1], kernel: () => { throw new TypeError('x is undefined'); } },
];

const run = (m: Model, inputs: Record<string, RtValue>, seed?: number) => evaluate(m, inputs, { ops, seed });

describe('evaluate', () => {
  test('runs nodes in order and returns outputs by name', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, float[2] y) => (float[2] z, float[2] w) { s = Add (x, y)  z = Mul (s, x)  w = Identity (s) }`);
    const out = run(m, { x: f32(1, 2), y: f32(3, 4) });
    expect(nums(out.get('z'))).toEqual([4, 12]);
    expect(nums(out.get('w'))).toEqual([4, 6]);
  });

  test('initializer inputs take the initializer unless fed; missing and unknown inputs are errors', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, float[2] b) => (float[2] z) <float[2] b = {10, 20}> { z = Add (x, b) }`);
    expect(nums(run(m, { x: f32(1, 2) }).get('z'))).toEqual([11, 22]);
    expect(nums(run(m, { x: f32(1, 2), b: f32(0, 0) }).get('z'))).toEqual([1, 2]);
    expect(() => run(m, {})).toThrow(/missing input 'x'/);
    expect(() => run(m, { x: f32(1, 2), q: f32(1) })).toThrow(/'q' is not an input/);
    expect(() => run(m, { x: f32(1, 2, 3) })).toThrow(/input 'x': shape \[3\] differs from declared \[2\]/);
    expect(() => run(m, { x: bool(true) })).toThrow(/input 'x': dtype bool, declared float/);
  });

  test('Map inputs work like records', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] z) { z = Add (x, x) }`);
    expect(nums(evaluate(m, new Map([['x', f32(1, 2)]]), { ops }).get('z'))).toEqual([2, 4]);
  });

  test('omitted optional inputs reach the kernel as null; ctx.opset is the imported version', () => {
    calls.length = 0;
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 3]>
g (float[2] x) => (float[2] z) { z = test.Opt (x, "", x) }`);
    run(m, { x: f32(1, 2) });
    expect(calls).toEqual(['opset 3 inputs tensor,null,tensor']);
  });

  test('subgraphs see outer values; values used later by a subgraph are not dropped early', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x, bool c) => (float[2] y) {
  t = Add (x, x)
  y = If (c) <then_branch = th () => (float[2] a) { a = Add (t, x) }, else_branch = el () => (float[2] b) { b = Mul (t, t) }>
}`);
    expect(nums(run(m, { x: f32(1, 2), c: bool(true) }).get('y'))).toEqual([3, 6]);
    expect(nums(run(m, { x: f32(1, 2), c: bool(false) }).get('y'))).toEqual([4, 16]);
  });

  test('local functions run through their bodies with attribute binding and defaults', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x) => (float[2] y, float[2] z) {
  y = local.Scale <alpha = 3.0> (x)
  z = local.Scale (x)
}
<domain: "local", opset_import: ["" : 17]>
Scale <alpha: float = 5.0> (X) => (Y) {
  A = Constant <value_float: float = @alpha> ()
  Y = Mul (X, A)
}`);
    const out = run(m, { x: f32(1, 2) });
    expect(nums(out.get('y'))).toEqual([3, 6]);
    expect(nums(out.get('z'))).toEqual([5, 10]);
  });

  test('widened float outputs are rounded without touching the input array', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1]>
g (float[2] x) => (float16[2] h, float[2] x2) { h = test.AsHalf (x)  x2 = Identity (x) }`);
    const x = f32(1 + 2 ** -12, 70000);
    const out = run(m, { x });
    expect(nums(out.get('h'))).toEqual([1, Infinity]);
    expect(nums(x)).toEqual([1 + 2 ** -12, 70000]);
  });

  test('a dtype contradicting the declared type and bad storage name the node and value', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1]>
g (float[2] x) => (float[1] y) { y = test.Int () }`);
    expect(() => run(m, { x: f32(1, 2) })).toThrow(/node #0 Int: output 'y' is int32 but declared float/);
    const bad = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1]>
g (float[2] x) => (y) { y = test.Bad () }`);
    expect(() => run(bad, { x: f32(1, 2) })).toThrow(/output 'y': dims \[2\] need 2 elements, data has 3/);
  });

  test('kernel errors and missing kernels name the node', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1]>
g (float[2] x) => (y) { y = test.Throw (x) }`);
    expect(() => run(m, { x: f32(1, 2) })).toThrow(/^node #0 Throw: bad index 7$/);
    const huge = parseModel(`<ir_version: 8, opset_import: ["test" : 1]>
g (float[2] x) => (y) { y = test.Huge () }`);
    expect(() => run(huge, { x: f32(1, 2) })).toThrow(LatheError);
    const bug = parseModel(`<ir_version: 8, opset_import: ["test" : 1]>
g (float[2] x) => (y) { y = test.Bug () }`);
    let err: unknown;
    try {
      run(bug, { x: f32(1, 2) });
    } catch (e) {
      err = e;
    }
    expect(err).not.toBeInstanceOf(LatheError); // a kernel bug stays an internal error
    expect((err as Error).message).toBe('node #0 Bug: TypeError: x is undefined');
    const named = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (y) { [my_node] y = Softmax (x) }`);
    expect(() => run(named, { x: f32(1, 2) })).toThrow(/node my_node: no kernel for ai.onnx::Softmax at opset 17/);
    const old = parseModel(`<ir_version: 8, opset_import: ["" : 5]>
g (float[2] x) => (y) { y = Identity (x) }`);
    expect(nums(evaluate(old, { x: f32(1, 2) }, { ops }).get('y'))).toEqual([1, 2]);
    const tooOld = parseModel(`<ir_version: 3, opset_import: ["test" : 0]>
g (float[2] x) => (y) { y = test.Rand () }`);
    expect(() => run(tooOld, { x: f32(1, 2) })).toThrow(/no kernel for test::Rand at opset 0/);
  });

  test('a main-graph output left empty is an error, not a missing entry', () => {
    // test.Opt returns its first input, here omitted: y gets no value.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1]>
g (float[2] x) => (y) { y = test.Opt ("", x) }`);
    expect(() => run(m, { x: f32(1, 2) })).toThrow(/^output 'y' was not produced$/);
  });

  test('a branch output left empty is an error naming the branch (only function bodies may leave one out)', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1]>
g (float[2] x, bool c) => (y) {
  y = If (c) <then_branch = th () => (a) { a = test.Opt ("", x) }, else_branch = el () => (b) { b = Identity (x) }>
}`);
    expect(() => run(m, { x: f32(1, 2), c: bool(true) })).toThrow(/^node #0 If: graph 'th': output 'a' has no value$/);
    expect(nums(run(m, { x: f32(1, 2), c: bool(false) }).get('y'))).toEqual([1, 2]);
  });

  test('a function called with fewer inputs than it declares sees the rest as omitted (null)', () => {
    calls.length = 0;
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1, "local" : 1]>
g (float[2] x) => (y) { y = local.F (x) }
<domain: "local", opset_import: ["test" : 1]>
F (a, b) => (c) { c = test.Opt (a, b) }`);
    expect(nums(run(m, { x: f32(1, 2) }).get('y'))).toEqual([1, 2]);
    expect(calls).toEqual(['opset 1 inputs tensor,null']);
  });

  test('a value of another kind than declared (a tensor declared a sequence) names the node', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (seq(float) y) { y = Identity (x) }`);
    expect(() => run(m, { x: f32(1, 2) })).toThrow(/node #0 Identity: output 'y' is a float\[2\] but declared a sequence/);
  });

  test('nodes out of order: a read before the write is an error, not an undefined input', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (y) { t = Add (x, x)  y = Mul (t, x) }`);
    const swapped: Model = { ...m, graph: { ...m.graph, order: [...m.graph.order].reverse() } };
    expect(() => run(swapped, { x: f32(1, 2) })).toThrow(/node #0 Mul: input 't' has no value \(not computed before this node\)/);
  });

  test('random ops are deterministic per seed', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1]>
g (float[2] x) => (y) { y = test.Rand () }`);
    const a = nums(run(m, { x: f32(1, 2) }, 1).get('y'));
    expect(nums(run(m, { x: f32(1, 2) }, 1).get('y'))).toEqual(a);
    expect(nums(run(m, { x: f32(1, 2) }, 2).get('y'))).not.toEqual(a);
    expect(a[0]).not.toBe(a[1]);
  });

  test('subgraph nesting past the bound is a LatheError, not a stack overflow', () => {
    // A graph whose node holds the graph itself: nesting without end.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17, "test" : 1]>
g (float[2] x) => (y) { y = test.Nest <body = b () => (float[2] o) { o = Identity (x) }> () }`);
    const node = Object.values(m.graph.nodes)[0] as Node;
    const body = (node.attrs[0] as { value: Graph }).value;
    const inner = body.nodes[body.order[0]] as { op: string; domain: string; attrs: unknown };
    inner.op = 'Nest';
    inner.domain = 'test';
    inner.attrs = [{ name: 'body', kind: 'graph', value: body }];
    expect(() => run(m, { x: f32(1, 2) })).toThrow(new RegExp(`deeper than ${MAX_EVAL_DEPTH} levels`));
  });
});
