/**
 * Regression tests from a mutation campaign over the run-wide machinery (rule globs, rule
 * settings, analyses): each pins a behaviour a planted bug broke without any test noticing.
 */
import { describe, expect, it } from 'vitest';
import { parseModel } from '../ir/text/parse.js';
import type { Model } from '../ir/types.js';
import { createAnalyses } from './analyses.js';
import { setInputShapes } from './input-shapes.js';
import { optimize, ruleRunOptions } from './optimize.js';
import { definePass, rulesOfPass } from './pass.js';
import { runSchedule } from './runner.js';
import { fixpoint, seq } from './schedule.js';
import { ruleGlob } from './pattern/rule.js';

describe('rule globs', () => {
  it('match whole names: no substrings, ? is one character', () => {
    const g = ruleGlob('gemm,conv-?dd');
    expect(g('gemm')).toBe(true);
    expect(g('matmul-add-to-gemm')).toBe(false);
    expect(g('gemm-relu')).toBe(false);
    expect(g('conv-add')).toBe(true);
    expect(g('conv-aadd')).toBe(false);
    expect(g('my-conv-add')).toBe(false);
    expect(ruleGlob('*-to-gemm')('matmul-add-to-gemm')).toBe(true);
  });
});

describe('run-wide rule settings', () => {
  it('a glob names a rule by its own name or as pass/rule (the report form), for that pass only', () => {
    const run = { disabled: ruleGlob('fold-affine/conv-add'), traced: ruleGlob('fuse/gelu-*') };
    const affine = rulesOfPass(run, 'fold-affine')!;
    expect(affine.disabled!('conv-add')).toBe(true);
    expect(affine.traced!('gelu-tanh')).toBe(false);
    const fuse = rulesOfPass(run, 'fuse')!;
    expect(fuse.disabled!('conv-add')).toBe(false);
    expect(fuse.traced!('gelu-tanh')).toBe(true);
    expect(rulesOfPass(undefined, 'fuse')).toBeUndefined();
  });

  it('optimize options: a list of globs, provenance off, and nothing when all are defaults', () => {
    const trace = () => {};
    const list = ruleRunOptions({ disableRules: ['gelu-*', 'matmul-add-to-gemm'] }, trace)!;
    expect(list.disabled!('gelu-tanh')).toBe(true);
    expect(list.disabled!('matmul-add-to-gemm')).toBe(true);
    expect(list.disabled!('conv-add')).toBe(false);
    expect(ruleRunOptions({ disableRules: 'gelu-*, conv-add' }, trace)!.disabled!('conv-add')).toBe(true);
    expect(ruleRunOptions({ provenance: false }, trace)).toEqual({ provenance: false });
    expect(ruleRunOptions({ provenance: true }, trace)).toBeUndefined();
    expect(ruleRunOptions({}, trace)).toBeUndefined();
    expect(ruleRunOptions({ disableRules: [] }, trace)).toBeUndefined();
  });
});

describe('analyses', () => {
  it('a new model object is analysed afresh even when its main graph is the same object', () => {
    // A pass that rewrites only a local function keeps the main graph: the types inferred for
    // the call's output must follow the new body.
    const called = parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x) => (y) { y = local.f (x) }
<domain: "local", opset_import: ["" : 17]>
f (p) => (q) { q = Relu (p) }`);
    const fn = called.functions[0];
    const castBody = parseModel(`<ir_version: 8, opset_import: ["" : 17, "local" : 1]>
g (float[2] x) => (y) { y = local.f (x) }
<domain: "local", opset_import: ["" : 17]>
f (p) => (q) { q = Cast <to = 7> (p) }`).functions[0];
    const changed: typeof called = { ...called, functions: [{ ...fn, graph: castBody.graph }] };
    expect(changed.graph).toBe(called.graph);
    const a = createAnalyses();
    const y = called.graph.outputs[0];
    expect(a.get(called, 'types').types.get(y)).toMatchObject({ dtype: 1 });
    expect(a.get(changed, 'types').types.get(y)).toMatchObject({ dtype: 7 });
  });
});

describe('setInputShapes', () => {
  it('a fixed symbol is fixed in the output entries that override a value type (outputInfo) too', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[batch,3] p, float[batch,4] q) => (float[batch,3] y, float[batch,n] q) { y = Relu (p) }`);
    expect(m.graph.outputInfo?.[1]?.type).toEqual({ kind: 'tensor', dtype: 1, shape: ['batch', 'n'] });
    const out = setInputShapes(m, new Map([['p', [2, 3]]]));
    expect(out.graph.outputInfo?.[1]?.type).toEqual({ kind: 'tensor', dtype: 1, shape: [2, 'n'] });
    const q = out.graph.values[out.graph.inputs[1]];
    expect(q.type).toEqual({ kind: 'tensor', dtype: 1, shape: [2, 4] });
  });

  it('a fixed symbol is fixed in the declared type of a graph output too', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[batch,3] p) => (float[batch,3] y) { y = Relu (p) }`);
    const out = setInputShapes(m, new Map([['p', [2, 3]]]));
    expect(out.graph.values[out.graph.outputs[0]].type).toEqual({ kind: 'tensor', dtype: 1, shape: [2, 3] });
    // Fixed to another symbol, the output follows the rename too.
    const renamed = setInputShapes(m, new Map([['p', ['n', 3]]]));
    expect(renamed.graph.values[renamed.graph.outputs[0]].type).toEqual({ kind: 'tensor', dtype: 1, shape: ['n', 3] });
  });

  it('a given symbol-to-symbol shape means what it says (no rename through the other dims)', () => {
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[a,b] p, float[n] q) => (float[a,b] y) { y = Relu (p) }`);
    // q fixes n to 4, which reaches p's given shape; p's `b` stays b (not renamed to n).
    const out = setInputShapes(m, new Map<string, (number | string)[]>([['q', [4]], ['p', ['b', 'n']]]));
    expect(out.graph.values[out.graph.inputs[0]].type).toEqual({ kind: 'tensor', dtype: 1, shape: ['b', 4] });
  });
});

describe('runner and optimize', () => {
  const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) { y = Relu (x) }`);

  it('after a fixpoint ends, a sequence runs its passes again (idle skipping is for fixpoints only)', () => {
    const seen: string[] = [];
    const peek = definePass({ name: 'peek', summary: 'records runs', defaults: {}, run: (m) => (seen.push(m.graph.name), m) });
    runSchedule(seq(fixpoint({ maxIterations: 4 }, peek()), peek(), peek()), model);
    expect(seen).toEqual(['g', 'g', 'g']);
  });

  it('verifyEach stops on errors only: a warning (newer IR version) goes through', () => {
    const bump = definePass({ name: 'bump-ir', summary: 'a newer IR version', defaults: {}, run: (m): Model => ({ ...m, irVersion: 99 }) });
    const r = runSchedule(bump(), model, { verifyEach: true });
    expect(r.model.irVersion).toBe(99);
  });

  it('optimize fixes input shapes on the topologically sorted input, not the raw one', () => {
    const unsorted = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[n] x) => (float[n] y) { y = Neg (a)  a = Relu (x) }`);
    const names = (m: Model) => m.graph.order.map((id) => m.graph.nodes[id].op);
    expect(names(unsorted)).toEqual(['Neg', 'Relu']);
    const r = optimize(unsorted, { level: 0, setInputShapes: { x: [2] } });
    expect(names(r.model)).toEqual(['Relu', 'Neg']);
    expect(r.model.graph.values[r.model.graph.inputs[0]].type).toMatchObject({ shape: [2] });
  });
});
