/**
 * Edge cases of single verifier rules, beyond the one broken model per code in verify.test.ts:
 * each is a defect a rule could miss by a slightly too narrow condition.
 */
import { describe, expect, test } from 'vitest';
import { GraphBuilder, modelOf, tensorType } from '../edit/build.js';
import { parseModel } from '../text/parse.js';
import type { Model, NodeId, ValueId } from '../types.js';
import { tensorProblems } from './tensor.js';
import { verify } from './verify.js';

const codes = (m: Model) => verify(m).map((d) => d.code);
const scalar = { dtype: 1, dims: [], data: { kind: 'raw' as const, bytes: new Uint8Array(4) } };

describe('duplicate-name', () => {
  test('an initializer (not an input default: another id) named like a graph input', () => {
    const b = new GraphBuilder();
    const x = b.input('a', tensorType(1, []));
    const w = b.initializer('a', scalar);
    b.output(b.op('Add', [x, w]), 'y');
    expect(codes(modelOf(b.build()))).toEqual(['duplicate-name']);
  });

  test('a node output named like an initializer', () => {
    const b = new GraphBuilder();
    const w = b.initializer('w', scalar);
    b.output(b.op('Relu', [w], undefined, { outputs: ['w'] }));
    expect(codes(modelOf(b.build()))).toEqual(['duplicate-name']);
  });
});

describe('cycle', () => {
  test('a node reading its own output is a cycle (not only a use-before-def)', () => {
    const b = new GraphBuilder();
    const x = b.input('x');
    const y = b.op('Add', [x, x]);
    b.output(y, 'y');
    const g = b.build();
    const id = g.order[0];
    const m = modelOf({ ...g, nodes: { ...g.nodes, [id]: { ...g.nodes[id], inputs: [x, y] } } });
    const diags = verify(m);
    expect(diags.map((d) => d.code)).toEqual(['cycle']);
    expect(diags[0].message).toBe('nodes form a cycle: #0 Add → #0 Add');
  });

  test('a cycle through a branch capture', () => {
    // n = Neg(i); i = If(c) whose then-branch reads n.
    const b = new GraphBuilder();
    const c = b.input('c', tensorType(9, []));
    const x = b.input('x');
    const n = 'v50' as ValueId;
    const t = b.subgraph('then');
    t.output(t.op('Relu', [n]));
    const e = b.subgraph('else');
    e.output(e.op('Relu', [x]));
    const i = b.op('If', [c], { then_branch: t.build(), else_branch: e.build() });
    const g = b.build();
    const neg = { id: 'n50' as NodeId, op: 'Neg', domain: '', inputs: [i], outputs: [n], attrs: [] };
    const m = modelOf({
      ...g,
      outputs: [n],
      order: [neg.id, ...g.order],
      nodes: { ...g.nodes, [neg.id]: neg },
      values: { ...g.values, [n]: { id: n, name: 'n', def: { node: neg.id, index: 0 } } },
    });
    expect(codes(m)).toEqual(['cycle']);
  });
});

describe('scopes', () => {
  test('a branch may not read a value of an earlier If\'s branch (left scope)', () => {
    const b = new GraphBuilder();
    const c = b.input('c', tensorType(9, []));
    const x = b.input('x');
    const t1 = b.subgraph('then1');
    const inner = t1.op('Relu', [x]);
    t1.output(inner);
    const e1 = b.subgraph('else1');
    e1.output(e1.op('Neg', [x]));
    const y1 = b.op('If', [c], { then_branch: t1.build(), else_branch: e1.build() });
    const t2 = b.subgraph('then2');
    t2.output(t2.op('Sigmoid', [inner])); // reads then1's value
    const e2 = b.subgraph('else2');
    e2.output(e2.op('Neg', [y1]));
    b.output(b.op('If', [c], { then_branch: t2.build(), else_branch: e2.build() }), 'y');
    const diags = verify(modelOf(b.build()));
    expect(diags.map((d) => [d.code, d.graph])).toEqual([['out-of-scope', 'main/#1 If.then_branch']]);
  });
});

describe('tensor payloads and dims', () => {
  test('string_data with more strings than the dims hold', () => {
    const s = (n: number) => Array.from({ length: n }, () => new Uint8Array(1));
    const t = (n: number) => tensorProblems({ dtype: 8, dims: [2], data: { kind: 'strings', values: s(n) } }).map(([c]) => c);
    expect(t(2)).toEqual([]);
    expect(t(3)).toEqual(['tensor-size']);
    expect(t(1)).toEqual(['tensor-size']);
  });
});

describe('value-table', () => {
  test('an initializer whose entry holds no tensor', () => {
    const b = new GraphBuilder();
    const w = b.initializer('w', scalar);
    b.output(b.op('Relu', [w]), 'y');
    const g = b.build();
    const { tensor: _t, ...entry } = g.values[w];
    const diags = verify(modelOf({ ...g, values: { ...g.values, [w]: entry } }));
    expect(diags.map((d) => [d.code, d.message])).toEqual([['value-table', 'initializer w has no tensor']]);
  });
});

describe('Loop body signature', () => {
  test('the condition input declared as another type than bool', () => {
    const loop = (condType: number) => {
      const b = new GraphBuilder();
      const m = b.input('M', tensorType(7, []));
      const cond = b.input('cond', tensorType(9, []));
      const v = b.input('v', tensorType(1, [2]));
      const body = b.subgraph('body');
      body.input('i', tensorType(7, []));
      const c = body.input('c', tensorType(condType, []));
      const vin = body.input('v_in', tensorType(1, [2]));
      body.output(body.op('Identity', [c])).output(body.op('Neg', [vin]));
      b.output(b.op('Loop', [m, cond, v], { body: body.build() }), 'y');
      return verify(modelOf(b.build())).map((d) => [d.code, d.message]);
    };
    expect(loop(9)).toEqual([]);
    expect(loop(1)).toEqual([['body-arity', 'node #0 Loop (Loop): body input 1 is float; Loop needs bool']]);
  });
});

describe('scopes of nested graphs', () => {
  const branchReading = (name: string) =>
    parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (bool c, float[2] x) => (float[2] y) {
  y = If<then_branch = t () => (float[2] o) { o = Identity(${name}) }, else_branch = e () => (float[2] o2) { o2 = Identity(x) }>(c)
}`);

  test('a graph exactly at maxDepth is still checked (only deeper ones are not)', () => {
    expect(verify(branchReading('ghost'), { maxDepth: 1 }).map((d) => d.code)).toEqual(['undefined-value']);
    expect(verify(branchReading('x'), { maxDepth: 1 })).toEqual([]);
    expect(verify(branchReading('ghost'), { maxDepth: 0 }).map((d) => d.code)).toEqual(['nesting-depth']);
  });

  test("a branch inside a function body sees the function's opset imports, not the model's", () => {
    const m = (modelImports: string, fnImports: string, domain: string) =>
      parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1${modelImports}]>
g (bool c, float[2] x) => (float[2] y) { y = local.F (c, x) }
<domain: "local", opset_import: ["" : 17${fnImports}]>
F (c, x) => (y) {
  y = If<then_branch = t () => (float[2] o) { o = ${domain}.Op(x) }, else_branch = e () => (float[2] o2) { o2 = Identity(x) }>(c)
}`);
    expect(verify(m('', ', "com.x" : 1', 'com.x'))).toEqual([]);
    expect(verify(m(', "com.y" : 1', '', 'com.y')).map((d) => d.code)).toEqual(['unknown-domain']);
  });
});
