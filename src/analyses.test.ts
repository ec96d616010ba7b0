/** Analyses are computed once per model object and reach passes through the context. */
import { describe, expect, it } from 'vitest';
import { edit } from '../ir/edit/edit.js';
import { parseModel } from '../ir/text/parse.js';
import { createAnalyses, standardAnalyses, type AnalysisDefs } from './analyses.js';
import { definePass } from './pass.js';
import { runSchedule } from './runner.js';
import { seq } from './schedule.js';

const model = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (float[2] x) => (float[2] y) <float[2] w = {1, 2}> {
  c = Constant <value = float[2] {3, 4}> ()
  a = Add (x, w)
  y = Mul (a, c)
}`);

function counting(): { defs: AnalysisDefs; calls: { types: number; constants: number } } {
  const calls = { types: 0, constants: 0 };
  return {
    calls,
    defs: {
      types: (m) => (calls.types++, standardAnalyses.types(m)),
      constants: (m) => (calls.constants++, standardAnalyses.constants(m)),
    },
  };
}

describe('analyses', () => {
  it('a second request on the same model does not recompute; a new model does', () => {
    const { defs, calls } = counting();
    const a = createAnalyses(defs);
    const t1 = a.get(model, 'types');
    expect(a.get(model, 'types')).toBe(t1);
    expect(calls.types).toBe(1);
    const byName = new Map(Object.values(model.graph.values).map((v) => [v.name, v.id]));
    expect(t1.types.get(byName.get('a')!)).toEqual({ kind: 'tensor', dtype: 1, shape: [2] });
    const c = a.get(model, 'constants');
    expect([...c.keys()].sort()).toEqual([byName.get('w'), byName.get('c')].sort());
    expect(calls.constants).toBe(1);
    const changed = edit(model, (e) => e.setValue(byName.get('a')!, { name: 'sum' }));
    a.get(changed, 'types');
    expect(calls.types).toBe(2);
  });
  it('passes of one run share the memo through ctx.analyses', () => {
    const { defs, calls } = counting();
    const seen: unknown[] = [];
    const reader = definePass({ name: 'reader', summary: 'reads types', defaults: {}, run: (m, ctx) => (seen.push(ctx.analyses.get(m, 'types')), m) });
    runSchedule(seq(reader(), reader(), reader()), model, { analyses: createAnalyses(defs) });
    expect(calls.types).toBe(1);
    expect(seen[0]).toBe(seen[2]);
  });
});

describe('the constants analysis', () => {
  it('holds initializers (subgraphs too) and Constant nodes given as a `value` tensor, nothing else', () => {
    // value_float is a Constant too, but not a stored Tensor: the analysis maps values to Tensors
    // only, so it must leave it out rather than hand out the float as if it were one.
    const m = parseModel(`<ir_version: 8, opset_import: ["" : 17]>
g (bool b, float[2] x) => (float[2] y, z) <float[2] w = {1, 2}> {
  c = Constant <value = float[2] {3, 4}> ()
  f = Constant <value_float = 5.0> ()
  a = Add (x, w)
  m = Mul (a, c)
  y = Add (m, f)
  z = If (b) <then_branch = t () => (o1) <float[1] k = {7}> { o1 = Add (x, k) }, else_branch = e () => (o2) { o2 = Neg (x) }>
}`);
    const consts = createAnalyses().get(m, 'constants');
    const names = new Map<string, string>();
    const collect = (g: typeof m.graph) => {
      for (const v of Object.values(g.values)) if (v.name) names.set(v.id, v.name);
      for (const id of g.order) for (const a of g.nodes[id].attrs) if (a.kind === 'graph') collect(a.value);
    };
    collect(m.graph);
    expect([...consts.keys()].map((id) => names.get(id)).sort()).toEqual(['c', 'k', 'w']);
    const c = [...consts.entries()].find(([id]) => names.get(id) === 'c')![1];
    expect(c.dims).toEqual([2]);
  });

  it('an unknown analysis name is an error, not undefined', () => {
    expect(() => createAnalyses().get(model, 'nope' as never)).toThrow(/unknown analysis 'nope'/);
    // Nor does a name on Object.prototype count as an analysis.
    expect(() => createAnalyses().get(model, 'toString' as never)).toThrow(/unknown analysis 'toString'/);
  });
});
