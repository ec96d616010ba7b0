import { describe, expect, it } from 'vitest';
import { parseModel } from '../ir/text/parse.js';
import { verify, type Diagnostic } from '../ir/verify/verify.js';
import { evaluate } from '../ir/eval/index.js';
import { passes } from '../passes/index.js';
import { verifyInput } from './input-order.js';
import { optimize } from './optimize.js';

const header = '<ir_version: 8, opset_import: ["" : 17]>';
// As float16 converters write them: the Cast of the graph input comes after the node reading it.
const unsorted = `${header} g (float[2] x) => (float[2] y) { y = Relu (xc)\n xc = Cast <to: int = 1> (x) }`;
const errorsOf = (d: readonly Diagnostic[]) => d.filter((x) => x.severity === 'error').map((x) => x.code);

describe('verifyInput: nodes out of order are sorted, every other error refuses', () => {
  it('sorts a model whose only errors are reads before definitions, and says so', () => {
    const m = parseModel(unsorted);
    expect(errorsOf(verify(m))).toEqual(['use-before-def']);
    const r = verifyInput(m);
    expect(errorsOf(r.diagnostics)).toEqual([]);
    expect(r.model.graph.order.map((id) => r.model.graph.nodes[id].op)).toEqual(['Cast', 'Relu']);
    expect(r.sorted).toBe('nodes were out of topological order (1 read before the definition, in 1 graph): sorted them first');
  });

  it('sorts inside subgraphs too', () => {
    const m = parseModel(`${header} g (bool c, float[2] x) => (float[2] y) {
      y = If (c) <then_branch: graph = t () => (float[2] a) { a = Neg (b)\n b = Relu (x) }, else_branch: graph = e () => (float[2] z) { z = Identity (x) }>
    }`);
    const r = verifyInput(m);
    expect(errorsOf(r.diagnostics)).toEqual([]);
    expect(r.sorted).toMatch(/in 1 graph\)/);
  });

  it('a valid model comes back as it is, without a warning', () => {
    const m = parseModel(`${header} g (float[2] x) => (float[2] y) { y = Relu (x) }`);
    const r = verifyInput(m);
    expect(r.model).toBe(m);
    expect(r.sorted).toBeUndefined();
  });

  it('a cycle is not sorted: the diagnostics are the original ones', () => {
    const m = parseModel(`${header} g (float[2] x) => (y) { a = Add (x, b)\n b = Neg (a)\n y = Relu (x) }`);
    const r = verifyInput(m);
    expect(r.model).toBe(m);
    expect(r.sorted).toBeUndefined();
    expect(errorsOf(r.diagnostics).length).toBeGreaterThan(0);
  });

  it('another error beside the order refuses with the original diagnostics', () => {
    const m = parseModel(`${header} g (float[2] x) => (float[2] y) { y = Relu (xc)\n xc = Cast <to: int = 1> (x)\n w = Relu (missing) }`);
    const r = verifyInput(m);
    expect(r.model).toBe(m);
    expect(r.sorted).toBeUndefined();
    expect(errorsOf(r.diagnostics)).toContain('undefined-value');
  });

  it('optimize() sorts, warns, and computes what the model computes', () => {
    const m = parseModel(unsorted);
    const r = optimize(m, { level: 2, passes });
    expect(r.warnings[0]).toMatch(/out of topological order/);
    expect(r.report.warnings[0]).toMatch(/out of topological order/);
    expect(errorsOf(verify(r.model))).toEqual([]);
    const feeds = { x: { kind: 'tensor', dtype: 1, dims: [2], data: Float32Array.from([-1, 2]) } } as const;
    expect(evaluate(r.model, feeds).get('y')).toEqual(evaluate(verifyInput(m).model, feeds).get('y'));
    expect(Array.from((evaluate(r.model, feeds).get('y') as { data: Float32Array }).data)).toEqual([0, 2]);
  });
});
